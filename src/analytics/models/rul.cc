#include "analytics/models/rul.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <numeric>

namespace mw::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Draws of the trend line per interval: enough for the 10th/90th percentiles to move by well under a
// cycle between seeds, few enough to estimate every row of a bench quickly.
constexpr int kTrendDraws = 256;
// ln(D - phi) is floored here, so a reading below phi (noise early in life) is a low value, not -inf.
constexpr double kLogFloor = 1e-2;

// Each unit's row indices in table order; units in order of first appearance.
std::vector<std::vector<std::size_t>> RowsByUnit(const Table& table, std::vector<std::int64_t>* units) {
  std::map<std::int64_t, std::size_t> slot;
  std::vector<std::vector<std::size_t>> rows;
  for (std::size_t i = 0; i < table.rows(); ++i) {
    const auto [it, added] = slot.emplace(table.unit[i], rows.size());
    if (added) {
      rows.emplace_back();
      if (units) units->push_back(table.unit[i]);
    }
    rows[it->second].push_back(i);
  }
  return rows;
}

// Linear interpolation between order statistics; `sorted` ascending and not empty.
double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return SortedQuantile(values, q);
}

// Solves a x = b (n x n, row-major) by Gaussian elimination with partial pivoting; false if singular.
bool Solve(std::vector<double> a, std::vector<double> b, std::vector<double>* x) {
  const std::size_t n = b.size();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::abs(a[r * n + col]) > std::abs(a[pivot * n + col])) pivot = r;
    }
    if (std::abs(a[pivot * n + col]) < 1e-12) return false;
    for (std::size_t c = 0; c < n; ++c) std::swap(a[col * n + c], a[pivot * n + c]);
    std::swap(b[col], b[pivot]);
    for (std::size_t r = col + 1; r < n; ++r) {
      const double f = a[r * n + col] / a[col * n + col];
      for (std::size_t c = col; c < n; ++c) a[r * n + c] -= f * a[col * n + c];
      b[r] -= f * b[col];
    }
  }
  x->assign(n, 0);
  for (std::size_t r = n; r-- > 0;) {
    double s = b[r];
    for (std::size_t c = r + 1; c < n; ++c) s -= a[r * n + c] * (*x)[c];
    (*x)[r] = s / a[r * n + r];
  }
  return true;
}

// splitmix64: a small, portable generator, so draws (and intervals) are the same on every platform.
struct Random {
  std::uint64_t state;
  std::uint64_t Next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return (static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53; }
  // Box-Muller.
  double Normal() { return std::sqrt(-2 * std::log(Uniform())) * std::cos(2 * M_PI * Uniform()); }
};

double Clamp(double v, double cap) { return std::isnan(v) ? cap : std::clamp(v, 0.0, cap); }

RulEstimate Contain(double rul, double lower, double upper, double cap) {
  RulEstimate e{Clamp(rul, cap), Clamp(lower, cap), Clamp(upper, cap)};
  e.lower = std::min(e.lower, e.rul);
  e.upper = std::max(e.upper, e.rul);
  return e;
}

double Pearson(const Table& table, std::size_t col, std::span<const double> y) {
  double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < table.rows(); ++i) {
    const double x = table.row(i)[col];
    if (std::isnan(x)) continue;
    n += 1, sx += x, sy += y[i], sxx += x * x, syy += y[i] * y[i], sxy += x * y[i];
  }
  const double vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
  // Relative to the magnitude, so a column that is constant but for float rounding counts as constant.
  if (n < 2 || vx <= 1e-9 * (sxx + 1e-30) || vy <= 0) return 0;
  return (sxy - sx * sy / n) / std::sqrt(vx * vy);
}

}  // namespace

// ---- Targets ---------------------------------------------------------------------------------------

std::vector<double> RowRul(const Table& table) {
  if (!table.target.empty()) return table.target;
  std::map<std::int64_t, double> last;
  for (std::size_t i = 0; i < table.rows(); ++i) {
    auto [it, added] = last.emplace(table.unit[i], table.time[i]);
    if (!added) it->second = std::max(it->second, table.time[i]);
  }
  std::vector<double> rul(table.rows());
  for (std::size_t i = 0; i < table.rows(); ++i) rul[i] = last[table.unit[i]] - table.time[i];
  return rul;
}

Result<double> RulPerTimeUnit(const Table& table, std::span<const double> rul) {
  double num = 0, den = 0;
  for (const auto& rows : RowsByUnit(table, nullptr)) {
    double mt = 0, mr = 0;
    for (const std::size_t i : rows) mt += table.time[i], mr += rul[i];
    mt /= static_cast<double>(rows.size());
    mr /= static_cast<double>(rows.size());
    for (const std::size_t i : rows) {
      num -= (table.time[i] - mt) * (rul[i] - mr);
      den += (table.time[i] - mt) * (table.time[i] - mt);
    }
  }
  if (!(den > 0))
    return Status::InvalidArgument("every unit has a single time: no run to failure to learn from");
  if (!(num > 0))
    return Status::InvalidArgument("the target does not fall as time passes: not a remaining life");
  return num / den;
}

std::vector<double> RowAge(const Table& table, double rul_per_time) {
  std::map<std::int64_t, double> first;
  for (std::size_t i = 0; i < table.rows(); ++i) {
    auto [it, added] = first.emplace(table.unit[i], table.time[i]);
    if (!added) it->second = std::min(it->second, table.time[i]);
  }
  std::vector<double> age(table.rows());
  for (std::size_t i = 0; i < table.rows(); ++i)
    age[i] = (table.time[i] - first[table.unit[i]]) * rul_per_time;
  return age;
}

