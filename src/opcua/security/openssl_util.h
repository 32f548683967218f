// Internal helpers shared by the security .cc files: OpenSSL ownership, errors, files.
// Not part of the library's interface.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace mw::opcua::security::internal {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

inline const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
inline unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// OpenSSL's reason for the latest failure on this thread; clears the thread's error queue.
std::string SslError();
// Internal("<what>: <OpenSSL's reason>").
Status SslFailure(std::string_view what);

// The bytes a memory BIO holds.
std::string BioContents(BIO* bio);
// DER encoding of `x`; empty on failure.
std::string ToDer(X509* x);

std::string Hex(std::string_view bytes);

// Whole file; NotFound / IoError.
Result<std::string> ReadFile(const std::string& path);
// Writes a temporary file next to `path` with `mode`, then renames it over `path`, so that readers
// never see half a file and a secret is never readable by others. Creates the parent folders.
Status WriteFileAtomically(const std::string& path, std::string_view bytes, unsigned mode);

}  // namespace mw::opcua::security::internal
