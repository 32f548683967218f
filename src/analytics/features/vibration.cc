#include "analytics/features/vibration.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace mw::analytics {
namespace {

constexpr double kStandardGravity = 9.80665;  // m/s^2 per g

std::string BandName(const std::pair<double, double>& band) {
  return fmt::format("band_{:g}_{:g}", band.first, band.second);
}

}  // namespace

std::optional<std::pair<double, double>> ParseBand(const std::string& text) {
  const auto dash = text.find('-', 1);
  if (dash == std::string::npos) return std::nullopt;
  char* end = nullptr;
  const std::string lo_text = text.substr(0, dash), hi_text = text.substr(dash + 1);
  const double lo = std::strtod(lo_text.c_str(), &end);
  if (end == lo_text.c_str() || *end != '\0') return std::nullopt;
  const double hi = std::strtod(hi_text.c_str(), &end);
  if (end == hi_text.c_str() || *end != '\0') return std::nullopt;
  if (!(lo >= 0 && hi > lo && std::isfinite(hi))) return std::nullopt;
  return std::make_pair(lo, hi);
}

Vibration::Vibration(VibrationOptions options, Catalog& catalog)
    : options_(std::move(options)),
      hop_(std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(
                                        static_cast<double>(options_.fft_size) * (1 - options_.overlap))))),
      max_gap_(options_.max_gap > 0 ? options_.max_gap
                                    : static_cast<Timestamp>(1.5e9 / options_.sample_rate)),
      bearing_(options_.bearing.balls > 0),
      catalog_(catalog),
      transform_(options_.fft_size),
      scratch_(options_.fft_size) {
  hop_ = std::min(hop_, options_.fft_size);
  if (options_.envelope_high <= options_.envelope_low) {
    options_.envelope_low = options_.sample_rate / 10;
    options_.envelope_high = options_.sample_rate * 0.4;
  }
}

bool Vibration::AppliesTo(std::string_view signal) const {
  if (!options_.rpm_signal.empty() && signal == options_.rpm_signal) return true;
  return SignalListed(options_.signals, signal);
}

Vibration::SeriesState& Vibration::NewState(SeriesId id) {
  auto state = std::make_unique<SeriesState>(options_.fft_size, options_.sample_rate);
  state->asset = catalog_.AssetOf(id);
  Outputs& o = state->outputs;
  o.velocity = DerivedSeries(catalog_, id, "velocity_rms");
  o.zone = DerivedSeries(catalog_, id, "iso_zone");
  o.peak_hz = DerivedSeries(catalog_, id, "peak_frequency");
  o.peak_amp = DerivedSeries(catalog_, id, "peak_amplitude");
  for (const auto& band : options_.bands) o.bands.push_back(DerivedSeries(catalog_, id, BandName(band)));
  if (!options_.rpm_signal.empty()) {
    o.harmonics = {DerivedSeries(catalog_, id, "1x"), DerivedSeries(catalog_, id, "2x"),
                   DerivedSeries(catalog_, id, "3x")};
    if (bearing_)
      o.bearing = {DerivedSeries(catalog_, id, "bpfo"), DerivedSeries(catalog_, id, "bpfi"),
                   DerivedSeries(catalog_, id, "bsf"), DerivedSeries(catalog_, id, "ftf")};
  }
  return states_.Put(id, std::move(state));
}

void Vibration::Process(const Sample& sample, pipeline::ProcessorOutput& out) {
  SeriesState* state = states_.Find(sample.series);
  if (state == nullptr) {
    if (const AssetId* asset = rpm_series_.Find(sample.series)) {
      if (Usable(sample) && sample.value > 0) {
        double* rpm = rpm_.Find(*asset);
        if (rpm == nullptr) rpm = &rpm_.Put(*asset, std::make_unique<double>());
        *rpm = sample.value;
      }
      return;
    }
    if (!options_.rpm_signal.empty() && SignalOf(catalog_, sample.series) == options_.rpm_signal) {
      rpm_series_.Put(sample.series, std::make_unique<AssetId>(catalog_.AssetOf(sample.series)));
      Process(sample, out);
      return;
    }
    state = &NewState(sample.series);
  }
  if (!Usable(sample) ||
      (state->filled > 0 && (sample.time <= state->last_time || sample.time - state->last_time > max_gap_))) {
    state->filled = 0;  // a hole: this frame is lost
    if (!Usable(sample)) return;
  }
  state->last_time = sample.time;
  state->frame[state->filled++] = sample.value;
  if (state->filled < options_.fft_size) return;
  transform_.AddFrame(state->frame.data(), state->spectrum);
  if (bearing_) {
    transform_.Envelope(state->frame.data(), options_.sample_rate, options_.envelope_low,
                        options_.envelope_high, scratch_.data());
    transform_.AddFrame(scratch_.data(), state->envelope);
  }
  // Keep the overlap: the last fft_size - hop values start the next frame.
  std::copy(state->frame.begin() + static_cast<std::ptrdiff_t>(hop_), state->frame.end(),
            state->frame.begin());
  state->filled = options_.fft_size - hop_;
  if (state->spectrum.frames() >= options_.averages) Analyse(*state, sample.time, out);
}

