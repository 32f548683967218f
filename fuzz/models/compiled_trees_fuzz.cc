// Any bytes as an XGBoost JSON model: FromXgboostJson compiles it or returns an error, never a
// crash; a compiled model predicts one value per output for a row of zeros and a row of NaN.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <vector>

#include "analytics/models/compiled_trees.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto trees =
      mw::models::CompiledTrees::FromXgboostJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!trees.ok() || trees->num_features() > 4096) return 0;
  const auto cols = static_cast<std::size_t>(trees->num_features());
  std::vector<float> rows(cols, 0.0f);
  rows.resize(2 * cols, std::numeric_limits<float>::quiet_NaN());
  std::vector<float> out;
  trees->Predict(rows, &out);
  if (cols > 0 && out.size() != 2 * static_cast<std::size_t>(trees->num_outputs())) std::abort();
  return 0;
}