double DefaultCap(const Table& table, std::span<const double> rul, std::span<const double> age) {
  std::vector<double> lives;
  for (const auto& rows : RowsByUnit(table, nullptr)) lives.push_back(age[rows.back()] + rul[rows.back()]);
  const double cap = 0.6 * Quantile(lives, 0.5);
  return cap > 0 ? cap : 1;
}

std::vector<std::int64_t> UnitsOf(const Table& table) {
  std::vector<std::int64_t> units;
  RowsByUnit(table, &units);
  return units;
}

std::vector<std::string> DefaultRulFeatures(const Table& table, std::span<const double> capped_rul,
                                            int window, int slope_window) {
  std::vector<std::string> out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (std::abs(Pearson(table, c, capped_rul)) < 0.1) continue;
    const std::string& name = table.columns[c];
    out.push_back(name);
    out.push_back(name + ".mean" + std::to_string(window));
    out.push_back(name + ".slope" + std::to_string(slope_window));
  }
  return out;
}

// ---- Intervals -------------------------------------------------------------------------------------

Result<IntervalTable> IntervalTable::Fit(std::span<const double> predicted, std::span<const double> truth,
                                         double coverage, int bins) {
  if (predicted.empty() || predicted.size() != truth.size()) {
    return Status::InvalidArgument("interval calibration: " + std::to_string(predicted.size()) +
                                   " predictions for " + std::to_string(truth.size()) + " truths");
  }
  if (!(coverage > 0 && coverage < 1)) return Status::InvalidArgument("coverage must be in (0, 1)");
  IntervalTable t;
  std::vector<double> sorted(predicted.begin(), predicted.end());
  std::sort(sorted.begin(), sorted.end());
  for (int k = 1; k < std::max(bins, 1); ++k) {
    const double edge = SortedQuantile(sorted, static_cast<double>(k) / bins);
    // Many predictions at the cap make equal quantiles: one bin for them, not several empty ones.
    if (t.upper_edges.empty() || edge > t.upper_edges.back()) t.upper_edges.push_back(edge);
  }
  std::vector<std::vector<double>> residuals(t.upper_edges.size() + 1);
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    const auto bin =
        std::lower_bound(t.upper_edges.begin(), t.upper_edges.end(), predicted[i]) - t.upper_edges.begin();
    residuals[static_cast<std::size_t>(bin)].push_back(truth[i] - predicted[i]);
  }
  std::vector<double> all;
  for (const auto& r : residuals) all.insert(all.end(), r.begin(), r.end());
  for (auto& r : residuals) {
    const std::vector<double>& source = r.size() >= 20 ? r : all;  // too few for their own quantiles
    t.low.push_back(Quantile(source, (1 - coverage) / 2));
    t.high.push_back(Quantile(source, (1 + coverage) / 2));
  }
  return t;
}

RulEstimate IntervalTable::Apply(double predicted, double cap) const {
  const auto bin = static_cast<std::size_t>(
      std::lower_bound(upper_edges.begin(), upper_edges.end(), predicted) - upper_edges.begin());
  if (bin >= low.size()) return Contain(predicted, predicted, predicted, cap);
  return Contain(predicted, predicted + low[bin], predicted + high[bin], cap);
}

nlohmann::json IntervalTable::ToJson() const {
  return {{"upper_edges", upper_edges}, {"low", low}, {"high", high}};
}

Result<IntervalTable> IntervalTable::FromJson(const nlohmann::json& json) {
  IntervalTable t;
  try {
    t.upper_edges = json.at("upper_edges").get<std::vector<double>>();
    t.low = json.at("low").get<std::vector<double>>();
    t.high = json.at("high").get<std::vector<double>>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("interval table: ") + e.what());
  }
  if (t.low.size() != t.upper_edges.size() + 1 || t.high.size() != t.low.size()) {
    return Status::Corruption("interval table: bins and edges do not agree");
  }
  return t;
}

// ---- Degradation trend -----------------------------------------------------------------------------

double TrendParams::Health(const float* scaled_row) const {
  double h = bias;
  for (std::size_t c = 0; c < weights.size(); ++c) {
    if (!std::isnan(scaled_row[c])) h += weights[c] * scaled_row[c];
  }
  return h;
}

nlohmann::json TrendParams::ToJson() const {
  return {{"weights", weights},
          {"bias", bias},
          {"phi", phi},
          {"prior_mean", prior_mean},
          {"prior_cov", prior_cov},
          {"noise_var", noise_var},
          {"threshold_mean", threshold_mean},
          {"threshold_sd", threshold_sd},
          {"coverage", coverage}};
}

Result<TrendParams> TrendParams::FromJson(const nlohmann::json& json) {
  TrendParams p;
  try {
    p.weights = json.at("weights").get<std::vector<double>>();
    p.bias = json.at("bias").get<double>();
    p.phi = json.at("phi").get<double>();
    p.prior_mean = json.at("prior_mean").get<std::array<double, 2>>();
    p.prior_cov = json.at("prior_cov").get<std::array<double, 3>>();
    p.noise_var = json.at("noise_var").get<double>();
    p.threshold_mean = json.at("threshold_mean").get<double>();
    p.threshold_sd = json.at("threshold_sd").get<double>();
    p.coverage = json.at("coverage").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("trend params: ") + e.what());
  }
  if (!(p.noise_var > 0) || !(p.prior_cov[0] > 0) || !(p.prior_cov[2] > 0)) {
    return Status::Corruption("trend params: variances must be positive");
  }
  return p;
}

