#include "nab_scorer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mw::bench::nab {
namespace {

// What a detection at one point is worth: a true positive of window `window`, or a false positive.
struct PointValue {
  bool in_window = false;
  std::size_t window = 0;
  double unweighted = 0;  // σ(y): positive in a window, negative outside
};

PointValue ValueOf(const LabeledFile& file, std::size_t i) {
  PointValue v;
  // The window containing i, else the last one ending before i.
  const Window* previous = nullptr;
  for (std::size_t w = 0; w < file.windows.size(); ++w) {
    const Window& win = file.windows[w];
    if (i >= win.left && i <= win.right) {
      const double width = static_cast<double>(win.right - win.left + 1);
      v.in_window = true;
      v.window = w;
      v.unweighted = ScaledSigmoid(-static_cast<double>(win.right - i + 1) / width);
      return v;
    }
    if (win.right < i) previous = &win;
  }
  if (previous == nullptr) {
    v.unweighted = -1;
    return v;
  }
  const double width = static_cast<double>(previous->right - previous->left + 1);
  v.unweighted = ScaledSigmoid(static_cast<double>(i - previous->right) / std::max(1.0, width - 1));
  return v;
}

// NAB gives a window a score only if one of its points lies after the probationary period: a
// window wholly inside it is neither a hit nor a miss.
bool Scorable(const Window& w, std::size_t probation) { return w.right >= probation; }

double Weighted(const PointValue& v, const Profile& profile) {
  static const double kMaxTp = ScaledSigmoid(-1.0);
  return v.in_window ? profile.tp * v.unweighted / kMaxTp : profile.fp * v.unweighted;
}

}  // namespace

std::vector<Profile> DefaultProfiles() {
  return {{"standard", 1.0, 0.11, 1.0},
          {"reward_low_FP_rate", 1.0, 0.22, 1.0},
          {"reward_low_FN_rate", 1.0, 0.11, 2.0}};
}

double ScaledSigmoid(double y) {
  if (y > 3) return -1;
  return 2 / (1 + std::exp(5 * y)) - 1;
}

std::size_t ProbationaryPeriod(std::size_t length) {
  return std::min(static_cast<std::size_t>(std::floor(0.15 * static_cast<double>(length))), std::size_t{750});
}

double ScoreFile(const LabeledFile& file, const std::vector<std::size_t>& detections,
                 const Profile& profile) {
  const std::size_t probation = ProbationaryPeriod(file.length);
  std::vector<std::size_t> sorted = detections;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<bool> detected(file.windows.size(), false);
  double score = 0;
  for (std::size_t i : sorted) {
    if (i < probation || i >= file.length) continue;
    const PointValue v = ValueOf(file, i);
    if (v.in_window) {
      if (detected[v.window]) continue;  // only the first detection of a window counts
      detected[v.window] = true;
    }
    score += Weighted(v, profile);
  }
  for (std::size_t w = 0; w < file.windows.size(); ++w)
    if (!detected[w] && Scorable(file.windows[w], probation)) score -= profile.fn;
  return score;
}

Normaliser MakeNormaliser(const std::vector<LabeledFile>& files, const Profile& profile) {
  Normaliser n;
  for (const auto& f : files) {
    n.null_score += ScoreFile(f, {}, profile);
    n.perfect_score += profile.tp * static_cast<double>(f.windows.size());
  }
  return n;
}

std::vector<std::size_t> Detections(const std::vector<double>& scores, double threshold) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (scores[i] >= threshold) out.push_back(i);
  return out;
}

SweepResult Sweep(const std::vector<LabeledFile>& files, const std::vector<std::vector<double>>& scores,
                  const Profile& profile) {
  struct Candidate {
    double score;
    std::size_t file;
    std::size_t index;
  };
  std::vector<Candidate> candidates;
  std::vector<std::size_t> window_base(files.size() + 1, 0);
  for (std::size_t f = 0; f < files.size(); ++f) {
    window_base[f + 1] = window_base[f] + files[f].windows.size();
    const std::size_t probation = ProbationaryPeriod(files[f].length);
    for (std::size_t i = probation; i < std::min(files[f].length, scores[f].size()); ++i)
      if (!std::isnan(scores[f][i])) candidates.push_back({scores[f][i], f, i});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.score > b.score ||
           (a.score == b.score && (a.file < b.file || (a.file == b.file && a.index < b.index)));
  });
  const Normaliser norm = MakeNormaliser(files, profile);
  // Lowering the threshold past a point adds it as a detection: a false positive adds its value;
  // in a window it replaces the window's current first detection (or its -A_FN) if it is earlier.
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> first(window_base.back(), kNone);
  std::vector<double> first_value(window_base.back(), 0);
  double total = norm.null_score;
  SweepResult best{std::numeric_limits<double>::infinity(), total, norm.Normalise(total)};
  for (std::size_t k = 0; k < candidates.size();) {
    const double threshold = candidates[k].score;
    for (; k < candidates.size() && candidates[k].score == threshold; ++k) {
      const Candidate& c = candidates[k];
      const PointValue v = ValueOf(files[c.file], c.index);
      const double value = Weighted(v, profile);
      if (!v.in_window) {
        total += value;
        continue;
      }
      const std::size_t w = window_base[c.file] + v.window;
      if (first[w] == kNone) {
        total += value + profile.fn;
      } else if (c.index < first[w]) {
        total += value - first_value[w];
      } else {
        continue;
      }
      first[w] = c.index;
      first_value[w] = value;
    }
    if (total > best.raw) best = {threshold, total, norm.Normalise(total)};
  }
  return best;
}

}  // namespace mw::bench::nab
