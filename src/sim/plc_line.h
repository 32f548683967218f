// PlcLine: the twin of a small production line run by a PLC, step by step.
//
// The line has pneumatic valves, each with a command (open or closed) and two limit switches (open
// reached, closed reached), and a three-phase motor. Its PLC goes IDLE -> RUNNING (motor start, then
// production cycles: the valves open one after the other and close in reverse, each step waiting for
// its limit switch) -> IDLE, with an occasional SETUP instead of a run. A valve that misses its
// limit switch within the timeout, or a broken part, sends the line to FAULT (motor off, every valve
// commanded closed); after a repair the line goes through SETUP back to IDLE. A broken line stays in
// FAULT until Renew().
//
// Each Next() is one base interval (10 ms by default, so that valve travel and motor inrush are
// resolved; a coarser step still works, but quantises travel times to it and hides the inrush
// decay) and gives a record: the state, the valve bits, the motor contactor and the three phase
// currents (A RMS). A start draws several times the rated current, decaying over a few hundred ms;
// in running the phases are balanced unless one is configured to degrade. Every `burst_period_s` a
// vibration burst is captured (acceleration in g at `burst_rate_hz`, for `burst_length_s`): the
// running-speed harmonic and its second, bearing defect impacts that grow with the bearing's
// damage, and noise. TakeBurst() hands it over.
//
// Wear: each valve has a life in moves and the bearing a life in time, both Weibull. A valve's
// travel time lengthens with its wear, and a worn valve sometimes sticks (never reaches its limit
// switch); at the end of its life it always does. Wear, phase degradation, bearing damage and the
// health state are ground truth for tests; they are not published. So are the events from
// TakeValveMoves() and TakeMotorStarts(), which say what the analytics should find in the bits and
// currents; the owner drains them now and then, or they pile up.
//
// The model is deterministic: the same spec (seed included) gives the same records and bursts,
// whatever the wall clock. Time enters only as `interval_ns` and as the stamp passed to Next(). Not
// thread-safe: one owner at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "sim/health.h"
#include "sim/random.h"

namespace mw::sim {

constexpr int kPlcMaxValves = 16;

struct PlcLineSpec {
  int valves = 4;                                  // 1..kPlcMaxValves
  std::int64_t interval_ns = 10 * kNanosPerMilli;  // the base step

  // Valves.
  double valve_travel_ms = 120;        // command to limit switch, new valve
  double valve_jitter_ms = 5;          // standard deviation, per move
  double valve_timeout_ms = 600;       // the PLC faults when a limit switch takes longer
  double valve_mean_life_moves = 2e5;  // mean of the Weibull life, in moves; 0: no wear

  // Motor.
  double rated_current_a = 15;                // RMS per phase at full load
  double inrush_factor = 6;                   // start current over rated
  double inrush_tau_ms = 120;                 // decay of the start current
  double motor_speed_rpm = 1480;              // running speed
  int weak_phase = -1;                        // the phase that degrades, 0..2 (A, B, C); -1: none
  double phase_shift = 0.10;                  // how far its current rises once degraded (fraction)
  double phase_fault_start_s = 0;             // simulated time when it starts to degrade...
  double phase_fault_ramp_s = 0;              // ...and how long it takes to reach phase_shift
  double bearing_mean_life_s = 90 * 86400.0;  // mean of the Weibull life; 0: no wear
  double life_shape = 2.0;                    // Weibull shape of every life

  // Process.
  double mean_idle_s = 20;
  double setup_probability = 0.1;  // the chance that an idle spell ends in setup, not production
  double mean_setup_s = 120;
  double mean_repair_s = 300;
  int min_cycles = 3;  // production cycles per run
  int max_cycles = 25;

  // Vibration bursts.
  double burst_rate_hz = 10000;
  double burst_length_s = 0.2;
  double burst_period_s = 60;

  std::uint64_t seed = 1;
};

enum class PlcLineState : std::uint8_t { kIdle = 0, kRunning = 1, kSetup = 2, kFault = 3 };

std::string_view PlcLineStateName(PlcLineState state);  // "IDLE", "RUNNING", "SETUP", "FAULT"

struct PlcLineRecord {
  Timestamp time = 0;
  PlcLineState state = PlcLineState::kIdle;
  std::uint32_t valve_commanded = 0;        // bit i: valve i commanded open
  std::uint32_t valve_open = 0;             // bit i: valve i's open limit switch
  std::uint32_t valve_closed = 0;           // bit i: valve i's closed limit switch
  bool motor_on = false;                    // the contactor
  std::array<double, 3> phase_current_a{};  // A, B, C, RMS

