#include "core/catalog.h"

#include <gtest/gtest.h>

#include <thread>

namespace mw {
namespace {

TEST(Catalog, InterningIsIdempotent) {
  Catalog c;
  AssetId a = c.AddAsset("plant1/line1/pump-01", "pump");
  EXPECT_EQ(c.AddAsset("plant1/line1/pump-01", "other"), a);
  SeriesId s = c.InternSeries(a, "vibration_x", "mm/s");
  EXPECT_EQ(c.InternSeries(a, "vibration_x"), s);
  EXPECT_EQ(c.Asset(a)->template_name, "pump");
  auto info = c.Series(s);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->asset_path, "plant1/line1/pump-01");
  EXPECT_EQ(info->signal, "vibration_x");
  EXPECT_EQ(info->unit, "mm/s");
}

TEST(Catalog, LaterUnitFillsEmptyOne) {
  Catalog c;
  AssetId a = c.AddAsset("m", "");
  SeriesId s = c.InternSeries(a, "t");
  EXPECT_EQ(c.InternSeries(a, "t", "degC"), s);
  EXPECT_EQ(c.Series(s)->unit, "degC");
}

TEST(Catalog, AssetOfIsKnownForEverySeries) {
  Catalog c;
  AssetId a = c.AddAsset("a", "");
  AssetId b = c.AddAsset("b", "");
  for (int i = 0; i < 5000; ++i) {
    SeriesId id = c.InternSeries(i % 2 ? a : b, "s" + std::to_string(i));
    EXPECT_EQ(c.AssetOf(id), i % 2 ? a : b);
  }
  EXPECT_EQ(c.AssetOf(999999), kInvalidAsset);
  EXPECT_EQ(c.series_count(), 5000u);
}

TEST(Catalog, UnknownLookupsAreEmpty) {
  Catalog c;
  EXPECT_FALSE(c.FindAsset("nope"));
  EXPECT_FALSE(c.Series(3));
  EXPECT_EQ(c.InternSeries(42, "x"), kInvalidSeries);
}

TEST(Catalog, ConcurrentInterningGivesOneIdPerKey) {
  Catalog c;
  AssetId a = c.AddAsset("a", "");
  std::vector<std::vector<SeriesId>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) seen[t].push_back(c.InternSeries(a, "s" + std::to_string(i)));
    });
  for (auto& th : threads) th.join();
  for (int t = 1; t < 4; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(c.series_count(), 1000u);
}

}  // namespace
}  // namespace mw
