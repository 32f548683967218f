// Feeds arbitrary bytes to JsonMapper::Map and checks the invariants of its result, and, where the
// CPU runs the haswell JSON kernel, that it gives exactly what the generic kernel gives.
//
// Input layout: byte 0 picks the mapper settings (signal mode, values_field, time unit, discovery);
// if a '\n' follows within 128 bytes, the bytes before it are the topic; the rest is the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/mqtt/json_mapper.h"

namespace {

using mw::connectors::mqtt::JsonMapper;
using mw::connectors::mqtt::MapperOptions;

void Check(bool ok) {
  if (!ok) std::abort();
}

mw::TemplateSpec Template(const char* name, std::initializer_list<const char*> signals) {
  mw::TemplateSpec t;
  t.name = name;
  for (const char* s : signals) {
    mw::SignalSpec signal;
    signal.name = s;
    t.signals.push_back(signal);
  }
  return t;
}

std::map<std::string, mw::TemplateSpec> Templates() {
  std::map<std::string, mw::TemplateSpec> t;
  t["pump"] = Template("pump", {"temp", "vib", "ts"});
  t["bare"] = Template("bare", {});
  return t;
}

bool SameBatch(const mw::Batch& a, const mw::Batch& b) {
  return a.series == b.series && a.times == b.times && a.qualities == b.qualities &&
         a.values.size() == b.values.size() &&
         std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(double)) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto templates = Templates();
  if (size == 0) return 0;
  const std::uint8_t config = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view topic = "plant/line1/pump1/telemetry";
  if (std::size_t nl = rest.substr(0, 128).find('\n'); nl != std::string_view::npos) {
    topic = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }

  mw::Catalog catalog;
  for (const char* path : {"plant/line1/pump1", "plant/line1/bare1"}) {
    bool pump = std::string_view(path).find("pump") != std::string_view::npos;
    mw::AssetId id = catalog.AddAsset(path, pump ? "pump" : "bare");
    if (pump)
      for (const auto& s : templates.at("pump").signals) catalog.InternSeries(id, s.name);
  }
  catalog.AddAsset("plant/line1/plain1", "");

  MapperOptions options;
  if (config & 1) options.fields = {{"t", "temp"}, {"v", "vib"}, {"x", "extra"}};
  if (config & 2) options.values_field = "values";
  if (config & 4) options.time_field = "time";
  const std::int64_t units[] = {mw::kNanosPerMilli, mw::kNanosPerSecond, mw::kNanosPerMicro, 1};
  options.time_unit_ns = units[(config >> 3) & 3];
  if (config & 32) options.asset = *mw::connectors::mqtt::TopicPattern::Parse("plant/{1}/{2}");
  const bool discover = (config & 64) != 0;
  auto resolve = [&](std::string_view path) -> mw::AssetId {
    if (auto id = catalog.FindAsset(path)) return *id;
    if (!discover || !mw::IsValidAssetPath(path)) return mw::kInvalidAsset;
    return catalog.AddAsset(path, "bare");
  };
  MapperOptions haswell_options = options;
  options.kernel = mw::connectors::mqtt::JsonKernel::kGeneric;
  haswell_options.kernel = mw::connectors::mqtt::JsonKernel::kHaswell;
  JsonMapper mapper(std::move(options), catalog, templates, resolve);
  std::optional<JsonMapper> haswell;
  if (mw::connectors::mqtt::JsonKernelAvailable(mw::connectors::mqtt::JsonKernel::kHaswell))
    haswell.emplace(std::move(haswell_options), catalog, templates, resolve);

  mw::Batch batch;
  batch.Append(7, 8, 9.0);
  mw::Batch haswell_batch = batch;
  // Twice: the second run goes through the per-topic cache and must give the same outcome.
  std::optional<mw::connectors::mqtt::MapResult> first;
  for (int round = 0; round < 2; ++round) {
    const std::size_t before = batch.size();
    auto r = mapper.Map(topic, rest, 1, batch);
    if (haswell) {
      auto h = haswell->Map(topic, rest, 1, haswell_batch);
      Check(h.error == r.error && h.message == r.message && h.readings == r.readings &&
            h.samples == r.samples && h.bad_fields == r.bad_fields && SameBatch(batch, haswell_batch));
    }
    if (first)
      Check(first->error == r.error && first->samples == r.samples && first->bad_fields == r.bad_fields);
    first = r;
    Check(batch.series.size() == batch.times.size() && batch.times.size() == batch.values.size() &&
          batch.values.size() == batch.qualities.size());
    if (r.error) {
      Check(batch.size() == before && r.samples == 0 && r.bad_fields == 0 && !r.message.empty());
      continue;
    }
    Check(batch.size() == before + r.samples);
    Check(r.samples + r.bad_fields > 0);
    Check(r.bad_fields == 0 || !r.message.empty());
    for (std::size_t i = before; i < batch.size(); ++i)
      Check(catalog.AssetOf(batch.series[i]) != mw::kInvalidAsset);
  }
  return 0;
}