void TrendTracker::Update(double age, double health) {
  const double y = std::log(std::max(1 - health - params_->phi, kLogFloor));
  n_ += 1, st_ += age, stt_ += age * age, sy_ += y, sty_ += age * y;
}

// Conjugate update of the Gaussian prior on (a, b) with the readings' normal equations.
TrendTracker::Line TrendTracker::Posterior() const {
  const auto& [va, cab, vb] = params_->prior_cov;
  const double det0 = va * vb - cab * cab;
  const double p00 = vb / det0, p01 = -cab / det0, p11 = va / det0;  // prior precision
  const double w = 1 / params_->noise_var;
  const double l00 = p00 + w * n_, l01 = p01 + w * st_, l11 = p11 + w * stt_;
  const double e0 = p00 * params_->prior_mean[0] + p01 * params_->prior_mean[1] + w * sy_;
  const double e1 = p01 * params_->prior_mean[0] + p11 * params_->prior_mean[1] + w * sty_;
  const double det = l00 * l11 - l01 * l01;
  Line line;
  line.cov = {l11 / det, -l01 / det, l00 / det};
  line.mean = {line.cov[0] * e0 + line.cov[1] * e1, line.cov[1] * e0 + line.cov[2] * e1};
  return line;
}

namespace {
double CrossingRul(double a, double b, double threshold, double age, double cap) {
  if (!(b > 1e-12)) return cap;  // not degrading: as far as the data can tell
  return Clamp((threshold - a) / b - age, cap);
}
}  // namespace

double TrendTracker::Point(double age, double cap) const {
  const Line line = Posterior();
  return CrossingRul(line.mean[0], line.mean[1], params_->threshold_mean, age, cap);
}

RulEstimate TrendTracker::Estimate(double age, double cap) const {
  const Line line = Posterior();
  const double l00 = std::sqrt(std::max(line.cov[0], 0.0));
  const double l10 = l00 > 0 ? line.cov[1] / l00 : 0;
  const double l11 = std::sqrt(std::max(line.cov[2] - l10 * l10, 0.0));
  Random random{0x5EEDULL};
  std::vector<double> draws(kTrendDraws);
  for (double& d : draws) {
    const double z0 = random.Normal(), z1 = random.Normal(), z2 = random.Normal();
    const double a = line.mean[0] + l00 * z0;
    const double b = line.mean[1] + l10 * z0 + l11 * z1;
    d = CrossingRul(a, b, params_->threshold_mean + params_->threshold_sd * z2, age, cap);
  }
  std::sort(draws.begin(), draws.end());
  const double c = params_->coverage;
  return Contain(Point(age, cap), SortedQuantile(draws, (1 - c) / 2), SortedQuantile(draws, (1 + c) / 2),
                 cap);
}

