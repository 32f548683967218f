// Lives of accelerated pumps, written by the twins' training mode and read back as a table: the
// labelled data the model tests train and judge on.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "analytics/models/table.h"
#include "sim/training.h"
#include "tests/support/test_support.h"

namespace mw::models {

inline Table PumpLives(const testing::TempDir& dir, const std::string& name, int lives, std::uint64_t seed) {
  sim::TrainingSpec spec;
  spec.mode = sim::LifeMode::kAccelerated;
  spec.lifecycles = lives;
  spec.seed = seed;
  spec.out_dir = dir.File(name);
  EXPECT_TRUE(sim::RunTraining(spec).ok());
  auto table = ReadTableFile(spec.out_dir + "/lifecycles.csv", {});
  EXPECT_TRUE(table.ok()) << table.status().message();
  return table.ok() ? std::move(*table) : Table{};
}

}  // namespace mw::models
