// The symmetric half: P_SHA256 key derivation, HMAC-SHA256, AES-CBC without padding, randomness.
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "opcua/security/crypto.h"
#include "opcua/security/openssl_util.h"

namespace mw::opcua::security {
namespace {

using internal::Bytes;
using internal::CipherCtx;
using internal::MutableBytes;

constexpr std::size_t kAesBlock = 16;

// Empty only if OpenSSL fails, which then also makes every verification fail.
std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), Bytes(data), data.size(), out, &len) ==
      nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

Status AesCbc(const SymmetricKeys& keys, std::string& data, bool encrypt) {
  if (data.size() % kAesBlock != 0) {
    return Status::InvalidArgument(fmt::format("AES-CBC on {} bytes, not a multiple of 16", data.size()));
  }
  const EVP_CIPHER* cipher = nullptr;
  if (keys.encryption_key.size() == 16) cipher = EVP_aes_128_cbc();
  if (keys.encryption_key.size() == 32) cipher = EVP_aes_256_cbc();
  if (cipher == nullptr) {
    return Status::InvalidArgument(
        fmt::format("AES key of {} bytes; expected 16 or 32", keys.encryption_key.size()));
  }
  if (keys.iv.size() != kAesBlock) {
    return Status::InvalidArgument(fmt::format("AES-CBC IV of {} bytes; expected 16", keys.iv.size()));
  }
  if (data.empty()) return Status::Ok();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, Bytes(keys.encryption_key), Bytes(keys.iv),
                                encrypt ? 1 : 0) != 1) {
    return internal::SslFailure("AES-CBC setup");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  // OpenSSL allows in == out; with padding off the output is exactly as long as the input.
  int n = 0;
  unsigned char tail[kAesBlock];
  int tail_len = 0;
  if (EVP_CipherUpdate(ctx.get(), MutableBytes(data), &n, Bytes(data), static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), tail, &tail_len) != 1 || static_cast<std::size_t>(n) != data.size()) {
    return internal::SslFailure("AES-CBC");
  }
  return Status::Ok();
}

}  // namespace

std::string PSha256(std::string_view secret, std::string_view seed, std::size_t length) {
  // A(0) = seed, A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) +
  // seed)...
  std::string out;
  out.reserve(length + 32);
  std::string a(seed);
  std::string block;
  while (out.size() < length) {
    a = HmacSha256(secret, a);
    block.assign(a).append(seed);
    out += HmacSha256(secret, block);
  }
  out.resize(length);
  return out;
}

SymmetricKeys DeriveKeys(const Policy& policy, std::string_view secret, std::string_view seed) {
  const std::size_t sign = policy.symmetric_signing_key_length;
  const std::size_t encrypt = policy.symmetric_encryption_key_length;
  const std::size_t iv = policy.symmetric_block_size;
  const std::string bytes = PSha256(secret, seed, sign + encrypt + iv);
  SymmetricKeys keys;
  keys.signing_key = bytes.substr(0, sign);
  keys.encryption_key = bytes.substr(sign, encrypt);
  keys.iv = bytes.substr(sign + encrypt, iv);
  return keys;
}

std::string SymmetricSign(const SymmetricKeys& keys, std::string_view data) {
  return HmacSha256(keys.signing_key, data);
}

Status SymmetricVerify(const SymmetricKeys& keys, std::string_view data, std::string_view signature) {
  const std::string expected = HmacSha256(keys.signing_key, data);
  // The length is public (fixed by the policy); only the comparison of the bytes must not leak.
  if (expected.empty() || expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return Status::FailedPrecondition("message signature (HMAC-SHA256) does not verify");
  }
  return Status::Ok();
}

Status SymmetricEncrypt(const SymmetricKeys& keys, std::string& data) { return AesCbc(keys, data, true); }
Status SymmetricDecrypt(const SymmetricKeys& keys, std::string& data) { return AesCbc(keys, data, false); }

std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(MutableBytes(out), static_cast<int>(n)) != 1) {
    // Nonces and keys from a failed generator would be guessable: better to stop here.
    std::fprintf(stderr, "fatal: OpenSSL RAND_bytes failed: %s\n", internal::SslError().c_str());
    std::abort();
  }
  return out;
}

}  // namespace mw::opcua::security
