// Remaining useful life (RUL) on run-to-failure tables: two estimators and their blend.
//
//   regressor  gradient-boosted trees (booster.h) on the feature specs plus the unit's age, trained on
//              the piecewise-linear target min(RUL, cap): early in life the sensors cannot tell an
//              asset 300 cycles from failure from one 200 away, so the target is flat there (the
//              C-MAPSS convention, cap 125 cycles). Its interval: split-conformal, from out-of-fold
//              residuals by bins of the predicted value.
//   trend      a degradation model (Gebraeel's exponential model, as in MATLAB's
//              exponentialDegradationModel): a health index HI = bias + w . z (z: the scaled features)
//              fitted so that it is 1 early in life and 0 at failure; damage D = 1 - HI follows
//              D(t) = phi + theta exp(beta t), so ln(D - phi) = a + b t is a line whose prior (a, b)
//              comes from the training units and is updated per unit, reading by reading, in O(1)
//              (TrendTracker). RUL: when the line reaches the failure threshold (ln(D - phi) at failure
//              in the training units); its interval by sampling the posterior and the threshold.
//   blend      w * regressor + (1 - w) * trend, w fitted on out-of-fold predictions; interval
//              split-conformal like the regressor's.
//
// Units: RUL is in the target column's units when the table has one (the twins' rul_s: seconds),
// else in the time column's (C-MAPSS: cycles). Ages are converted to RUL units (rul_per_time). Every
// RUL this file returns is in [0, cap]: beyond the cap the data says nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/models/booster.h"
#include "analytics/models/bundle.h"
#include "analytics/models/feature_spec.h"
#include "analytics/models/table.h"
#include "core/status.h"

namespace mw::models {

inline constexpr const char* kRulKind = "rul_regressor";

// ---- Targets ---------------------------------------------------------------------------------------

// The RUL of every row, not capped: the target column when the table has one, else the unit's last
// time minus the row's time.
std::vector<double> RowRul(const Table& table);

// RUL units per time unit: the least-squares slope of -RUL against time within units (1 when the RUL
// comes from the time column; 0.001 for the twins' ts_ms and rul_s). InvalidArgument when the RUL does
// not fall as time passes (a target column that is not a remaining life).
Result<double> RulPerTimeUnit(const Table& table, std::span<const double> rul);

// Per row: time since the unit's first row, in RUL units.
std::vector<double> RowAge(const Table& table, double rul_per_time);

// 60 % of the median unit life (age at the last row plus its RUL), the share C-MAPSS's customary cap
// of 125 cycles is of its median life of 199: for tables without a convention of their own.
double DefaultCap(const Table& table, std::span<const double> rul, std::span<const double> age);

// Units in order of first appearance.
std::vector<std::int64_t> UnitsOf(const Table& table);

// The default features: for each feature column that varies and whose Pearson correlation with the
// capped RUL is at least 0.1 in magnitude (C-MAPSS FD001: the 14 informative sensors, not the
// settings or the constant ones), "c", "c.mean<window>" and "c.slope<slope_window>".
std::vector<std::string> DefaultRulFeatures(const Table& table, std::span<const double> capped_rul,
                                            int window = 15, int slope_window = 30);

// ---- Intervals -------------------------------------------------------------------------------------

struct RulEstimate {
  double rul = 0;  // point estimate; lower <= rul <= upper, all in [0, cap]
  double lower = 0;
  double upper = 0;
};

// Split-conformal intervals: the (1 - coverage) / 2 and (1 + coverage) / 2 quantiles of the
// residuals (truth - predicted) in each bin of the predicted value (bins of equal count), so the
// interval is narrow where the predictions are good (near failure) and wide where they are not.
struct IntervalTable {
  std::vector<double> upper_edges;  // of each bin but the last, ascending
  std::vector<double> low;          // residual quantile per bin
  std::vector<double> high;

