#include "analytics/models/health.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>

#include "core/clock.h"
#include "core/time_format.h"

namespace mw::models {
namespace {

constexpr const char* kSeverityOrder[] = {"HEALTHY", "WARNING", "FAULTY", "BROKEN"};

double Ratio(std::uint64_t a, std::uint64_t b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

int ArgMax(const float* p, std::size_t n) { return static_cast<int>(std::max_element(p, p + n) - p); }

// Rows of `table` kept by `keep` (by unit), with their features and encoded labels.
struct Rows {
  std::vector<float> x;
  std::vector<float> y;
  std::set<std::int64_t> units;
};

Rows Select(const Table& table, const std::vector<float>& features, std::size_t cols,
            const std::map<std::string, int>& codes, const std::set<std::int64_t>& held_out,
            bool want_held_out) {
  Rows rows;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if ((held_out.count(table.unit[r]) > 0) != want_held_out) continue;
    const auto code = codes.find(table.label[r]);
    if (code == codes.end()) continue;  // an empty label: not a training row
    rows.x.insert(rows.x.end(), features.begin() + static_cast<std::ptrdiff_t>(r * cols),
                  features.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    rows.y.push_back(static_cast<float>(code->second));
    rows.units.insert(table.unit[r]);
  }
  return rows;
}

nlohmann::json ParamsJson(const HealthTrainSpec& spec) {
  const BoosterParams& p = spec.params;
  return {{"mode", TreeModeName(p.mode)},
          {"trees", p.trees},
          {"max_depth", p.max_depth},
          {"learning_rate", p.learning_rate},
          {"subsample", p.subsample},
          {"colsample", p.colsample},
          {"min_child_weight", p.min_child_weight},
          {"seed", p.seed},
          {"test_fraction", spec.test_fraction},
          {"split_seed", spec.split_seed}};
}

}  // namespace

nlohmann::json Evaluation::ToJson() const {
  nlohmann::json classes_json = nlohmann::json::array();
  for (const PerClass& c : per_class) {
    classes_json.push_back({{"label", c.label},
                            {"precision", c.precision},
                            {"recall", c.recall},
                            {"f1", c.f1},
                            {"support", c.support}});
  }
  return {{"macro_f1", macro_f1},     {"accuracy", accuracy}, {"rows", rows},
          {"units", units},           {"classes", classes},   {"confusion", confusion},
          {"per_class", classes_json}};
}

std::string Evaluation::ToText() const {
  std::string out = "confusion (rows: truth, columns: predicted)\n";
  char cell[64];
  std::snprintf(cell, sizeof cell, "%-10s", "");
  out += cell;
  for (const std::string& c : classes) {
    std::snprintf(cell, sizeof cell, " %9.9s", c.c_str());
    out += cell;
  }
  out += "\n";
  for (std::size_t t = 0; t < classes.size(); ++t) {
    std::snprintf(cell, sizeof cell, "%-10.10s", classes[t].c_str());
    out += cell;
    for (std::uint64_t n : confusion[t]) {
      std::snprintf(cell, sizeof cell, " %9llu", static_cast<unsigned long long>(n));
      out += cell;
    }
    out += "\n";
  }
  out += "\nclass      precision    recall        f1   support\n";
  for (const PerClass& c : per_class) {
    std::snprintf(cell, sizeof cell, "%-10.10s %9.4f %9.4f %9.4f %9llu\n", c.label.c_str(), c.precision,
                  c.recall, c.f1, static_cast<unsigned long long>(c.support));
    out += cell;
  }
  std::snprintf(cell, sizeof cell, "\nmacro-F1 %.4f  accuracy %.4f  rows %llu  units %llu\n", macro_f1,
                accuracy, static_cast<unsigned long long>(rows), static_cast<unsigned long long>(units));
  return out + cell;
}

Evaluation Evaluate(const std::vector<std::string>& classes, std::span<const int> truth,
                    std::span<const int> predicted) {
  Evaluation e;
  const std::size_t n = classes.size();
  e.classes = classes;
  e.confusion.assign(n, std::vector<std::uint64_t>(n, 0));
  std::uint64_t correct = 0;
  for (std::size_t i = 0; i < truth.size() && i < predicted.size(); ++i) {
    ++e.confusion[static_cast<std::size_t>(truth[i])][static_cast<std::size_t>(predicted[i])];
    correct += truth[i] == predicted[i];
  }
  e.rows = std::min(truth.size(), predicted.size());
  e.accuracy = Ratio(correct, e.rows);
  double f1_sum = 0;
  int counted = 0;
  for (std::size_t c = 0; c < n; ++c) {
    std::uint64_t as_truth = 0, as_predicted = 0;
    for (std::size_t k = 0; k < n; ++k) {
      as_truth += e.confusion[c][k];
      as_predicted += e.confusion[k][c];
    }
    Evaluation::PerClass pc{classes[c], Ratio(e.confusion[c][c], as_predicted),
                            Ratio(e.confusion[c][c], as_truth), 0, as_truth};
    if (pc.precision + pc.recall > 0) pc.f1 = 2 * pc.precision * pc.recall / (pc.precision + pc.recall);
    e.per_class.push_back(pc);
    if (as_truth + as_predicted > 0) {
      f1_sum += pc.f1;
      ++counted;
    }
  }
  e.macro_f1 = counted ? f1_sum / counted : 0;
  return e;
}

std::set<std::int64_t> HeldOutUnits(const Table& table, double fraction, std::uint64_t seed) {
  std::vector<std::int64_t> units(table.unit.begin(), table.unit.end());
  std::sort(units.begin(), units.end());
  units.erase(std::unique(units.begin(), units.end()), units.end());
  if (fraction <= 0 || units.empty()) return {};
  std::mt19937_64 random(seed);
  std::shuffle(units.begin(), units.end(), random);
  auto count = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(units.size())));
  count = std::clamp<std::size_t>(count, 1, units.size() > 1 ? units.size() - 1 : 1);
  return {units.begin(), units.begin() + static_cast<std::ptrdiff_t>(count)};
}