namespace {

// The health index: ridge least squares on the scaled features, target 1 on each unit's first 10 % of
// life and 0 on its last 10 %, both ends weighted equally. The rows between are left to the fit, so the
// index follows the sensors' own shape of degradation (which the exponential model then describes).
Result<std::vector<double>> FitHealthWeights(std::span<const float> scaled, std::size_t cols,
                                             const std::vector<std::vector<std::size_t>>& unit_rows,
                                             std::span<const double> age, std::span<const double> rul) {
  const std::size_t n = cols + 1;  // weights, then the bias
  std::vector<double> a(n * n, 0), b(n, 0), z(n, 1);
  for (const auto& rows : unit_rows) {
    for (const std::size_t i : rows) {
      const double life = age[i] + rul[i];
      const bool young = age[i] <= 0.1 * life, old = rul[i] <= 0.1 * life;
      if (!(young || old) || life <= 0) continue;
      for (std::size_t c = 0; c < cols; ++c) {
        const float v = scaled[i * cols + c];
        z[c] = std::isnan(v) ? 0 : v;
      }
      const double target = young ? 1 : 0;
      for (std::size_t r = 0; r < n; ++r) {
        b[r] += z[r] * target;
        for (std::size_t c = 0; c < n; ++c) a[r * n + c] += z[r] * z[c];
      }
    }
  }
  if (a[n * n - 1] < 2) return Status::InvalidArgument("trend: too few rows early and late in life");
  // Ridge: features are scaled to unit variance, so one penalty suits them all; the bias is free.
  for (std::size_t c = 0; c < cols; ++c) a[c * n + c] += 1e-3 * a[n * n - 1];
  std::vector<double> w;
  if (!Solve(a, b, &w)) return Status::InvalidArgument("trend: the health index cannot be fitted");
  return w;
}

struct UnitLine {
  double a = 0, b = 0, sse = 0, threshold = 0;
  std::size_t n = 0;
};

// Ordinary least squares of y on t over one unit's rows; the threshold is the line at failure.
UnitLine FitUnitLine(const std::vector<std::size_t>& rows, std::span<const double> y,
                     std::span<const double> age, std::span<const double> rul) {
  double mt = 0, my = 0;
  for (const std::size_t i : rows) mt += age[i], my += y[i];
  const auto n = static_cast<double>(rows.size());
  mt /= n, my /= n;
  double stt = 0, sty = 0;
  for (const std::size_t i : rows) stt += (age[i] - mt) * (age[i] - mt), sty += (age[i] - mt) * (y[i] - my);
  UnitLine line;
  line.n = rows.size();
  line.b = stt > 0 ? sty / stt : 0;
  line.a = my - line.b * mt;
  for (const std::size_t i : rows) line.sse += std::pow(y[i] - line.a - line.b * age[i], 2);
  line.threshold = line.a + line.b * (age[rows.back()] + rul[rows.back()]);
  return line;
}

// The prior, noise and threshold for one phi, from every unit's own line.
TrendParams PriorFor(TrendParams p, std::span<const double> health,
                     const std::vector<std::vector<std::size_t>>& units, std::span<const double> age,
                     std::span<const double> rul) {
  std::vector<double> y(health.size());
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = std::log(std::max(1 - health[i] - p.phi, kLogFloor));
  std::vector<UnitLine> lines;
  double sse = 0, dof = 0;
  for (const auto& rows : units) {
    lines.push_back(FitUnitLine(rows, y, age, rul));
    sse += lines.back().sse;
    dof += static_cast<double>(rows.size()) - 2;
  }
  const auto k = static_cast<double>(lines.size());
  double ma = 0, mb = 0, mthr = 0;
  for (const auto& l : lines) ma += l.a / k, mb += l.b / k, mthr += l.threshold / k;
  double va = 0, vb = 0, cab = 0, vthr = 0;
  for (const auto& l : lines) {
    va += (l.a - ma) * (l.a - ma) / (k - 1), vb += (l.b - mb) * (l.b - mb) / (k - 1);
    cab += (l.a - ma) * (l.b - mb) / (k - 1), vthr += (l.threshold - mthr) * (l.threshold - mthr) / (k - 1);
  }
  // A little on the diagonal keeps the prior invertible when every unit degrades alike (synthetic data).
  p.prior_mean = {ma, mb};
  p.prior_cov = {va + 1e-6 + 1e-6 * ma * ma, cab, vb + 1e-12 + 1e-6 * mb * mb};
  p.noise_var = std::max(dof > 0 ? sse / dof : 1.0, 1e-6);
  p.threshold_mean = mthr;
  p.threshold_sd = std::sqrt(vthr);
  return p;
}

// Mean squared error of the trackers' points over every training row (the capped RUL).
double TrendError(const TrendParams& p, std::span<const double> health,
                  const std::vector<std::vector<std::size_t>>& units, std::span<const double> age,
                  std::span<const double> rul, double cap) {
  double sse = 0, n = 0;
  for (const auto& rows : units) {
    TrendTracker tracker(p);
    for (const std::size_t i : rows) {
      tracker.Update(age[i], health[i]);
      sse += std::pow(tracker.Point(age[i], cap) - std::min(rul[i], cap), 2);
      n += 1;
    }
  }
  return sse / n;
}

}  // namespace

Result<TrendParams> FitTrend(std::span<const float> scaled, std::size_t cols,
                             const std::vector<std::vector<std::size_t>>& unit_rows,
                             std::span<const double> age, std::span<const double> rul, double cap,
                             double coverage) {
  if (unit_rows.size() < 2) return Status::InvalidArgument("trend: at least two training units are needed");
  auto w = FitHealthWeights(scaled, cols, unit_rows, age, rul);
  if (!w.ok()) return w.status();
  TrendParams base;
  base.coverage = coverage;
  base.bias = w->back();
  base.weights.assign(w->begin(), w->end() - 1);
  std::vector<double> health(age.size());
  for (std::size_t i = 0; i < health.size(); ++i) health[i] = base.Health(scaled.data() + i * cols);
  // phi and the noise's inflation are chosen on the training rows: phi shapes the exponential, and the
  // readings of a smoothed index are correlated, so their nominal variance overstates the evidence.
  TrendParams best;
  double best_error = std::numeric_limits<double>::infinity();
  for (const double phi : {-0.05, -0.1, -0.2, -0.3, -0.5, -0.8, -1.2}) {
    base.phi = phi;
    const TrendParams fitted = PriorFor(base, health, unit_rows, age, rul);
    for (const double inflation : {1.0, 4.0, 16.0, 64.0}) {
      TrendParams p = fitted;
      p.noise_var *= inflation;
      const double error = TrendError(p, health, unit_rows, age, rul, cap);
      if (error < best_error) best_error = error, best = p;
    }
  }
  return best;
}

// ---- The model -------------------------------------------------------------------------------------

Result<RulEstimator> ParseRulEstimator(const std::string& text) {
  if (text == "regressor") return RulEstimator::kRegressor;
  if (text == "trend") return RulEstimator::kTrend;
  if (text == "blend") return RulEstimator::kBlend;
  return Status::InvalidArgument("estimator '" + text + "': expected regressor, trend or blend");
}

const char* RulEstimatorName(RulEstimator estimator) {
  switch (estimator) {
    case RulEstimator::kRegressor:
      return "regressor";
    case RulEstimator::kTrend:
      return "trend";
    case RulEstimator::kBlend:
      return "blend";
  }
  return "?";
}

BoosterParams DefaultRulBooster() {
  BoosterParams p;
  p.objective = Objective::kRegression;
  p.trees = 400;
  p.max_depth = 5;
  p.learning_rate = 0.05;
  p.subsample = 0.8;
  p.colsample = 0.8;
  p.seed = 1;
  return p;
}