void Vibration::Analyse(SeriesState& state, Timestamp t, pipeline::ProcessorOutput& out) {
  const Welch& s = state.spectrum;
  const Outputs& o = state.outputs;
  auto emit = [&](SeriesId id, double v) {
    if (id != kInvalidSeries) out.derived.Append(id, t, v);
  };
  const double velocity =
      s.VelocityRms(options_.velocity_low, options_.velocity_high) * options_.accel_scale * 1000;
  emit(o.velocity, velocity);
  emit(o.zone, IsoZone(velocity, options_.machine));
  const std::size_t peak = s.PeakBin(1);
  emit(o.peak_hz, static_cast<double>(peak) * s.bin_hz());
  emit(o.peak_amp, s.Amplitude(peak));
  for (std::size_t i = 0; i < options_.bands.size(); ++i)
    emit(o.bands[i], s.BandRms(options_.bands[i].first, options_.bands[i].second));
  const double* rpm = state.asset != kInvalidAsset ? rpm_.Find(state.asset) : nullptr;
  if (rpm != nullptr) {
    const double shaft_hz = *rpm / 60;
    for (std::size_t h = 0; h < 3; ++h)
      emit(o.harmonics[h], s.ToneAmplitude(shaft_hz * static_cast<double>(h + 1)));
    if (bearing_) {
      const BearingFrequencies f = DefectFrequencies(options_.bearing, shaft_hz);
      const Welch& e = state.envelope;
      emit(o.bearing[0], e.ToneAmplitude(f.bpfo));
      emit(o.bearing[1], e.ToneAmplitude(f.bpfi));
      emit(o.bearing[2], e.ToneAmplitude(f.bsf));
      emit(o.bearing[3], e.ToneAmplitude(f.ftf));
    }
  }
  state.spectrum.Reset();
  state.envelope.Reset();
}

