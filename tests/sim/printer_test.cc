#include "sim/printer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace mw::sim {
namespace {

// A printer that wears out within a few thousand records.
PrinterSpec ShortLived() {
  PrinterSpec spec;
  spec.mean_life_s = 4 * 3600.0;
  return spec;
}

PrinterSpec Unworn() {
  PrinterSpec spec;
  spec.mean_life_s = 0;
  return spec;
}

Timestamp At(const PrinterSpec& spec, std::int64_t i) {
  return Timestamp{1'700'000'000} * kNanosPerSecond + i * spec.interval_ns;
}

float Cell(const PrinterRecord& r, int x, int y) {
  return r.grid[static_cast<std::size_t>(y) * r.grid_width + x];
}

double Median(std::span<const float> grid) {
  std::vector<float> v(grid.begin(), grid.end());
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

TEST(Printer, GridStaysInItsRangeOverAWholeLife) {
  PrinterSpec spec = ShortLived();
  Printer printer(spec);
  bool saw_broken = false;
  for (std::int64_t i = 0; i < 40000 && !saw_broken; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    ASSERT_EQ(r.grid.size(), 100u * 100u);
    for (float t : r.grid) {
      ASSERT_GE(t, spec.ambient_c) << i;
      ASSERT_LE(t, spec.max_c) << i;
    }
    saw_broken = r.health == HealthState::kBroken;
  }
  EXPECT_TRUE(saw_broken);
}

TEST(Printer, MeltSpotMovesAndIsTheHotPlace) {
  PrinterSpec spec = Unworn();
  Printer printer(spec);
  int checked = 0;
  int last_x = -1, last_y = -1;
  for (std::int64_t i = 0; i < 400; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    if (!r.laser_on) {
      last_x = last_y = -1;
      continue;
    }
    ASSERT_GE(r.melt_x, 0);
    ASSERT_LT(r.melt_x, r.grid_width);
    if (last_x >= 0) {
      EXPECT_TRUE(r.melt_x != last_x || r.melt_y != last_y) << i;
    }
    last_x = r.melt_x;
    last_y = r.melt_y;
    // The spot's cell is hot, and the hottest cell of the plate is on the trail just behind it.
    EXPECT_GT(Cell(r, r.melt_x, r.melt_y), 65.0f) << i;
    auto hottest = std::max_element(r.grid.begin(), r.grid.end()) - r.grid.begin();
    const int hx = static_cast<int>(hottest % r.grid_width), hy = static_cast<int>(hottest / r.grid_width);
    EXPECT_LE(std::hypot(hx - r.melt_x, hy - r.melt_y), 12.0) << i;
    ++checked;
  }
  EXPECT_GT(checked, 300);
}

TEST(Printer, TrailCoolsOnceTheSpotHasMovedOn) {
  PrinterSpec spec = Unworn();
  Printer printer(spec);
  std::vector<PrinterRecord> records;
  std::vector<std::vector<float>> grids;
  for (std::int64_t i = 0; i < 200; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    grids.emplace_back(r.grid.begin(), r.grid.end());
    records.push_back(r);
  }
  int checked = 0;
  for (std::size_t i = 0; i + 3 < records.size(); ++i) {
    const PrinterRecord& now = records[i];
    const PrinterRecord& later = records[i + 3];
    if (!now.laser_on || !later.laser_on || now.layer != later.layer) continue;
    const std::size_t cell = static_cast<std::size_t>(now.melt_y) * now.grid_width + now.melt_x;
    EXPECT_GT(grids[i][cell] - grids[i + 3][cell], 15.0f) << i;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(Printer, LayerAdvancesWithARecoaterPassBetweenLayers) {
  PrinterSpec spec = Unworn();
  Printer printer(spec);
  const int exposing = spec.records_per_layer - spec.recoat_records;
  double laser_power = 0, recoat_power = 0, laser_vibration = 0, recoat_vibration = 0;
  int lasing = 0, recoating = 0;
  for (std::int64_t i = 0; i < 50 * spec.records_per_layer; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    ASSERT_EQ(r.layer, i / spec.records_per_layer + 1) << i;
    const bool recoat = i % spec.records_per_layer >= exposing;
    ASSERT_EQ(r.phase, recoat ? PrinterPhase::kRecoating : PrinterPhase::kExposing) << i;
    if (recoat) {
      ASSERT_FALSE(r.laser_on);
      recoat_power += r.power_kw;
      recoat_vibration += r.vibration_mm_s;
      ++recoating;
    } else if (r.laser_on) {
      laser_power += r.power_kw;
      laser_vibration += r.vibration_mm_s;
      ++lasing;
    }
  }
  ASSERT_GT(lasing, 0);
  ASSERT_EQ(recoating, 50 * spec.recoat_records);
  // The laser draws more than the recoater's motor; the blade's pass is what shakes the machine.
  EXPECT_GT(laser_power / lasing, recoat_power / recoating + 1.0);
  EXPECT_GT(recoat_vibration / recoating, 2.0 * laser_vibration / lasing);
}

TEST(Printer, RecoaterQuenchesThePlate) {
  PrinterSpec spec = Unworn();
  Printer printer(spec);
  double before = 0;
  int checked = 0;
  for (std::int64_t i = 0; i < 10 * spec.records_per_layer; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    double mean = 0;
    for (float t : r.grid) mean += t;
    mean /= static_cast<double>(r.grid.size());
    if (r.phase == PrinterPhase::kRecoating && i % spec.records_per_layer == spec.records_per_layer - 1) {
      EXPECT_LT(mean - spec.ambient_c, 0.6 * (before - spec.ambient_c)) << i;
      ++checked;
    }
    if (r.phase == PrinterPhase::kExposing) before = mean;
  }
  EXPECT_EQ(checked, 10);
}

TEST(Printer, HotSpotsFormOnlyAsDamageGrows) {
  PrinterSpec worn = ShortLived(), fresh = ShortLived();
  fresh.mean_life_s = 0;
  Printer a(worn), b(fresh);
  std::size_t spots = 0;
  double damage = 0;
  bool formed = false;
  std::int64_t i = 0;
  for (; i < 40000; ++i) {
    PrinterRecord ra = a.Next(At(worn, i));
    PrinterRecord rb = b.Next(At(fresh, i));
    ASSERT_GE(ra.damage, damage);
    ASSERT_GE(ra.hot_spots.size(), spots) << i;
    damage = ra.damage;
    spots = ra.hot_spots.size();
    if (ra.damage < 0.25) {
      ASSERT_EQ(ra.hot_spots.size(), 0u) << i;
      ASSERT_EQ(ra.health, HealthState::kHealthy);
    }
    formed = formed || spots > 0;
    // Until a hot spot forms, wear is invisible on the plate: same bytes as a printer that never wears.
    if (!formed) {
      ASSERT_EQ(std::memcmp(ra.grid.data(), rb.grid.data(), ra.grid.size_bytes()), 0) << i;
    }
    EXPECT_EQ(rb.hot_spots.size(), 0u);
    if (ra.health == HealthState::kBroken) break;
  }
  EXPECT_EQ(spots, static_cast<std::size_t>(worn.max_hot_spots));
  EXPECT_DOUBLE_EQ(damage, 1.0);
  EXPECT_NEAR(static_cast<double>(i + 1) * 5.0, a.life_s(), 5.0);
}

TEST(Printer, HotSpotsAreWhereTheGroundTruthSays) {
  PrinterSpec worn = ShortLived(), fresh = ShortLived();
  fresh.mean_life_s = 0;
  Printer a(worn), b(fresh);
  int checked = 0;
  for (std::int64_t i = 0; i < 40000; ++i) {
    PrinterRecord ra = a.Next(At(worn, i));
    PrinterRecord rb = b.Next(At(fresh, i));
    if (ra.health == HealthState::kBroken) break;
    if (ra.hot_spots.empty() || i % 10 != 0) continue;
    // Whatever the wearing printer shows beyond the unworn one lies on or beside a hot spot.
    for (int y = 0; y < ra.grid_height; ++y) {
      for (int x = 0; x < ra.grid_width; ++x) {
        if (Cell(ra, x, y) - Cell(rb, x, y) < 1.0f) continue;
        bool near = false;
        for (const PrinterHotSpot& s : ra.hot_spots)
          near |= std::hypot(x + 0.5 - s.x, y + 0.5 - s.y) < s.radius + 4;
        ASSERT_TRUE(near) << "record " << i << " cell " << x << "," << y;
      }
    }
    // And each hot spot's core is hot, against the unworn printer and against the plate.
    const double median = Median(ra.grid);
    for (const PrinterHotSpot& s : ra.hot_spots) {
      const int x = static_cast<int>(s.x), y = static_cast<int>(s.y);
      EXPECT_GT(Cell(ra, x, y) - Cell(rb, x, y), 5.0f) << i;
      EXPECT_GT(Cell(ra, x, y), median + 10.0) << i;
      EXPECT_GT(Cell(ra, x, y), s.temperature_c - 8.0f) << i;
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST(Printer, WearMakesTheRecoaterWorkHarder) {
  PrinterSpec spec = ShortLived();
  Printer printer(spec);
  double early = 0, late = 0;
  int n_early = 0, n_late = 0;
  for (std::int64_t i = 0; i < 40000; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    if (r.health == HealthState::kBroken) break;
    if (r.phase != PrinterPhase::kRecoating) continue;
    if (r.damage < 0.1) {
      early += r.vibration_mm_s;
      ++n_early;
    } else if (r.damage > 0.7) {
      late += r.vibration_mm_s;
      ++n_late;
    }
  }
  ASSERT_GT(n_early, 10);
  ASSERT_GT(n_late, 10);
  EXPECT_GT(late / n_late, 1.5 * early / n_early);
}

TEST(Printer, BrokenPrinterStopsAndCools) {
  PrinterSpec spec = ShortLived();
  spec.max_hot_spots = 0;
  Printer printer(spec);
  std::int64_t i = 0;
  for (; i < 40000; ++i) {
    if (printer.Next(At(spec, i)).health == HealthState::kBroken) break;
  }
  PrinterRecord r;
  for (int k = 0; k < 60; ++k) {
    r = printer.Next(At(spec, ++i));
    ASSERT_EQ(r.phase, PrinterPhase::kStopped);
    ASSERT_FALSE(r.laser_on);
  }
  EXPECT_LT(r.power_kw, 1.5);
  EXPECT_LT(*std::max_element(r.grid.begin(), r.grid.end()), spec.ambient_c + 1.0);
}

TEST(Printer, RenewStartsANewLifeAndANewBuild) {
  PrinterSpec spec = ShortLived();
  Printer printer(spec);
  std::int64_t i = 0;
  for (; i < 40000; ++i) {
    if (printer.Next(At(spec, i)).health == HealthState::kBroken) break;
  }
  const double first_life = printer.life_s();
  EXPECT_NEAR(printer.age_s(), first_life, spec.interval_ns / 1e9);
  printer.Renew();
  EXPECT_NE(printer.life_s(), first_life);
  PrinterRecord r = printer.Next(At(spec, ++i));
  EXPECT_EQ(r.health, HealthState::kHealthy);
  EXPECT_EQ(r.phase, PrinterPhase::kExposing);
  EXPECT_TRUE(r.laser_on);
  EXPECT_EQ(r.layer, 1);
  EXPECT_TRUE(r.hot_spots.empty());
  EXPECT_LT(r.damage, 0.01);
}

TEST(Printer, SameSeedGivesSameRecords) {
  PrinterSpec spec = ShortLived();
  Printer a(spec), b(spec);
  for (std::int64_t i = 0; i < 3000; ++i) {
    PrinterRecord ra = a.Next(At(spec, i));
    PrinterRecord rb = b.Next(At(spec, i));
    ASSERT_EQ(ra.layer, rb.layer);
    ASSERT_EQ(ra.melt_x, rb.melt_x);
    ASSERT_EQ(ra.melt_y, rb.melt_y);
    ASSERT_EQ(ra.power_kw, rb.power_kw);
    ASSERT_EQ(ra.vibration_mm_s, rb.vibration_mm_s);
    ASSERT_EQ(ra.damage, rb.damage);
    ASSERT_EQ(ra.health, rb.health);
    ASSERT_EQ(ra.hot_spots.size(), rb.hot_spots.size());
    ASSERT_EQ(std::memcmp(ra.hot_spots.data(), rb.hot_spots.data(), ra.hot_spots.size_bytes()), 0);
    ASSERT_EQ(std::memcmp(ra.grid.data(), rb.grid.data(), ra.grid.size_bytes()), 0) << i;
  }
}

TEST(Printer, DifferentSeedsGiveDifferentRecords) {
  PrinterSpec one = ShortLived(), two = ShortLived();
  two.seed = 2;
  Printer a(one), b(two);
  EXPECT_NE(a.life_s(), b.life_s());
  int same_power = 0, same_grid = 0, same_spot = 0;
  for (std::int64_t i = 0; i < 100; ++i) {
    PrinterRecord ra = a.Next(At(one, i));
    PrinterRecord rb = b.Next(At(two, i));
    same_power += ra.power_kw == rb.power_kw;
    same_grid += std::memcmp(ra.grid.data(), rb.grid.data(), ra.grid.size_bytes()) == 0;
    same_spot += ra.laser_on && ra.melt_x == rb.melt_x && ra.melt_y == rb.melt_y;
  }
  EXPECT_LT(same_power, 5);
  EXPECT_EQ(same_grid, 0);
  EXPECT_LT(same_spot, 10);  // the part lies elsewhere on the plate
}

TEST(Printer, GridSizeIsConfigurable) {
  PrinterSpec spec = ShortLived();
  spec.grid_width = 48;
  spec.grid_height = 30;
  Printer printer(spec);
  for (std::int64_t i = 0; i < 40000; ++i) {
    PrinterRecord r = printer.Next(At(spec, i));
    ASSERT_EQ(r.grid_width, 48);
    ASSERT_EQ(r.grid_height, 30);
    ASSERT_EQ(r.grid.size(), 48u * 30u);
    if (r.laser_on) {
      ASSERT_LT(r.melt_x, 48);
      ASSERT_LT(r.melt_y, 30);
    }
    for (const PrinterHotSpot& s : r.hot_spots) {
      ASSERT_LT(s.x, 48.0f);
      ASSERT_LT(s.y, 30.0f);
    }
    for (float t : r.grid) ASSERT_TRUE(t >= spec.ambient_c && t <= spec.max_c);
    if (r.health == HealthState::kBroken) break;
  }
}

TEST(Printer, LivesFollowTheConfiguredMean) {
  PrinterSpec spec;
  spec.grid_width = spec.grid_height = 8;
  spec.mean_life_s = 1000;
  double sum = 0;
  const int n = 2000;
  for (int k = 0; k < n; ++k) {
    spec.seed = static_cast<std::uint64_t>(k + 1);
    sum += Printer(spec).life_s();
  }
  EXPECT_NEAR(sum / n, 1000.0, 30.0);
}

TEST(Printer, NamesPhasesAndHealth) {
  EXPECT_EQ(PrinterPhaseName(PrinterPhase::kRecoating), "RECOATING");
  EXPECT_EQ(HealthStateName(HealthState::kHealthy), "HEALTHY");
  EXPECT_EQ(HealthStateName(HealthState::kWarning), "WARNING");
  EXPECT_EQ(HealthStateName(HealthState::kFaulty), "FAULTY");
  EXPECT_EQ(HealthStateName(HealthState::kBroken), "BROKEN");
}

}  // namespace
}  // namespace mw::sim
