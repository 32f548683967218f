// A model bundle: one file holding everything needed to serve a model and to judge it.
//
//   "MWMODEL1"                     8 bytes
//   u64 little-endian              length of the metadata JSON
//   metadata JSON                  kind, version, created, features, scaler, classes, params,
//                                  metrics, data_hash, rows, units
//   u64 little-endian              length of the model
//   model                          XGBoost UBJSON
//   SHA-256 of all the above       32 bytes
//
// Written to a temporary file and renamed, so a reader never sees half a bundle; read back only
// when the magic, both lengths and the checksum agree (Corruption otherwise, saying which).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace mw::models {

// Standard scaling: (x - mean) / scale per feature; scale 1 where the training data was constant.
struct Scaler {
  std::vector<double> mean;
  std::vector<double> scale;

  // Fits on rows x cols (NaN skipped).
  static Scaler Fit(const std::vector<float>& x, std::size_t cols);
  // In place; NaN stays NaN.
  void Apply(std::vector<float>& x) const;
  void Apply(float* row) const;
};

struct ModelBundle {
  std::string kind;                   // "health_classifier" or "rul_regressor"
  int version = 1;                    // of the model, counted by whoever trains successive ones
  std::string created;                // RFC 3339
  std::vector<std::string> features;  // FeatureSpec texts, in model input order
  Scaler scaler;
  std::vector<std::string> classes;                   // class index -> label (classifiers)
  nlohmann::json params = nlohmann::json::object();   // how it was trained
  nlohmann::json metrics = nlohmann::json::object();  // how it did on held-out units
  std::string data_hash;                              // TableHash of the training data
  std::uint64_t rows = 0;
  std::uint64_t units = 0;
  std::string model;  // the booster, serialised
};

// A model a slot can serve (model_slot.h): the health classifier and the RUL model.
class ServedModel {
 public:
  virtual ~ServedModel() = default;
  virtual const ModelBundle& bundle() const = 0;
  // The signals its features read, each once (SignalsOf).
  virtual std::vector<std::string> Signals() const = 0;
  // Threads a prediction uses (0: every core); called before the model is shared between threads.
  virtual Status SetThreads(int threads) = 0;
};

Status WriteBundle(const std::string& path, const ModelBundle& bundle);
Result<ModelBundle> ReadBundle(const std::string& path);
// The bytes of a bundle file; `source` names it in errors.
Result<ModelBundle> ParseBundle(std::string_view bytes, const std::string& source);
// The metadata as JSON (everything but the model bytes), as `GET /api/v1/models` shows it.
nlohmann::json BundleInfo(const ModelBundle& bundle);

}  // namespace mw::models
