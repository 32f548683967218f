#include "opcua/security/crypto.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <array>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "core/time_format.h"

namespace mw::opcua::security {
namespace {

namespace fs = std::filesystem;

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
constexpr Policy kAes128{"http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep",
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
constexpr Policy kAes256Pss{"http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss",
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
constexpr std::array<const Policy*, 4> kPolicies = {&kNone, &kBasic256Sha256, &kAes128, &kAes256Pss};

// OpenSSL's reason for the last failure, for error messages.
std::string SslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

Status Fail(std::string_view what) { return Status::Internal(fmt::format("{}: {}", what, SslError())); }

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot read {}", path));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Status WriteFile(const std::string& path, std::string_view bytes, bool secret) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(fmt::format("cannot write {}", path));
  if (secret) ::chmod(path.c_str(), 0600);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return out ? Status::Ok() : Status::IoError(fmt::format("cannot write {}", path));
}

Timestamp AsnTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<Timestamp>(timegm(&tm)) * kNanosPerSecond;
}

Status ConfigureRsa(EVP_PKEY_CTX* ctx, const Policy& policy, bool signature) {
  if (signature) {
    if (policy.asymmetric_signature != AsymmetricSignature::kRsaPssSha256) {
      return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 ? Status::Ok() : Fail("RSA padding");
    }
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
      return Fail("RSA-PSS parameters");
    }
    return Status::Ok();
  }
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0) return Fail("RSA-OAEP padding");
  if (policy.asymmetric_encryption == AsymmetricEncryption::kRsaOaepSha256) {
    if (EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
      return Fail("RSA-OAEP SHA-256 parameters");
    }
  }
  return Status::Ok();
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

Status Aes(const SymmetricKeys& keys, std::string& data, bool encrypt) {
  if (data.size() % 16 != 0)
    return Status::InvalidArgument(fmt::format("AES-CBC on {} bytes, not a multiple of 16", data.size()));
  if (keys.iv.size() != 16) return Status::InvalidArgument("AES-CBC needs a 16-byte IV");
  const EVP_CIPHER* cipher = keys.encryption_key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, Bytes(keys.encryption_key), Bytes(keys.iv),
                                encrypt ? 1 : 0) != 1) {
    return Fail("AES-CBC init");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  std::string out(data.size() + 16, '\0');
  int n = 0;
  int tail = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), o, &n, Bytes(data), static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), o + n, &tail) != 1) {
    return Fail("AES-CBC");
  }
  out.resize(static_cast<std::size_t>(n) + static_cast<std::size_t>(tail));
  data = std::move(out);
  return Status::Ok();
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

Result<Certificate> CreateCertificate(const PrivateKey& key, std::string_view application_uri,
                                      std::string_view common_name,
                                      const std::vector<std::string>& hostnames) {
  std::unique_ptr<X509, Deleter<X509, X509_free>> x(X509_new());
  X509_set_version(x.get(), 2);
  const std::string serial = RandomBytes(16);
  BIGNUM* bn = BN_bin2bn(Bytes(serial), 16, nullptr);
  BN_set_negative(bn, 0);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x.get()), -86400);
  X509_gmtime_adj(X509_getm_notAfter(x.get()), 5L * 365 * 86400);
  X509_set_pubkey(x.get(), key.get());
  X509_NAME* name = X509_get_subject_name(x.get());
  const std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, Bytes(cn), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, Bytes("Millwright"), -1, -1, 0);
  X509_set_issuer_name(x.get(), name);
  std::string san = fmt::format("URI:{}", application_uri);
  for (const std::string& host : hostnames) san += ",DNS:" + host;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
  const std::array<std::pair<int, std::string>, 5> extensions = {{
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage,
       "critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyCertSign"},
      {NID_ext_key_usage, "serverAuth,clientAuth"},
      {NID_subject_key_identifier, "hash"},
      {NID_subject_alt_name, san},
  }};
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) return Fail(fmt::format("certificate extension {}", OBJ_nid2sn(nid)));
    X509_add_ext(x.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x.get(), key.get(), EVP_sha256()) <= 0) return Fail("signing the certificate");
  unsigned char* der = nullptr;
  const int len = i2d_X509(x.get(), &der);
  if (len <= 0) return Fail("encoding the certificate");
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return Certificate::FromDer(std::move(bytes));
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
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "none") return MessageSecurityMode::kNone;
  if (lower == "sign") return MessageSecurityMode::kSign;
  if (lower == "signandencrypt") return MessageSecurityMode::kSignAndEncrypt;
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

// --- certificates and keys ----------------------------------------------------------------------

Result<Certificate> Certificate::FromDer(std::string der) {
  const unsigned char* p = Bytes(der);
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (!x) return Status::Corruption(fmt::format("not an X.509 certificate: {}", SslError()));
  Certificate cert;
  cert.x509_.reset(x, X509_free);
  cert.der_ = std::move(der);
  return cert;
}

