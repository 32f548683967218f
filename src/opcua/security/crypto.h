// OPC UA security policies (OPC 10000-7) and application certificates, on OpenSSL 3.
//
// A Policy is data: which asymmetric and symmetric algorithms, key and nonce lengths. The
// functions below do what the secure channel and the session need with them: RSA signatures
// (PKCS#1 v1.5 or PSS over SHA-256), RSA-OAEP encryption block by block, the P_SHA256 key
// derivation (OPC 10000-6 6.7.5), HMAC-SHA256 and AES-CBC without padding (the channel pads).
//
// Certificates: the application instance certificate is created once in <pki>/own/ and kept; a
// peer's certificate is trusted when it is in <pki>/trusted/certs/, and an unknown one is copied
// to <pki>/rejected/certs/ and refused with a message that says how to trust it.
//
// Errors: Status values naming what failed, with OpenSSL's reason where there is one.
// InvalidArgument for misuse (wrong key type or size for the policy, bad lengths), Corruption for
// bytes that do not parse, FailedPrecondition for a signature that does not verify, a ciphertext
// that does not decrypt, or a certificate that is not trusted; IoError for files.
//
// Thread-safety: every function may be called from any thread (OpenSSL 3 is thread-safe).
// Certificate and PrivateKey are immutable and cheap to copy (copies share the parsed object);
// a default-constructed one is empty and only good for assigning to.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/types.h"

typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

namespace mw::opcua::security {

// --- policies -----------------------------------------------------------------------------------

enum class MessageSecurityMode : std::uint32_t { kInvalid = 0, kNone = 1, kSign = 2, kSignAndEncrypt = 3 };
// "None", "Sign", "SignAndEncrypt" ("Invalid" for anything else).
std::string_view SecurityModeName(MessageSecurityMode mode);
// The names above, case-insensitive; InvalidArgument otherwise ("Invalid" is not accepted).
Result<MessageSecurityMode> ParseSecurityMode(std::string_view name);

enum class AsymmetricEncryption { kNone, kRsaOaepSha1, kRsaOaepSha256 };
enum class AsymmetricSignature { kNone, kRsaPkcs15Sha256, kRsaPssSha256 };

// One security policy, as data (OPC 10000-7). Lengths are in bytes, key sizes in bits.
struct Policy {
  std::string_view uri;   // "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
  std::string_view name;  // "Basic256Sha256"
  AsymmetricEncryption asymmetric_encryption = AsymmetricEncryption::kNone;
  AsymmetricSignature asymmetric_signature = AsymmetricSignature::kNone;
  std::string_view asymmetric_signature_uri;   // XML-DSig URI, for SignatureData.algorithm
  std::string_view asymmetric_encryption_uri;  // XML-Enc URI, for user-token encryption
  std::size_t symmetric_signing_key_length = 0;
  std::size_t symmetric_encryption_key_length = 0;
  std::size_t symmetric_block_size = 0;
  std::size_t symmetric_signature_size = 0;
  std::size_t nonce_length = 0;
  std::size_t min_asymmetric_key_bits = 0;
  std::size_t max_asymmetric_key_bits = 0;
  bool IsNone() const { return asymmetric_encryption == AsymmetricEncryption::kNone; }
};

// None, Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss (static storage, never freed).
const Policy& NonePolicy();
// By full URI or short name ("Basic256Sha256"), exact case; nullptr if unknown or deprecated.
const Policy* FindPolicy(std::string_view uri_or_name);
std::span<const Policy* const> AllPolicies();

// --- certificates and keys ----------------------------------------------------------------------

// An X.509 certificate (DER) with its parsed form.
class Certificate {
 public:
  // Corruption if `der` does not start with a certificate. Bytes after it are accepted only when
  // they are certificates too (OPC UA allows a chain, leaf first); der() is then the leaf alone.
  static Result<Certificate> FromDer(std::string der);
  // DER or PEM, told apart by content. NotFound / Corruption.
  static Result<Certificate> FromFile(const std::string& path);

  const std::string& der() const { return der_; }
  std::string Thumbprint() const;             // SHA-1 of der(), 20 raw bytes (OPC UA uses this)
  std::string ThumbprintHex() const;          // 40 lower-case hex digits
  std::string SubjectName() const;            // one line, "CN=Millwright, O=Millwright"
  std::string ApplicationUri() const;         // the first URI in subjectAltName, "" if none
  std::vector<std::string> DnsNames() const;  // the DNS names in subjectAltName
  std::size_t KeyBits() const;                // modulus bits; 0 when the key cannot be read
  Timestamp NotBefore() const;
  Timestamp NotAfter() const;
  EVP_PKEY* public_key() const;               // borrowed, lives as long as any copy of this Certificate
  X509* x509() const { return x509_.get(); }  // borrowed, likewise

