#include "sim/twin.h"

#include <algorithm>
#include <charconv>

#include "sim/fleet_config.h"
#include "sim/plc_line.h"
#include "sim/printer.h"
#include "sim/pump.h"
#include "sim/rotating_machine.h"

namespace mw::sim {
namespace {

std::string_view AnomalyName(AnomalyKind kind) {
  switch (kind) {
    case AnomalyKind::kVibrationSpike:
      return "vibration_spike";
    case AnomalyKind::kVibrationStep:
      return "vibration_step";
    case AnomalyKind::kTemperatureSpike:
      return "temperature_spike";
    case AnomalyKind::kTemperatureStep:
      return "temperature_step";
    case AnomalyKind::kNone:
      break;
  }
  return {};
}

class RotatingTwin final : public Twin {
 public:
  explicit RotatingTwin(const RotatingMachineSpec& spec) : model_(spec) {}
  std::string_view type() const override { return "rotating"; }
  const std::vector<SignalDef>& signals() const override {
    // The order and decimals of the JSON payload `millwright sim` has always sent.
    static const std::vector<SignalDef> kSignals{{"temperature", "°C", 2, SignalClass::kTemperature},
                                                 {"vibration", "mm/s", 3, SignalClass::kVibration},
                                                 {"rpm", "rpm", 1, SignalClass::kOther}};
    return kSignals;
  }
  void Step(Timestamp time, std::span<double> values) override {
    Reading r = model_.Next(time);
    values[0] = r.temperature;
    values[1] = r.vibration;
    values[2] = r.rpm;
    anomaly_ = r.anomaly;
  }
  GroundTruth truth() const override {
    GroundTruth t;
    t.fault = AnomalyName(anomaly_);
    return t;
  }

 private:
  RotatingMachine model_;
  AnomalyKind anomaly_ = AnomalyKind::kNone;
};

class PumpTwin final : public Twin {
 public:
  explicit PumpTwin(const PumpSpec& spec) : model_(spec) {}
  std::string_view type() const override { return "pump"; }
  const std::vector<SignalDef>& signals() const override {
    static const std::vector<SignalDef> kSignals{{"vibration_x", "mm/s", 3, SignalClass::kVibration},
                                                 {"vibration_y", "mm/s", 3, SignalClass::kVibration},
                                                 {"vibration_z", "mm/s", 3, SignalClass::kVibration},
                                                 {"bearing_temperature", "°C", 2, SignalClass::kTemperature},
                                                 {"discharge_pressure", "bar", 3, SignalClass::kOther},
                                                 {"motor_current", "A", 2, SignalClass::kOther}};
    return kSignals;
  }
  void Step(Timestamp time, std::span<double> values) override {
    last_ = model_.Next(time);
    const std::array<double, 6> v = PumpSignalValues(last_);
    std::copy(v.begin(), v.end(), values.begin());
  }
  GroundTruth truth() const override { return {last_.state, last_.damage, last_.remaining_s, {}}; }
  void Renew() override { model_.Renew(); }

 private:
  Pump model_;
  PumpReading last_;
};

// The grid is the frame; its mean and maximum are scalars too, so that the protocols that carry no
// arrays (MQTT JSON, Sparkplug metrics, Modbus) still show a hot spot forming.
class PrinterTwin final : public Twin {
 public:
  explicit PrinterTwin(const PrinterSpec& spec) : model_(spec) {}
  std::string_view type() const override { return "printer"; }
  const std::vector<SignalDef>& signals() const override {
    static const std::vector<SignalDef> kSignals{
        {"power", "kW", 3, SignalClass::kOther},
        {"vibration", "mm/s", 3, SignalClass::kVibration},
        {"layer", "", 0, SignalClass::kOther},
        {"grid_mean_temperature", "°C", 2, SignalClass::kTemperature},
        {"grid_max_temperature", "°C", 2, SignalClass::kTemperature}};
    return kSignals;
  }
  void Step(Timestamp time, std::span<double> values) override {
    last_ = model_.Next(time);
    ++frames_;
    double sum = 0;
    float max = last_.grid.empty() ? 0.0f : last_.grid[0];
    for (float c : last_.grid) {
      sum += c;
      max = std::max(max, c);
    }
    values[0] = last_.power_kw;
    values[1] = last_.vibration_mm_s;
    values[2] = last_.layer;
    values[3] = last_.grid.empty() ? 0 : sum / static_cast<double>(last_.grid.size());
    values[4] = max;
  }
  GroundTruth truth() const override {
    return {last_.health, last_.damage, std::max(0.0, model_.life_s() - model_.age_s()), {}};
  }
  void Renew() override { model_.Renew(); }
  std::optional<FrameView> frame() const override {
    return FrameView{"temperature_grid", static_cast<std::uint32_t>(last_.grid_height),
                     static_cast<std::uint32_t>(last_.grid_width), last_.grid, frames_};
  }

