#include "app/model_commands.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "analytics/models/health.h"
#include "app/platform.h"
#include "app/stored_dataset.h"
#include "core/time_format.h"

namespace mw::app {
namespace {

using models::Table;

Result<Table> ReadLabelled(const ModelArgs& args) {
  models::TableSpec spec;
  spec.label_column = args.label;
  return models::ReadTableFile(args.input, spec);
}

int Fail(const char* command, const Status& status) {
  std::cerr << command << ": " << status.message() << "\n";
  return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int Train(const ModelArgs& args) {
  auto table = ReadLabelled(args);
  if (!table.ok()) return Fail("train", table.status());
  auto mode = models::ParseTreeMode(args.mode);
  if (!mode.ok()) return Fail("train", mode.status());
  models::HealthTrainSpec spec;
  spec.features = args.features;
  spec.params.mode = *mode;
  spec.params.trees = args.trees;
  spec.params.max_depth = args.max_depth;
  spec.params.learning_rate = args.learning_rate;
  spec.params.threads = args.threads;
  spec.params.seed = args.seed;
  spec.test_fraction = args.test_fraction;
  spec.split_seed = static_cast<std::uint64_t>(args.seed);
  spec.version = args.version;
  auto trained = models::TrainHealthClassifier(*table, spec);
  if (!trained.ok()) return Fail("train", trained.status());
  const Status written = models::WriteBundle(args.out, trained->bundle);
  if (!written.ok()) return Fail("train", written);
  const models::ModelBundle& b = trained->bundle;
  std::printf(
      "trained a %s health classifier (%s, %d trees) on %llu rows of %llu units, %zu features, in %.2f s\n",
      args.mode == "rf" ? "random-forest" : "boosted", args.mode.c_str(), args.trees,
      static_cast<unsigned long long>(b.rows), static_cast<unsigned long long>(b.units), b.features.size(),
      trained->train_seconds);
  if (trained->held_out.rows > 0) std::printf("\nheld-out units:\n%s", trained->held_out.ToText().c_str());
  std::printf("\nwrote %s (version %d, data %s)\n", args.out.c_str(), b.version,
              b.data_hash.substr(0, 16).c_str());
  return 0;
}

int EvaluateModel(const ModelArgs& args) {
  auto bundle = models::ReadBundle(args.model);
  if (!bundle.ok()) return Fail("evaluate", bundle.status());
  auto model = models::HealthModel::FromBundle(std::move(*bundle));
  if (!model.ok()) return Fail("evaluate", model.status());
  auto table = ReadLabelled(args);
  if (!table.ok()) return Fail("evaluate", table.status());
  auto evaluation = models::EvaluateOnTable(*model, *table);
  if (!evaluation.ok()) return Fail("evaluate", evaluation.status());
  if (args.json) {
    std::cout << evaluation->ToJson().dump(2) << "\n";
  } else {
    std::printf("%s on %s:\n%s", args.model.c_str(), args.input.c_str(), evaluation->ToText().c_str());
  }
  return 0;
}

// Row indexes to write: every labelled row, or per class a sample of `per_class` (0: the smallest
// class's count) drawn without replacement, topped up with repeats when a class has fewer rows.
std::vector<std::size_t> BalancedRows(const Table& table, const ModelArgs& args) {
  std::map<std::string, std::vector<std::size_t>> by_class;
  for (std::size_t r = 0; r < table.rows(); ++r) {
    if (!table.label[r].empty()) by_class[table.label[r]].push_back(r);
  }
  std::vector<std::size_t> rows;
  if (!args.balanced) {
    for (const auto& [label, members] : by_class) rows.insert(rows.end(), members.begin(), members.end());
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  std::size_t target = static_cast<std::size_t>(args.per_class);
  if (target == 0) {
    target = table.rows();
    for (const auto& [label, members] : by_class) target = std::min(target, members.size());
  }
  std::mt19937_64 random(static_cast<std::uint64_t>(args.seed));
  for (auto& [label, members] : by_class) {
    std::shuffle(members.begin(), members.end(), random);
    const std::size_t distinct = std::min(target, members.size());
    rows.insert(rows.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(distinct));
    std::uniform_int_distribution<std::size_t> pick(0, members.size() - 1);
    for (std::size_t k = distinct; k < target; ++k) rows.push_back(members[pick(random)]);
  }
  std::sort(rows.begin(), rows.end());  // grouped by unit and in time order again
  return rows;
}

// The shortest text that reads back as the same number (a Unix-ms time stays whole).
template <typename T>
std::string Shortest(T value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

// The labelled rows of a stored range: the historian of -c/--data, the label signal's samples.
Result<Table> StoredTable(const CLI::App& exp, const ModelArgs& args,
                          const std::vector<models::FeatureSpec>& specs) {
  auto store = OpenOfflineStore(exp.get_option("--config")->as<std::string>(),
                                exp.get_option("--data")->as<std::string>());
  if (!store.ok()) return store.status();
  const Timestamp now = SystemClock::Instance().Now();
  auto from = ParseTime(exp.get_option("--from")->as<std::string>(), now);
  auto to = ParseTime(exp.get_option("--to")->as<std::string>(), now);
  if (!from.ok() || !to.ok())
    return Status::InvalidArgument("--from and --to: Unix ms, RFC 3339, now or -2h");
  StoredDatasetRequest request;
  request.from = *from;
  request.to = *to;
  for (const std::string& asset : exp.get_option("--asset")->results()) {
    if (!asset.empty()) request.assets.push_back(asset);
  }
  request.label_signal = args.label_signal;
  request.signals = models::SignalsOf(specs);
  return ReadStoredDataset(*(*store)->historian, (*store)->catalog, request);
}

int ExportDataset(const CLI::App& exp, const ModelArgs& args) {
  Result<Table> table = Status::InvalidArgument("");
  if (args.input.empty()) {
    if (args.features.empty()) {
      std::cerr << "export --dataset: from the historian, --features names what to compute (e.g. "
                   "vibration_x,vibration_x.mean10); or --input reads a labelled table\n";
      return 2;
    }
    auto specs = models::ParseFeatures(args.features);
    if (!specs.ok()) return Fail("export", specs.status());
    table = StoredTable(exp, args, *specs);
  } else {
    table = ReadLabelled(args);
  }
  if (!table.ok()) return Fail("export", table.status());
  if (table->label.empty())
    return Fail("export", Status::InvalidArgument(args.input + ": no '" + args.label + "' column"));
  auto specs = args.features.empty() ? models::ValueFeatures(*table) : models::ParseFeatures(args.features);
  if (!specs.ok()) return Fail("export", specs.status());
  auto features = models::ComputeFeatures(*table, *specs);
  if (!features.ok()) return Fail("export", features.status());
  std::ofstream file;
  if (!args.out.empty()) {
    file.open(args.out, std::ios::trunc);
    if (!file) return Fail("export", Status::IoError("cannot write " + args.out));
  }
  std::ostream& out = args.out.empty() ? std::cout : file;
  out << "unit,time";
  for (const models::FeatureSpec& spec : *specs) out << ',' << spec.text;
  out << ',' << args.label << '\n';
  const std::vector<std::size_t> rows = BalancedRows(*table, args);
  for (std::size_t r : rows) {
    out << table->unit[r] << ',' << Shortest(table->time[r]);
    for (std::size_t c = 0; c < specs->size(); ++c) {
      const float v = (*features)[r * specs->size() + c];
      out << ',';
      if (!std::isnan(v)) out << Shortest(v);
    }
    out << ',' << table->label[r] << '\n';
  }
  out.flush();
  if (!out) return Fail("export", Status::IoError("write failed"));
  std::cerr << "export --dataset: " << rows.size() << " rows of " << specs->size() << " features"
            << (args.balanced ? ", class-balanced" : "") << "\n";
  return 0;
}

}  // namespace

ModelCommands AddModelCommands(CLI::App& app, ModelArgs& args) {
  ModelCommands c;
  c.train =
      app.add_subcommand("train", "Train a health classifier on a labelled table; write a model bundle");
  c.train->add_option("--input", args.input, "labelled CSV (unit, time, features, state)")->required();
  c.train->add_option("--out", args.out, "model bundle to write")->required();
  c.train->add_option("--mode", args.mode, "rf (random forest) or boosted")
      ->check(CLI::IsMember({"rf", "boosted"}))
      ->capture_default_str();
  c.train
      ->add_option(
          "--features", args.features,
          "features: signal, signal.mean10, .std N, .min N, .max N, .slope N (default: every column)")
      ->delimiter(',');
  c.train->add_option("--label", args.label, "label column")->capture_default_str();
  c.train->add_option("--trees", args.trees, "trees (rf) or boosting rounds")->capture_default_str();
  c.train->add_option("--depth", args.max_depth, "maximum tree depth")->capture_default_str();
  c.train->add_option("--eta", args.learning_rate, "learning rate (boosted)")->capture_default_str();
  c.train
      ->add_option("--test-fraction", args.test_fraction, "share of units held out for the metrics (0: none)")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  c.train->add_option("--seed", args.seed, "seed of the unit split and the trees")->capture_default_str();
  c.train->add_option("--threads", args.threads, "training threads (0: every core)")->capture_default_str();
  c.train->add_option("--version", args.version, "version number written in the bundle")
      ->capture_default_str();

  c.evaluate = app.add_subcommand("evaluate", "Judge a model bundle on a labelled table");
  c.evaluate->add_option("--model", args.model, "model bundle")->required();
  c.evaluate->add_option("--input", args.input, "labelled CSV")->required();
  c.evaluate->add_option("--label", args.label, "label column")->capture_default_str();
  c.evaluate->add_flag("--json", args.json, "print the figures as JSON");

  CLI::App* exp = app.get_subcommand("export");
  exp->add_flag("--dataset", args.dataset, "write features and labels of a labelled table (--input) instead");
  exp->add_option("--input", args.input, "--dataset: the labelled table (e.g. a lifecycles.csv)");
  exp->add_flag("--balanced", args.balanced, "--dataset: the same number of rows of every class");
  exp->add_option("--per-class", args.per_class,
                  "--dataset --balanced: rows per class (0: the smallest class's)");
  exp->add_option("--features", args.features, "--dataset: features to compute (default: every column)")
      ->delimiter(',');
  exp->add_option("--seed", args.seed, "--dataset --balanced: sampling seed")->capture_default_str();
  exp->add_option("--label", args.label, "--dataset: label column")->capture_default_str();
  exp->add_option("--label-signal", args.label_signal,
                  "--dataset from the historian: the stored signal holding class indexes")
      ->capture_default_str();
  c.dataset = exp;
  return c;
}

int RunModelCommand(const ModelCommands& c, const ModelArgs& args) {
  if (*c.train) return Train(args);
  if (*c.evaluate) return EvaluateModel(args);
  if (*c.dataset && args.dataset) {
    ModelArgs with_output = args;
    with_output.out = c.dataset->get_option("--output")->as<std::string>();
    return ExportDataset(*c.dataset, with_output);
  }
  return -1;
}

}  // namespace mw::app