namespace {

// The rows of some units with everything the estimators read, grouped by unit.
struct Dataset {
  std::vector<float> x;  // rows x cols: the features, then the age when used
  std::size_t cols = 0, features = 0;
  std::vector<double> age, rul, capped, time;
  std::vector<std::size_t> source;  // the row of the table each row came from
  std::vector<std::int64_t> units;
  std::vector<std::vector<std::size_t>> unit_rows;
  std::size_t rows() const { return age.size(); }
};

struct DatasetInputs {
  const std::vector<float>* features;
  std::size_t feature_cols;
  bool use_age;
  std::span<const double> age, rul;
  double cap;
};

Dataset BuildDataset(const Table& table, const DatasetInputs& in, std::span<const std::size_t> unit_indices,
                     const std::vector<std::vector<std::size_t>>& all_rows,
                     const std::vector<std::int64_t>& ids) {
  Dataset d;
  d.features = in.feature_cols;
  d.cols = in.feature_cols + (in.use_age ? 1 : 0);
  for (const std::size_t u : unit_indices) {
    d.units.push_back(ids[u]);
    d.unit_rows.emplace_back();
    for (const std::size_t i : all_rows[u]) {
      d.unit_rows.back().push_back(d.rows());
      const float* f = in.features->data() + i * in.feature_cols;
      d.x.insert(d.x.end(), f, f + in.feature_cols);
      if (in.use_age) d.x.push_back(static_cast<float>(in.age[i]));
      d.age.push_back(in.age[i]);
      d.rul.push_back(in.rul.empty() ? kNaN : in.rul[i]);
      d.capped.push_back(in.rul.empty() ? kNaN : std::min(in.rul[i], in.cap));
      d.time.push_back(table.time[i]);
      d.source.push_back(i);
    }
  }
  return d;
}

// The scaled features alone (no age), for the health index.
std::vector<float> ScaledFeatures(const Dataset& d, const Scaler& scaler) {
  std::vector<float> out;
  out.reserve(d.rows() * d.features);
  for (std::size_t i = 0; i < d.rows(); ++i) {
    const float* row = d.x.data() + i * d.cols;
    out.insert(out.end(), row, row + d.features);
  }
  scaler.Apply(out);
  return out;
}

struct Core {
  Booster booster;
  Scaler scaler;
  TrendParams trend;
};

}  // namespace

void HealthWindows::Push(double health) {
  const double sum = prefix_[seen_ % prefix_.size()] + health;
  ++seen_;
  prefix_[seen_ % prefix_.size()] = sum;
  if (seen_ <= kBaseline) baseline_sum_ = sum;
}

double HealthWindows::MeanOfLast(std::size_t n) const {
  n = std::min(n, seen_);
  const double sum = prefix_[seen_ % prefix_.size()] - prefix_[(seen_ - n) % prefix_.size()];
  return sum / static_cast<double>(n);
}

void HealthWindows::Write(float* out) const {
  out[0] = static_cast<float>(MeanOfLast(1));
  out[1] = static_cast<float>(MeanOfLast(10));
  out[2] = static_cast<float>(MeanOfLast(kLongest));
  out[3] =
      static_cast<float>(MeanOfLast(10) - baseline_sum_ / static_cast<double>(std::min(seen_, kBaseline)));
}

namespace {

constexpr std::size_t kHealthInputs = HealthWindows::kInputs;

// The regressor's input: each row's features (and age), then the health index's windows.
std::vector<float> RegressorInput(const Dataset& d, const Scaler& scaler, const TrendParams& trend) {
  const std::vector<float> scaled = ScaledFeatures(d, scaler);
  const std::size_t cols = d.cols + kHealthInputs;
  std::vector<float> out(d.rows() * cols);
  for (const auto& rows : d.unit_rows) {
    HealthWindows health;
    for (const std::size_t i : rows) {
      health.Push(trend.Health(scaled.data() + i * d.features));
      std::copy_n(d.x.data() + i * d.cols, d.cols, out.data() + i * cols);
      health.Write(out.data() + i * cols + d.cols);
    }
  }
  return out;
}

Result<Core> FitCore(const Dataset& d, const RulOptions& options, double cap) {
  Core core;
  std::vector<float> features;
  for (std::size_t i = 0; i < d.rows(); ++i) {
    const float* row = d.x.data() + i * d.cols;
    features.insert(features.end(), row, row + d.features);
  }
  core.scaler = Scaler::Fit(features, d.features);
  core.scaler.Apply(features);
  auto trend = FitTrend(features, d.features, d.unit_rows, d.age, d.rul, cap, options.coverage);
  if (!trend.ok()) return trend.status();
  core.trend = std::move(*trend);
  std::vector<float> y(d.capped.begin(), d.capped.end());
  BoosterParams params = options.booster;
  params.objective = Objective::kRegression;
  auto booster =
      Booster::Train(RegressorInput(d, core.scaler, core.trend), d.cols + kHealthInputs, y, params);
  if (!booster.ok()) return booster.status();
  core.booster = std::move(*booster);
  return core;
}

struct PointSet {
  std::vector<double> regressor, trend;
  std::vector<RulEstimate> trend_estimates;  // only when asked for
};

Result<PointSet> ScoreDataset(const Booster& booster, const Scaler& scaler, const TrendParams& trend,
                              const Dataset& d, double cap, bool trend_intervals) {
  PointSet out;
  std::vector<float> predicted;
  MW_RETURN_IF_ERROR(booster.Predict(RegressorInput(d, scaler, trend), d.cols + kHealthInputs, &predicted));
  for (const float p : predicted) out.regressor.push_back(Clamp(p, cap));
  const std::vector<float> scaled = ScaledFeatures(d, scaler);
  out.trend.resize(d.rows());
  if (trend_intervals) out.trend_estimates.resize(d.rows());
  for (const auto& rows : d.unit_rows) {
    TrendTracker tracker(trend);
    for (const std::size_t i : rows) {
      tracker.Update(d.age[i], trend.Health(scaled.data() + i * d.features));
      out.trend[i] = tracker.Point(d.age[i], cap);
      if (trend_intervals) out.trend_estimates[i] = tracker.Estimate(d.age[i], cap);
    }
  }
  return out;
}

// Units shuffled with the seed, dealt round-robin into folds.
std::vector<std::vector<std::size_t>> UnitFolds(std::size_t units, int folds, int seed) {
  std::vector<std::size_t> order(units);
  std::iota(order.begin(), order.end(), 0);
  Random random{static_cast<std::uint64_t>(seed) * 7919 + 1};
  for (std::size_t i = units; i > 1; --i) std::swap(order[i - 1], order[random.Next() % i]);
  std::vector<std::vector<std::size_t>> out(static_cast<std::size_t>(folds));
  for (std::size_t i = 0; i < units; ++i) out[i % out.size()].push_back(order[i]);
  return out;
}

// The blend weight minimising the squared error of w r + (1 - w) t, in [0, 1].
double BlendWeight(std::span<const double> r, std::span<const double> t, std::span<const double> y) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < y.size(); ++i)
    num += (r[i] - t[i]) * (y[i] - t[i]), den += (r[i] - t[i]) * (r[i] - t[i]);
  return den > 0 ? std::clamp(num / den, 0.0, 1.0) : 0.5;
}