 private:
  Printer model_;
  PrinterRecord last_;
  std::uint64_t frames_ = 0;
};

// Valves and the motor as `<part>.<field>` signals (the OPC UA outlet serves each part as a
// structure); each valve's last measured travel time is held until its next move; the vibration
// burst, when one is captured, is the frame and its RMS a scalar held until the next burst.
class PlcLineTwin final : public Twin {
 public:
  // A valve that has not moved yet has no travel time: NaN (null in JSON).
  explicit PlcLineTwin(const PlcLineSpec& spec)
      : model_(spec), travel_ms_(static_cast<std::size_t>(spec.valves), std::nan("")) {
    for (int v = 1; v <= spec.valves; ++v) {
      const std::string part = "valve" + std::to_string(v) + ".";
      for (const char* field : {"commanded", "open", "closed"}) signals_.push_back({part + field, "", 0});
      signals_.push_back({part + "travel_ms", "ms", 1});
    }
    signals_.push_back({"motor.on", "", 0});
    for (const char* phase : {"motor.current_l1", "motor.current_l2", "motor.current_l3"})
      signals_.push_back({phase, "A", 3});
    signals_.push_back({"vibration_rms", "g", 4, SignalClass::kVibration});
    signals_.push_back({"machine_state", "", 0});  // PlcLineState: 0 idle, 1 running, 2 setup, 3 fault
  }
  std::string_view type() const override { return "plc_line"; }
  const std::vector<SignalDef>& signals() const override { return signals_; }
  void Step(Timestamp time, std::span<double> values) override {
    last_ = model_.Next(time);
    for (const PlcValveMove& m : model_.TakeValveMoves())
      travel_ms_[static_cast<std::size_t>(m.valve)] = m.measured_ns < 0 ? NAN : m.measured_ns / 1e6;
    (void)model_.TakeMotorStarts();
    if (std::optional<PlcBurst> burst = model_.TakeBurst()) {
      burst_ = std::move(burst->samples);
      double sum = 0;
      for (float a : burst_) sum += static_cast<double>(a) * a;
      vibration_rms_ = burst_.empty() ? 0 : std::sqrt(sum / static_cast<double>(burst_.size()));
      ++bursts_;
    }
    std::size_t i = 0;
    for (std::size_t v = 0; v < travel_ms_.size(); ++v) {
      values[i++] = (last_.valve_commanded >> v) & 1u;
      values[i++] = (last_.valve_open >> v) & 1u;
      values[i++] = (last_.valve_closed >> v) & 1u;
      values[i++] = travel_ms_[v];
    }
    values[i++] = last_.motor_on ? 1 : 0;
    for (double a : last_.phase_current_a) values[i++] = a;
    values[i++] = vibration_rms_;
    values[i] = static_cast<double>(last_.state);
  }
  GroundTruth truth() const override {
    double damage = last_.bearing_damage;
    for (std::size_t v = 0; v < travel_ms_.size(); ++v)
      damage = std::max(damage, double{last_.valve_wear[v]});
    // The bearing's life bounds the line's; a valve may fail earlier (its life is counted in moves).
    return {last_.health, damage, std::max(0.0, model_.bearing_life_s() - model_.bearing_age_s()), {}};
  }
  void Renew() override {
    model_.Renew();
    std::fill(travel_ms_.begin(), travel_ms_.end(), std::nan(""));
  }
  std::optional<FrameView> frame() const override {
    return FrameView{"vibration_burst", 1, static_cast<std::uint32_t>(burst_.size()), burst_, bursts_};
  }

