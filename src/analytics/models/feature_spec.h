// The features a model reads, declared as text so that a model bundle carries them and the same
// code computes them offline (from a table) and live (from a stream of records):
//
//   vibration_x               the signal's value in the current record
//   vibration_x.mean10        the mean over the last 10 records of the unit that had the signal
//   .std<N>  .min<N>  .max<N>
//   .slope<N>                 least-squares slope per record over the last N records
//
// The dotted form is canonical: it is how derived series are named elsewhere in Millwright
// (`<signal>.<output>`), and it is a valid CSV column name, so an exported dataset names its columns
// with it. `mean(vibration_x, 10)` is accepted too and written back in the dotted form. A signal
// name may itself contain dots; only a last part of the form <fn><N> is a function.
//
// Missing values (NaN) are skipped: they neither enter a window nor push a value out; a feature
// whose window holds no value (std and slope: fewer than two) is NaN, which the trees treat as
// missing. N is 1..10000.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace mw::models {

struct Table;

enum class FeatureFn { kValue, kMean, kStd, kMin, kMax, kSlope };

struct FeatureSpec {
  FeatureFn fn = FeatureFn::kValue;
  std::string signal;
  int window = 1;
  std::string text;  // canonical form: "vibration_x.mean10"
};

// InvalidArgument naming the text and what is wrong with it.
Result<FeatureSpec> ParseFeature(std::string_view text);
Result<std::vector<FeatureSpec>> ParseFeatures(std::span<const std::string> texts);

// The rolling state of one unit (one asset, live): feed it records, get feature rows.
class FeatureWindows {
 public:
  // `signals`: the order of the values passed to Update. Every spec's signal must be among them
  // (InvalidArgument otherwise, from Create).
  static Result<FeatureWindows> Create(const std::vector<FeatureSpec>& specs,
                                       const std::vector<std::string>& signals);

  // One record: `values[i]` is signal i (NaN: absent). Writes one value per spec to `out`.
  void Update(std::span<const float> values, std::span<float> out);
  void Reset();

 private:
  struct Window {
    std::vector<float> ring;  // the last `window` present values
    std::size_t next = 0, count = 0;
  };
  std::vector<FeatureSpec> specs_;
  std::vector<int> source_;  // per spec: index into the record
  std::vector<Window> windows_;
  std::vector<float> scratch_;  // one window's values in order, reused
};

// Features for every row of a table: rows x specs.size(), row-major, computed unit by unit in row
// order (a new unit starts with empty windows). A feature the table already holds as a column of
// that name (an exported dataset) is read as is. InvalidArgument if a spec's signal is not a column.
Result<std::vector<float>> ComputeFeatures(const Table& table, const std::vector<FeatureSpec>& specs);

// The signals the specs read, each once, in first-use order: what a record must hold.
std::vector<std::string> SignalsOf(const std::vector<FeatureSpec>& specs);

// The plain specs for every column of a table: "col" for each.
std::vector<FeatureSpec> ValueFeatures(const Table& table);

}  // namespace mw::models