  // InvalidArgument when the spans differ in size or are empty, or coverage is not in (0, 1).
  static Result<IntervalTable> Fit(std::span<const double> predicted, std::span<const double> truth,
                                   double coverage, int bins);
  RulEstimate Apply(double predicted, double cap) const;
  nlohmann::json ToJson() const;
  static Result<IntervalTable> FromJson(const nlohmann::json& json);
};

// ---- Degradation trend -----------------------------------------------------------------------------

struct TrendParams {
  std::vector<double> weights;  // per scaled feature (the bundle's Scaler); NaN features count as 0
  double bias = 1;
  double phi = -0.1;                   // D = phi + theta exp(beta t)
  std::array<double, 2> prior_mean{};  // (a, b) of ln(D - phi) = a + b t, t = age in RUL units
  std::array<double, 3> prior_cov{};   // var a, cov ab, var b
  double noise_var = 1;                // of one reading of ln(D - phi) about its unit's line
  double threshold_mean = 0;           // ln(D - phi) at failure
  double threshold_sd = 0;
  double coverage = 0.8;

  // The health index of one row of features (scaled in place first by the caller).
  double Health(const float* scaled_row) const;
  nlohmann::json ToJson() const;
  static Result<TrendParams> FromJson(const nlohmann::json& json);
};

// One unit's exponential fit, updated reading by reading: five running sums, no history.
class TrendTracker {
 public:
  explicit TrendTracker(const TrendParams& params) : params_(&params) {}
  // `age` in RUL units since the unit's first reading; `health` from TrendParams::Health.
  void Update(double age, double health);
  // The posterior-mean line's RUL at `age`, in [0, cap]; cap when the line does not rise.
  double Point(double age, double cap) const;
  // Point plus the coverage interval from 256 draws of the line (posterior) and the threshold; the
  // draws are seeded, so the same readings give the same interval.
  RulEstimate Estimate(double age, double cap) const;

 private:
  struct Line {
    std::array<double, 2> mean;
    std::array<double, 3> cov;
  };
  Line Posterior() const;
  const TrendParams* params_;
  double n_ = 0, st_ = 0, stt_ = 0, sy_ = 0, sty_ = 0;
};

// Fits the health index, phi, the prior, the noise and the threshold on the rows of training units.
// `scaled`: rows x cols scaled features; `unit_rows`: each unit's row indices in time order.
// InvalidArgument with fewer than two units.
Result<TrendParams> FitTrend(std::span<const float> scaled, std::size_t cols,
                             const std::vector<std::vector<std::size_t>>& unit_rows,
                             std::span<const double> age, std::span<const double> rul, double cap,
                             double coverage);

// ---- The model -------------------------------------------------------------------------------------

enum class RulEstimator { kRegressor, kTrend, kBlend };
// "regressor", "trend", "blend"; InvalidArgument otherwise.
Result<RulEstimator> ParseRulEstimator(const std::string& text);
const char* RulEstimatorName(RulEstimator estimator);

// The regressor's defaults: 400 boosted trees of depth 5, learning rate 0.05, rows and columns 0.8.
BoosterParams DefaultRulBooster();

struct RulOptions {
  std::vector<std::string> features;  // FeatureSpec texts; empty: DefaultRulFeatures
  double cap = 0;                     // > 0; 0: DefaultCap
  double coverage = 0.8;              // of the intervals, in (0, 1)
  int folds = 5;                      // unit-wise folds for the out-of-fold calibration, >= 2
  int bins = 4;                       // of the conformal intervals
  bool use_age = true;                // the unit's age as a regressor input
  BoosterParams booster = DefaultRulBooster();
};

struct RulRow {
  std::int64_t unit = 0;
  double time = 0;
  RulEstimate estimate;
};

class RulModel final : public ServedModel {
 public:
  // Trains on a run-to-failure table (every unit's last row is its failure, or the target column says
  // how far it is). InvalidArgument when the table has fewer units than folds, a feature names a
  // missing column, the options are out of range, or the RUL does not fall with time.
  static Result<RulModel> Fit(const Table& table, const RulOptions& options);
  // Corruption when the bundle is not a RUL model or its params are incomplete.
  static Result<RulModel> FromBundle(ModelBundle bundle);
  // Filled: kind, features, scaler, params, metrics, data_hash, rows, units, model. The caller sets
  // version and created.
  const ModelBundle& bundle() const override { return bundle_; }
  std::vector<std::string> Signals() const override { return SignalsOf(specs_); }
  Status SetThreads(int threads) override { return booster_.SetThreads(threads); }
  const std::vector<FeatureSpec>& features() const { return specs_; }

