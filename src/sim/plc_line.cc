#include "sim/plc_line.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

namespace mw::sim {
namespace {

// The PLC program's fixed times.
constexpr std::int64_t kSpinUpDwellNs = 1000 * kNanosPerMilli;  // after a start, before the first valve
constexpr std::int64_t kActionDwellNs = 150 * kNanosPerMilli;   // after each limit switch
constexpr std::int64_t kCycleGapNs = 400 * kNanosPerMilli;      // between cycles

// Valve wear: travel slows as 1 + kSlowdown * wear^2; past kStickOnset a move may stick.
constexpr double kSlowdown = 1.5;
constexpr double kStickOnset = 0.8;
constexpr double kStickChanceAtEnd = 0.25;  // per move, just before the end of life

// Motor.
constexpr double kNoLoadCurrent = 0.4;  // magnetising current, as a fraction of rated
constexpr double kCurrentNoise = 0.004;
constexpr double kCtNoiseA = 0.01;  // what a current transformer reads with the motor off
constexpr double kLoadMean = 0.75;
constexpr double kLoadTauS = 30;
constexpr double kLoadNoisePerSqrtS = 0.013;
constexpr double kSlipSwing = 0.01;  // speed change over the load range
constexpr double kSpinUpS = 0.5;     // to full speed

// Bearing (a deep-groove ball bearing): defect frequencies as multiples of the shaft speed.
constexpr double kBpfoRatio = 3.585;
constexpr double kBpfiRatio = 5.415;
constexpr double kResonanceHz = 3200;  // what the impacts ring at
constexpr double kRingTauS = 0.0006;
constexpr double kImpactG = 2.0;  // impact size at the end of life

// Vibration, g.
constexpr double kUnbalanceG = 0.08;
constexpr double kMisalignmentG = 0.03;
constexpr double kBpfoToneG = 0.05;
constexpr double kNoiseG = 0.02;
constexpr double kStoppedNoiseG = 0.005;

// Health thresholds.
constexpr double kValveWarning = 0.4, kValveFaulty = 0.7;
constexpr double kBearingWarning = 0.25, kBearingFaulty = 0.5;
constexpr double kPhaseWarning = 0.03, kPhaseFaulty = 0.07;

HealthState Grade(double x, double warning, double faulty, double broken) {
  if (x >= broken) return HealthState::kBroken;
  if (x >= faulty) return HealthState::kFaulty;
  if (x >= warning) return HealthState::kWarning;
  return HealthState::kHealthy;
}

double DrawLife(Random& random, double mean, double shape) {
  if (mean <= 0) return std::numeric_limits<double>::infinity();
  return random.Weibull(shape, mean / std::tgamma(1.0 + 1.0 / shape));
}

std::int64_t Nanos(double seconds) { return std::llround(seconds * kNanosPerSecond); }

}  // namespace

std::string_view PlcLineStateName(PlcLineState state) {
  switch (state) {
    case PlcLineState::kIdle:
      return "IDLE";
    case PlcLineState::kRunning:
      return "RUNNING";
    case PlcLineState::kSetup:
      return "SETUP";
    case PlcLineState::kFault:
      return "FAULT";
  }
  return "UNKNOWN";
}

PlcLine::PlcLine(const PlcLineSpec& spec)
    : spec_(spec),
      dt_s_(static_cast<double>(spec.interval_ns) / kNanosPerSecond),
      process_random_(DeriveSeed(spec.seed, 0)),
      valve_random_(DeriveSeed(spec.seed, 1)),
      noise_random_(DeriveSeed(spec.seed, 2)),
      burst_random_(DeriveSeed(spec.seed, 3)),
      life_random_(DeriveSeed(spec.seed, 4)) {
  valves_.resize(static_cast<std::size_t>(spec.valves));
  DrawLives();
  EnterIdle();
}

void PlcLine::DrawLives() {
  bearing_life_s_ = DrawLife(life_random_, spec_.bearing_mean_life_s, spec_.life_shape);
  bearing_since_ns_ = now_ns_;
  for (Valve& v : valves_) {
    v.life_moves = DrawLife(life_random_, spec_.valve_mean_life_moves, spec_.life_shape);
    v.moves = 0;
  }
}

// New valves go in at their commanded end; a line in FAULT restarts through SETUP.
void PlcLine::Renew() {
  DrawLives();
  bearing_damage_ = 0;
  for (Valve& v : valves_) {
    if (v.moving) EndMove(v, -1);
    v.open = v.commanded;
    v.closed = !v.commanded;
  }
  if (state_ == PlcLineState::kFault) EnterSetup();
}

double PlcLine::ValveWear(const Valve& v) const {
  return std::min(1.0, static_cast<double>(v.moves) / v.life_moves);
}

HealthState PlcLine::Health() const {
  HealthState worst = Grade(bearing_damage_, kBearingWarning, kBearingFaulty, 1.0);
  worst = std::max(worst, Grade(phase_degradation_, kPhaseWarning, kPhaseFaulty, 2.0));
  for (const Valve& v : valves_)
    worst = std::max(worst, Grade(ValveWear(v), kValveWarning, kValveFaulty, 1.0));
  return worst;
}

// The command changes now; the limit switches show the old position until the next step at least.
// Every move draws the same random numbers, stuck or not, so one valve's fate leaves the others'
// travel times unchanged.
void PlcLine::Command(int valve, bool open, Timestamp time) {
  Valve& v = valves_[static_cast<std::size_t>(valve)];
  if (v.commanded == open) return;
  if (v.moving) EndMove(v, -1);  // countermanded before it arrived
  const double wear = ValveWear(v);
  const double jitter = valve_random_.Normal();
  const double u = valve_random_.Uniform();
  const double stick_chance =
      wear >= 1 ? 1.0
                : kStickChanceAtEnd * std::pow(std::max(0.0, wear - kStickOnset) / (1 - kStickOnset), 2);
  const double travel_ms =
      std::max(0.5 * spec_.valve_travel_ms,
               spec_.valve_travel_ms * (1 + kSlowdown * wear * wear) + spec_.valve_jitter_ms * jitter);
  ++v.moves;
  v.commanded = open;
  v.moving = true;
  v.elapsed_ns = 0;
  v.travel_ns = u < stick_chance ? -1 : std::llround(travel_ms * kNanosPerMilli);
  v.move = PlcValveMove{valve, open, time, -1, v.travel_ns, static_cast<float>(wear)};
}

void PlcLine::EndMove(Valve& v, std::int64_t measured_ns) {
  v.moving = false;
  v.move.measured_ns = measured_ns;
  moves_.push_back(v.move);
}

void PlcLine::StepValves() {
  for (Valve& v : valves_) {
    if (!v.moving) continue;
    v.elapsed_ns += spec_.interval_ns;
    v.open = v.closed = false;  // left its end position
    if (v.travel_ns < 0 || v.elapsed_ns < v.travel_ns) continue;
    v.open = v.commanded;
    v.closed = !v.commanded;
    EndMove(v, v.elapsed_ns);
  }
}

void PlcLine::EnterIdle() {
  state_ = PlcLineState::kIdle;
  motor_on_ = false;
  state_left_s_ = process_random_.Exponential(spec_.mean_idle_s);
}

void PlcLine::EnterSetup() {
  state_ = PlcLineState::kSetup;
  motor_on_ = false;
  state_left_s_ = process_random_.Exponential(spec_.mean_setup_s);
}

void PlcLine::EnterRunning(Timestamp time) {
  state_ = PlcLineState::kRunning;
  motor_on_ = true;
  motor_on_s_ = 0;
  motor_starts_.push_back(time);
  const int spread = spec_.max_cycles - spec_.min_cycles + 1;
  const auto choices = static_cast<std::uint64_t>(spread);
  cycles_left_ = spec_.min_cycles + static_cast<int>(process_random_.Bits() % choices);
  sequence_step_ = 0;
  awaiting_valve_ = false;
  dwell_left_ns_ = kSpinUpDwellNs;
}

// The PLC's safe state: motor off, every valve commanded closed.
void PlcLine::EnterFault(Timestamp time) {
  state_ = PlcLineState::kFault;
  motor_on_ = false;
  awaiting_valve_ = false;
  for (int i = 0; i < spec_.valves; ++i) Command(i, false, time);
  state_left_s_ = process_random_.Exponential(spec_.mean_repair_s);
}

// One production cycle opens valve 0, 1, ... n-1 and closes them in reverse, each step waiting for
// its limit switch and then dwelling while the process acts.
void PlcLine::StepRunning(Timestamp time) {
  const int n = spec_.valves;
  if (awaiting_valve_) {
    const int k = sequence_step_ - 1;
    const Valve& v = valves_[static_cast<std::size_t>(k < n ? k : 2 * n - 1 - k)];
    if (v.moving) {
      if (v.elapsed_ns > Nanos(spec_.valve_timeout_ms / 1000)) EnterFault(time);
      return;
    }
    awaiting_valve_ = false;
    dwell_left_ns_ = kActionDwellNs;
    return;
  }
  if (dwell_left_ns_ > 0) {
    dwell_left_ns_ -= spec_.interval_ns;
    if (dwell_left_ns_ > 0) return;
  }
  if (sequence_step_ == 2 * n) {
    if (--cycles_left_ == 0) {
      EnterIdle();
      return;
    }
    sequence_step_ = 0;
    dwell_left_ns_ = kCycleGapNs;
    return;
  }
  const int k = sequence_step_++;
  Command(k < n ? k : 2 * n - 1 - k, k < n, time);
  awaiting_valve_ = true;
}

// A seized bearing trips the motor at once; a dead valve shows as a timeout at its next move. Without
// a replacement (not modelled), a broken line cannot leave FAULT.
void PlcLine::StepProcess(Timestamp time) {
  const bool broken = Health() == HealthState::kBroken;
  if (bearing_damage_ >= 1 && state_ != PlcLineState::kFault) {
    EnterFault(time);
    return;
  }
  switch (state_) {
    case PlcLineState::kIdle:
      state_left_s_ -= dt_s_;
      if (state_left_s_ > 0) return;
      if (process_random_.Chance(spec_.setup_probability)) {
        EnterSetup();
      } else {
        EnterRunning(time);
      }
      return;
    case PlcLineState::kSetup:
      state_left_s_ -= dt_s_;
      if (state_left_s_ <= 0) EnterIdle();
      return;
    case PlcLineState::kRunning:
      StepRunning(time);
      return;
    case PlcLineState::kFault:
      state_left_s_ -= dt_s_;
      if (state_left_s_ > 0 || broken) return;
      // The repair frees a stuck valve by hand; one still travelling is left to arrive.
      for (Valve& v : valves_) {
        if (!v.moving || v.travel_ns >= 0) continue;
        EndMove(v, -1);
        v.open = v.commanded;
        v.closed = !v.commanded;
      }
      if (std::none_of(valves_.begin(), valves_.end(), [](const Valve& v) { return v.moving; })) EnterSetup();
      return;
  }
}

// A slow, mean-reverting load on the motor.
void PlcLine::StepLoad() {
  const double alpha = 1.0 - std::exp(-dt_s_ / kLoadTauS);
  load_ += (kLoadMean - load_) * alpha + kLoadNoisePerSqrtS * std::sqrt(dt_s_) * noise_random_.Normal();
  load_ = std::clamp(load_, 0.4, 1.0);
}

// Running current follows the load above the magnetising current; a start draws `inrush_factor`
// times rated, decaying toward it. A degraded phase carries more than the other two.
void PlcLine::WriteCurrents(PlcLineRecord& r) {
  std::array<double, 3> noise;
  for (double& x : noise) x = noise_random_.Normal();  // drawn whatever the state, for a stable stream
  if (!motor_on_) {
    for (int p = 0; p < 3; ++p) r.phase_current_a[p] = kCtNoiseA * std::abs(noise[p]);
    return;
  }
  const double rated = spec_.rated_current_a;
  const double running = rated * (kNoLoadCurrent + (1 - kNoLoadCurrent) * load_);
  const double start = spec_.inrush_factor * rated;
  const double current =
      running + std::max(0.0, start - running) * std::exp(-motor_on_s_ * 1000 / spec_.inrush_tau_ms);
  for (int p = 0; p < 3; ++p) {
    const double shift = p == spec_.weak_phase ? phase_degradation_ : 0.0;
    r.phase_current_a[p] = current * (1 + shift) * (1 + kCurrentNoise * noise[p]);
  }
}

double PlcLine::ShaftHz() const {
  if (!motor_on_) return 0;
  const double running = spec_.motor_speed_rpm / 60 * (1 + kSlipSwing * (kLoadMean - load_));
  return running * std::min(1.0, motor_on_s_ / kSpinUpS);
}

// The speed harmonics (unbalance, misalignment), outer-race impacts ringing the housing's resonance
// at the defect frequency, an inner-race defect modulated by the shaft once the damage is past half,
// and noise. The machine is taken as steady over the burst.
void PlcLine::CaptureBurst(Timestamp time) {
  PlcBurst b;
  b.start = time;
  b.sample_rate_hz = spec_.burst_rate_hz;
  b.motor_on = motor_on_;
  b.shaft_hz = ShaftHz();
  b.bpfo_hz = kBpfoRatio * b.shaft_hz;
  b.bearing_damage = bearing_damage_;
  const std::size_t n = static_cast<std::size_t>(std::llround(spec_.burst_length_s * spec_.burst_rate_hz));
  std::vector<double> a(n, 0.0);
  const double two_pi = 2 * std::numbers::pi;
  const double f = b.shaft_hz;
  const double d = bearing_damage_;
  const double rate = spec_.burst_rate_hz;
  const double phase1 = two_pi * burst_random_.Uniform(), phase2 = two_pi * burst_random_.Uniform();
  if (f > 0) {
    for (std::size_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / rate;
      a[i] += kUnbalanceG * (f / 25) * (f / 25) * std::sin(two_pi * f * t + phase1);
      a[i] += kMisalignmentG * std::sin(two_pi * 2 * f * t + phase2);
      a[i] += kBpfoToneG * d * std::sin(two_pi * b.bpfo_hz * t);
    }
    const auto ring = [&](double t0, double size) {
      const std::size_t first = static_cast<std::size_t>(std::ceil(t0 * rate));
      const std::size_t last = std::min(n, static_cast<std::size_t>((t0 + 6 * kRingTauS) * rate) + 1);
      for (std::size_t i = first; i < last; ++i) {
        const double s = static_cast<double>(i) / rate - t0;
        a[i] += size * std::exp(-s / kRingTauS) * std::sin(two_pi * kResonanceHz * s);
      }
    };
    const double length = static_cast<double>(n) / rate;
    if (d > 0) {
      const double offset = burst_random_.Uniform() / b.bpfo_hz;
      for (int k = 0; offset + k / b.bpfo_hz < length; ++k) {
        const double t = offset + k / b.bpfo_hz;
        ring(t + 0.01 / b.bpfo_hz * burst_random_.Normal(), kImpactG * d * burst_random_.Uniform(0.8, 1.2));
      }
    }
    if (d > 0.5) {
      const double bpfi = kBpfiRatio * f;
      const double first = burst_random_.Uniform() / bpfi;
      for (int k = 0; first + k / bpfi < length; ++k) {
        const double t = first + k / bpfi;
        const double load_zone = 0.5 * (1 + std::cos(two_pi * f * t + phase1));
        ring(t, kImpactG * (d - 0.5) * load_zone);
      }
    }
  }
  const double noise = f > 0 ? kNoiseG * (1 + d) : kStoppedNoiseG;
  b.samples.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    b.samples[i] = static_cast<float>(a[i] + noise * burst_random_.Normal());
  burst_ = std::move(b);
}

PlcLineRecord PlcLine::Next(Timestamp time) {
  const double now_s = static_cast<double>(now_ns_) / kNanosPerSecond;
  bearing_age_s_ = static_cast<double>(now_ns_ - bearing_since_ns_) / kNanosPerSecond;
  bearing_damage_ = std::min(1.0, (bearing_age_s_ / bearing_life_s_) * (bearing_age_s_ / bearing_life_s_));
  if (spec_.weak_phase >= 0 && now_s >= spec_.phase_fault_start_s) {
    const double ramp =
        spec_.phase_fault_ramp_s > 0 ? (now_s - spec_.phase_fault_start_s) / spec_.phase_fault_ramp_s : 1;
    phase_degradation_ = spec_.phase_shift * std::min(1.0, ramp);
  }

  StepValves();
  StepProcess(time);
  StepLoad();

  PlcLineRecord r;
  r.time = time;
  r.state = state_;
  r.motor_on = motor_on_;
  WriteCurrents(r);
  for (std::size_t i = 0; i < valves_.size(); ++i) {
    const Valve& v = valves_[i];
    const std::uint32_t bit = 1u << i;
    if (v.commanded) r.valve_commanded |= bit;
    if (v.open) r.valve_open |= bit;
    if (v.closed) r.valve_closed |= bit;
    r.valve_wear[i] = static_cast<float>(ValveWear(v));
  }
  r.phase_degradation = phase_degradation_;
  r.bearing_damage = bearing_damage_;
  r.health = Health();

  if (now_ns_ >= next_burst_ns_) {
    CaptureBurst(time);
    next_burst_ns_ += Nanos(spec_.burst_period_s);
  }
  if (motor_on_) motor_on_s_ += dt_s_;
  now_ns_ += spec_.interval_ns;
  return r;
}

std::optional<PlcBurst> PlcLine::TakeBurst() { return std::exchange(burst_, std::nullopt); }

std::vector<PlcValveMove> PlcLine::TakeValveMoves() { return std::exchange(moves_, {}); }

std::vector<Timestamp> PlcLine::TakeMotorStarts() { return std::exchange(motor_starts_, {}); }

}  // namespace mw::sim
