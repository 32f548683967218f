// Certificates and private keys: parsing, the fields OPC UA reads, and self-signed creation.
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <ctime>

#include <fmt/format.h>

#include "opcua/security/crypto.h"
#include "opcua/security/openssl_util.h"

namespace mw::opcua::security {
namespace {

using internal::Bio;
using internal::Bytes;
using internal::SslError;
using internal::SslFailure;

constexpr std::string_view kPemCertificate = "-----BEGIN CERTIFICATE-----";

// A PEM password callback that refuses, so that an encrypted key fails instead of prompting on
// the terminal (OpenSSL's default).
int NoPassword(char*, int, int, void*) { return -1; }

Timestamp ToTimestamp(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<Timestamp>(timegm(&tm)) * kNanosPerSecond;
}

// Calls f(type, value) for each name in the certificate's subjectAltName.
template <typename F>
void ForEachAltName(X509* x, F&& f) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI && name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = name->type == GEN_URI ? name->d.uniformResourceIdentifier : name->d.dNSName;
    f(name->type, std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                              static_cast<std::size_t>(ASN1_STRING_length(s))));
  }
  GENERAL_NAMES_free(names);
}

bool IsPrintableAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return !s.empty();
}

// Built from parts rather than from an OpenSSL config string, in which a comma in a name would
// start another name.
Status AddAltNames(X509* x, std::string_view uri, const std::vector<std::string>& hostnames) {
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  auto add = [names](int type, std::string_view value) {
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (s == nullptr || name == nullptr ||
        ASN1_STRING_set(s, value.data(), static_cast<int>(value.size())) != 1) {
      ASN1_IA5STRING_free(s);
      GENERAL_NAME_free(name);
      return false;
    }
    GENERAL_NAME_set0_value(name, type, s);
    if (sk_GENERAL_NAME_push(names, name) <= 0) {
      GENERAL_NAME_free(name);
      return false;
    }
    return true;
  };
  bool ok = names != nullptr && add(GEN_URI, uri);
  for (const std::string& host : hostnames) ok = ok && add(GEN_DNS, host);
  ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT) == 1;
  GENERAL_NAMES_free(names);
  return ok ? Status::Ok() : SslFailure("certificate subjectAltName");
}

Status AddFixedExtensions(X509* x) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  // OPC 10000-6 6.2.2: the usages an application instance certificate carries.
  constexpr std::array<std::pair<int, const char*>, 5> kExtensions = {{
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage,
       "critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyCertSign"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid:always"},  // after the subject key id, which it copies
  }};
  for (const auto& [nid, value] : kExtensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    const bool added = ext != nullptr && X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    if (!added) return SslFailure(fmt::format("certificate extension {}", OBJ_nid2sn(nid)));
  }
  return Status::Ok();
}

Status SetSerialAndValidity(X509* x, Timestamp not_before, Timestamp not_after) {
  // 16 random bytes, positive and without leading zero byte (RFC 5280 4.1.2.2).
  std::string serial = RandomBytes(16);
  serial[0] = static_cast<char>((static_cast<unsigned char>(serial[0]) & 0x7f) | 0x40);
  BIGNUM* bn = BN_bin2bn(Bytes(serial), static_cast<int>(serial.size()), nullptr);
  const bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != nullptr &&
                  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(not_before / kNanosPerSecond)) &&
                  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(not_after / kNanosPerSecond));
  BN_free(bn);
  return ok ? Status::Ok() : SslFailure("certificate serial number and validity");
}

Status SetSubject(X509* x, std::string_view common_name) {
  X509_NAME* name = X509_get_subject_name(x);
  const bool ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, Bytes(common_name),
                                             static_cast<int>(common_name.size()), -1, 0) == 1 &&
                  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, Bytes("Millwright"), -1, -1, 0) == 1 &&
                  X509_set_issuer_name(x, name) == 1;
  return ok ? Status::Ok() : SslFailure("certificate subject");
}

}  // namespace

// --- Certificate --------------------------------------------------------------------------------

Result<Certificate> Certificate::FromDer(std::string der) {
  const unsigned char* p = Bytes(der);
  const unsigned char* const end = p + der.size();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return Status::Corruption(fmt::format("not an X.509 certificate: {}", SslError()));
  Certificate cert;
  cert.x509_.reset(x, X509_free);
  const std::size_t leaf_size = static_cast<std::size_t>(p - Bytes(der));
  while (p < end) {  // the rest of a chain: accepted, checked, not kept
    X509* issuer = d2i_X509(nullptr, &p, static_cast<long>(end - p));
    if (issuer == nullptr) {
      return Status::Corruption(
          fmt::format("{} bytes after the certificate are not a certificate: {}", end - p, SslError()));
    }
    X509_free(issuer);
  }
  der.resize(leaf_size);
  cert.der_ = std::move(der);
  return cert;
}

Result<Certificate> Certificate::FromFile(const std::string& path) {
  Result<std::string> bytes = internal::ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->find(kPemCertificate) == std::string::npos) {
    Result<Certificate> cert = FromDer(std::move(bytes).value());
    if (!cert.ok()) return Status::Corruption(fmt::format("{}: {}", path, cert.status().message()));
    return cert;
  }
  Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  internal::X509Ptr x(PEM_read_bio_X509(bio.get(), nullptr, NoPassword, nullptr));
  if (!x) return Status::Corruption(fmt::format("{}: not a PEM certificate: {}", path, SslError()));
  return FromDer(internal::ToDer(x.get()));
}

