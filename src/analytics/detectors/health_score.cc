#include "analytics/detectors/health_score.h"

#include <algorithm>
#include <cmath>

namespace mw::analytics {
namespace {

// Surprise of a likelihood; p is floored so that L = 1 gives a large finite number.
double Surprise(double likelihood) { return -std::log10(std::max(1 - likelihood, 1e-300)); }

double Health(double surprise, double ok, double fail) {
  return 100 * std::clamp((fail - surprise) / (fail - ok), 0.0, 1.0);
}

}  // namespace

double HealthFromLikelihoods(const std::vector<double>& likelihoods, double ok_surprise,
                             double fail_surprise) {
  double worst = 0;
  for (double l : likelihoods) worst = std::max(worst, Surprise(l));
  return Health(worst, ok_surprise, fail_surprise);
}

HealthScore::HealthScore(HealthScoreOptions options, Catalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {}

bool HealthScore::AppliesTo(std::string_view signal) const {
  const std::string& in = options_.input;
  if (signal == in) return true;
  return signal.size() > in.size() && signal.ends_with(in) && signal[signal.size() - in.size() - 1] == '.';
}

bool HealthScore::AppliesToDerived(std::string_view signal) const { return AppliesTo(signal); }

void HealthScore::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  if (!std::isfinite(sample.value) || sample.quality == Quality::kBad) return;
  const AssetId asset = catalog_.AssetOf(sample.series);
  if (asset == kInvalidAsset) return;
  AssetState& s = assets_.Get(asset, [&] {
    auto state = std::make_unique<AssetState>();
    state->output = catalog_.InternSeries(asset, options_.output);
    return state;
  });
  const double surprise = Surprise(std::clamp(sample.value, 0.0, 1.0));
  auto it = std::find_if(s.surprise.begin(), s.surprise.end(),
                         [&](const auto& entry) { return entry.first == sample.series; });
  if (it == s.surprise.end()) {
    s.surprise.emplace_back(sample.series, surprise);
  } else {
    it->second = surprise;
  }
  double worst = 0;
  for (const auto& entry : s.surprise) worst = std::max(worst, entry.second);
  if (s.output != kInvalidSeries)
    out.derived.Append(s.output, sample.time, Health(worst, options_.ok_surprise, options_.fail_surprise));
}

pipeline::PluginDescriptor HealthScore::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kDetector;
  d.name = "health_score";
  d.doc =
      "Asset health 0-100 from its detectors' anomaly likelihoods: 100 * clamp((s_fail - S) / (s_fail - "
      "s_ok), 0, 1), "
      "S = max over detectors of -log10(1 - likelihood); emits <asset>/health";
  d.options = {
      {"input",
       OptionType::kString,
       std::string("likelihood"),
       "suffix of the likelihood series to combine",
       {}},
      {"ok_surprise", OptionType::kDouble, 2.0,
       "surprise (-log10 tail probability) at or below which health is 100", detail::PositiveDouble},
      {"fail_surprise", OptionType::kDouble, 6.0, "surprise at or above which health is 0",
       detail::PositiveDouble},
      {"output", OptionType::kString, std::string("health"), "signal name of the health series", {}},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    HealthScoreOptions opts;
    opts.input = o.GetString("input");
    opts.ok_surprise = o.GetDouble("ok_surprise");
    opts.fail_surprise = o.GetDouble("fail_surprise");
    opts.output = o.GetString("output");
    if (opts.fail_surprise <= opts.ok_surprise)
      return Status::InvalidArgument("fail_surprise must exceed ok_surprise");
    return std::unique_ptr<pipeline::Plugin>(new HealthScore(std::move(opts), ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
