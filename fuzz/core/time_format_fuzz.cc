// Any bytes as a time or a duration (they arrive in API query strings). A time that parses must
// format and parse back to itself (at millisecond precision, which is what formatting keeps).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/time_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mw::ParseDuration(text);
  auto t = mw::ParseTime(text, 1'700'000'000'000'000'000);
  // Stay a second inside the representable range so that rounding down cannot leave it.
  if (t.ok() && *t > INT64_MIN + mw::kNanosPerSecond && *t < INT64_MAX - mw::kNanosPerSecond) {
    mw::Timestamp ms = *t - ((*t % mw::kNanosPerMilli) + mw::kNanosPerMilli) % mw::kNanosPerMilli;
    auto back = mw::ParseRfc3339(mw::FormatRfc3339(ms));
    if (!back.ok() || *back != ms) std::abort();
  }
  return 0;
}
