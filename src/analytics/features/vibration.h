// Vibration features: the `vibration` processor.
//
// Per acceleration signal sampled at `sample_rate` Hz, cuts frames of `fft_size` samples, each
// `hop` = fft_size * (1 - overlap) after the previous one, and every `averages` frames emits, from
// their Welch average (see spectrum.h for the formulas), stamped with the last sample's time:
//   <signal>.velocity_rms     mm/s, RMS velocity over [velocity_low, velocity_high] Hz (ISO 10816:
//                             10-1000 Hz), integrated in the frequency domain
//   <signal>.iso_zone         0..3 for ISO 10816-3 zones A..D of `machine_class` (spectrum.h table)
//   <signal>.peak_frequency   Hz, and <signal>.peak_amplitude (acceleration unit), of the largest
//                             non-DC bin of the amplitude spectrum
//   <signal>.band_<lo>_<hi>   RMS (acceleration unit) of each of `bands` ("lo-hi" in Hz)
//   <signal>.1x .2x .3x       amplitude at 1, 2, 3 times the running speed, when the asset's
//                             `rpm_signal` has delivered a speed (> 0)
//   <signal>.bpfo .bpfi .bsf .ftf   amplitudes of the envelope spectrum (band `envelope_band`) at
//                             the bearing defect frequencies, when `balls` > 0 and a speed is known
// The acceleration unit is `accel_unit` (m/s2 or g); velocity is converted to mm/s from it.
//
// A NaN, an infinity, a sample whose quality is not good, or a time step longer than `max_gap`
// (default 1.5 sample periods) discards the frame being filled: a spectrum over a hole would be
// wrong everywhere. Frames already averaged are kept. The rpm signal's bad samples are ignored.
//
// Per sample, the work is one store; each frame costs two FFTs of fft_size (plus two more with the
// envelope). One instance per worker; called from that worker's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "analytics/features/common.h"
#include "analytics/features/spectrum.h"
#include "pipeline/plugin.h"

namespace mw::analytics {

struct VibrationOptions {
  std::vector<std::string> signals;  // acceleration signals; empty: all but rpm_signal
  double sample_rate = 0;            // Hz
  double accel_scale = 1;            // to m/s^2 (9.80665 for g)
  std::size_t fft_size = 4096;
  std::size_t averages = 1;
  double overlap = 0.5;
  double velocity_low = 10, velocity_high = 1000;
  MachineClass machine = MachineClass::kGroup2Rigid;
  std::vector<std::pair<double, double>> bands;
  std::string rpm_signal;
  BearingGeometry bearing;
  double envelope_low = 0, envelope_high = 0;  // 0, 0: fs/10 .. 0.4 fs
  std::int64_t max_gap = 0;                    // ns; 0: 1.5 sample periods
};

// Parses "lo-hi" (Hz, 0 <= lo < hi); nullopt if malformed.
std::optional<std::pair<double, double>> ParseBand(const std::string& text);

class Vibration final : public pipeline::Processor {
 public:
  Vibration(VibrationOptions options, Catalog& catalog);
  bool AppliesTo(std::string_view signal) const override;
  void Process(const Sample& sample, pipeline::ProcessorOutput& out) override;
  static pipeline::PluginDescriptor Descriptor();

 private:
  struct Outputs {
    SeriesId velocity = kInvalidSeries, zone = kInvalidSeries, peak_hz = kInvalidSeries,
             peak_amp = kInvalidSeries;
    std::vector<SeriesId> bands;
    std::array<SeriesId, 3> harmonics{kInvalidSeries, kInvalidSeries, kInvalidSeries};
    std::array<SeriesId, 4> bearing{kInvalidSeries, kInvalidSeries, kInvalidSeries, kInvalidSeries};
  };
  struct SeriesState {
    SeriesState(std::size_t n, double fs) : spectrum(n, fs), envelope(n, fs), frame(n) {}
    AssetId asset = kInvalidAsset;
    Outputs outputs;
    Welch spectrum;
    Welch envelope;
    std::vector<double> frame;
    std::size_t filled = 0;
    Timestamp last_time = 0;
  };
  SeriesState& NewState(SeriesId id);
  void Analyse(SeriesState& state, Timestamp t, pipeline::ProcessorOutput& out);

  VibrationOptions options_;
  std::size_t hop_;
  Timestamp max_gap_;
  bool bearing_ = false;
  Catalog& catalog_;
  FrameTransform transform_;
  std::vector<double> scratch_;  // one envelope
  StateTable<SeriesState> states_;
  StateTable<AssetId> rpm_series_;  // rpm series -> their asset
  StateTable<double> rpm_;          // by asset: the last speed, rpm
};

}  // namespace mw::analytics
