// Policies and the cryptographic primitives, against published vectors where there are some.
#include "opcua/security/crypto.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "security_test_util.h"

namespace mw::opcua::security {
namespace {

using testing::Hex;
using testing::TestCertificate;
using testing::TestKey;
using testing::Unhex;

constexpr const char* kSecurePolicies[] = {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"};

// --- policies -----------------------------------------------------------------------------------

TEST(Policy, IsFoundByUriAndByName) {
  ASSERT_EQ(AllPolicies().size(), 4u);
  for (const Policy* p : AllPolicies()) {
    EXPECT_EQ(FindPolicy(p->uri), p);
    EXPECT_EQ(FindPolicy(p->name), p);
    EXPECT_EQ(p->uri, "http://opcfoundation.org/UA/SecurityPolicy#" + std::string(p->name));
  }
  EXPECT_EQ(FindPolicy("http://opcfoundation.org/UA/SecurityPolicy#None"), &NonePolicy());
  EXPECT_TRUE(NonePolicy().IsNone());
  EXPECT_EQ(FindPolicy("Basic128Rsa15"), nullptr);  // deprecated, deliberately absent
  EXPECT_EQ(FindPolicy("basic256sha256"), nullptr);
  EXPECT_EQ(FindPolicy(""), nullptr);
}

TEST(Policy, HasTheAlgorithmsAndLengthsOfOpc10000_7) {
  const Policy& basic = *FindPolicy("Basic256Sha256");
  const Policy& aes128 = *FindPolicy("Aes128_Sha256_RsaOaep");
  const Policy& pss = *FindPolicy("Aes256_Sha256_RsaPss");
  EXPECT_EQ(basic.asymmetric_encryption, AsymmetricEncryption::kRsaOaepSha1);
  EXPECT_EQ(basic.asymmetric_signature, AsymmetricSignature::kRsaPkcs15Sha256);
  EXPECT_EQ(aes128.asymmetric_encryption, AsymmetricEncryption::kRsaOaepSha1);
  EXPECT_EQ(aes128.asymmetric_signature, AsymmetricSignature::kRsaPkcs15Sha256);
  EXPECT_EQ(pss.asymmetric_encryption, AsymmetricEncryption::kRsaOaepSha256);
  EXPECT_EQ(pss.asymmetric_signature, AsymmetricSignature::kRsaPssSha256);
  EXPECT_EQ(basic.asymmetric_signature_uri, "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_EQ(basic.asymmetric_encryption_uri, "http://www.w3.org/2001/04/xmlenc#rsa-oaep");
  EXPECT_EQ(pss.asymmetric_signature_uri, "http://opcfoundation.org/UA/security/rsa-pss-sha2-256");
  EXPECT_EQ(pss.asymmetric_encryption_uri, "http://opcfoundation.org/UA/security/rsa-oaep-sha2-256");
  EXPECT_EQ(aes128.symmetric_encryption_key_length, 16u);
  for (const char* name : kSecurePolicies) {
    const Policy& p = *FindPolicy(name);
    EXPECT_EQ(p.symmetric_signing_key_length, 32u) << name;
    EXPECT_EQ(p.symmetric_encryption_key_length, &p == &aes128 ? 16u : 32u) << name;
    EXPECT_EQ(p.symmetric_block_size, 16u) << name;
    EXPECT_EQ(p.symmetric_signature_size, 32u) << name;
    EXPECT_EQ(p.nonce_length, 32u) << name;
    EXPECT_EQ(p.min_asymmetric_key_bits, 2048u) << name;
    EXPECT_EQ(p.max_asymmetric_key_bits, 4096u) << name;
    EXPECT_FALSE(p.IsNone()) << name;
  }
  EXPECT_EQ(NonePolicy().nonce_length, 0u);
}

TEST(SecurityMode, NamesParseBackIgnoringCase) {
  for (MessageSecurityMode mode :
       {MessageSecurityMode::kNone, MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
    Result<MessageSecurityMode> parsed = ParseSecurityMode(SecurityModeName(mode));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(*ParseSecurityMode("signandencrypt"), MessageSecurityMode::kSignAndEncrypt);
  EXPECT_EQ(*ParseSecurityMode("NONE"), MessageSecurityMode::kNone);
  EXPECT_EQ(SecurityModeName(MessageSecurityMode::kInvalid), "Invalid");
  EXPECT_FALSE(ParseSecurityMode("Invalid").ok());
  EXPECT_FALSE(ParseSecurityMode("encrypt").ok());
  EXPECT_FALSE(ParseSecurityMode("").ok());
}

// --- symmetric ----------------------------------------------------------------------------------

TEST(PSha256, MatchesTheTls12PrfSha256TestVector) {
  // The TLS 1.2 PRF (SHA-256) vector posted to the IETF TLS working group list
  // (mail-archive.com/tls, msg03416); OpenSSL's `openssl kdf ... TLS1-PRF` gives the same bytes.
  // The PRF is P_SHA256(secret, label + seed), so the label goes in front of the seed.
  const std::string secret = Unhex("9bbe436ba940f017b17652849a71db35");
  const std::string seed = "test label" + Unhex("a0ba9f936cda311827a6f796ffd5198c");
  EXPECT_EQ(Hex(PSha256(secret, seed, 100)),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a"
            "6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab"
            "4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701"
            "87347b66");
  // Shorter outputs are prefixes.
  EXPECT_EQ(Hex(PSha256(secret, seed, 5)), "e3f229ba72");
  EXPECT_EQ(PSha256(secret, seed, 0), "");
}

TEST(DeriveKeys, CutsPSha256IntoThePolicysLengths) {
  const std::string secret = std::string(32, 's');
  const std::string seed = std::string(32, 'c');
  for (const char* name : kSecurePolicies) {
    const Policy& p = *FindPolicy(name);
    const SymmetricKeys keys = DeriveKeys(p, secret, seed);
    EXPECT_EQ(keys.signing_key.size(), p.symmetric_signing_key_length) << name;
    EXPECT_EQ(keys.encryption_key.size(), p.symmetric_encryption_key_length) << name;
    EXPECT_EQ(keys.iv.size(), 16u) << name;
    EXPECT_EQ(keys.signing_key + keys.encryption_key + keys.iv,
              PSha256(secret, seed, p.symmetric_signing_key_length + p.symmetric_encryption_key_length + 16))
        << name;
  }
  // Client and server keys differ: the roles of secret and seed swap.
  const Policy& p = *FindPolicy("Basic256Sha256");
  EXPECT_NE(DeriveKeys(p, secret, seed).signing_key, DeriveKeys(p, seed, secret).signing_key);
  const SymmetricKeys none = DeriveKeys(NonePolicy(), secret, seed);
  EXPECT_TRUE(none.signing_key.empty() && none.encryption_key.empty() && none.iv.empty());
}

TEST(SymmetricSign, MatchesRfc4231TestCases) {
  SymmetricKeys keys;
  // RFC 4231 test case 2.
  keys.signing_key = "Jefe";
  const std::string mac = SymmetricSign(keys, "what do ya want for nothing?");
  EXPECT_EQ(Hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 1.
  keys.signing_key = std::string(20, '\x0b');
  EXPECT_EQ(Hex(SymmetricSign(keys, "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(SymmetricVerify, AcceptsOnlyTheExactSignature) {
  SymmetricKeys keys;
  keys.signing_key = std::string(32, 'k');
  const std::string mac = SymmetricSign(keys, "chunk");
  EXPECT_TRUE(SymmetricVerify(keys, "chunk", mac).ok());
  EXPECT_FALSE(SymmetricVerify(keys, "chunK", mac).ok());
  std::string flipped = mac;
  flipped[31] ^= 1;
  EXPECT_EQ(SymmetricVerify(keys, "chunk", flipped).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(SymmetricVerify(keys, "chunk", mac.substr(0, 31)).ok());
  EXPECT_FALSE(SymmetricVerify(keys, "chunk", "").ok());
}

struct CbcVector {
  const char* key;
  const char* ciphertext;
};

TEST(SymmetricEncrypt, MatchesNistSp800_38aCbcVectors) {
  // SP 800-38A appendix F.2.1 (CBC-AES128.Encrypt) and F.2.5 (CBC-AES256.Encrypt), all 4 blocks.
  const std::string iv = Unhex("000102030405060708090a0b0c0d0e0f");
  const std::string plain = Unhex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  const CbcVector vectors[] = {
      {"2b7e151628aed2a6abf7158809cf4f3c",
       "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
       "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"},
      {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
       "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d"
       "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
  };
  for (const CbcVector& v : vectors) {
    SymmetricKeys keys;
    keys.encryption_key = Unhex(v.key);
    keys.iv = iv;
    std::string data = plain;
    ASSERT_TRUE(SymmetricEncrypt(keys, data).ok());
    EXPECT_EQ(Hex(data), v.ciphertext);
    ASSERT_TRUE(SymmetricDecrypt(keys, data).ok());
    EXPECT_EQ(data, plain);
  }
}

TEST(SymmetricEncrypt, RoundTripsWithDerivedKeysAndRefusesBadLengths) {
  for (const char* name : kSecurePolicies) {
    const SymmetricKeys keys = DeriveKeys(*FindPolicy(name), RandomBytes(32), RandomBytes(32));
    const std::string plain = RandomBytes(16 * 100);
    std::string data = plain;
    ASSERT_TRUE(SymmetricEncrypt(keys, data).ok()) << name;
    EXPECT_EQ(data.size(), plain.size());
    EXPECT_NE(data, plain);
    ASSERT_TRUE(SymmetricDecrypt(keys, data).ok()) << name;
    EXPECT_EQ(data, plain) << name;
  }
  SymmetricKeys keys = DeriveKeys(*FindPolicy("Basic256Sha256"), "a", "b");
  std::string odd = "not a multiple of sixteen";
  EXPECT_EQ(SymmetricEncrypt(keys, odd).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(odd, "not a multiple of sixteen");
  std::string empty;
  EXPECT_TRUE(SymmetricEncrypt(keys, empty).ok());
  std::string block(16, 'x');
  keys.encryption_key.resize(24);  // AES-192 is no policy's
  EXPECT_EQ(SymmetricEncrypt(keys, block).code(), StatusCode::kInvalidArgument);
  keys.encryption_key.resize(32);
  keys.iv.clear();
  EXPECT_EQ(SymmetricDecrypt(keys, block).code(), StatusCode::kInvalidArgument);
}

TEST(RandomBytes, ReturnsTheLengthAskedForAndDiffers) {
  EXPECT_EQ(RandomBytes(0), "");
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(32), RandomBytes(32));
}

// --- asymmetric ---------------------------------------------------------------------------------

TEST(AsymmetricSign, VerifiesUnderEveryPolicyAndCatchesTampering) {
  for (const char* name : kSecurePolicies) {
    const Policy& p = *FindPolicy(name);
    Result<std::string> sig = AsymmetricSign(p, TestKey(), "chunk bytes");
    ASSERT_TRUE(sig.ok()) << sig.status().ToString();
    EXPECT_EQ(sig->size(), AsymmetricSignatureSize(2048));
    EXPECT_TRUE(AsymmetricVerify(p, TestCertificate(), "chunk bytes", *sig).ok()) << name;
    const Status tampered = AsymmetricVerify(p, TestCertificate(), "chunk bytez", *sig);
    EXPECT_EQ(tampered.code(), StatusCode::kFailedPrecondition) << name;
    EXPECT_NE(tampered.message().find("Test Peer"), std::string::npos) << tampered.message();
    std::string bad = *sig;
    bad[100] ^= 0x10;
    EXPECT_FALSE(AsymmetricVerify(p, TestCertificate(), "chunk bytes", bad).ok()) << name;
    EXPECT_FALSE(AsymmetricVerify(p, TestCertificate(), "chunk bytes", sig->substr(1)).ok()) << name;
  }
}

TEST(AsymmetricSign, PssSignaturesAreRandomisedAndNotPkcs15) {
  const Policy& pss = *FindPolicy("Aes256_Sha256_RsaPss");
  const Policy& pkcs15 = *FindPolicy("Basic256Sha256");
  const std::string a = *AsymmetricSign(pss, TestKey(), "data");
  const std::string b = *AsymmetricSign(pss, TestKey(), "data");
  EXPECT_NE(a, b);  // random salt
  EXPECT_TRUE(AsymmetricVerify(pss, TestCertificate(), "data", b).ok());
  EXPECT_FALSE(AsymmetricVerify(pkcs15, TestCertificate(), "data", a).ok());
  const std::string c = *AsymmetricSign(pkcs15, TestKey(), "data");
  EXPECT_EQ(c, *AsymmetricSign(pkcs15, TestKey(), "data"));  // deterministic
  EXPECT_FALSE(AsymmetricVerify(pss, TestCertificate(), "data", c).ok());
}

TEST(AsymmetricSign, RefusesTheNonePolicyAndEmptyKeys) {
  EXPECT_EQ(AsymmetricSign(NonePolicy(), TestKey(), "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(AsymmetricSign(*FindPolicy("Basic256Sha256"), PrivateKey(), "x").ok());
  EXPECT_FALSE(AsymmetricVerify(*FindPolicy("Basic256Sha256"), Certificate(), "x", "y").ok());
  EXPECT_FALSE(AsymmetricEncrypt(*FindPolicy("Basic256Sha256"), Certificate(), "x").ok());
}

TEST(AsymmetricEncrypt, BlockSizesFollowTheOaepDigest) {
  const Policy& sha1 = *FindPolicy("Basic256Sha256");
  const Policy& sha256 = *FindPolicy("Aes256_Sha256_RsaPss");
  EXPECT_EQ(AsymmetricPlainBlockSize(sha1, 2048), 256u - 42);
  EXPECT_EQ(AsymmetricPlainBlockSize(sha256, 2048), 256u - 66);
  EXPECT_EQ(AsymmetricPlainBlockSize(sha1, 4096), 512u - 42);
  EXPECT_EQ(AsymmetricPlainBlockSize(sha256, 4096), 512u - 66);
  EXPECT_EQ(AsymmetricCipherBlockSize(2048), 256u);
  EXPECT_EQ(AsymmetricCipherBlockSize(3072), 384u);
  EXPECT_EQ(AsymmetricSignatureSize(4096), 512u);
}

TEST(AsymmetricEncrypt, RoundTripsSeveralBlocksUnderEveryPolicy) {
  for (const char* name : kSecurePolicies) {
    const Policy& p = *FindPolicy(name);
    const std::size_t block = AsymmetricPlainBlockSize(p, 2048);
    for (std::size_t size : {std::size_t{1}, block, block * 2 + 5}) {
      const std::string plain = RandomBytes(size);
      Result<std::string> cipher = AsymmetricEncrypt(p, TestCertificate(), plain);
      ASSERT_TRUE(cipher.ok()) << cipher.status().ToString();
      EXPECT_EQ(cipher->size(), (size + block - 1) / block * 256) << name << " " << size;
      Result<std::string> back = AsymmetricDecrypt(p, TestKey(), *cipher);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, plain) << name << " " << size;
    }
  }
  EXPECT_EQ(*AsymmetricEncrypt(*FindPolicy("Basic256Sha256"), TestCertificate(), ""), "");
}

TEST(AsymmetricDecrypt, RefusesTheWrongOaepDigestAlteredBytesAndPartialBlocks) {
  const Policy& sha1 = *FindPolicy("Basic256Sha256");
  const Policy& sha256 = *FindPolicy("Aes256_Sha256_RsaPss");
  const std::string cipher = *AsymmetricEncrypt(sha256, TestCertificate(), "secret");
  EXPECT_EQ(AsymmetricDecrypt(sha1, TestKey(), cipher).status().code(), StatusCode::kFailedPrecondition);
  std::string altered = cipher;
  altered[10] ^= 1;
  EXPECT_FALSE(AsymmetricDecrypt(sha256, TestKey(), altered).ok());
  EXPECT_EQ(AsymmetricDecrypt(sha256, TestKey(), cipher.substr(1)).status().code(), StatusCode::kCorruption);
}

TEST(Crypto, IsSafeToUseFromManyThreadsAtOnce) {
  const Policy& p = *FindPolicy("Aes256_Sha256_RsaPss");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p, &failures] {
      for (int i = 0; i < 10; ++i) {
        const std::string data = RandomBytes(64);
        Result<std::string> sig = AsymmetricSign(p, TestKey(), data);
        Result<std::string> cipher = AsymmetricEncrypt(p, TestCertificate(), data);
        const bool asymmetric_ok = sig.ok() && AsymmetricVerify(p, TestCertificate(), data, *sig).ok() &&
                                   cipher.ok() && *AsymmetricDecrypt(p, TestKey(), *cipher) == data;
        const SymmetricKeys keys = DeriveKeys(p, data, "seed");
        std::string block = data;
        const bool symmetric_ok = SymmetricEncrypt(keys, block).ok() && SymmetricDecrypt(keys, block).ok() &&
                                  block == data &&
                                  SymmetricVerify(keys, data, SymmetricSign(keys, data)).ok();
        if (!asymmetric_ok || !symmetric_ok) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace mw::opcua::security
