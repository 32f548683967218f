// Any bytes as a labelled CSV table and as a C-MAPSS file: ReadTable returns a table whose columns
// agree, or an error naming the source, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "analytics/models/table.h"

namespace {

void Check(const std::string& text, mw::models::TableFormat format) {
  std::istringstream in(text);
  mw::models::TableSpec spec;
  spec.format = format;
  auto table = mw::models::ReadTable(in, "fuzz.csv", spec);
  if (!table.ok()) {
    if (table.status().message().rfind("fuzz.csv", 0) != 0) std::abort();
    return;
  }
  const std::size_t rows = table->rows();
  if (table->values.size() != rows * table->columns.size() || table->time.size() != rows) std::abort();
  if (!table->label.empty() && table->label.size() != rows) std::abort();
  if (!table->target.empty() && table->target.size() != rows) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Check(text, mw::models::TableFormat::kCsv);
  Check(text, mw::models::TableFormat::kCmapss);
  return 0;
}