pipeline::PluginDescriptor Vibration::Descriptor() {
  using pipeline::OptionType;
  pipeline::PluginDescriptor d;
  d.kind = pipeline::PluginKind::kProcessor;
  d.name = "vibration";
  d.doc =
      "Spectral vibration features of acceleration signals: velocity RMS (mm/s) and ISO 10816-3 zone, peak, "
      "band RMS, 1x/2x/3x running speed, bearing defect amplitudes from the envelope spectrum";
  d.options = {
      {"signals",
       OptionType::kStringList,
       std::vector<std::string>{},
       "acceleration signals; empty: all of the template but rpm_signal",
       {}},
      {"sample_rate", OptionType::kDouble, std::nullopt, "samples per second of the signals (Hz)",
       CheckPositiveDouble},
      {"accel_unit", OptionType::kString, std::string("m/s2"), "unit of the acceleration: m/s2 or g",
       [](const pipeline::OptionValue& v) {
         const auto& u = std::get<std::string>(v);
         return u == "m/s2" || u == "g" ? "" : "expected m/s2 or g";
       }},
      {"fft_size", OptionType::kInt, std::int64_t{4096}, "points per frame (even, 64 .. 1048576)",
       [](const pipeline::OptionValue& v) {
         const auto n = std::get<std::int64_t>(v);
         return n >= 64 && n <= (1 << 20) && n % 2 == 0 ? "" : "expected an even number in 64 .. 1048576";
       }},
      {"averages", OptionType::kInt, std::int64_t{1}, "frames averaged per emission (Welch)",
       CheckPositiveInt},
      {"overlap", OptionType::kDouble, 0.5, "overlap of successive frames, 0 <= overlap < 1",
       [](const pipeline::OptionValue& v) {
         const double f = std::get<double>(v);
         return f >= 0 && f < 1 ? "" : "expected 0 <= overlap < 1";
       }},
      {"velocity_band",
       OptionType::kString,
       std::string("10-1000"),
       "band (Hz) of the velocity RMS; ISO 10816: 10-1000",
       {}},
      {"machine_class", OptionType::kString, std::string("group2_rigid"),
       "ISO 10816-3 class: group1_rigid, group1_flexible, group2_rigid, group2_flexible",
       [](const pipeline::OptionValue& v) {
         return ParseMachineClass(std::get<std::string>(v)) ? "" : "unknown machine class";
       }},
      {"bands", OptionType::kStringList, std::vector<std::string>{},
       "bands whose RMS to emit, \"lo-hi\" in Hz, e.g. [\"10-100\", \"100-1000\"]",
       [](const pipeline::OptionValue& v) {
         for (const auto& b : std::get<std::vector<std::string>>(v))
           if (!ParseBand(b)) return "malformed band \"" + b + "\" (expected lo-hi in Hz)";
         return std::string();
       }},
      {"rpm_signal",
       OptionType::kString,
       std::string(),
       "running speed signal (rpm) of the asset; empty: none",
       {}},
      {"balls", OptionType::kInt, std::int64_t{0},
       "bearing: number of rolling elements; 0: no bearing features", CheckNonNegativeInt},
      {"ball_diameter", OptionType::kDouble, 0.0, "bearing: rolling element diameter",
       CheckNonNegativeDouble},
      {"pitch_diameter", OptionType::kDouble, 0.0, "bearing: pitch diameter (same unit)",
       CheckNonNegativeDouble},
      {"contact_angle", OptionType::kDouble, 0.0, "bearing: contact angle, degrees", {}},
      {"envelope_band",
       OptionType::kString,
       std::string(),
       "band-pass (Hz) before the envelope, \"lo-hi\"; empty: sample_rate/10 .. 0.4 sample_rate",
       {}},
      {"max_gap", OptionType::kDuration, std::int64_t{0},
       "a longer step between samples discards the frame; 0: 1.5 sample periods",
       pipeline::OptionNonNegativeDuration},
  };
  d.factory = [](const pipeline::Options& o,
                 pipeline::PluginContext& ctx) -> Result<std::unique_ptr<pipeline::Plugin>> {
    VibrationOptions opts;
    opts.signals = o.GetStringList("signals");
    opts.sample_rate = o.GetDouble("sample_rate");
    opts.accel_scale = o.GetString("accel_unit") == "g" ? kStandardGravity : 1.0;
    opts.fft_size = static_cast<std::size_t>(o.GetInt("fft_size"));
    opts.averages = static_cast<std::size_t>(o.GetInt("averages"));
    opts.overlap = o.GetDouble("overlap");
    auto velocity = ParseBand(o.GetString("velocity_band"));
    if (!velocity) return Status::InvalidArgument("velocity_band: expected lo-hi in Hz");
    opts.velocity_low = velocity->first;
    opts.velocity_high = velocity->second;
    opts.machine = *ParseMachineClass(o.GetString("machine_class"));
    for (const auto& b : o.GetStringList("bands")) opts.bands.push_back(*ParseBand(b));
    opts.rpm_signal = o.GetString("rpm_signal");
    opts.bearing = {static_cast<int>(o.GetInt("balls")), o.GetDouble("ball_diameter"),
                    o.GetDouble("pitch_diameter"), o.GetDouble("contact_angle")};
    if (opts.bearing.balls > 0 &&
        (opts.bearing.ball_diameter <= 0 || opts.bearing.pitch_diameter <= opts.bearing.ball_diameter))
      return Status::InvalidArgument("bearing: expected 0 < ball_diameter < pitch_diameter");
    if (opts.bearing.balls > 0 && opts.rpm_signal.empty())
      return Status::InvalidArgument("bearing features need rpm_signal");
    if (!o.GetString("envelope_band").empty()) {
      auto band = ParseBand(o.GetString("envelope_band"));
      if (!band || band->second > opts.sample_rate / 2)
        return Status::InvalidArgument("envelope_band: expected lo-hi in Hz, below sample_rate / 2");
      opts.envelope_low = band->first;
      opts.envelope_high = band->second;
    }
    opts.max_gap = o.GetDuration("max_gap");
    if (Status s = CheckTemplateSignals(ctx, "signals", opts.signals); !s.ok()) return s;
    if (!opts.rpm_signal.empty())
      if (Status s = CheckTemplateSignals(ctx, "rpm_signal", {opts.rpm_signal}); !s.ok()) return s;
    return std::unique_ptr<pipeline::Plugin>(new Vibration(std::move(opts), ctx.catalog));
  };
  return d;
}

}  // namespace mw::analytics