std::string Certificate::Thumbprint() const {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(Bytes(der_), der_.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string Certificate::ThumbprintHex() const { return internal::Hex(Thumbprint()); }

std::string Certificate::SubjectName() const {
  if (!x509_) return {};
  Bio bio(BIO_new(BIO_s_mem()));
  // "CN=x, O=y" in certificate order, UTF-8 shown as is, special characters escaped as in RFC 2253.
  const unsigned long flags =
      XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN | (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  if (X509_NAME_print_ex(bio.get(), X509_get_subject_name(x509_.get()), 0, flags) < 0) return {};
  return internal::BioContents(bio.get());
}

std::string Certificate::ApplicationUri() const {
  std::string uri;
  if (!x509_) return uri;
  ForEachAltName(x509_.get(), [&uri](int type, std::string value) {
    if (type == GEN_URI && uri.empty()) uri = std::move(value);
  });
  return uri;
}

std::vector<std::string> Certificate::DnsNames() const {
  std::vector<std::string> names;
  if (!x509_) return names;
  ForEachAltName(x509_.get(), [&names](int type, std::string value) {
    if (type == GEN_DNS) names.push_back(std::move(value));
  });
  return names;
}

std::size_t Certificate::KeyBits() const {
  EVP_PKEY* key = public_key();
  const int bits = key == nullptr ? 0 : EVP_PKEY_get_bits(key);
  return bits > 0 ? static_cast<std::size_t>(bits) : 0;
}

Timestamp Certificate::NotBefore() const { return x509_ ? ToTimestamp(X509_get0_notBefore(x509_.get())) : 0; }
Timestamp Certificate::NotAfter() const { return x509_ ? ToTimestamp(X509_get0_notAfter(x509_.get())) : 0; }
EVP_PKEY* Certificate::public_key() const { return x509_ ? X509_get0_pubkey(x509_.get()) : nullptr; }

// --- PrivateKey ---------------------------------------------------------------------------------

Result<PrivateKey> PrivateKey::FromFile(const std::string& path) {
  Result<std::string> bytes = internal::ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  EVP_PKEY* key = nullptr;
  if (bytes->find("-----BEGIN") != std::string::npos) {
    Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
    key = PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr);
  } else {
    const unsigned char* p = Bytes(*bytes);
    key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes->size()));
  }
  if (key == nullptr) {
    return Status::Corruption(
        fmt::format("{}: not an unencrypted PEM or DER private key: {}", path, SslError()));
  }
  PrivateKey out;
  out.key_.reset(key, EVP_PKEY_free);
  if (!EVP_PKEY_is_a(key, "RSA")) {
    return Status::InvalidArgument(fmt::format("{}: {} key, not RSA", path, EVP_PKEY_get0_type_name(key)));
  }
  return out;
}

Result<PrivateKey> PrivateKey::Generate(int bits) {
  if (bits < 1024 || bits > 16384) return Status::InvalidArgument(fmt::format("RSA key of {} bits", bits));
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) return SslFailure("RSA key generation");
  PrivateKey out;
  out.key_.reset(key, EVP_PKEY_free);
  return out;
}

Result<std::string> PrivateKey::ToPem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!key_ || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return SslFailure("writing the private key as PEM");
  }
  return internal::BioContents(bio.get());
}

std::size_t PrivateKey::KeyBits() const {
  const int bits = key_ ? EVP_PKEY_get_bits(key_.get()) : 0;
  return bits > 0 ? static_cast<std::size_t>(bits) : 0;
}

// --- creation -----------------------------------------------------------------------------------

Result<Certificate> CreateSelfSignedCertificate(const PrivateKey& key, std::string_view application_uri,
                                                std::string_view common_name,
                                                const std::vector<std::string>& hostnames,
                                                Timestamp not_before, Timestamp not_after) {
  if (!IsPrintableAscii(application_uri)) {
    return Status::InvalidArgument(
        fmt::format("application URI '{}' is empty or not ASCII", application_uri));
  }
  for (const std::string& host : hostnames) {
    if (!IsPrintableAscii(host))
      return Status::InvalidArgument(fmt::format("host name '{}' is not ASCII", host));
  }
  if (key.get() == nullptr) return Status::InvalidArgument("no private key");
  internal::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1 || X509_set_pubkey(x.get(), key.get()) != 1) {
    return SslFailure("certificate");
  }
  MW_RETURN_IF_ERROR(SetSerialAndValidity(x.get(), not_before, not_after));
  MW_RETURN_IF_ERROR(SetSubject(x.get(), common_name));
  MW_RETURN_IF_ERROR(AddFixedExtensions(x.get()));
  MW_RETURN_IF_ERROR(AddAltNames(x.get(), application_uri, hostnames));
  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) return SslFailure("signing the certificate");
  return Certificate::FromDer(internal::ToDer(x.get()));
}

}  // namespace mw::opcua::security
