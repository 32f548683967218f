#include "analytics/detectors/sequence_novelty.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

// SplitMix64's finaliser: spreads a pattern hash over all 64 bits.
std::uint64_t Mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

SequenceNovelty::SequenceNovelty(const SequenceNoveltyOptions& options)
    : options_(options),
      min_(options.min),
      max_(options.max),
      since_trigger_(std::numeric_limits<std::size_t>::max() / 2) {
  if (max_ <= min_) {
    min_ = std::numeric_limits<double>::infinity();
    max_ = -std::numeric_limits<double>::infinity();
    learning_range_ = true;
  }
}

void SequenceNovelty::LearnRange(double value) {
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  learning_values_.push_back(value);
  if (learning_values_.size() < options_.learn) return;
  // The range is known: the values that set it also teach the first patterns.
  learning_range_ = false;
  for (double v : learning_values_) Learn(v);
  learning_values_ = {};
}

std::size_t SequenceNovelty::Learn(double value) {
  const auto orders = static_cast<std::ptrdiff_t>(options_.orders);
  std::copy_backward(recent_.begin(), recent_.begin() + orders - 1, recent_.begin() + orders);
  recent_[0] = Bin(value);
  filled_ = std::min(filled_ + 1, options_.orders);
  std::size_t novel = 0;
  std::uint64_t h = 0;
  for (std::size_t k = 0; k < filled_; ++k) {
    h = Mix(h ^ (static_cast<std::uint64_t>(recent_[k] + 2) << 8) ^ (k + 1));
    const bool is_new = seen_.size() < options_.max_patterns ? seen_.insert(h).second : !seen_.contains(h);
    novel += is_new ? 1 : 0;
  }
  return novel;
}

// Bins 0 .. levels-1 cover [min, max] (max itself in the top bin); -1 is below, levels above.
int SequenceNovelty::Bin(double value) const {
  const auto levels = static_cast<double>(options_.levels);
  const double span = max_ - min_;
  if (value < min_) return -1;
  if (value > max_) return static_cast<int>(options_.levels);
  if (span <= 0) return 0;
  return static_cast<int>(std::min(std::floor((value - min_) / span * levels), levels - 1));
}

bool SequenceNovelty::Update(double value, double& score, double& raw) {
  if (learning_range_) {
    LearnRange(value);
    return false;
  }
  raw = static_cast<double>(Learn(value)) / static_cast<double>(options_.orders);
  ++since_trigger_;
  score = since_trigger_ <= options_.rest ? 0.0 : raw;
  if (raw >= options_.rest_level) since_trigger_ = 0;
  return true;
}

SequenceNoveltyDetector::SequenceNoveltyDetector(SequenceNoveltyOptions options, std::string name,
                                                 Catalog& catalog)
    : options_(std::move(options)), name_(std::move(name)), catalog_(catalog) {}

bool SequenceNoveltyDetector::AppliesTo(std::string_view signal) const {
  return pipeline::SignalListed(options_.signals, signal);
}

bool SequenceNoveltyDetector::AppliesToDerived(std::string_view signal) const {
  return pipeline::SignalNamed(options_.signals, signal);
}

void SequenceNoveltyDetector::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  SeriesState& state = states_.Get(sample.series, [&] {
    auto s = std::make_unique<SeriesState>(options_);
    s->output = detail::DerivedSeries(catalog_, sample.series, options_.output);
    return s;
  });
  double score = 0;
  double raw = 0;
  if (!state.novelty.Update(sample.value, score, raw)) return;
  if (state.output != kInvalidSeries) out.derived.Append(state.output, sample.time, score);
  if (score >= options_.threshold) {
    out.events.push_back(
        {EventKind::kAnomaly, sample.time, sample.series, sample.value, score, name_,
         fmt::format("novel behaviour: {:.0f} % of the patterns ending here never seen before "
                     "(range {:.4g} .. {:.4g}, {} patterns known)",
                     100 * score, state.novelty.range_min(), state.novelty.range_max(),
                     state.novelty.patterns())});
  }
}

pipeline::PluginDescriptor SequenceNoveltyDetector::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "sequence_novelty";
  d.doc =
      "Fraction of the value patterns (the last 1..orders quantised values) never seen before on the signal, "
      "quiet for `rest` values after a novelty; emits <signal>.novelty and an anomaly event at the threshold";
  d.options = {
      {"min", OptionType::kDouble, 0.0, "bottom of the signal's range (max <= min: learn the range)", {}},
      {"max", OptionType::kDouble, 0.0, "top of the signal's range", {}},
      {"learn", OptionType::kInt, std::int64_t{300}, "values that set a learned range", detail::PositiveInt},
      {"levels", OptionType::kInt, std::int64_t{8}, "bins across the range", detail::PositiveInt},
      {"orders", OptionType::kInt, std::int64_t{6}, "longest pattern, in values (1 to 16)",
       [](const pipeline::OptionValue& v) {
         const auto n = std::get<std::int64_t>(v);
         return n >= 1 && n <= static_cast<std::int64_t>(SequenceNovelty::kMaxOrders) ? ""
                                                                                      : "expected 1 to 16";
       }},
      {"rest", OptionType::kInt, std::int64_t{150}, "values reported as 0 after a novelty",
       detail::NonNegativeInt},
      {"rest_level", OptionType::kDouble, 0.75, "score at or above which the rest period starts",
       detail::PositiveDouble},
      {"threshold", OptionType::kDouble, 0.8, "score at or above which an anomaly event is raised",
       detail::PositiveDouble},
      {"max_patterns", OptionType::kInt, std::int64_t{100000}, "patterns remembered per signal",
       detail::PositiveInt},
      detail::SignalsOption("watch"),
      detail::OutputOption("novelty"),
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    SequenceNoveltyOptions opts;
    opts.min = o.GetDouble("min");
    opts.max = o.GetDouble("max");
    opts.learn = static_cast<std::size_t>(o.GetInt("learn"));
    opts.levels = static_cast<std::size_t>(o.GetInt("levels"));
    opts.orders = static_cast<std::size_t>(o.GetInt("orders"));
    opts.rest = static_cast<std::size_t>(o.GetInt("rest"));
    opts.rest_level = o.GetDouble("rest_level");
    opts.threshold = o.GetDouble("threshold");
    opts.max_patterns = static_cast<std::size_t>(o.GetInt("max_patterns"));
    opts.signals = o.GetStringList("signals");
    opts.output = o.GetString("output");
    if (auto err = detail::CheckSignals(opts.signals, ctx); !err.empty()) return Status::InvalidArgument(err);
    if (opts.max < opts.min)
      return Status::InvalidArgument(fmt::format("max ({}) is below min ({})", opts.max, opts.min));
    return std::unique_ptr<pipeline::Plugin>(
        new SequenceNoveltyDetector(std::move(opts), ctx.name, ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
