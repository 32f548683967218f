// Spectral analysis for the vibration features: averaged (Welch) amplitude spectra of Hann-windowed
// frames, band energies, tone amplitudes, velocity RMS from acceleration, envelope spectra, bearing
// defect frequencies and the ISO 10816-3 evaluation zones.
//
// Conventions, for a frame of N samples at fs Hz (bin k is k * fs / N Hz, k = 0 .. N/2):
//   window      periodic Hann, w_j = 0.5 (1 - cos(2 pi j / N)): sum w = N/2, sum w^2 = 3N/8.
//   Welch       |X_k|^2 averaged over the frames (frames may overlap; see the vibration processor).
//   Amplitude   A_k = 2 sqrt(mean |X_k|^2) / sum w: a sine of amplitude a centred on bin k gives a.
//               Off-centre a sine loses up to 15 % here (Hann's scalloping): use ToneAmplitude.
//   Power       P_k = c mean |X_k|^2 / (N sum w^2), c = 2 except at DC and N/2 (1): the share of
//               bin k in the mean square of the signal, so sum_k P_k = the signal's mean square
//               (Parseval with the window's energy corrected), in unit^2.
//   band RMS    sqrt(sum P_k over lo <= f_k <= hi); "band energy" is its square (unit^2).
//   tone        ToneAmplitude(f) = sqrt(2 sum P_k, k within 2 bins of f): the amplitude of a sine
//               at f, exact wherever f falls between bins, since Hann's main lobe is 4 bins wide.
//   velocity    the RMS of the velocity of an acceleration spectrum over [lo, hi], integrating in the
//               frequency domain: sqrt(sum P_k / (2 pi f_k)^2), in (acceleration unit) * s.
//
// Not thread-safe: a Welch belongs to one series, a FrameTransform to one processor instance.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "analytics/features/fft.h"

namespace mw::analytics {

// An averaged spectrum being accumulated, and what can be read off it.
class Welch {
 public:
  Welch(std::size_t n, double sample_rate);

  std::size_t n() const { return n_; }
  std::size_t bins() const { return n_ / 2 + 1; }
  double bin_hz() const { return bin_hz_; }
  std::size_t frames() const { return frames_; }
  void Reset();

  // sum over frames of |X_k|^2, for FrameTransform to add to.
  double* sums() { return sums_.data(); }
  void CountFrame() { ++frames_; }

  // Readings of the average; frames() must be > 0.
  double Amplitude(std::size_t k) const;
  double Power(std::size_t k) const;
  double BandRms(double lo_hz, double hi_hz) const;
  double ToneAmplitude(double hz) const;
  double VelocityRms(double lo_hz, double hi_hz) const;
  // The bin of the largest amplitude from bin `from` on.
  std::size_t PeakBin(std::size_t from = 1) const;

 private:
  std::size_t n_;
  double bin_hz_;
  double amplitude_scale_;  // 2 / sum w, applied to sqrt(mean |X|^2)
  double power_scale_;      // 2 / (N sum w^2), applied to mean |X|^2
  std::vector<double> sums_;
  std::size_t frames_ = 0;
};

// Turns frames into spectra: one per processor instance, shared by its series.
class FrameTransform {
 public:
  explicit FrameTransform(std::size_t n);
  std::size_t n() const { return fft_.size(); }

  // Hann-windows the n values `x` and adds their |X_k|^2 to `welch` (which must be of size n).
  void AddFrame(const double* x, Welch& welch);
  // The envelope of `x` band-passed to [lo_hz, hi_hz] at `sample_rate`: the band's bins are kept
  // (the others zeroed) and doubled, which is the analytic signal of the band (Hilbert transform by
  // FFT), and the envelope is its magnitude. Writes the n envelope values, their mean removed, to
  // `envelope`.
  void Envelope(const double* x, double sample_rate, double lo_hz, double hi_hz, double* envelope);

 private:
  Fft fft_;
  std::vector<double> window_;
};

// Bearing geometry and its defect frequencies (Hz). Diameters in any one unit.
struct BearingGeometry {
  int balls = 0;
  double ball_diameter = 0;
  double pitch_diameter = 0;
  double contact_angle_deg = 0;
};
struct BearingFrequencies {
  double bpfo = 0;  // ball pass, outer race: n fr / 2 (1 - d/D cos a)
  double bpfi = 0;  // ball pass, inner race: n fr / 2 (1 + d/D cos a)
  double bsf = 0;   // ball spin:             D fr / (2 d) (1 - (d/D cos a)^2)
  double ftf = 0;   // cage (fundamental train): fr / 2 (1 - d/D cos a)
};
BearingFrequencies DefectFrequencies(const BearingGeometry& bearing, double shaft_hz);

// ISO 10816-3 (in-situ evaluation of machines above 15 kW, 10-1000 Hz velocity RMS): machine
// group 1 (large, 300 kW to 50 MW) or 2 (medium, 15 to 300 kW), on rigid or flexible foundations.
enum class MachineClass { kGroup1Rigid, kGroup1Flexible, kGroup2Rigid, kGroup2Flexible };
// Upper limits of zones A, B and C in mm/s (RMS); D is above the last.
struct ZoneLimits {
  double ab, bc, cd;
};
inline constexpr std::array<ZoneLimits, 4> kIso10816Zones = {{
    {2.3, 4.5, 7.1},   // group 1, rigid
    {3.5, 7.1, 11.0},  // group 1, flexible
    {1.4, 2.8, 4.5},   // group 2, rigid
    {2.3, 4.5, 7.1},   // group 2, flexible
}};
std::optional<MachineClass> ParseMachineClass(std::string_view name);
// 0 (zone A) .. 3 (zone D) for a velocity RMS in mm/s. A value on a limit belongs to the zone above.
int IsoZone(double velocity_rms_mm_s, MachineClass machine);

}  // namespace mw::analytics