  // Ground truth, not published.
  std::array<float, kPlcMaxValves> valve_wear{};  // 0..1, per valve
  double phase_degradation = 0;                   // the weak phase's current rise (fraction)
  double bearing_damage = 0;                      // 0..1
  HealthState health = HealthState::kHealthy;
};

struct PlcBurst {
  Timestamp start = 0;  // the stamp of the record at which it was captured; samples follow it
  double sample_rate_hz = 0;
  std::vector<float> samples;  // acceleration, g
  bool motor_on = false;

  // Ground truth, not published.
  double shaft_hz = 0;  // 0 when the motor is off
  double bpfo_hz = 0;   // the bearing's outer-race defect frequency at that speed
  double bearing_damage = 0;
};

// One valve move, from command to limit switch. Ground truth for tests.
struct PlcValveMove {
  int valve = 0;
  bool to_open = false;
  Timestamp commanded = 0;        // the stamp of the record whose command started it
  std::int64_t measured_ns = -1;  // command to limit switch, a whole number of steps; -1: never reached
  std::int64_t travel_ns = -1;    // the drawn travel time; -1: the valve stuck
  float wear = 0;                 // the valve's wear when commanded
};

class PlcLine {
 public:
  // `spec` must have 1 <= valves <= kPlcMaxValves, interval_ns > 0, positive times and rates,
  // 0 <= weak_phase <= 2 or -1, and 1 <= min_cycles <= max_cycles.
  explicit PlcLine(const PlcLineSpec& spec);

  // Advances the model by one interval and returns the record, stamped `time`.
  PlcLineRecord Next(Timestamp time);

  // The vibration burst captured by the last Next(), if one was due then (once per burst period).
  // A burst not taken before the next one is due is dropped.
  std::optional<PlcBurst> TakeBurst();
  // Valve moves that ended (reached, or abandoned) since the last call, in order.
  std::vector<PlcValveMove> TakeValveMoves();
  // Stamps of the motor starts since the last call.
  std::vector<Timestamp> TakeMotorStarts();

  // Maintenance: new valves and a new bearing (new lives drawn, wear 0); a line in FAULT goes
  // through SETUP back to IDLE. A configured phase degradation stays: it follows the spec's times.
  void Renew();

  const PlcLineSpec& spec() const { return spec_; }
  // Drawn lives, ground truth: the bearing's in seconds, a valve's in moves (infinite without wear),
  // and the bearing's age.
  double bearing_life_s() const { return bearing_life_s_; }
  double bearing_age_s() const { return bearing_age_s_; }
  double valve_life_moves(int valve) const { return valves_[static_cast<std::size_t>(valve)].life_moves; }

 private:
  struct Valve {
    double life_moves = 0;
    std::int64_t moves = 0;
    bool commanded = false;  // open
    bool open = false;       // limit switches
    bool closed = true;
    bool moving = false;
    std::int64_t elapsed_ns = 0;  // since the command
    std::int64_t travel_ns = 0;   // -1: stuck
    PlcValveMove move;
  };

  void DrawLives();
  double ValveWear(const Valve& v) const;
  HealthState Health() const;
  void Command(int valve, bool open, Timestamp time);
  void StepValves();
  void EndMove(Valve& v, std::int64_t measured_ns);
  void StepProcess(Timestamp time);
  void StepRunning(Timestamp time);
  void EnterIdle();
  void EnterSetup();
  void EnterRunning(Timestamp time);
  void EnterFault(Timestamp time);
  void StepLoad();
  void WriteCurrents(PlcLineRecord& r);
  double ShaftHz() const;
  void CaptureBurst(Timestamp time);

  PlcLineSpec spec_;
  double dt_s_;
  Random process_random_;  // state timers and run lengths
  Random valve_random_;    // travel times and sticking
  Random noise_random_;    // load and current noise
  Random burst_random_;    // vibration bursts
  Random life_random_;     // lives, so that a life leaves the signals' streams unchanged
  std::vector<Valve> valves_;
  double bearing_life_s_ = 0;
  std::int64_t bearing_since_ns_ = 0;  // model time the bearing went in
  double bearing_age_s_ = 0;           // at the last record

  std::int64_t now_ns_ = 0;  // model time
  PlcLineState state_ = PlcLineState::kIdle;
  double state_left_s_ = 0;  // until an idle, setup or repair ends
  int cycles_left_ = 0;
  int sequence_step_ = 0;  // of the valve sequence within a cycle: 0..2*valves
  bool awaiting_valve_ = false;
  std::int64_t dwell_left_ns_ = 0;

  bool motor_on_ = false;
  double motor_on_s_ = 0;  // since the last start
  double load_ = 0.75;     // 0..1, of the rated torque
  double phase_degradation_ = 0;
  double bearing_damage_ = 0;

  std::int64_t next_burst_ns_ = 0;
  std::optional<PlcBurst> burst_;
  std::vector<PlcValveMove> moves_;
  std::vector<Timestamp> motor_starts_;
};

}  // namespace mw::sim
