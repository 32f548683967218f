#include "analytics/features/spectrum.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mw::analytics {

Welch::Welch(std::size_t n, double sample_rate)
    : n_(n), bin_hz_(sample_rate / static_cast<double>(n)), sums_(n / 2 + 1, 0.0) {
  double sum_w = 0, sum_w2 = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const double w =
        0.5 * (1 - std::cos(2 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n)));
    sum_w += w;
    sum_w2 += w * w;
  }
  amplitude_scale_ = 2.0 / sum_w;
  power_scale_ = 2.0 / (static_cast<double>(n) * sum_w2);
}

void Welch::Reset() {
  std::fill(sums_.begin(), sums_.end(), 0.0);
  frames_ = 0;
}

double Welch::Amplitude(std::size_t k) const {
  return amplitude_scale_ * std::sqrt(sums_[k] / static_cast<double>(frames_));
}

double Welch::Power(std::size_t k) const {
  const double p = power_scale_ * sums_[k] / static_cast<double>(frames_);
  return k == 0 || k == n_ / 2 ? 0.5 * p : p;
}

double Welch::BandRms(double lo_hz, double hi_hz) const {
  const auto first = static_cast<std::size_t>(std::max(0.0, std::ceil(lo_hz / bin_hz_)));
  const auto last =
      std::min(bins() - 1, static_cast<std::size_t>(std::max(0.0, std::floor(hi_hz / bin_hz_))));
  double sum = 0;
  for (std::size_t k = first; k <= last; ++k) sum += Power(k);
  return std::sqrt(sum);
}

double Welch::ToneAmplitude(double hz) const {
  const double centre = std::round(hz / bin_hz_);
  if (centre < 0 || centre > static_cast<double>(bins() - 1)) return 0;
  const auto k0 = static_cast<std::size_t>(centre);
  const std::size_t first = k0 >= 2 ? k0 - 2 : 0;
  const std::size_t last = std::min(bins() - 1, k0 + 2);
  double sum = 0;
  for (std::size_t k = first; k <= last; ++k) sum += Power(k);
  return std::sqrt(2 * sum);
}

double Welch::VelocityRms(double lo_hz, double hi_hz) const {
  const auto first = static_cast<std::size_t>(std::max(1.0, std::ceil(lo_hz / bin_hz_)));
  const auto last =
      std::min(bins() - 1, static_cast<std::size_t>(std::max(0.0, std::floor(hi_hz / bin_hz_))));
  double sum = 0;
  for (std::size_t k = first; k <= last; ++k) {
    const double omega = 2 * std::numbers::pi * static_cast<double>(k) * bin_hz_;
    sum += Power(k) / (omega * omega);
  }
  return std::sqrt(sum);
}

std::size_t Welch::PeakBin(std::size_t from) const {
  std::size_t best = std::min(from, bins() - 1);
  for (std::size_t k = best; k < bins(); ++k)
    if (sums_[k] > sums_[best]) best = k;
  return best;
}

FrameTransform::FrameTransform(std::size_t n) : fft_(n), window_(n) {
  for (std::size_t j = 0; j < n; ++j)
    window_[j] = 0.5 * (1 - std::cos(2 * std::numbers::pi * static_cast<double>(j) / static_cast<double>(n)));
}

void FrameTransform::AddFrame(const double* x, Welch& welch) {
  const std::size_t n = fft_.size();
  double* in = fft_.real();
  for (std::size_t j = 0; j < n; ++j) in[j] = x[j] * window_[j];
  fft_.Forward();
  const std::complex<double>* spectrum = fft_.spectrum();
  double* sums = welch.sums();
  for (std::size_t k = 0; k <= n / 2; ++k) sums[k] += std::norm(spectrum[k]);
  welch.CountFrame();
}

void FrameTransform::Envelope(const double* x, double sample_rate, double lo_hz, double hi_hz,
                              double* envelope) {
  const std::size_t n = fft_.size();
  std::copy(x, x + n, fft_.real());
  fft_.Forward();
  const double bin_hz = sample_rate / static_cast<double>(n);
  const std::complex<double>* spectrum = fft_.spectrum();
  std::complex<double>* z = fft_.complex();
  std::fill(z, z + n, std::complex<double>(0, 0));
  // The analytic signal of the band: positive frequencies doubled, negative ones (k > n/2) and DC
  // and Nyquist left at zero. The 1/n makes the inverse transform the inverse.
  const double scale = 2.0 / static_cast<double>(n);
  const auto first = static_cast<std::size_t>(std::max(1.0, std::ceil(lo_hz / bin_hz)));
  const auto last = std::min(n / 2 - 1, static_cast<std::size_t>(std::max(0.0, std::floor(hi_hz / bin_hz))));
  for (std::size_t k = first; k <= last; ++k) z[k] = spectrum[k] * scale;
  fft_.Inverse();
  double sum = 0;
  for (std::size_t j = 0; j < n; ++j) {
    envelope[j] = std::sqrt(std::norm(z[j]));  // |z| without hypot's care for overflow
    sum += envelope[j];
  }
  const double mean = sum / static_cast<double>(n);
  for (std::size_t j = 0; j < n; ++j) envelope[j] -= mean;
}

BearingFrequencies DefectFrequencies(const BearingGeometry& b, double shaft_hz) {
  BearingFrequencies f;
  if (b.balls <= 0 || b.ball_diameter <= 0 || b.pitch_diameter <= 0) return f;
  const double ratio =
      b.ball_diameter / b.pitch_diameter * std::cos(b.contact_angle_deg * std::numbers::pi / 180);
  const double n = b.balls;
  f.ftf = shaft_hz / 2 * (1 - ratio);
  f.bpfo = n * shaft_hz / 2 * (1 - ratio);
  f.bpfi = n * shaft_hz / 2 * (1 + ratio);
  f.bsf = b.pitch_diameter * shaft_hz / (2 * b.ball_diameter) * (1 - ratio * ratio);
  return f;
}

std::optional<MachineClass> ParseMachineClass(std::string_view name) {
  if (name == "group1_rigid") return MachineClass::kGroup1Rigid;
  if (name == "group1_flexible") return MachineClass::kGroup1Flexible;
  if (name == "group2_rigid") return MachineClass::kGroup2Rigid;
  if (name == "group2_flexible") return MachineClass::kGroup2Flexible;
  return std::nullopt;
}

int IsoZone(double v, MachineClass machine) {
  const ZoneLimits& z = kIso10816Zones[static_cast<std::size_t>(machine)];
  if (v < z.ab) return 0;
  if (v < z.bc) return 1;
  if (v < z.cd) return 2;
  return 3;
}

}  // namespace mw::analytics
