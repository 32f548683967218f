// Random: the simulators' random numbers, the same on every platform and compiler.
//
// xoshiro256** seeded through SplitMix64. The std distributions are implementation-defined, so a
// twin that used them would give other bytes on another standard library; the same seed must give
// the same data everywhere. Not thread-safe: one owner at a time.
#pragma once

#include <cstdint>

namespace mw::sim {

class Random {
 public:
  explicit Random(std::uint64_t seed);

  std::uint64_t Bits();
  double Uniform();  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Normal();  // mean 0, standard deviation 1
  // Weibull with shape k > 0 and scale lambda > 0, by inversion.
  double Weibull(double shape, double scale);
  // Exponential with the given mean > 0.
  double Exponential(double mean);
  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

 private:
  std::uint64_t state_[4];
};

// A seed for item `index` of a group seeded `seed`: distinct, well-mixed streams per item.
std::uint64_t DeriveSeed(std::uint64_t seed, std::uint64_t index);

}  // namespace mw::sim
