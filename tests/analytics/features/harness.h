// A processor under test with its own catalog, one asset "plant/m1", and helpers that feed samples
// and read back derived series by name.
#pragma once

#include <string>
#include <vector>

#include "core/catalog.h"
#include "pipeline/plugin.h"

namespace mw::analytics::testing {

class Harness {
 public:
  Harness() { asset_ = catalog_.AddAsset("plant/m1", "pump"); }

  Catalog& catalog() { return catalog_; }
  AssetId asset() const { return asset_; }
  SeriesId Series(const std::string& signal) { return catalog_.InternSeries(asset_, signal); }

  void Feed(pipeline::Processor& p, const std::string& signal, Timestamp t, double v,
            Quality q = Quality::kGood) {
    pipeline::ProcessorOutput out{derived, events};
    p.Process({Series(signal), t, v, q}, out);
  }

  // The values (and times) emitted for the derived series `name` of the asset, in order.
  std::vector<double> Values(const std::string& name) const {
    std::vector<double> v;
    auto id = catalog_.FindSeries(asset_, name);
    if (!id) return v;
    for (std::size_t i = 0; i < derived.size(); ++i)
      if (derived.series[i] == *id) v.push_back(derived.values[i]);
    return v;
  }
  std::vector<Timestamp> Times(const std::string& name) const {
    std::vector<Timestamp> v;
    auto id = catalog_.FindSeries(asset_, name);
    if (!id) return v;
    for (std::size_t i = 0; i < derived.size(); ++i)
      if (derived.series[i] == *id) v.push_back(derived.times[i]);
    return v;
  }

  Batch derived;
  std::vector<Event> events;

 private:
  Catalog catalog_;
  AssetId asset_;
};

}  // namespace mw::analytics::testing
