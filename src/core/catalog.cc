#include "core/catalog.h"

#include <mutex>

namespace mw {
namespace {

std::string SeriesKey(AssetId asset, std::string_view signal) {
  std::string key = std::to_string(asset);
  key += '\0';
  key.append(signal);
  return key;
}

}  // namespace

Catalog::Catalog() = default;

Catalog::~Catalog() {
  for (auto& seg : asset_of_) delete seg.load();
}

AssetId Catalog::AddAsset(std::string_view path, std::string_view template_name) {
  std::unique_lock lock(mu_);
  auto it = asset_by_path_.find(std::string(path));
  if (it != asset_by_path_.end()) {
    auto& info = assets_[it->second];
    if (info.template_name.empty()) info.template_name = template_name;
    return it->second;
  }
  auto id = static_cast<AssetId>(assets_.size());
  assets_.push_back({id, std::string(path), std::string(template_name), {}});
  asset_by_path_.emplace(std::string(path), id);
  return id;
}

std::optional<AssetId> Catalog::FindAsset(std::string_view path) const {
  std::shared_lock lock(mu_);
  auto it = asset_by_path_.find(std::string(path));
  if (it == asset_by_path_.end()) return std::nullopt;
  return it->second;
}

SeriesId Catalog::InternSeries(AssetId asset, std::string_view signal, std::string_view unit) {
  std::string key = SeriesKey(asset, signal);
  {
    std::shared_lock lock(mu_);
    auto it = series_by_key_.find(key);
    if (it != series_by_key_.end() && (unit.empty() || !series_[it->second].unit.empty())) return it->second;
  }
  std::unique_lock lock(mu_);
  auto it = series_by_key_.find(key);
  if (it != series_by_key_.end()) {
    if (series_[it->second].unit.empty()) series_[it->second].unit = unit;
    return it->second;
  }
  if (asset >= assets_.size() || series_.size() >= kMaxSeries) return kInvalidSeries;
  auto id = static_cast<SeriesId>(series_.size());
  series_.push_back({asset, std::string(signal), std::string(unit)});
  series_by_key_.emplace(std::move(key), id);
  assets_[asset].series.push_back(id);
  auto& seg = asset_of_[id >> kSegmentBits];
  Segment* segment = seg.load(std::memory_order_relaxed);
  if (segment == nullptr) {
    segment = new Segment();
    segment->fill(kInvalidAsset);
  }
  (*segment)[id & (kSegmentSize - 1)] = asset;
  // Release publishes the entry (and a new segment) to lock-free readers.
  seg.store(segment, std::memory_order_release);
  return id;
}

std::optional<SeriesId> Catalog::FindSeries(AssetId asset, std::string_view signal) const {
  std::shared_lock lock(mu_);
  auto it = series_by_key_.find(SeriesKey(asset, signal));
  if (it == series_by_key_.end()) return std::nullopt;
  return it->second;
}

AssetId Catalog::AssetOf(SeriesId id) const {
  if (id >= kMaxSeries) return kInvalidAsset;
  const Segment* segment = asset_of_[id >> kSegmentBits].load(std::memory_order_acquire);
  return segment == nullptr ? kInvalidAsset : (*segment)[id & (kSegmentSize - 1)];
}

std::optional<SeriesInfo> Catalog::Series(SeriesId id) const {
  std::shared_lock lock(mu_);
  if (id >= series_.size()) return std::nullopt;
  const auto& rec = series_[id];
  return SeriesInfo{id, rec.asset, assets_[rec.asset].path, rec.signal, rec.unit};
}

std::optional<AssetInfo> Catalog::Asset(AssetId id) const {
  std::shared_lock lock(mu_);
  if (id >= assets_.size()) return std::nullopt;
  return assets_[id];
}

std::vector<AssetInfo> Catalog::Assets() const {
  std::shared_lock lock(mu_);
  return assets_;
}

std::size_t Catalog::asset_count() const {
  std::shared_lock lock(mu_);
  return assets_.size();
}

std::size_t Catalog::series_count() const {
  std::shared_lock lock(mu_);
  return series_.size();
}

}  // namespace mw
