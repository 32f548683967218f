// Certificates, keys, the application identity and the trust list.
#include <gtest/gtest.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "core/time_format.h"
#include "opcua/security/crypto.h"
#include "security_test_util.h"
#include "tests/support/test_support.h"

namespace mw::opcua::security {
namespace {

namespace fs = std::filesystem;
using testing::TestCertificate;
using testing::TestKey;

constexpr Timestamp kDay = 86'400 * kNanosPerSecond;

void WriteFile(const std::string& path, std::string_view bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string ToPem(const Certificate& cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert.x509());
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// The key as "BEGIN RSA PRIVATE KEY" (PKCS#1), or encrypted PKCS#8 when `password` is given.
std::string KeyPem(const PrivateKey& key, const char* password) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (password != nullptr) {
    PEM_write_bio_PrivateKey(bio, key.get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                             const_cast<char*>(password));
  } else {
    OSSL_ENCODER_CTX* ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key.get(), EVP_PKEY_KEYPAIR, "PEM", "type-specific", nullptr);
    OSSL_ENCODER_to_bio(ctx, bio);
    OSSL_ENCODER_CTX_free(ctx);
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// --- Certificate and PrivateKey -----------------------------------------------------------------

TEST(Certificate, RefusesBytesThatAreNotACertificate) {
  EXPECT_EQ(Certificate::FromDer("not der").status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(Certificate::FromDer("").ok());
  EXPECT_FALSE(Certificate::FromDer(TestCertificate().der().substr(0, 100)).ok());
  EXPECT_EQ(Certificate::FromDer(TestCertificate().der() + "junk").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(Certificate::FromFile("/nonexistent/cert.der").status().code(), StatusCode::kNotFound);
}

TEST(Certificate, AcceptsAChainAndKeepsTheLeaf) {
  const Certificate other = TestCertificate(0, 10 * kDay, "urn:test:issuer");
  Result<Certificate> chain = Certificate::FromDer(TestCertificate().der() + other.der());
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(chain->der(), TestCertificate().der());
  EXPECT_EQ(chain->Thumbprint(), TestCertificate().Thumbprint());
}

TEST(Certificate, ReadsDerAndPemFiles) {
  mw::testing::TempDir dir;
  WriteFile(dir.File("c.der"), TestCertificate().der());
  WriteFile(dir.File("c.pem"), ToPem(TestCertificate()));
  for (const char* name : {"c.der", "c.pem"}) {
    Result<Certificate> cert = Certificate::FromFile(dir.File(name));
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    EXPECT_EQ(cert->der(), TestCertificate().der()) << name;
  }
}

TEST(Certificate, ThumbprintIsSha1OfTheDer) {
  const Certificate& cert = TestCertificate();
  EXPECT_EQ(cert.Thumbprint().size(), 20u);
  EXPECT_EQ(cert.ThumbprintHex(), testing::Hex(cert.Thumbprint()));
  unsigned char digest[20];
  EVP_Digest(cert.der().data(), cert.der().size(), digest, nullptr, EVP_sha1(), nullptr);
  EXPECT_EQ(cert.Thumbprint(), std::string(reinterpret_cast<char*>(digest), 20));
}

TEST(PrivateKey, ReadsPkcs8AndTraditionalPemButNotEncryptedKeys) {
  mw::testing::TempDir dir;
  WriteFile(dir.File("pkcs8.pem"), *TestKey().ToPem());
  WriteFile(dir.File("rsa.pem"), KeyPem(TestKey(), nullptr));
  WriteFile(dir.File("locked.pem"), KeyPem(TestKey(), "password"));
  ASSERT_NE(ReadFile(dir.File("rsa.pem")).find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  for (const char* name : {"pkcs8.pem", "rsa.pem"}) {
    Result<PrivateKey> key = PrivateKey::FromFile(dir.File(name));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->KeyBits(), 2048u);
    EXPECT_EQ(EVP_PKEY_eq(key->get(), TestKey().get()), 1) << name;
  }
  // Must fail rather than prompt for the password on the terminal.
  EXPECT_EQ(PrivateKey::FromFile(dir.File("locked.pem")).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(PrivateKey::FromFile(dir.File("none.pem")).status().code(), StatusCode::kNotFound);
}

// --- CreateSelfSignedCertificate ----------------------------------------------------------------

TEST(CreateSelfSignedCertificate, CarriesWhatOpcUaAsksFor) {
  const Timestamp from = 1'700'000'000 * kNanosPerSecond;
  Result<Certificate> made = CreateSelfSignedCertificate(TestKey(), "urn:millwright:test", "Millwright Test",
                                                         {"localhost", "plant-7"}, from, from + 30 * kDay);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const Certificate& cert = *made;
  EXPECT_EQ(cert.SubjectName(), "CN=Millwright Test, O=Millwright");
  EXPECT_EQ(cert.ApplicationUri(), "urn:millwright:test");
  EXPECT_EQ(cert.DnsNames(), (std::vector<std::string>{"localhost", "plant-7"}));
  EXPECT_EQ(cert.NotBefore(), from);
  EXPECT_EQ(cert.NotAfter(), from + 30 * kDay);
  EXPECT_EQ(cert.KeyBits(), 2048u);
  EXPECT_EQ(EVP_PKEY_eq(cert.public_key(), TestKey().get()), 1);

  X509* x = cert.x509();
  EXPECT_EQ(X509_get_version(x), X509_VERSION_3);
  EXPECT_EQ(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
  EXPECT_EQ(X509_verify(x, cert.public_key()), 1);  // self-signed
  EXPECT_EQ(X509_check_ca(x), 0);
  const std::uint32_t usage = X509_get_key_usage(x);
  for (std::uint32_t bit : {KU_DIGITAL_SIGNATURE, KU_NON_REPUDIATION, KU_KEY_ENCIPHERMENT,
                            KU_DATA_ENCIPHERMENT, KU_KEY_CERT_SIGN}) {
    EXPECT_TRUE(usage & bit) << bit;
  }
  EXPECT_EQ(X509_get_extended_key_usage(x), std::uint32_t{XKU_SSL_SERVER | XKU_SSL_CLIENT});
  EXPECT_NE(X509_get0_subject_key_id(x), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(x), nullptr);
}

TEST(CreateSelfSignedCertificate, KeepsACommaInTheUriInsideTheUri) {
  // Built from parts, not an OpenSSL config string, where ",DNS:..." would add a name.
  Result<Certificate> cert =
      CreateSelfSignedCertificate(TestKey(), "urn:a,DNS:evil.example", "X", {}, 0, 365 * kDay);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_EQ(cert->ApplicationUri(), "urn:a,DNS:evil.example");
  EXPECT_TRUE(cert->DnsNames().empty());
}

TEST(CreateSelfSignedCertificate, RefusesAnEmptyOrNonAsciiUri) {
  EXPECT_EQ(CreateSelfSignedCertificate(TestKey(), "", "X", {}, 0, kDay).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(CreateSelfSignedCertificate(TestKey(), "urn:caf\xc3\xa9", "X", {}, 0, kDay).ok());
  EXPECT_FALSE(CreateSelfSignedCertificate(TestKey(), "urn:x", "X", {"bad host"}, 0, kDay).ok());
}

// --- LoadOrCreateApplicationIdentity ------------------------------------------------------------

TEST(ApplicationIdentity, IsCreatedOnceAndReloadedUnchanged) {
  mw::testing::TempDir dir;
  const Timestamp before = SystemClock::Instance().Now();
  auto first = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:x", "X", {"localhost", "plant-7"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const Certificate& cert = first->certificate;
  EXPECT_EQ(cert.ApplicationUri(), "urn:millwright:x");
  EXPECT_EQ(cert.DnsNames(), (std::vector<std::string>{"localhost", "plant-7"}));
  EXPECT_EQ(cert.SubjectName(), "CN=X, O=Millwright");
  EXPECT_EQ(cert.KeyBits(), 2048u);
  EXPECT_EQ(first->key.KeyBits(), 2048u);
  EXPECT_LE(cert.NotBefore(), before - kDay + kNanosPerSecond);
  EXPECT_GE(cert.NotAfter(), before + 5 * 365 * kDay - kNanosPerSecond);

  const std::string key_path = dir.path() + "/own/private/key.pem";
  const std::string cert_path = dir.path() + "/own/certs/cert.der";
  struct stat st {};
  ASSERT_EQ(::stat(key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(cert_path), cert.der());
  EXPECT_TRUE(fs::is_directory(dir.path() + "/trusted/certs"));
  EXPECT_TRUE(fs::is_directory(dir.path() + "/rejected/certs"));

  // The second call loads (other names do not matter; the key file is untouched).
  const std::string key_pem = ReadFile(key_path);
  auto second = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:x", "Y", {});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->certificate.der(), cert.der());
  EXPECT_EQ(EVP_PKEY_eq(second->key.get(), first->key.get()), 1);
  EXPECT_EQ(ReadFile(key_path), key_pem);

  // Another application URI: refused rather than silently replaced.
  const Status other = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:y", "X", {}).status();
  EXPECT_EQ(other.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(other.message().find("urn:millwright:y"), std::string::npos) << other.message();

  // A key that is not the certificate's: refused.
  WriteFile(key_path, *TestKey().ToPem());
  const Status mismatch = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:x", "X", {}).status();
  EXPECT_EQ(mismatch.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(mismatch.message().find("is not the key of"), std::string::npos) << mismatch.message();
}

TEST(ApplicationIdentity, RefusesHalfAnIdentity) {
  mw::testing::TempDir dir;
  WriteFile(dir.path() + "/own/certs/cert.der", TestCertificate().der());
  const Status s = LoadOrCreateApplicationIdentity(dir.path(), "urn:test:peer", "X", {}).status();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("key.pem does not"), std::string::npos) << s.message();
  EXPECT_FALSE(fs::exists(dir.path() + "/own/private/key.pem"));
}

TEST(ApplicationIdentity, LoadsAnIdentityTheOperatorProvided) {
  mw::testing::TempDir dir;
  WriteFile(dir.path() + "/own/certs/cert.der", TestCertificate().der());
  WriteFile(dir.path() + "/own/private/key.pem", KeyPem(TestKey(), nullptr));
  auto id = LoadOrCreateApplicationIdentity(dir.path(), "urn:test:peer", "X", {});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->certificate.der(), TestCertificate().der());
}

// --- TrustList ----------------------------------------------------------------------------------

TEST(TrustList, RefusesAnUnknownCertificateAndSavesItToRejected) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  const Status refused = trust.Check(TestCertificate());
  ASSERT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  const std::string rejected = dir.path() + "/rejected/certs/" + TestCertificate().ThumbprintHex() + ".der";
  EXPECT_EQ(ReadFile(rejected), TestCertificate().der());
  for (const std::string& part : {std::string("CN=Test Peer"), TestCertificate().ThumbprintHex(), rejected,
                                  dir.path() + "/trusted/certs/"}) {
    EXPECT_NE(refused.message().find(part), std::string::npos) << part << " not in: " << refused.message();
  }
  // Asking again does not fail on the existing copy.
  EXPECT_FALSE(trust.Check(TestCertificate()).ok());
}

TEST(TrustList, AcceptsACertificateAfterTrust) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  EXPECT_FALSE(trust.Check(TestCertificate()).ok());
  ASSERT_TRUE(trust.Trust(TestCertificate()).ok());
  EXPECT_TRUE(trust.Check(TestCertificate()).ok());
  EXPECT_TRUE(fs::exists(dir.path() + "/trusted/certs/" + TestCertificate().ThumbprintHex() + ".der"));
  EXPECT_FALSE(fs::exists(dir.path() + "/rejected/certs/" + TestCertificate().ThumbprintHex() + ".der"));
  // Only that certificate: another one with the same key is still unknown.
  EXPECT_FALSE(trust.Check(TestCertificate(0, 100'000 * kDay, "urn:other")).ok());
}

TEST(TrustList, FollowsTheOperatorMovingFilesAround) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  const std::string rejected = dir.path() + "/rejected/certs/" + TestCertificate().ThumbprintHex() + ".der";
  EXPECT_FALSE(trust.Check(TestCertificate()).ok());
  fs::rename(rejected, dir.path() + "/trusted/certs/peer.der");
  EXPECT_TRUE(trust.Check(TestCertificate()).ok());
  fs::remove(dir.path() + "/trusted/certs/peer.der");
  EXPECT_FALSE(trust.Check(TestCertificate()).ok());
  WriteFile(dir.path() + "/trusted/certs/peer.pem", ToPem(TestCertificate()));
  WriteFile(dir.path() + "/trusted/certs/notes.txt", "not a certificate");
  WriteFile(dir.path() + "/trusted/certs/broken.der", "not a certificate");
  EXPECT_TRUE(trust.Check(TestCertificate()).ok());
}

TEST(TrustList, RefusesATrustedCertificateOutsideItsValidity) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  const Timestamp now = SystemClock::Instance().Now();
  const Timestamp expiry = (now - 10 * kDay) / kNanosPerSecond * kNanosPerSecond;
  const Certificate expired = TestCertificate(now - 400 * kDay, expiry);
  ASSERT_TRUE(trust.Trust(expired).ok());
  const Status s = trust.Check(expired);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("expired on " + FormatRfc3339(expiry)), std::string::npos) << s.message();

  const Certificate future = TestCertificate(now + 10 * kDay, now + 400 * kDay);
  ASSERT_TRUE(trust.Trust(future).ok());
  const Status early = trust.Check(future);
  EXPECT_EQ(early.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(early.message().find("not valid before"), std::string::npos) << early.message();
}

TEST(TrustList, UsesTheClockItIsGiven) {
  mw::testing::TempDir dir;
  SimulatedClock clock(100 * kDay);
  const TrustList trust(dir.path(), clock);
  const Certificate cert = TestCertificate(50 * kDay, 150 * kDay);
  ASSERT_TRUE(trust.Trust(cert).ok());
  EXPECT_TRUE(trust.Check(cert).ok());
  clock.Set(151 * kDay);
  EXPECT_FALSE(trust.Check(cert).ok());
  clock.Set(49 * kDay);
  EXPECT_FALSE(trust.Check(cert).ok());
}

TEST(TrustList, ConcurrentChecksOfAnUnknownCertificateLeaveOneWholeCopy) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&trust] {
      for (int i = 0; i < 10; ++i) EXPECT_FALSE(trust.Check(TestCertificate()).ok());
    });
  }
  for (std::thread& t : threads) t.join();
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path() + "/rejected/certs")) {
    ++files;
    EXPECT_EQ(ReadFile(entry.path().string()), TestCertificate().der());
  }
  EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace mw::opcua::security
