// Synthetic run-to-failure units for the RUL tests.
#pragma once

#include <cmath>
#include <random>

#include "analytics/models/rul.h"
#include "analytics/models/table.h"

namespace mw::models {

inline constexpr double kCap = 100;

// Run-to-failure units of a known exponential degradation: damage exp(rate (t - life)) reaches 1 at the
// unit's last cycle; four sensors read it with different gains and offsets plus Gaussian noise, and a
// fifth is pure noise. Lives 150..250 cycles, rates 0.025..0.035 per cycle.
inline Table ExponentialUnits(int units, unsigned seed, double noise = 0.02) {
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> life_of(150, 250), rate_of(0.025, 0.035);
  std::normal_distribution<double> jitter(0, noise);
  Table t;
  t.columns = {"a", "b", "c", "d", "noise"};
  const double gain[] = {1, -0.8, 0.5, 1.5}, offset[] = {10, 5, -3, 0};
  for (int u = 1; u <= units; ++u) {
    const int life = static_cast<int>(life_of(random));
    const double rate = rate_of(random);
    for (int cycle = 1; cycle <= life; ++cycle) {
      const double damage = std::exp(rate * (cycle - life));
      for (int s = 0; s < 4; ++s)
        t.values.push_back(static_cast<float>(offset[s] + gain[s] * damage + jitter(random)));
      t.values.push_back(static_cast<float>(jitter(random)));
      t.unit.push_back(u);
      t.time.push_back(cycle);
    }
  }
  return t;
}

inline RulOptions SmallOptions() {
  RulOptions o;
  o.cap = kCap;
  o.booster.trees = 150;
  o.booster.max_depth = 4;
  o.booster.learning_rate = 0.1;
  o.booster.threads = 2;
  return o;
}

}  // namespace mw::models