double Coverage(const std::vector<RulEstimate>& e, std::span<const double> truth) {
  double inside = 0;
  for (std::size_t i = 0; i < e.size(); ++i)
    inside += (truth[i] >= e[i].lower && truth[i] <= e[i].upper) ? 1 : 0;
  return e.empty() ? 0 : inside / static_cast<double>(e.size());
}

Status CheckOptions(const RulOptions& o) {
  if (o.cap < 0 || std::isnan(o.cap)) return Status::InvalidArgument("cap must be positive (0: the default)");
  if (!(o.coverage > 0 && o.coverage < 1)) return Status::InvalidArgument("coverage must be in (0, 1)");
  if (o.folds < 2) return Status::InvalidArgument("folds must be at least 2");
  if (o.bins < 1) return Status::InvalidArgument("bins must be at least 1");
  if (o.booster.trees < 1 || o.booster.max_depth < 1)
    return Status::InvalidArgument("trees and depth must be >= 1");
  return Status::Ok();
}

struct OutOfFold {
  std::vector<double> regressor, trend, truth;
  std::vector<RulEstimate> trend_estimates;
};

Result<OutOfFold> CrossValidate(const Table& table, const DatasetInputs& in,
                                const std::vector<std::vector<std::size_t>>& all_rows,
                                const std::vector<std::int64_t>& ids, const RulOptions& options) {
  OutOfFold oof;
  for (const auto& held_out : UnitFolds(ids.size(), options.folds, options.booster.seed)) {
    std::vector<std::size_t> train;
    for (std::size_t u = 0; u < ids.size(); ++u) {
      if (std::find(held_out.begin(), held_out.end(), u) == held_out.end()) train.push_back(u);
    }
    auto core = FitCore(BuildDataset(table, in, train, all_rows, ids), options, in.cap);
    if (!core.ok()) return core.status();
    const Dataset test = BuildDataset(table, in, held_out, all_rows, ids);
    auto points = ScoreDataset(core->booster, core->scaler, core->trend, test, in.cap, true);
    if (!points.ok()) return points.status();
    oof.regressor.insert(oof.regressor.end(), points->regressor.begin(), points->regressor.end());
    oof.trend.insert(oof.trend.end(), points->trend.begin(), points->trend.end());
    oof.trend_estimates.insert(oof.trend_estimates.end(), points->trend_estimates.begin(),
                               points->trend_estimates.end());
    oof.truth.insert(oof.truth.end(), test.capped.begin(), test.capped.end());
  }
  return oof;
}

}  // namespace

struct RulModel::Points {
  Dataset data;
  PointSet points;
};

