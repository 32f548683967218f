// The health classifier: which state a machine is in (HEALTHY / WARNING / FAULTY / BROKEN, or the
// labels of whatever table it is trained on), from features of its signals.
//
// Training: features computed per unit (feature_spec.h), standard scaling fitted on the training
// units, labels encoded in a fixed order (the four health states first, in severity order, then
// any other label sorted), XGBoost trees in random-forest or boosted mode. Units are split, never
// rows: no unit has readings in both the training and the held-out part, so one life's
// neighbouring, nearly equal readings cannot leak from training into the judgement.
#pragma once

#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analytics/models/booster.h"
#include "analytics/models/bundle.h"
#include "analytics/models/feature_spec.h"
#include "analytics/models/table.h"
#include "core/status.h"

namespace mw::models {

inline constexpr const char* kHealthClassifierKind = "health_classifier";

// Per-class and overall figures of a classification against the truth.
struct Evaluation {
  struct PerClass {
    std::string label;
    double precision = 0, recall = 0, f1 = 0;
    std::uint64_t support = 0;  // rows whose truth is this class
  };
  std::vector<std::string> classes;
  std::vector<std::vector<std::uint64_t>> confusion;  // [truth][predicted]
  std::vector<PerClass> per_class;
  double macro_f1 = 0;  // mean F1 over the classes that occur in the truth or the predictions
  double accuracy = 0;
  std::uint64_t rows = 0;
  std::uint64_t units = 0;

  nlohmann::json ToJson() const;
  // The confusion matrix and the per-class table, for a terminal.
  std::string ToText() const;
};

// truth and predicted: class indexes into `classes`, one per row.
Evaluation Evaluate(const std::vector<std::string>& classes, std::span<const int> truth,
                    std::span<const int> predicted);

// The units of a table, shuffled by `seed`; the first round(fraction x units) (at least one, and at
// least one left for training when there are two or more) are the held-out ones.
std::set<std::int64_t> HeldOutUnits(const Table& table, double fraction, std::uint64_t seed);

// Label order: the health states present, in severity order, then the other labels sorted.
std::vector<std::string> ClassOrder(const std::vector<std::string>& labels);

struct HealthTrainSpec {
  std::vector<std::string> features;  // feature texts; empty: every column of the table as a value
  BoosterParams params;               // objective and num_class are set by the trainer
  double test_fraction = 0.2;         // of the units; 0: train on every unit, no held-out figures
  std::uint64_t split_seed = 1;
  int version = 1;
};

struct HealthTraining {
  ModelBundle bundle;
  Evaluation held_out;  // empty (rows 0) when test_fraction is 0
  double train_seconds = 0;
};

// InvalidArgument when the table has no labels, a feature names no column, or the training units
// hold fewer than two classes.
Result<HealthTraining> TrainHealthClassifier(const Table& table, const HealthTrainSpec& spec);

// A loaded classifier: the bundle's booster, scaler and classes, ready to predict.
class HealthModel final : public ServedModel {
 public:
  // Corruption / InvalidArgument when the bundle is not a health classifier or does not hang
  // together (the model's feature count differs from the feature list, no classes).
  static Result<HealthModel> FromBundle(ModelBundle bundle);

  const ModelBundle& bundle() const override { return bundle_; }
  std::vector<std::string> Signals() const override { return SignalsOf(features_); }
  const std::vector<FeatureSpec>& features() const { return features_; }
  const std::vector<std::string>& classes() const { return bundle_.classes; }

  // rows: rows x features().size() raw (unscaled) feature values; probabilities: rows x classes.
  Status PredictProba(std::span<const float> rows, std::vector<float>* probabilities) const;
  // Threads a prediction uses (0: every core); call before sharing the model between threads.
  Status SetThreads(int threads) override { return booster_.SetThreads(threads); }
  // The most probable class of each row.
  Status Predict(std::span<const float> rows, std::vector<int>* classes) const;

 private:
  ModelBundle bundle_;
  std::vector<FeatureSpec> features_;
  Booster booster_;
};

// Computes the model's features over the table (unit by unit) and scores every labelled row. A row
// whose label is not one of the model's classes counts as a miss of a class the model lacks.
Result<Evaluation> EvaluateOnTable(const HealthModel& model, const Table& table);

}  // namespace mw::models
