// Catalog: interns asset paths and series (asset + signal name) to dense integer ids.
//
// Thread-safe. AssetOf() is lock-free (it sits on the routing hot path); every other lookup takes
// a shared lock. Ids are never reused or removed for the lifetime of the catalog.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/types.h"

namespace mw {

struct SeriesInfo {
  SeriesId id = kInvalidSeries;
  AssetId asset = kInvalidAsset;
  std::string asset_path;
  std::string signal;
  std::string unit;
};

struct AssetInfo {
  AssetId id = kInvalidAsset;
  std::string path;
  std::string template_name;
  std::vector<SeriesId> series;
};

class Catalog {
 public:
  static constexpr std::size_t kMaxSeries = 1u << 22;

  Catalog();
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // Returns the id of `path`, creating the asset if needed. The template of an existing asset is
  // kept.
  AssetId AddAsset(std::string_view path, std::string_view template_name);
  std::optional<AssetId> FindAsset(std::string_view path) const;

  // Returns the id of `asset`/`signal`, creating it if needed (a unit given later fills an empty
  // one). Returns kInvalidSeries when kMaxSeries is reached.
  SeriesId InternSeries(AssetId asset, std::string_view signal, std::string_view unit = {});
  std::optional<SeriesId> FindSeries(AssetId asset, std::string_view signal) const;

  // Lock-free; kInvalidAsset for an unknown id.
  AssetId AssetOf(SeriesId id) const;

  std::optional<SeriesInfo> Series(SeriesId id) const;
  std::optional<AssetInfo> Asset(AssetId id) const;
  std::vector<AssetInfo> Assets() const;
  std::size_t asset_count() const;
  std::size_t series_count() const;

 private:
  static constexpr std::size_t kSegmentBits = 12;
  static constexpr std::size_t kSegmentSize = 1u << kSegmentBits;
  using Segment = std::array<AssetId, kSegmentSize>;

  struct SeriesRecord {
    AssetId asset;
    std::string signal;
    std::string unit;
  };

  mutable std::shared_mutex mu_;
  std::vector<AssetInfo> assets_;
  std::unordered_map<std::string, AssetId> asset_by_path_;
  std::vector<SeriesRecord> series_;
  std::unordered_map<std::string, SeriesId> series_by_key_;  // "asset_id\0signal"
  std::array<std::atomic<Segment*>, kMaxSeries / kSegmentSize> asset_of_{};
};

}  // namespace mw