Result<Certificate> Certificate::FromFile(const std::string& path) {
  Result<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  if (bytes->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    Result<Certificate> cert = FromDer(std::move(bytes).value());
    if (!cert.ok()) return Status::Corruption(fmt::format("{}: {}", path, cert.status().message()));
    return cert;
  }
  Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!x) return Status::Corruption(fmt::format("{}: not a PEM certificate: {}", path, SslError()));
  unsigned char* der = nullptr;
  const int len = i2d_X509(x, &der);
  X509_free(x);
  if (len <= 0) return Fail(path);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return FromDer(std::move(out));
}

std::string Certificate::Thumbprint() const {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(Bytes(der_), der_.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string Certificate::ThumbprintHex() const { return Hex(Thumbprint()); }

std::string Certificate::SubjectName() const {
  Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(x509_.get()), 0,
                     XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string Certificate::ApplicationUri() const {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x509_.get(), NID_subject_alt_name, nullptr, nullptr));
  if (!names) return {};
  std::string uri;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && uri.empty(); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_URI) {
      const ASN1_IA5STRING* s = name->d.uniformResourceIdentifier;
      uri.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                 static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  GENERAL_NAMES_free(names);
  return uri;
}

std::size_t Certificate::KeyBits() const { return static_cast<std::size_t>(EVP_PKEY_get_bits(public_key())); }
Timestamp Certificate::NotBefore() const { return AsnTime(X509_get0_notBefore(x509_.get())); }
Timestamp Certificate::NotAfter() const { return AsnTime(X509_get0_notAfter(x509_.get())); }
EVP_PKEY* Certificate::public_key() const { return X509_get0_pubkey(x509_.get()); }

Result<PrivateKey> PrivateKey::FromFile(const std::string& path) {
  Result<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  Bio bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return Status::Corruption(fmt::format("{}: not a PEM private key: {}", path, SslError()));
  PrivateKey out;
  out.key_.reset(key, EVP_PKEY_free);
  return out;
}

Result<PrivateKey> PrivateKey::Generate(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (!key) return Fail("RSA key generation");
  PrivateKey out;
  out.key_.reset(key, EVP_PKEY_free);
  return out;
}

Result<std::string> PrivateKey::ToPem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail("writing the private key");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::size_t PrivateKey::KeyBits() const { return static_cast<std::size_t>(EVP_PKEY_get_bits(key_.get())); }

// --- asymmetric ---------------------------------------------------------------------------------

Result<std::string> AsymmetricSign(const Policy& policy, const PrivateKey& key, std::string_view data) {
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1)
    return Fail("sign init");
  MW_RETURN_IF_ERROR(ConfigureRsa(pctx, policy, true));
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(data), data.size()) != 1) return Fail("sign");
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, Bytes(data),
                     data.size()) != 1) {
    return Fail("sign");
  }
  out.resize(len);
  return out;
}

Status AsymmetricVerify(const Policy& policy, const Certificate& signer, std::string_view data,
                        std::string_view signature) {
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, signer.public_key()) != 1) {
    return Fail("verify init");
  }
  MW_RETURN_IF_ERROR(ConfigureRsa(pctx, policy, true));
  if (EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data), data.size()) != 1) {
    ERR_clear_error();
    return Status::FailedPrecondition(fmt::format("signature by '{}' does not verify", signer.SubjectName()));
  }
  return Status::Ok();
}

std::size_t AsymmetricPlainBlockSize(const Policy& policy, std::size_t key_bits) {
  const std::size_t overhead = policy.asymmetric_encryption == AsymmetricEncryption::kRsaOaepSha256 ? 66 : 42;
  return key_bits / 8 - overhead;
}
std::size_t AsymmetricCipherBlockSize(std::size_t key_bits) { return key_bits / 8; }
std::size_t AsymmetricSignatureSize(std::size_t key_bits) { return key_bits / 8; }

Result<std::string> AsymmetricEncrypt(const Policy& policy, const Certificate& recipient,
                                      std::string_view plain) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(recipient.public_key(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return Fail("encrypt init");
  MW_RETURN_IF_ERROR(ConfigureRsa(ctx.get(), policy, false));
  const std::size_t block = AsymmetricPlainBlockSize(policy, recipient.KeyBits());
  std::string out;
  for (std::size_t at = 0; at < plain.size() || (at == 0 && plain.empty()); at += block) {
    const std::string_view piece = plain.substr(at, block);
    std::size_t len = AsymmetricCipherBlockSize(recipient.KeyBits());
    std::string cipher(len, '\0');
    if (EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(cipher.data()), &len, Bytes(piece),
                         piece.size()) != 1) {
      return Fail("RSA-OAEP encrypt");
    }
    out.append(cipher, 0, len);
    if (plain.empty()) break;
  }
  return out;
}

