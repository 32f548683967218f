#include "analytics/models/feature_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "analytics/models/table.h"

namespace mw::models {
namespace {

constexpr int kMaxWindow = 10000;
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct NamedFn {
  FeatureFn fn;
  std::string_view name;
};
constexpr NamedFn kFns[] = {{FeatureFn::kMean, "mean"},
                            {FeatureFn::kStd, "std"},
                            {FeatureFn::kMin, "min"},
                            {FeatureFn::kMax, "max"},
                            {FeatureFn::kSlope, "slope"}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The statistic of a window's values, oldest first.
float Reduce(FeatureFn fn, const std::vector<float>& v) {
  const std::size_t n = v.size();
  if (n == 0) return kNaN;
  double sum = 0;
  for (float x : v) sum += x;
  const double mean = sum / static_cast<double>(n);
  switch (fn) {
    case FeatureFn::kValue:
    case FeatureFn::kMean:
      return static_cast<float>(mean);
    case FeatureFn::kMin:
      return *std::min_element(v.begin(), v.end());
    case FeatureFn::kMax:
      return *std::max_element(v.begin(), v.end());
    case FeatureFn::kStd: {
      if (n < 2) return kNaN;
      double squares = 0;
      for (float x : v) squares += (x - mean) * (x - mean);
      return static_cast<float>(std::sqrt(squares / static_cast<double>(n - 1)));
    }
    case FeatureFn::kSlope: {
      if (n < 2) return kNaN;
      const double t_mean = static_cast<double>(n - 1) / 2;
      double num = 0, den = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double dt = static_cast<double>(i) - t_mean;
        num += dt * (v[i] - mean);
        den += dt * dt;
      }
      return static_cast<float>(num / den);
    }
  }
  return kNaN;
}

}  // namespace

namespace {

// A window of 1..kMaxWindow, or 0.
int ParseWindow(std::string_view text) {
  int window = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), window);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || window < 1 ||
      window > kMaxWindow) {
    return 0;
  }
  return window;
}

// "fn(signal, N)".
Result<FeatureSpec> ParseCall(std::string_view text, std::size_t open, const std::string& quoted) {
  const std::string_view name = Trim(text.substr(0, open));
  const auto fn =
      std::find_if(std::begin(kFns), std::end(kFns), [&](const auto& f) { return f.name == name; });
  if (fn == std::end(kFns))
    return Status::InvalidArgument(quoted + ": unknown function (mean, std, min, max, slope)");
  const std::size_t comma = text.find(',', open);
  if (comma == std::string_view::npos || text.back() != ')') {
    return Status::InvalidArgument(quoted + ": expected " + std::string(name) + "(signal, N)");
  }
  FeatureSpec spec{fn->fn, std::string(Trim(text.substr(open + 1, comma - open - 1))),
                   ParseWindow(Trim(text.substr(comma + 1, text.size() - comma - 2))), ""};
  if (spec.signal.empty() || spec.window == 0) {
    return Status::InvalidArgument(quoted + ": expected a signal and a window of 1.." +
                                   std::to_string(kMaxWindow));
  }
  spec.text = spec.signal + "." + std::string(name) + std::to_string(spec.window);
  return spec;
}

// The function of a last dotted part "<fn><N>", or nothing.
std::optional<FeatureSpec> ParseDotted(std::string_view text) {
  const std::size_t dot = text.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  const std::string_view last = text.substr(dot + 1);
  for (const auto& f : kFns) {
    if (!last.starts_with(f.name)) continue;
    const int window = ParseWindow(last.substr(f.name.size()));
    if (window > 0) return FeatureSpec{f.fn, std::string(text.substr(0, dot)), window, std::string(text)};
  }
  return std::nullopt;
}

}  // namespace