 private:
  PlcLine model_;
  PlcLineRecord last_;
  std::vector<SignalDef> signals_;
  std::vector<double> travel_ms_;
  std::vector<float> burst_;
  double vibration_rms_ = 0;
  std::uint64_t bursts_ = 0;
};

// Per-twin seeds, as MachineSpec does for the rotating twin.
std::uint64_t TwinSeed(const MachineGroup& group, int index) {
  return DeriveSeed(group.model.seed, static_cast<std::uint64_t>(index));
}

std::unique_ptr<Twin> MakePump(const MachineGroup& group, int index) {
  PumpSpec spec;
  spec.mode = static_cast<PumpMode>(static_cast<int>(group.mode));  // same order
  spec.machine_class = group.iso_class;
  spec.interval_ns = group.model.interval_ns;
  spec.seed = TwinSeed(group, index);
  return std::make_unique<PumpTwin>(spec);
}

std::unique_ptr<Twin> MakePrinter(const MachineGroup& group, int index) {
  PrinterSpec spec;
  spec.interval_ns = group.model.interval_ns;
  spec.mean_life_s = MeanLifeSeconds(group.mode);
  spec.seed = TwinSeed(group, index);
  return std::make_unique<PrinterTwin>(spec);
}

std::unique_ptr<Twin> MakePlcLine(const MachineGroup& group, int index) {
  PlcLineSpec spec;
  spec.interval_ns = group.model.interval_ns;
  const double life = MeanLifeSeconds(group.mode);
  // The default valve life (in moves) belongs to the nominal mode; the others wear as much faster.
  spec.valve_mean_life_moves *= life / MeanLifeSeconds(LifeMode::kNominal);
  spec.bearing_mean_life_s = life;
  spec.seed = TwinSeed(group, index);
  return std::make_unique<PlcLineTwin>(spec);
}

// A twin that also publishes its ground truth: its signals plus `health_truth`, the health state
// after the step (HealthState's number, 0 HEALTHY .. 3 BROKEN).
class TruthTwin final : public Twin {
 public:
  explicit TruthTwin(std::unique_ptr<Twin> inner) : inner_(std::move(inner)), signals_(inner_->signals()) {
    signals_.push_back({"health_truth", "", 0, SignalClass::kOther});
  }
  std::string_view type() const override { return inner_->type(); }
  const std::vector<SignalDef>& signals() const override { return signals_; }
  void Step(Timestamp time, std::span<double> values) override {
    inner_->Step(time, values.first(values.size() - 1));
    values.back() = static_cast<double>(inner_->truth().state);
  }
  GroundTruth truth() const override { return inner_->truth(); }
  std::optional<FrameView> frame() const override { return inner_->frame(); }
  void Renew() override { inner_->Renew(); }

 private:
  std::unique_ptr<Twin> inner_;
  std::vector<SignalDef> signals_;
};

std::unique_ptr<Twin> MakeBareTwin(const MachineGroup& group, int index) {
  switch (group.type) {
    case TwinType::kPump:
      return MakePump(group, index);
    case TwinType::kPrinter:
      return MakePrinter(group, index);
    case TwinType::kPlcLine:
      return MakePlcLine(group, index);
    case TwinType::kRotating:
      break;
  }
  return std::make_unique<RotatingTwin>(MachineSpec(group, index));
}

}  // namespace

std::unique_ptr<Twin> MakeTwin(const MachineGroup& group, int index) {
  std::unique_ptr<Twin> twin = MakeBareTwin(group, index);
  if (group.publish_truth && group.type != TwinType::kRotating)
    twin = std::make_unique<TruthTwin>(std::move(twin));
  return twin;
}

void AppendRecordJson(Timestamp time, const std::vector<SignalDef>& signals, std::span<const double> values,
                      std::string& out) {
  out += "{\"ts\":";
  out += std::to_string(time / kNanosPerMilli);
  char buf[64];
  for (std::size_t i = 0; i < signals.size(); ++i) {
    out += ",\"";
    out += signals[i].name;
    out += "\":";
    auto [end, ec] =
        std::to_chars(buf, buf + sizeof buf, values[i], std::chars_format::fixed, signals[i].decimals);
    if (ec != std::errc() || !std::isfinite(values[i])) {
      out += "null";
    } else {
      out.append(buf, end);
    }
  }
  out += '}';
}

}  // namespace mw::sim
