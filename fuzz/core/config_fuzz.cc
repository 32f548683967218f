// Any bytes as a plant configuration: ParseConfig must return errors, never crash, and every
// error must name the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  mw::ConfigLoad load = mw::ParseConfig(text, "fuzz.toml");
  for (const auto& e : load.errors)
    if (e.where.file != "fuzz.toml" || e.ToString().empty()) std::abort();
  return 0;
}
