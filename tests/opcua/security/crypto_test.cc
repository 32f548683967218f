#include "opcua/security/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace mw::opcua::security {
namespace {

namespace fs = std::filesystem;

std::string Unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    static const char* kDigits = "0123456789abcdef";
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// One identity for the suite: RSA key generation is slow.
const ApplicationIdentity& Identity() {
  static mw::testing::TempDir* dir = new mw::testing::TempDir();
  static const ApplicationIdentity id =
      *LoadOrCreateApplicationIdentity(dir->path(), "urn:test:app", "Test App", {"localhost"});
  return id;
}

TEST(Crypto, PSha256MatchesTheTls12PrfTestVector) {
  // The TLS 1.2 PRF test vector for SHA-256 (secret, label "test label" + seed, 100 bytes),
  // as published with the IETF TLS working group's PRF test vectors; P_SHA256 is that PRF
  // without the label, so label + seed is passed as the seed.
  const std::string secret = Unhex("9bbe436ba940f017b17652849a71db35");
  const std::string seed = "test label" + Unhex("a0ba9f936cda311827a6f796ffd5198c");
  EXPECT_EQ(
      Hex(PSha256(secret, seed, 100)),
      "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0f"
      "a022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b"
      "66");
}

TEST(Crypto, DerivedKeysHaveThePolicysLengths) {
  for (const char* name : {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"}) {
    const Policy& p = *FindPolicy(name);
    const SymmetricKeys keys = DeriveKeys(p, std::string(32, 's'), std::string(32, 'c'));
    EXPECT_EQ(keys.signing_key.size(), p.symmetric_signing_key_length) << name;
    EXPECT_EQ(keys.encryption_key.size(), p.symmetric_encryption_key_length) << name;
    EXPECT_EQ(keys.iv.size(), 16u) << name;
  }
  EXPECT_EQ(FindPolicy("Aes128_Sha256_RsaOaep")->symmetric_encryption_key_length, 16u);
  EXPECT_EQ(FindPolicy("http://opcfoundation.org/UA/SecurityPolicy#None"), &NonePolicy());
  EXPECT_EQ(FindPolicy("Basic128Rsa15"), nullptr);
}

TEST(Crypto, HmacMatchesRfc4231TestCase2) {
  SymmetricKeys keys;
  keys.signing_key = "Jefe";
  const std::string mac = SymmetricSign(keys, "what do ya want for nothing?");
  EXPECT_EQ(Hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_TRUE(SymmetricVerify(keys, "what do ya want for nothing?", mac).ok());
  EXPECT_FALSE(SymmetricVerify(keys, "what do ya want for nothing!", mac).ok());
}

TEST(Crypto, AesCbcMatchesNistSp800_38aAndRoundTrips) {
  // SP 800-38A F.2.5, CBC-AES256.Encrypt, first block.
  SymmetricKeys keys;
  keys.encryption_key = Unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  keys.iv = Unhex("000102030405060708090a0b0c0d0e0f");
  std::string data = Unhex("6bc1bee22e409f96e93d7e117393172a");
  ASSERT_TRUE(SymmetricEncrypt(keys, data).ok());
  EXPECT_EQ(Hex(data), "f58c4c04d6e5f1ba779eabfb5f7bfbd6");
  ASSERT_TRUE(SymmetricDecrypt(keys, data).ok());
  EXPECT_EQ(Hex(data), "6bc1bee22e409f96e93d7e117393172a");
  std::string odd = "not a multiple of sixteen";
  EXPECT_FALSE(SymmetricEncrypt(keys, odd).ok());
}

TEST(Crypto, SignaturesVerifyAndTamperingIsCaught) {
  for (const char* name : {"Basic256Sha256", "Aes256_Sha256_RsaPss"}) {
    const Policy& p = *FindPolicy(name);
    Result<std::string> sig = AsymmetricSign(p, Identity().key, "chunk bytes");
    ASSERT_TRUE(sig.ok()) << sig.status().ToString();
    EXPECT_EQ(sig->size(), AsymmetricSignatureSize(2048));
    EXPECT_TRUE(AsymmetricVerify(p, Identity().certificate, "chunk bytes", *sig).ok()) << name;
    EXPECT_FALSE(AsymmetricVerify(p, Identity().certificate, "chunk bytez", *sig).ok()) << name;
  }
}

TEST(Crypto, OaepEncryptsBlockByBlockAndDecrypts) {
  for (const char* name : {"Basic256Sha256", "Aes256_Sha256_RsaPss"}) {
    const Policy& p = *FindPolicy(name);
    const std::size_t block = AsymmetricPlainBlockSize(p, 2048);
    EXPECT_EQ(block, p.asymmetric_encryption == AsymmetricEncryption::kRsaOaepSha256 ? 190u : 214u);
    const std::string plain(block * 2 + 5, 'x');
    Result<std::string> cipher = AsymmetricEncrypt(p, Identity().certificate, plain);
    ASSERT_TRUE(cipher.ok());
    EXPECT_EQ(cipher->size(), 3 * 256u);
    Result<std::string> back = AsymmetricDecrypt(p, Identity().key, *cipher);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, plain);
  }
}

TEST(Crypto, IdentityIsCreatedOnceAndKept) {
  mw::testing::TempDir dir;
  auto first = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:x", "X", {"localhost", "plant-7"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->certificate.ApplicationUri(), "urn:millwright:x");
  EXPECT_NE(first->certificate.SubjectName().find("CN = X"), std::string::npos)
      << first->certificate.SubjectName();
  EXPECT_EQ(first->certificate.KeyBits(), 2048u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() + "/own/private/key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = LoadOrCreateApplicationIdentity(dir.path(), "urn:millwright:x", "X", {});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->certificate.der(), first->certificate.der());
  EXPECT_EQ(first->certificate.ThumbprintHex().size(), 40u);
}

TEST(Crypto, UnknownCertificateIsRejectedUntilTrusted) {
  mw::testing::TempDir dir;
  const TrustList trust(dir.path());
  const Status refused = trust.Check(Identity().certificate);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find(dir.path() + "/trusted/certs"), std::string::npos) << refused.message();
  EXPECT_TRUE(fs::exists(dir.path() + "/rejected/certs/" + Identity().certificate.ThumbprintHex() + ".der"));
  ASSERT_TRUE(trust.Trust(Identity().certificate).ok());
  EXPECT_TRUE(trust.Check(Identity().certificate).ok());
}

TEST(Crypto, GarbageIsNotACertificate) {
  EXPECT_FALSE(Certificate::FromDer("not der").ok());
  EXPECT_FALSE(ParseSecurityMode("encrypt").ok());
  EXPECT_EQ(*ParseSecurityMode("signandencrypt"), MessageSecurityMode::kSignAndEncrypt);
}

}  // namespace
}  // namespace mw::opcua::security
