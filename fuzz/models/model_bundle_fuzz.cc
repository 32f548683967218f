// Any bytes as the body of a model bundle. The harness appends the right SHA-256, so that the
// fuzzer gets past the checksum into the lengths and the metadata: ParseBundle must return a bundle
// or an error naming the source, never crash.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "analytics/models/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  bytes.append(reinterpret_cast<const char*>(digest), length);
  auto bundle = mw::models::ParseBundle(bytes, "fuzz.mwm");
  if (!bundle.ok() && bundle.status().message().find("fuzz.mwm") == std::string::npos) std::abort();
  if (bundle.ok() && bundle->scaler.mean.size() != bundle->features.size()) std::abort();
  return 0;
}