std::vector<std::string> ClassOrder(const std::vector<std::string>& labels) {
  std::set<std::string> present;
  for (const std::string& label : labels) {
    if (!label.empty()) present.insert(label);
  }
  std::vector<std::string> order;
  for (const char* state : kSeverityOrder) {
    if (present.erase(state)) order.emplace_back(state);
  }
  order.insert(order.end(), present.begin(), present.end());
  return order;
}

Result<HealthTraining> TrainHealthClassifier(const Table& table, const HealthTrainSpec& spec) {
  if (table.label.empty()) return Status::InvalidArgument("the table has no label column");
  auto specs = spec.features.empty() ? ValueFeatures(table) : ParseFeatures(spec.features);
  if (!specs.ok()) return specs.status();
  auto features = ComputeFeatures(table, *specs);
  if (!features.ok()) return features.status();
  const std::size_t cols = specs->size();

  HealthTraining out;
  ModelBundle& b = out.bundle;
  b.kind = kHealthClassifierKind;
  b.version = spec.version;
  b.created = FormatRfc3339(SystemClock::Instance().Now());
  for (const FeatureSpec& f : *specs) b.features.push_back(f.text);
  b.classes = ClassOrder(table.label);
  std::map<std::string, int> codes;
  for (std::size_t c = 0; c < b.classes.size(); ++c) codes[b.classes[c]] = static_cast<int>(c);

  const std::set<std::int64_t> held_out = HeldOutUnits(table, spec.test_fraction, spec.split_seed);
  Rows train = Select(table, *features, cols, codes, held_out, false);
  std::set<float> train_classes(train.y.begin(), train.y.end());
  if (train_classes.size() < 2)
    return Status::InvalidArgument("the training units hold fewer than two classes");

  b.scaler = Scaler::Fit(train.x, cols);
  b.scaler.Apply(train.x);
  BoosterParams params = spec.params;
  params.objective = Objective::kMulticlass;
  params.num_class = static_cast<int>(b.classes.size());
  const auto start = std::chrono::steady_clock::now();
  auto booster = Booster::Train(train.x, cols, train.y, params);
  out.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!booster.ok()) return booster.status();
  auto bytes = booster->Serialize();
  if (!bytes.ok()) return bytes.status();
  b.model = std::move(*bytes);
  b.params = ParamsJson(spec);
  b.params["train_seconds"] = out.train_seconds;
  b.data_hash = TableHash(table);
  b.rows = train.y.size();
  b.units = train.units.size();

  if (!held_out.empty()) {
    Rows test = Select(table, *features, cols, codes, held_out, true);
    b.scaler.Apply(test.x);
    std::vector<float> proba;
    MW_RETURN_IF_ERROR(booster->Predict(test.x, cols, &proba));
    std::vector<int> truth(test.y.begin(), test.y.end()), predicted;
    for (std::size_t r = 0; r < truth.size(); ++r)
      predicted.push_back(ArgMax(&proba[r * b.classes.size()], b.classes.size()));
    out.held_out = Evaluate(b.classes, truth, predicted);
    out.held_out.units = test.units.size();
    b.metrics = {{"held_out", out.held_out.ToJson()}};
  }
  return out;
}