 private:
  std::string der_;
  std::shared_ptr<X509> x509_;
};

// An RSA private key.
class PrivateKey {
 public:
  // PEM, PKCS#8 or traditional ("BEGIN RSA PRIVATE KEY"), not password-protected. NotFound,
  // Corruption, or InvalidArgument for a key that is not RSA.
  static Result<PrivateKey> FromFile(const std::string& path);
  static Result<PrivateKey> Generate(int bits);  // slow: ~0.1 s for 2048 bits
  Result<std::string> ToPem() const;             // unencrypted PKCS#8
  std::size_t KeyBits() const;
  EVP_PKEY* get() const { return key_.get(); }  // borrowed

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// --- asymmetric (OpenSecureChannel, session signatures, user tokens) ----------------------------

// Ok when `key` is RSA and its size is within the policy's range; InvalidArgument saying why not.
// The asymmetric functions below check this themselves.
Status CheckKey(const Policy& policy, EVP_PKEY* key);

// PKCS#1 v1.5 or PSS (salt 32 bytes, MGF1 SHA-256) over SHA-256, by policy. The signature is
// AsymmetricSignatureSize(key bits) bytes. InvalidArgument for the None policy.
Result<std::string> AsymmetricSign(const Policy& policy, const PrivateKey& key, std::string_view data);
// FailedPrecondition when the signature is not `signer`'s over `data`.
Status AsymmetricVerify(const Policy& policy, const Certificate& signer, std::string_view data,
                        std::string_view signature);
// Splits `plain` into blocks of AsymmetricPlainBlockSize and RSA-OAEP-encrypts each; the output
// is a whole number of AsymmetricCipherBlockSize blocks (none for empty input).
Result<std::string> AsymmetricEncrypt(const Policy& policy, const Certificate& recipient,
                                      std::string_view plain);
// The reverse: Corruption when `cipher` is not a whole number of blocks, FailedPrecondition when a
// block does not decrypt (wrong key, wrong policy or altered bytes).
Result<std::string> AsymmetricDecrypt(const Policy& policy, const PrivateKey& key, std::string_view cipher);
// Key bytes - 42 (OAEP SHA-1) or - 66 (OAEP SHA-256).
std::size_t AsymmetricPlainBlockSize(const Policy& policy, std::size_t key_bits);
std::size_t AsymmetricCipherBlockSize(std::size_t key_bits);  // key bytes
std::size_t AsymmetricSignatureSize(std::size_t key_bits);    // key bytes

// --- symmetric (every MSG chunk once the channel is open) ---------------------------------------

struct SymmetricKeys {
  std::string signing_key;
  std::string encryption_key;  // 16 (AES-128) or 32 (AES-256) bytes
  std::string iv;              // 16 bytes
};
// P_SHA256(secret, seed) (RFC 5246 section 5) cut into signing key | encryption key | iv, lengths
// from the policy. The client's keys use secret = server nonce, seed = client nonce; the server's
// the other way round (OPC 10000-6 6.7.5). Empty keys for the None policy.
SymmetricKeys DeriveKeys(const Policy& policy, std::string_view secret, std::string_view seed);
std::string PSha256(std::string_view secret, std::string_view seed, std::size_t length);
std::string SymmetricSign(const SymmetricKeys& keys, std::string_view data);  // HMAC-SHA256, 32 bytes
// FailedPrecondition unless `signature` is the HMAC of `data`; compares in constant time.
Status SymmetricVerify(const SymmetricKeys& keys, std::string_view data, std::string_view signature);
// AES-CBC (128 or 256 by key length) with no padding, in place. InvalidArgument unless the size is
// a multiple of 16 and the key and iv have valid lengths.
Status SymmetricEncrypt(const SymmetricKeys& keys, std::string& data);
Status SymmetricDecrypt(const SymmetricKeys& keys, std::string& data);
// From OpenSSL's CSPRNG; aborts the process if it cannot deliver (never returns weak bytes).
std::string RandomBytes(std::size_t n);

// --- application identity and trust list --------------------------------------------------------

struct ApplicationIdentity {
  Certificate certificate;
  PrivateKey key;
};

// Loads <pki_dir>/own/certs/cert.der and <pki_dir>/own/private/key.pem, or when both are absent
// creates them: RSA 2048, self-signed SHA-256, subject CN=<common_name>, O=Millwright,
// subjectAltName URI:<application_uri> and DNS:<each hostname>, the key usages OPC UA asks for,
// valid from now - 1 day for 5 years; the key file mode 0600. Also creates trusted/certs and
// rejected/certs. FailedPrecondition, naming the files, when only one of the two exists, when they
// do not belong together, or when the certificate's application URI is not `application_uri`
// (peers would refuse it); deleting <pki_dir>/own makes a fresh identity. Two processes must not
// create the same identity at the same moment.
Result<ApplicationIdentity> LoadOrCreateApplicationIdentity(const std::string& pki_dir,
                                                            std::string_view application_uri,
                                                            std::string_view common_name,
                                                            const std::vector<std::string>& hostnames);

// The certificate LoadOrCreateApplicationIdentity makes, with any validity; tests use it to make
// expired certificates. Timestamps are rounded down to seconds.
Result<Certificate> CreateSelfSignedCertificate(const PrivateKey& key, std::string_view application_uri,
                                                std::string_view common_name,
                                                const std::vector<std::string>& hostnames,
                                                Timestamp not_before, Timestamp not_after);

// Trust list in a folder: <pki_dir>/trusted/certs/*.der|*.pem are trusted (exact certificate
// match; no chains or CAs). Re-reads the folder on each Check, since operators edit it live.
class TrustList {
 public:
  explicit TrustList(std::string pki_dir, const Clock& clock = SystemClock::Instance())
      : pki_dir_(std::move(pki_dir)), clock_(&clock) {}

  // Ok when `cert` is trusted and valid now. Otherwise FailedPrecondition whose message names the
  // certificate (subject, thumbprint) and, for an unknown one, the copy written to
  // rejected/certs/<thumbprint hex>.der and where to move it to trust it; for a trusted one
  // outside its validity period, the date it expired or becomes valid. At most 256 rejected
  // certificates are kept, so that strangers cannot fill the disk.
  Status Check(const Certificate& cert) const;
  // Writes `cert` to trusted/certs/<thumbprint hex>.der and drops its rejected copy.
  Status Trust(const Certificate& cert) const;

  const std::string& pki_dir() const { return pki_dir_; }
  std::string trusted_dir() const { return pki_dir_ + "/trusted/certs"; }
  std::string rejected_dir() const { return pki_dir_ + "/rejected/certs"; }

 private:
  std::string pki_dir_;
  const Clock* clock_;
};

}  // namespace mw::opcua::security
