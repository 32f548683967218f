// The security policies as data (OPC 10000-7, "Security Policies" profiles) and the mode names.
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "opcua/security/crypto.h"

namespace mw::opcua::security {
namespace {

// Fields in declaration order: uri, name, asymmetric encryption, asymmetric signature, signature
// URI, encryption URI, signing key, encryption key, block, signature, nonce, min and max key bits.
constexpr Policy kNone{"http://opcfoundation.org/UA/SecurityPolicy#None",
                       "None",
                       AsymmetricEncryption::kNone,
                       AsymmetricSignature::kNone,
                       "",
                       "",
                       0,
                       0,
                       0,
                       0,
                       0,
                       0,
                       0};

constexpr Policy kBasic256Sha256{"http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256",
                                 "Basic256Sha256",
                                 AsymmetricEncryption::kRsaOaepSha1,
                                 AsymmetricSignature::kRsaPkcs15Sha256,
                                 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                 "http://www.w3.org/2001/04/xmlenc#rsa-oaep",
                                 32,
                                 32,
                                 16,
                                 32,
                                 32,
                                 2048,
                                 4096};

// Same asymmetric algorithms as Basic256Sha256, AES-128 for the messages.
constexpr Policy kAes128Sha256RsaOaep{"http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
                                      "Aes128_Sha256_RsaOaep",
                                      AsymmetricEncryption::kRsaOaepSha1,
                                      AsymmetricSignature::kRsaPkcs15Sha256,
                                      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                      "http://www.w3.org/2001/04/xmlenc#rsa-oaep",
                                      32,
                                      16,
                                      16,
                                      32,
                                      32,
                                      2048,
                                      4096};

// RSA-PSS signatures and OAEP with SHA-256; the URIs are the OPC Foundation's own.
constexpr Policy kAes256Sha256RsaPss{"http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
                                     "Aes256_Sha256_RsaPss",
                                     AsymmetricEncryption::kRsaOaepSha256,
                                     AsymmetricSignature::kRsaPssSha256,
                                     "http://opcfoundation.org/UA/security/rsa-pss-sha2-256",
                                     "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256",
                                     32,
                                     32,
                                     16,
                                     32,
                                     32,
                                     2048,
                                     4096};

constexpr std::array<const Policy*, 4> kPolicies = {&kNone, &kBasic256Sha256, &kAes128Sha256RsaOaep,
                                                    &kAes256Sha256RsaPss};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

std::string_view SecurityModeName(MessageSecurityMode mode) {
  switch (mode) {
    case MessageSecurityMode::kNone:
      return "None";
    case MessageSecurityMode::kSign:
      return "Sign";
    case MessageSecurityMode::kSignAndEncrypt:
      return "SignAndEncrypt";
    default:
      return "Invalid";
  }
}

Result<MessageSecurityMode> ParseSecurityMode(std::string_view name) {
  for (MessageSecurityMode mode :
       {MessageSecurityMode::kNone, MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
    if (EqualsIgnoringCase(name, SecurityModeName(mode))) return mode;
  }
  return Status::InvalidArgument(
      fmt::format("security mode '{}': expected None, Sign or SignAndEncrypt", name));
}

const Policy& NonePolicy() { return kNone; }

const Policy* FindPolicy(std::string_view uri_or_name) {
  for (const Policy* p : kPolicies) {
    if (p->uri == uri_or_name || p->name == uri_or_name) return p;
  }
  return nullptr;
}

std::span<const Policy* const> AllPolicies() { return kPolicies; }

}  // namespace mw::opcua::security