Result<RulModel> RulModel::Fit(const Table& table, const RulOptions& options) {
  MW_RETURN_IF_ERROR(CheckOptions(options));
  const std::vector<double> rul = RowRul(table);
  const auto rul_per_time = RulPerTimeUnit(table, rul);
  if (!rul_per_time.ok()) return rul_per_time.status();
  const std::vector<double> age = RowAge(table, *rul_per_time);
  const double cap = options.cap > 0 ? options.cap : DefaultCap(table, rul, age);
  std::vector<double> capped(rul.size());
  for (std::size_t i = 0; i < rul.size(); ++i) capped[i] = std::min(rul[i], cap);
  const std::vector<std::string> texts =
      options.features.empty() ? DefaultRulFeatures(table, capped) : options.features;
  if (texts.empty()) return Status::InvalidArgument("no feature column varies with the remaining life");
  auto specs = ParseFeatures(texts);
  if (!specs.ok()) return specs.status();
  auto features = ComputeFeatures(table, *specs);
  if (!features.ok()) return features.status();

  std::vector<std::int64_t> ids;
  const auto all_rows = RowsByUnit(table, &ids);
  if (ids.size() < static_cast<std::size_t>(options.folds)) {
    return Status::InvalidArgument(std::to_string(ids.size()) + " units: at least " +
                                   std::to_string(options.folds) + " (one per fold) are needed");
  }
  const DatasetInputs in{&*features, specs->size(), options.use_age, age, rul, cap};
  auto oof = CrossValidate(table, in, all_rows, ids, options);
  if (!oof.ok()) return oof.status();

  RulModel model;
  model.specs_ = std::move(*specs);
  model.cap_ = cap;
  model.rul_per_time_ = *rul_per_time;
  model.use_age_ = options.use_age;
  model.time_unit_ns_ = table.time_unit_ns;
  model.blend_weight_ = BlendWeight(oof->regressor, oof->trend, oof->truth);
  std::vector<double> blend(oof->truth.size());
  for (std::size_t i = 0; i < blend.size(); ++i) {
    blend[i] = model.blend_weight_ * oof->regressor[i] + (1 - model.blend_weight_) * oof->trend[i];
  }
  auto reg_intervals = IntervalTable::Fit(oof->regressor, oof->truth, options.coverage, options.bins);
  auto blend_intervals = IntervalTable::Fit(blend, oof->truth, options.coverage, options.bins);
  if (!reg_intervals.ok()) return reg_intervals.status();
  if (!blend_intervals.ok()) return blend_intervals.status();
  model.regressor_intervals_ = std::move(*reg_intervals);
  model.blend_intervals_ = std::move(*blend_intervals);

  std::vector<std::size_t> every(ids.size());
  std::iota(every.begin(), every.end(), 0);
  auto core = FitCore(BuildDataset(table, in, every, all_rows, ids), options, cap);
  if (!core.ok()) return core.status();
  model.booster_ = std::move(core->booster);
  model.trend_ = core->trend;

  ModelBundle& b = model.bundle_;
  b.kind = kRulKind;
  for (const auto& s : model.specs_) b.features.push_back(s.text);
  b.scaler = core->scaler;
  const BoosterParams& bp = options.booster;
  b.params = {{"cap", cap},
              {"coverage", options.coverage},
              {"rul_per_time", *rul_per_time},
              {"time_unit_ns", table.time_unit_ns},
              {"use_age", options.use_age},
              {"blend_weight", model.blend_weight_},
              {"folds", options.folds},
              {"bins", options.bins},
              {"booster",
               {{"trees", bp.trees},
                {"max_depth", bp.max_depth},
                {"learning_rate", bp.learning_rate},
                {"subsample", bp.subsample},
                {"colsample", bp.colsample},
                {"mode", TreeModeName(bp.mode)},
                {"seed", bp.seed}}},
              {"regressor_intervals", model.regressor_intervals_.ToJson()},
              {"blend_intervals", model.blend_intervals_.ToJson()},
              {"trend", model.trend_.ToJson()}};
  std::vector<RulEstimate> reg_e, blend_e;
  for (std::size_t i = 0; i < blend.size(); ++i) {
    reg_e.push_back(model.regressor_intervals_.Apply(oof->regressor[i], cap));
    blend_e.push_back(model.blend_intervals_.Apply(blend[i], cap));
  }
  b.metrics = {{"protocol", std::to_string(options.folds) + "-fold unit-wise, every row, capped RUL"},
               {"rmse",
                {{"regressor", Rmse(oof->regressor, oof->truth)},
                 {"trend", Rmse(oof->trend, oof->truth)},
                 {"blend", Rmse(blend, oof->truth)}}},
               {"coverage",
                {{"regressor", Coverage(reg_e, oof->truth)},
                 {"trend", Coverage(oof->trend_estimates, oof->truth)},
                 {"blend", Coverage(blend_e, oof->truth)}}}};
  b.data_hash = TableHash(table);
  b.rows = table.rows();
  b.units = ids.size();
  auto bytes = model.booster_.Serialize();
  if (!bytes.ok()) return bytes.status();
  b.model = std::move(*bytes);
  return model;
}

Result<RulModel> RulModel::FromBundle(ModelBundle bundle) {
  if (bundle.kind != kRulKind)
    return Status::Corruption("model kind '" + bundle.kind + "' is not " + kRulKind);
  RulModel model;
  try {
    const auto& p = bundle.params;
    model.cap_ = p.at("cap").get<double>();
    model.rul_per_time_ = p.at("rul_per_time").get<double>();
    model.use_age_ = p.at("use_age").get<bool>();
    model.blend_weight_ = p.at("blend_weight").get<double>();
    model.time_unit_ns_ = p.value("time_unit_ns", std::int64_t{0});  // absent before live serving
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("rul params: ") + e.what());
  }
  auto trend = TrendParams::FromJson(bundle.params.value("trend", nlohmann::json()));
  auto reg = IntervalTable::FromJson(bundle.params.value("regressor_intervals", nlohmann::json()));
  auto blend = IntervalTable::FromJson(bundle.params.value("blend_intervals", nlohmann::json()));
  if (!trend.ok()) return trend.status();
  if (!reg.ok()) return reg.status();
  if (!blend.ok()) return blend.status();
  auto specs = ParseFeatures(bundle.features);
  if (!specs.ok()) return Status::Corruption("model features: " + specs.status().message());
  if (trend->weights.size() != specs->size() || bundle.scaler.mean.size() != specs->size()) {
    return Status::Corruption("model: the trend weights, scaler and features do not agree");
  }
  auto booster = Booster::Deserialize(bundle.model);
  if (!booster.ok()) return booster.status();
  model.trend_ = std::move(*trend);
  model.regressor_intervals_ = std::move(*reg);
  model.blend_intervals_ = std::move(*blend);
  model.specs_ = std::move(*specs);
  model.booster_ = std::move(*booster);
  model.bundle_ = std::move(bundle);
  return model;
}

