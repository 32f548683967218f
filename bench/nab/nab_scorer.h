// The NAB scoring method (Lavin and Ahmad, "Evaluating Real-time Anomaly Detection Algorithms -
// the Numenta Anomaly Benchmark", 2015, and the NAB README/wiki), written from that description.
//
// A data file of n points has labelled anomaly windows [left, right] (point indices, inclusive).
// A detection is a point whose anomaly score is at or above the threshold. Detections in the
// probationary period, the first min(⌊0.15 n⌋, 750) points, are ignored. Every other detection is
// weighted by where it falls, with the scaled sigmoid σ(y) = 2 / (1 + e^{5y}) - 1 (σ(y) = -1 for
// y > 3):
//   - inside a window of width w = right - left + 1, at point i: y = -(right - i + 1) / w (from -1
//     at the window's first point to ~0 at its last), a true positive worth A_TP · σ(y) / σ(-1), so
//     that a detection on the first point of a window is worth exactly A_TP. Only the first
//     detection in a window counts (it is also the best one); later ones are neither rewarded nor
//     penalised;
//   - after a window (and before the next), at point i: y = |i - right_prev| / (w_prev - 1), a false
//     positive worth A_FP · σ(y), between 0 right after the window and -A_FP far from it;
//   - before the first window: a false positive worth -A_FP.
// A window with no detection costs -A_FN, unless it lies wholly inside the probationary period (it
// then counts for nothing). The raw score of a detector is the sum over all files; it is
// normalised as 100 · (S - S_null) / (S_perfect - S_null), where the null detector detects nothing
// (S_null = -A_FN · scorable windows) and S_perfect = A_TP · every labelled window, as NAB's
// runner computes it (so a window starting inside the probationary period keeps even a perfect
// detector a little under 100 on the real corpus).
// One threshold per detector and profile is chosen to maximise the corpus score: Sweep() tries
// every distinct score value as the threshold, exactly, in O(N log N) for N points.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mw::bench::nab {

struct Profile {
  std::string name;
  double tp = 1;  // A_TP
  double fp = 0.11;
  double fn = 1;
};

// The three profiles of NAB's config/profiles.json.
std::vector<Profile> DefaultProfiles();

struct Window {
  std::size_t left = 0;   // first point, inclusive
  std::size_t right = 0;  // last point, inclusive
};

struct LabeledFile {
  std::string name;
  std::size_t length = 0;
  std::vector<Window> windows;  // sorted, disjoint
};

double ScaledSigmoid(double y);
std::size_t ProbationaryPeriod(std::size_t length);

// The raw (unnormalised) score of one file for a set of detection indices (any order).
double ScoreFile(const LabeledFile& file, const std::vector<std::size_t>& detections, const Profile& profile);

struct Normaliser {
  double null_score = 0;
  double perfect_score = 0;
  double Normalise(double raw) const { return 100 * (raw - null_score) / (perfect_score - null_score); }
};
// The null and perfect raw scores of a corpus under a profile, from ScoreFile().
Normaliser MakeNormaliser(const std::vector<LabeledFile>& files, const Profile& profile);

struct SweepResult {
  double threshold = 0;  // detections: score >= threshold (+inf: none)
  double raw = 0;
  double normalised = 0;
};

// Chooses the threshold that maximises the corpus score. `scores[f][i]` is the score of point i of
// file f (NaN: never a detection).
SweepResult Sweep(const std::vector<LabeledFile>& files, const std::vector<std::vector<double>>& scores,
                  const Profile& profile);

// Detection indices of one file at a threshold: score >= threshold.
std::vector<std::size_t> Detections(const std::vector<double>& scores, double threshold);

}  // namespace mw::bench::nab
