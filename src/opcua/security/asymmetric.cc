// The asymmetric half: RSA signatures (PKCS#1 v1.5, PSS) and RSA-OAEP encryption, by policy.
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <fmt/format.h>

#include "opcua/security/crypto.h"
#include "opcua/security/openssl_util.h"

namespace mw::opcua::security {
namespace {

using internal::Bytes;
using internal::MdCtx;
using internal::MutableBytes;
using internal::PkeyCtx;
using internal::SslFailure;

Status ConfigureSignature(EVP_PKEY_CTX* ctx, const Policy& policy) {
  if (policy.asymmetric_signature == AsymmetricSignature::kRsaPkcs15Sha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) return SslFailure("RSA PKCS#1 v1.5 setup");
    return Status::Ok();
  }
  // OPC 10000-7: PSS with SHA-256, MGF1 with SHA-256, salt as long as the digest (32 bytes).
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
    return SslFailure("RSA-PSS setup");
  }
  return Status::Ok();
}

Status ConfigureEncryption(EVP_PKEY_CTX* ctx, const Policy& policy) {
  // OAEP's digest and MGF1 digest both default to SHA-1, which is what rsa-oaep means.
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0) return SslFailure("RSA-OAEP setup");
  if (policy.asymmetric_encryption == AsymmetricEncryption::kRsaOaepSha256 &&
      (EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0)) {
    return SslFailure("RSA-OAEP SHA-256 setup");
  }
  return Status::Ok();
}

std::size_t KeyBitsOf(EVP_PKEY* key) {
  const int bits = key == nullptr ? 0 : EVP_PKEY_get_bits(key);
  return bits > 0 ? static_cast<std::size_t>(bits) : 0;
}

}  // namespace

Status CheckKey(const Policy& policy, EVP_PKEY* key) {
  if (policy.IsNone()) {
    return Status::InvalidArgument(
        fmt::format("security policy {} has no asymmetric algorithms", policy.name));
  }
  if (key == nullptr) return Status::InvalidArgument("no key (empty certificate or private key)");
  if (!EVP_PKEY_is_a(key, "RSA")) {
    return Status::InvalidArgument(
        fmt::format("{} key; security policy {} needs RSA", EVP_PKEY_get0_type_name(key), policy.name));
  }
  const std::size_t bits = KeyBitsOf(key);
  if (bits < policy.min_asymmetric_key_bits || bits > policy.max_asymmetric_key_bits) {
    return Status::InvalidArgument(fmt::format("RSA key of {} bits; security policy {} needs {} to {}", bits,
                                               policy.name, policy.min_asymmetric_key_bits,
                                               policy.max_asymmetric_key_bits));
  }
  return Status::Ok();
}

std::size_t AsymmetricPlainBlockSize(const Policy& policy, std::size_t key_bits) {
  // OAEP spends 2 * digest length + 2 bytes of every block.
  const std::size_t overhead =
      policy.asymmetric_encryption == AsymmetricEncryption::kRsaOaepSha256 ? 2 * 32 + 2 : 2 * 20 + 2;
  const std::size_t key_bytes = key_bits / 8;
  return key_bytes > overhead ? key_bytes - overhead : 0;
}
std::size_t AsymmetricCipherBlockSize(std::size_t key_bits) { return key_bits / 8; }
std::size_t AsymmetricSignatureSize(std::size_t key_bits) { return key_bits / 8; }

Result<std::string> AsymmetricSign(const Policy& policy, const PrivateKey& key, std::string_view data) {
  MW_RETURN_IF_ERROR(CheckKey(policy, key.get()));
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return SslFailure("RSA signature setup");
  }
  MW_RETURN_IF_ERROR(ConfigureSignature(pctx, policy));
  std::size_t len = AsymmetricSignatureSize(key.KeyBits());
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), MutableBytes(signature), &len, Bytes(data), data.size()) != 1) {
    return SslFailure("RSA signature");
  }
  signature.resize(len);
  return signature;
}

Status AsymmetricVerify(const Policy& policy, const Certificate& signer, std::string_view data,
                        std::string_view signature) {
  MW_RETURN_IF_ERROR(CheckKey(policy, signer.public_key()));
  MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, signer.public_key()) != 1) {
    return SslFailure("RSA verification setup");
  }
  MW_RETURN_IF_ERROR(ConfigureSignature(pctx, policy));
  if (EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data), data.size()) != 1) {
    internal::SslError();  // drop the reason: "bad signature" is all there is to say
    return Status::FailedPrecondition(fmt::format("{} signature does not verify with the certificate of '{}'",
                                                  policy.name, signer.SubjectName()));
  }
  return Status::Ok();
}

Result<std::string> AsymmetricEncrypt(const Policy& policy, const Certificate& recipient,
                                      std::string_view plain) {
  MW_RETURN_IF_ERROR(CheckKey(policy, recipient.public_key()));
  PkeyCtx ctx(EVP_PKEY_CTX_new(recipient.public_key(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) return SslFailure("RSA-OAEP encryption setup");
  MW_RETURN_IF_ERROR(ConfigureEncryption(ctx.get(), policy));
  const std::size_t plain_block = AsymmetricPlainBlockSize(policy, recipient.KeyBits());
  const std::size_t cipher_block = AsymmetricCipherBlockSize(recipient.KeyBits());
  if (plain_block == 0) return Status::InvalidArgument("RSA key too small for OAEP");
  const std::size_t blocks = (plain.size() + plain_block - 1) / plain_block;
  std::string out(blocks * cipher_block, '\0');
  for (std::size_t i = 0; i < blocks; ++i) {
    const std::string_view piece = plain.substr(i * plain_block, plain_block);
    std::size_t len = cipher_block;
    if (EVP_PKEY_encrypt(ctx.get(), MutableBytes(out) + i * cipher_block, &len, Bytes(piece), piece.size()) !=
            1 ||
        len != cipher_block) {
      return SslFailure("RSA-OAEP encryption");
    }
  }
  return out;
}

Result<std::string> AsymmetricDecrypt(const Policy& policy, const PrivateKey& key, std::string_view cipher) {
  MW_RETURN_IF_ERROR(CheckKey(policy, key.get()));
  const std::size_t block = AsymmetricCipherBlockSize(key.KeyBits());
  if (cipher.size() % block != 0) {
    return Status::Corruption(fmt::format(
        "RSA ciphertext of {} bytes is not a whole number of {}-byte blocks", cipher.size(), block));
  }
  PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1) return SslFailure("RSA-OAEP decryption setup");
  MW_RETURN_IF_ERROR(ConfigureEncryption(ctx.get(), policy));
  std::string out;
  out.reserve(cipher.size() / block * AsymmetricPlainBlockSize(policy, key.KeyBits()));
  std::string plain(block, '\0');
  for (std::size_t at = 0; at < cipher.size(); at += block) {
    std::size_t len = block;
    if (EVP_PKEY_decrypt(ctx.get(), MutableBytes(plain), &len, Bytes(cipher.substr(at, block)), block) != 1) {
      // One message for every cause, so that failures say nothing about the padding.
      internal::SslError();
      return Status::FailedPrecondition(
          fmt::format("{} RSA-OAEP decryption failed (wrong key or policy, or altered data)", policy.name));
    }
    out.append(plain, 0, len);
  }
  return out;
}

}  // namespace mw::opcua::security
