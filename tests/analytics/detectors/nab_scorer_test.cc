// The NAB scorer of bench/nab, compiled into this test so that it also runs under the sanitizers.
#include "bench/nab/nab_scorer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace mw::bench::nab {
namespace {

// 100 points, probation 15, one window [40, 49] (width 10).
LabeledFile OneWindow() { return {"f", 100, {{40, 49}}}; }
const Profile kStandard{"standard", 1, 0.11, 1};
const Profile kLowFp{"reward_low_FP_rate", 1, 0.22, 1};
const Profile kLowFn{"reward_low_FN_rate", 1, 0.11, 2};

TEST(NabScorer, ProbationIsFifteenPercentCappedAt750) {
  EXPECT_EQ(ProbationaryPeriod(100), 15U);
  EXPECT_EQ(ProbationaryPeriod(4032), 604U);
  EXPECT_EQ(ProbationaryPeriod(22695), 750U);
}

TEST(NabScorer, WindowScoresByHand) {
  const LabeledFile f = OneWindow();
  // First point of the window: exactly A_TP.
  EXPECT_NEAR(ScoreFile(f, {40}, kStandard), 1.0, 1e-12);
  // Half-way: σ(-0.5) / σ(-1) = 0.859793 (y = -(49 - 45 + 1) / 10).
  EXPECT_NEAR(ScoreFile(f, {45}, kStandard), 0.8597925669, 1e-9);
  // Only the first detection in a window counts: 42 (y = -0.8) and not 47.
  EXPECT_NEAR(ScoreFile(f, {47, 42}, kStandard), 0.9771068409, 1e-9);
  // Nothing: a missed window.
  EXPECT_EQ(ScoreFile(f, {}, kStandard), -1);
  EXPECT_EQ(ScoreFile(f, {}, kLowFn), -2);
  // In probation: ignored.
  EXPECT_EQ(ScoreFile(f, {10}, kStandard), -1);
  // Before any window: -A_FP.
  EXPECT_NEAR(ScoreFile(f, {20}, kStandard), -1.11, 1e-12);
  EXPECT_NEAR(ScoreFile(f, {20}, kLowFp), -1.22, 1e-12);
  // Just after the window (y = 1/9): A_FP σ(1/9), a small penalty.
  EXPECT_NEAR(ScoreFile(f, {50}, kStandard), -1 - 0.0297931830, 1e-9);
  EXPECT_NEAR(ScoreFile(f, {50}, kLowFp), -1 - 0.0595863661, 1e-9);
  // Far after (y > 3): the full -A_FP.
  EXPECT_NEAR(ScoreFile(f, {90}, kStandard), -1.11, 1e-12);
  // A hit and two false positives add up.
  EXPECT_NEAR(ScoreFile(f, {20, 40, 90}, kStandard), 1 - 0.22, 1e-12);
}

TEST(NabScorer, NullScoresZeroAndPerfectScoresHundredOnEveryProfile) {
  const std::vector<LabeledFile> files = {OneWindow(), {"g", 1000, {{300, 350}, {700, 720}}}, {"h", 50, {}}};
  for (const Profile& p : DefaultProfiles()) {
    const Normaliser n = MakeNormaliser(files, p);
    EXPECT_NEAR(n.Normalise(n.null_score), 0, 1e-12) << p.name;
    EXPECT_NEAR(n.Normalise(n.perfect_score), 100, 1e-12) << p.name;
    EXPECT_NEAR(n.null_score, -3 * p.fn, 1e-12);
    EXPECT_NEAR(n.perfect_score, 3 * p.tp, 1e-12);
    // Through the sweep: scores that flag exactly the first point of each window.
    std::vector<std::vector<double>> perfect;
    std::vector<std::vector<double>> none;
    for (const auto& f : files) {
      perfect.emplace_back(f.length, 0.0);
      none.emplace_back(f.length, 0.0);
      for (const auto& w : f.windows) perfect.back()[w.left] = 1.0;
    }
    EXPECT_NEAR(Sweep(files, perfect, p).normalised, 100, 1e-9) << p.name;
    EXPECT_NEAR(Sweep(files, none, p).normalised, 0, 1e-9) << p.name;
  }
}

TEST(NabScorer, WindowInsideProbationCountsForNothingButStaysInThePerfectScore) {
  // 1000 points: probation 150. Window [100, 120] lies inside it, [140, 160] straddles its end.
  const LabeledFile f{"p", 1000, {{100, 120}, {140, 160}, {500, 520}}};
  EXPECT_EQ(ScoreFile(f, {}, kStandard), -2);              // only two windows can be missed
  EXPECT_EQ(ScoreFile(f, {100, 140, 500}, kStandard), 0);  // 100, 140 ignored: +1 - 1
  // y = -(160 - 150 + 1) / 21 for the first scorable point of the straddling window.
  const double straddle = ScaledSigmoid(-11.0 / 21) / ScaledSigmoid(-1);
  EXPECT_NEAR(ScoreFile(f, {150, 500}, kStandard), straddle + 1, 1e-12);
  const Normaliser n = MakeNormaliser({f}, kStandard);
  EXPECT_EQ(n.null_score, -2);
  EXPECT_EQ(n.perfect_score, 3);  // NAB: A_TP times every labelled window
  std::vector<std::vector<double>> best(1, std::vector<double>(f.length, 0.0));
  best[0][150] = best[0][500] = 1;
  EXPECT_NEAR(Sweep({f}, best, kStandard).normalised, 100 * (straddle + 1 + 2) / 5, 1e-9);
}

TEST(NabScorer, SweepFindsTheBestThresholdExactly) {
  const std::vector<LabeledFile> files = {{"a", 400, {{100, 139}, {300, 319}}}, {"b", 300, {{150, 189}}}};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> scores;
  for (const auto& f : files) {
    scores.emplace_back();
    for (std::size_t i = 0; i < f.length; ++i) scores.back().push_back(std::round(u(rng) * 50) / 50);
    // NaN (a gap, or no score yet) is never a detection and must not upset the sweep.
    scores.back()[120] = std::numeric_limits<double>::quiet_NaN();
  }
  for (const Profile& p : DefaultProfiles()) {
    const SweepResult best = Sweep(files, scores, p);
    double brute = -1e300;
    for (int k = 0; k <= 51; ++k) {
      const double t = k / 50.0;
      double raw = 0;
      for (std::size_t f = 0; f < files.size(); ++f) raw += ScoreFile(files[f], Detections(scores[f], t), p);
      brute = std::max(brute, raw);
    }
    EXPECT_NEAR(best.raw, brute, 1e-9) << p.name;
    double at_best = 0;
    for (std::size_t f = 0; f < files.size(); ++f)
      at_best += ScoreFile(files[f], Detections(scores[f], best.threshold), p);
    EXPECT_NEAR(at_best, best.raw, 1e-9) << p.name;
  }
}

}  // namespace
}  // namespace mw::bench::nab
