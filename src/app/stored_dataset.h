// Labelled datasets from the store: what `millwright export --dataset` writes from a data folder
// and what the retraining schedule of `serve` trains on.
//
// Labels are a stored signal (`label_signal`, default `health_truth`: the twins publish it with
// `publish_truth = true`; a plant may store maintenance findings the same way) holding class
// indexes into `classes`. Each label sample is one row: the asset is the unit, its time the row's
// time, and each of `signals` contributes its value at exactly that time (NaN when it has none
// there). A label sample of bad quality or NaN is no label (no row); one that is not a whole number
// within `classes` is an error naming asset and time.
#pragma once

#include <string>
#include <vector>

#include "analytics/models/table.h"
#include "core/catalog.h"
#include "core/status.h"
#include "pipeline/store.h"

namespace mw::app {

struct StoredDatasetRequest {
  Timestamp from = 0;
  Timestamp to = 0;                  // inclusive
  std::vector<std::string> assets;   // paths or prefixes; empty: every asset with the label signal
  std::vector<std::string> signals;  // the feature columns, in order
  std::string label_signal = "health_truth";
  std::vector<std::string> classes = {"HEALTHY", "WARNING", "FAULTY", "BROKEN"};
};

// Units are numbered by asset id; the table's time is in Unix milliseconds. InvalidArgument when
// no asset has labels in the range.
Result<models::Table> ReadStoredDataset(const pipeline::SeriesStore& store, const Catalog& catalog,
                                        const StoredDatasetRequest& request);

}  // namespace mw::app