Result<FeatureSpec> ParseFeature(std::string_view text) {
  const std::string quoted = "feature '" + std::string(text) + "'";
  text = Trim(text);
  const std::size_t open = text.find('(');
  if (open != std::string_view::npos) return ParseCall(text, open, quoted);
  if (text.empty() || text.find_first_of(",) ") != std::string_view::npos) {
    return Status::InvalidArgument(quoted + ": expected a signal name, signal.<fn><N> or fn(signal, N)");
  }
  if (auto spec = ParseDotted(text)) return *spec;
  return FeatureSpec{FeatureFn::kValue, std::string(text), 1, std::string(text)};
}

Result<std::vector<FeatureSpec>> ParseFeatures(std::span<const std::string> texts) {
  std::vector<FeatureSpec> specs;
  for (const std::string& text : texts) {
    auto spec = ParseFeature(text);
    if (!spec.ok()) return spec.status();
    specs.push_back(std::move(*spec));
  }
  return specs;
}

Result<FeatureWindows> FeatureWindows::Create(const std::vector<FeatureSpec>& specs,
                                              const std::vector<std::string>& signals) {
  FeatureWindows out;
  out.specs_ = specs;
  for (const FeatureSpec& spec : specs) {
    const auto it = std::find(signals.begin(), signals.end(), spec.signal);
    if (it == signals.end())
      return Status::InvalidArgument("feature '" + spec.text + "': no signal '" + spec.signal + "'");
    out.source_.push_back(static_cast<int>(it - signals.begin()));
    Window window;
    window.ring.resize(static_cast<std::size_t>(spec.window));
    out.windows_.push_back(std::move(window));
  }
  return out;
}

void FeatureWindows::Update(std::span<const float> values, std::span<float> out) {
  std::vector<float>& ordered = scratch_;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const float value = values[static_cast<std::size_t>(source_[i])];
    if (specs_[i].fn == FeatureFn::kValue) {
      out[i] = value;
      continue;
    }
    Window& w = windows_[i];
    if (!std::isnan(value)) {
      w.ring[w.next] = value;
      w.next = (w.next + 1) % w.ring.size();
      w.count = std::min(w.count + 1, w.ring.size());
    }
    ordered.clear();
    const std::size_t first = (w.next + w.ring.size() - w.count) % w.ring.size();
    for (std::size_t k = 0; k < w.count; ++k) ordered.push_back(w.ring[(first + k) % w.ring.size()]);
    out[i] = Reduce(specs_[i].fn, ordered);
  }
}

void FeatureWindows::Reset() {
  for (Window& w : windows_) w.next = w.count = 0;
}

Result<std::vector<float>> ComputeFeatures(const Table& table, const std::vector<FeatureSpec>& specs) {
  // A feature the table holds under its own name is read as a value of that column.
  std::vector<FeatureSpec> resolved = specs;
  for (FeatureSpec& spec : resolved) {
    if (spec.fn != FeatureFn::kValue && table.ColumnIndex(spec.text) >= 0)
      spec = {FeatureFn::kValue, spec.text, 1, spec.text};
  }
  auto windows = FeatureWindows::Create(resolved, table.columns);
  if (!windows.ok()) return windows.status();
  const std::size_t cols = table.columns.size();
  std::vector<float> out(table.rows() * specs.size());
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (r > 0 && table.unit[r] != table.unit[r - 1]) windows->Reset();
    windows->Update(std::span<const float>(table.row(r), cols),
                    std::span<float>(out.data() + r * specs.size(), specs.size()));
  }
  return out;
}

std::vector<std::string> SignalsOf(const std::vector<FeatureSpec>& specs) {
  std::vector<std::string> signals;
  for (const FeatureSpec& f : specs) {
    if (std::find(signals.begin(), signals.end(), f.signal) == signals.end()) signals.push_back(f.signal);
  }
  return signals;
}

std::vector<FeatureSpec> ValueFeatures(const Table& table) {
  std::vector<FeatureSpec> specs;
  for (const std::string& column : table.columns) specs.push_back({FeatureFn::kValue, column, 1, column});
  return specs;
}

}  // namespace mw::models