Result<RulModel::Points> RulModel::PredictPoints(const Table& table) const {
  auto features = ComputeFeatures(table, specs_);
  if (!features.ok()) return features.status();
  std::vector<std::int64_t> ids;
  const auto all_rows = RowsByUnit(table, &ids);
  const std::vector<double> age = RowAge(table, rul_per_time_);
  const DatasetInputs in{&*features, specs_.size(), use_age_, age, {}, cap_};
  std::vector<std::size_t> every(ids.size());
  std::iota(every.begin(), every.end(), 0);
  Points out{BuildDataset(table, in, every, all_rows, ids), {}};
  auto points = ScoreDataset(booster_, bundle_.scaler, trend_, out.data, cap_, false);
  if (!points.ok()) return points.status();
  out.points = std::move(*points);
  return out;
}

Result<std::vector<RulRow>> RulModel::PredictRows(const Table& table, RulEstimator estimator) const {
  auto scored = PredictPoints(table);
  if (!scored.ok()) return scored.status();
  const Dataset& d = scored->data;
  const PointSet& p = scored->points;
  std::vector<RulRow> out(table.rows());
  for (const auto& rows : d.unit_rows) {
    TrendTracker tracker(trend_);
    for (const std::size_t i : rows) {
      RulRow& row = out[d.source[i]];
      row.unit = table.unit[d.source[i]];
      row.time = d.time[i];
      if (estimator == RulEstimator::kRegressor)
        row.estimate = regressor_intervals_.Apply(p.regressor[i], cap_);
      if (estimator == RulEstimator::kBlend) {
        const double blend = blend_weight_ * p.regressor[i] + (1 - blend_weight_) * p.trend[i];
        row.estimate = blend_intervals_.Apply(blend, cap_);
      }
      if (estimator != RulEstimator::kTrend) continue;
      std::vector<float> scaled(d.x.begin() + static_cast<std::ptrdiff_t>(i * d.cols),
                                d.x.begin() + static_cast<std::ptrdiff_t>(i * d.cols + d.features));
      bundle_.scaler.Apply(scaled.data());
      tracker.Update(d.age[i], trend_.Health(scaled.data()));
      row.estimate = tracker.Estimate(d.age[i], cap_);
    }
  }
  return out;
}

Result<std::vector<RulRow>> RulModel::PredictLast(const Table& table, RulEstimator estimator) const {
  auto rows = PredictRows(table, estimator);
  if (!rows.ok()) return rows.status();
  std::vector<std::int64_t> ids;
  const auto by_unit = RowsByUnit(table, &ids);
  std::vector<RulRow> out;
  for (const auto& unit_rows : by_unit) out.push_back((*rows)[unit_rows.back()]);
  return out;
}

std::string RulModel::RulUnit() const {
  if (time_unit_ns_ <= 0) return "cycles";
  // rul_per_time is fitted (the twins' rul_s against ts_ms comes out within 1 % of 0.001).
  const double ns = static_cast<double>(time_unit_ns_) / rul_per_time_;
  for (const auto& [unit, unit_ns] : {std::pair{"ms", 1e6}, {"s", 1e9}, {"min", 60e9}, {"h", 3600e9}}) {
    if (std::abs(ns / unit_ns - 1) < 0.02) return unit;
  }
  return std::to_string(std::llround(ns)) + " ns";
}

Result<RulTracker> RulTracker::Create(const RulModel& model, const std::vector<std::string>& signals) {
  auto windows = FeatureWindows::Create(model.specs_, signals);
  if (!windows.ok()) return windows.status();
  return RulTracker(model, std::move(*windows));
}

Result<RulEstimate> RulTracker::Update(std::span<const float> values, double age, RulEstimator estimator) {
  const RulModel& m = *model_;
  const std::size_t features = m.specs_.size();
  const std::size_t cols = features + (m.use_age_ ? 1 : 0);
  input_.resize(cols + kHealthInputs);
  windows_.Update(values, std::span<float>(input_.data(), features));
  if (m.use_age_) input_[features] = static_cast<float>(age);
  scaled_.assign(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(features));
  m.bundle_.scaler.Apply(scaled_.data());
  const double health = m.trend_.Health(scaled_.data());
  health_.Push(health);
  health_.Write(input_.data() + cols);
  trend_.Update(age, health);
  if (estimator == RulEstimator::kTrend) return trend_.Estimate(age, m.cap_);
  MW_RETURN_IF_ERROR(m.booster_.Predict(input_, input_.size(), &predicted_));
  if (predicted_.size() != 1) return Status::Internal("the RUL regressor gave no single value");
  const double regressor = Clamp(predicted_[0], m.cap_);
  if (estimator == RulEstimator::kRegressor) return m.regressor_intervals_.Apply(regressor, m.cap_);
  const double blend = m.blend_weight_ * regressor + (1 - m.blend_weight_) * trend_.Point(age, m.cap_);
  return m.blend_intervals_.Apply(blend, m.cap_);
}

double Rmse(std::span<const double> predicted, std::span<const double> truth) {
  double sse = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) sse += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
  return truth.empty() ? 0 : std::sqrt(sse / static_cast<double>(truth.size()));
}

double Phm08Score(std::span<const double> predicted, std::span<const double> truth) {
  double s = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double d = predicted[i] - truth[i];
    s += d < 0 ? std::exp(-d / 13) - 1 : std::exp(d / 10) - 1;
  }
  return s;
}

}  // namespace mw::models