Result<HealthModel> HealthModel::FromBundle(ModelBundle bundle) {
  if (bundle.kind != kHealthClassifierKind) {
    return Status::InvalidArgument("bundle is a '" + bundle.kind + "', not a " + kHealthClassifierKind);
  }
  if (bundle.classes.size() < 2) return Status::Corruption("the bundle lists fewer than two classes");
  HealthModel model;
  auto specs = ParseFeatures(bundle.features);
  if (!specs.ok()) return specs.status();
  auto booster = Booster::Deserialize(bundle.model);
  if (!booster.ok()) return booster.status();
  if (booster->num_features() != static_cast<int>(specs->size())) {
    return Status::Corruption("the model reads " + std::to_string(booster->num_features()) +
                              " features, the bundle lists " + std::to_string(specs->size()));
  }
  model.features_ = std::move(*specs);
  model.booster_ = std::move(*booster);
  model.bundle_ = std::move(bundle);
  return model;
}

Status HealthModel::PredictProba(std::span<const float> rows, std::vector<float>* probabilities) const {
  std::vector<float> scaled(rows.begin(), rows.end());
  bundle_.scaler.Apply(scaled);
  MW_RETURN_IF_ERROR(booster_.Predict(scaled, features_.size(), probabilities));
  if (probabilities->size() != scaled.size() / features_.size() * classes().size()) {
    return Status::Internal("the model gave " + std::to_string(probabilities->size()) +
                            " probabilities for " + std::to_string(scaled.size() / features_.size()) +
                            " rows");
  }
  return Status::Ok();
}

Status HealthModel::Predict(std::span<const float> rows, std::vector<int>* classes_out) const {
  std::vector<float> proba;
  MW_RETURN_IF_ERROR(PredictProba(rows, &proba));
  const std::size_t n = classes().size();
  classes_out->clear();
  for (std::size_t r = 0; r * n < proba.size(); ++r) classes_out->push_back(ArgMax(&proba[r * n], n));
  return Status::Ok();
}

Result<Evaluation> EvaluateOnTable(const HealthModel& model, const Table& table) {
  if (table.label.empty()) return Status::InvalidArgument("the table has no label column");
  auto features = ComputeFeatures(table, model.features());
  if (!features.ok()) return features.status();
  std::vector<std::string> classes = model.classes();
  std::vector<int> truth;
  std::vector<float> labelled;
  std::set<std::int64_t> units;
  const std::size_t cols = model.features().size();
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (table.label[r].empty()) continue;
    auto it = std::find(classes.begin(), classes.end(), table.label[r]);
    if (it == classes.end()) it = classes.insert(classes.end(), table.label[r]);  // a class the model lacks
    truth.push_back(static_cast<int>(it - classes.begin()));
    labelled.insert(labelled.end(), features->begin() + static_cast<std::ptrdiff_t>(r * cols),
                    features->begin() + static_cast<std::ptrdiff_t>((r + 1) * cols));
    units.insert(table.unit[r]);
  }
  std::vector<int> predicted;
  MW_RETURN_IF_ERROR(model.Predict(labelled, &predicted));
  Evaluation e = Evaluate(classes, truth, predicted);
  e.units = units.size();
  return e;
}

}  // namespace mw::models