  // Every row of `table` (which must have the model's feature columns; InvalidArgument otherwise),
  // features computed unit by unit from the unit's first row, as live.
  Result<std::vector<RulRow>> PredictRows(const Table& table, RulEstimator estimator) const;
  // The last row of each unit, units in order of first appearance.
  Result<std::vector<RulRow>> PredictLast(const Table& table, RulEstimator estimator) const;

  double cap() const { return cap_; }
  double rul_per_time() const { return rul_per_time_; }
  double blend_weight() const { return blend_weight_; }
  // Nanoseconds per unit of the training table's time (Table::time_unit_ns); 0 when it was not a
  // clock (cycles): live, each record is then one time unit.
  std::int64_t time_unit_ns() const { return time_unit_ns_; }
  // What the RUL is counted in: "cycles" for a table without a clock; "ms", "s", "min" or "h" when
  // a RUL unit is within 2 % of one (the twins' rul_s: "s"); else "<n> ns".
  std::string RulUnit() const;

 private:
  friend class RulTracker;
  struct Points;
  Result<Points> PredictPoints(const Table& table) const;

  ModelBundle bundle_;
  std::vector<FeatureSpec> specs_;
  Booster booster_;
  TrendParams trend_;
  IntervalTable regressor_intervals_, blend_intervals_;
  double cap_ = 125, rul_per_time_ = 1, blend_weight_ = 0.5;
  std::int64_t time_unit_ns_ = 0;
  bool use_age_ = true;
};

// The health index's windows the regressor reads beside the features, per unit: the means of its
// last 1, 10 and 30 readings (the index averages every sensor, so it is far less noisy than any one
// of them, which trees, one feature per split, cannot do), and how far the 10-reading mean has moved
// from the unit's own start (its first 20 readings), since units start with different wear and
// build: the same index is a different stage for each.
class HealthWindows {
 public:
  static constexpr std::size_t kInputs = 4;
  void Push(double health);
  // kInputs values; Push at least once first.
  void Write(float* out) const;

 private:
  double MeanOfLast(std::size_t n) const;
  static constexpr std::size_t kLongest = 30;
  static constexpr std::size_t kBaseline = 20;
  // Running sums of the index since the unit's first reading, the last kLongest + 1 of them: a
  // window's sum is the difference of two (the order of additions the training used, bit for bit).
  std::array<double, kLongest + 1> prefix_{};
  std::size_t seen_ = 0;
  double baseline_sum_ = 0;
};

// One asset's estimate, record by record: what PredictRows computes for the asset's rows of a table
// (the feature windows, the health index's windows and the trend carry over from record to record).
// The model must outlive the tracker.
class RulTracker {
 public:
  // `signals`: the order of the values Update gets. InvalidArgument when a feature reads a signal
  // that is not among them.
  static Result<RulTracker> Create(const RulModel& model, const std::vector<std::string>& signals);
  // One record (`values[i]`: signal i, NaN when absent) at `age`, in RUL units since the asset's
  // first record.
  Result<RulEstimate> Update(std::span<const float> values, double age, RulEstimator estimator);

 private:
  RulTracker(const RulModel& model, FeatureWindows windows)
      : model_(&model), windows_(std::move(windows)), trend_(model.trend_) {}
  const RulModel* model_;
  FeatureWindows windows_;
  TrendTracker trend_;
  HealthWindows health_;
  std::vector<float> input_, scaled_, predicted_;
};

// Mean squared error's root, and the PHM08 score: sum of exp(-d/13) - 1 for d < 0 and exp(d/10) - 1
// for d >= 0, d = predicted - true (late predictions cost more).
double Rmse(std::span<const double> predicted, std::span<const double> truth);
double Phm08Score(std::span<const double> predicted, std::span<const double> truth);

}  // namespace mw::models