Result<std::string> AsymmetricDecrypt(const Policy& policy, const PrivateKey& key, std::string_view cipher) {
  const std::size_t block = AsymmetricCipherBlockSize(key.KeyBits());
  if (cipher.size() % block != 0) {
    return Status::Corruption(
        fmt::format("RSA ciphertext of {} bytes is not a multiple of {}", cipher.size(), block));
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return Fail("decrypt init");
  MW_RETURN_IF_ERROR(ConfigureRsa(ctx.get(), policy, false));
  std::string out;
  for (std::size_t at = 0; at < cipher.size(); at += block) {
    std::size_t len = block;
    std::string plain(len, '\0');
    if (EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                         Bytes(cipher.substr(at, block)), block) != 1) {
      ERR_clear_error();
      return Status::FailedPrecondition("RSA-OAEP decryption failed (wrong key or corrupted data)");
    }
    out.append(plain, 0, len);
  }
  return out;
}

// --- symmetric ----------------------------------------------------------------------------------

std::string PSha256(std::string_view secret, std::string_view seed, std::size_t length) {
  std::string out;
  std::string a(seed);  // A(0)
  while (out.size() < length) {
    a = Hmac(secret, a);
    out += Hmac(secret, a + std::string(seed));
  }
  out.resize(length);
  return out;
}

SymmetricKeys DeriveKeys(const Policy& policy, std::string_view secret, std::string_view seed) {
  const std::size_t sign = policy.symmetric_signing_key_length;
  const std::size_t encrypt = policy.symmetric_encryption_key_length;
  const std::size_t iv = policy.symmetric_block_size;
  const std::string bytes = PSha256(secret, seed, sign + encrypt + iv);
  return {bytes.substr(0, sign), bytes.substr(sign, encrypt), bytes.substr(sign + encrypt, iv)};
}

std::string SymmetricSign(const SymmetricKeys& keys, std::string_view data) {
  return Hmac(keys.signing_key, data);
}

Status SymmetricVerify(const SymmetricKeys& keys, std::string_view data, std::string_view signature) {
  const std::string expected = Hmac(keys.signing_key, data);
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return Status::FailedPrecondition("message signature does not verify");
  }
  return Status::Ok();
}

Status SymmetricEncrypt(const SymmetricKeys& keys, std::string& data) { return Aes(keys, data, true); }
Status SymmetricDecrypt(const SymmetricKeys& keys, std::string& data) { return Aes(keys, data, false); }

std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
  return out;
}

// --- identity and trust -------------------------------------------------------------------------

Result<ApplicationIdentity> LoadOrCreateApplicationIdentity(const std::string& pki_dir,
                                                            std::string_view application_uri,
                                                            std::string_view common_name,
                                                            const std::vector<std::string>& hostnames) {
  const std::string cert_path = pki_dir + "/own/certs/cert.der";
  const std::string key_path = pki_dir + "/own/private/key.pem";
  if (fs::exists(cert_path) && fs::exists(key_path)) {
    Result<Certificate> cert = Certificate::FromFile(cert_path);
    if (!cert.ok()) return cert.status();
    Result<PrivateKey> key = PrivateKey::FromFile(key_path);
    if (!key.ok()) return key.status();
    return ApplicationIdentity{std::move(cert).value(), std::move(key).value()};
  }
  Result<PrivateKey> key = PrivateKey::Generate(2048);
  if (!key.ok()) return key.status();
  Result<Certificate> cert = CreateCertificate(*key, application_uri, common_name, hostnames);
  if (!cert.ok()) return cert.status();
  Result<std::string> pem = key->ToPem();
  if (!pem.ok()) return pem.status();
  MW_RETURN_IF_ERROR(WriteFile(key_path, *pem, true));
  MW_RETURN_IF_ERROR(WriteFile(cert_path, cert->der(), false));
  std::error_code ec;
  fs::create_directories(pki_dir + "/trusted/certs", ec);
  fs::create_directories(pki_dir + "/rejected/certs", ec);
  return ApplicationIdentity{std::move(cert).value(), std::move(key).value()};
}

Status TrustList::Check(const Certificate& cert) const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(trusted_dir(), ec)) {
    Result<Certificate> trusted = Certificate::FromFile(entry.path().string());
    if (!trusted.ok() || trusted->der() != cert.der()) continue;
    const Timestamp now = static_cast<Timestamp>(std::time(nullptr)) * kNanosPerSecond;
    if (now < cert.NotBefore() || now > cert.NotAfter()) {
      return Status::FailedPrecondition(
          fmt::format("certificate '{}' is trusted but not valid now (valid {} to {})", cert.SubjectName(),
                      FormatRfc3339(cert.NotBefore()), FormatRfc3339(cert.NotAfter())));
    }
    return Status::Ok();
  }
  const std::string rejected = rejected_dir() + "/" + cert.ThumbprintHex() + ".der";
  (void)WriteFile(rejected, cert.der(), false);
  return Status::FailedPrecondition(
      fmt::format("certificate '{}' (thumbprint {}) is not trusted; to trust it: mv {} {}/",
                  cert.SubjectName(), cert.ThumbprintHex(), rejected, trusted_dir()));
}

Status TrustList::Trust(const Certificate& cert) const {
  return WriteFile(trusted_dir() + "/" + cert.ThumbprintHex() + ".der", cert.der(), false);
}

}  // namespace mw::opcua::security
