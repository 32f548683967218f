// OPC UA security policies (OPC 10000-7) and application certificates, on OpenSSL 3.
//
// A Policy is data: which asymmetric and symmetric algorithms, key and nonce lengths. The
// functions below do what the secure channel and the session need with them: RSA signatures
// (PKCS#1 v1.5 or PSS over SHA-256), RSA-OAEP encryption block by block, the P_SHA256 key
// derivation, HMAC-SHA256 and AES-CBC without padding (the channel pads itself).
//
// Certificates: the application instance certificate is created once in <pki>/own/ and kept; a
// peer's certificate is trusted when it is in <pki>/trusted/certs/, and an unknown one is copied
// to <pki>/rejected/certs/ and refused with a message that says how to trust it.
//
// Errors are Status values naming what failed (with OpenSSL's reason). Every function is
// thread-safe; Certificate and PrivateKey are cheap to copy (they share the parsed object).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace mw::opcua::security {

enum class MessageSecurityMode : std::uint32_t { kInvalid = 0, kNone = 1, kSign = 2, kSignAndEncrypt = 3 };
std::string_view SecurityModeName(MessageSecurityMode mode);           // "None", "Sign", "SignAndEncrypt"
Result<MessageSecurityMode> ParseSecurityMode(std::string_view name);  // case-insensitive

enum class AsymmetricEncryption { kNone, kRsaOaepSha1, kRsaOaepSha256 };
enum class AsymmetricSignature { kNone, kRsaPkcs15Sha256, kRsaPssSha256 };

struct Policy {
  std::string_view uri;
  std::string_view name;
  AsymmetricEncryption asymmetric_encryption = AsymmetricEncryption::kNone;
  AsymmetricSignature asymmetric_signature = AsymmetricSignature::kNone;
  std::string_view asymmetric_signature_uri;
  std::string_view asymmetric_encryption_uri;
  std::size_t symmetric_signing_key_length = 0;
  std::size_t symmetric_encryption_key_length = 0;
  std::size_t symmetric_block_size = 0;
  std::size_t symmetric_signature_size = 0;
  std::size_t nonce_length = 0;
  std::size_t min_asymmetric_key_bits = 0;
  std::size_t max_asymmetric_key_bits = 0;
  bool IsNone() const { return asymmetric_encryption == AsymmetricEncryption::kNone; }
};

const Policy& NonePolicy();
// By full URI or short name ("Basic256Sha256"); nullptr if unknown.
const Policy* FindPolicy(std::string_view uri_or_name);
std::span<const Policy* const> AllPolicies();

class Certificate {
 public:
  static Result<Certificate> FromDer(std::string der);
  static Result<Certificate> FromFile(const std::string& path);  // DER or PEM
  const std::string& der() const { return der_; }
  std::string Thumbprint() const;     // SHA-1 of the DER, 20 bytes
  std::string ThumbprintHex() const;  // 40 lower-case hex digits
  std::string SubjectName() const;
  std::string ApplicationUri() const;  // the URI in subjectAltName, "" if none
  std::size_t KeyBits() const;
  Timestamp NotBefore() const;
  Timestamp NotAfter() const;
  EVP_PKEY* public_key() const;  // borrowed

 private:
  std::string der_;
  std::shared_ptr<X509> x509_;
};

class PrivateKey {
 public:
  static Result<PrivateKey> FromFile(const std::string& path);
  static Result<PrivateKey> Generate(int bits);
  Result<std::string> ToPem() const;
  std::size_t KeyBits() const;
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

Result<std::string> AsymmetricSign(const Policy& policy, const PrivateKey& key, std::string_view data);
Status AsymmetricVerify(const Policy& policy, const Certificate& signer, std::string_view data,
                        std::string_view signature);
Result<std::string> AsymmetricEncrypt(const Policy& policy, const Certificate& recipient,
                                      std::string_view plain);
Result<std::string> AsymmetricDecrypt(const Policy& policy, const PrivateKey& key, std::string_view cipher);
std::size_t AsymmetricPlainBlockSize(const Policy& policy, std::size_t key_bits);
std::size_t AsymmetricCipherBlockSize(std::size_t key_bits);
std::size_t AsymmetricSignatureSize(std::size_t key_bits);

struct SymmetricKeys {
  std::string signing_key;
  std::string encryption_key;
  std::string iv;
};
// P_SHA256(secret, seed) cut into signing key | encryption key | iv (OPC 10000-6, 6.7.5).
SymmetricKeys DeriveKeys(const Policy& policy, std::string_view secret, std::string_view seed);
std::string PSha256(std::string_view secret, std::string_view seed, std::size_t length);
std::string SymmetricSign(const SymmetricKeys& keys, std::string_view data);
Status SymmetricVerify(const SymmetricKeys& keys, std::string_view data, std::string_view signature);
Status SymmetricEncrypt(const SymmetricKeys& keys, std::string& data);
Status SymmetricDecrypt(const SymmetricKeys& keys, std::string& data);
std::string RandomBytes(std::size_t n);

struct ApplicationIdentity {
  Certificate certificate;
  PrivateKey key;
};
// Loads <pki>/own/certs/cert.der and <pki>/own/private/key.pem, or creates them (RSA 2048,
// self-signed SHA-256, CN=<common_name>, subjectAltName URI:<application_uri> and DNS:<hostnames>,
// valid from yesterday for 5 years, key file mode 0600).
Result<ApplicationIdentity> LoadOrCreateApplicationIdentity(const std::string& pki_dir,
                                                            std::string_view application_uri,
                                                            std::string_view common_name,
                                                            const std::vector<std::string>& hostnames);

class TrustList {
 public:
  explicit TrustList(std::string pki_dir) : pki_dir_(std::move(pki_dir)) {}
  // Ok when `cert` is in trusted/certs and within its validity; otherwise FailedPrecondition
  // saying why (an unknown certificate is also written to rejected/certs/<thumbprint>.der).
  Status Check(const Certificate& cert) const;
  Status Trust(const Certificate& cert) const;
  const std::string& pki_dir() const { return pki_dir_; }
  std::string trusted_dir() const { return pki_dir_ + "/trusted/certs"; }
  std::string rejected_dir() const { return pki_dir_ + "/rejected/certs"; }

 private:
  std::string pki_dir_;
};

}  // namespace mw::opcua::security
