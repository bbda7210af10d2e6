// Running one simulation: a validated definition in, a RunResult out.
//
// The engine never prints. It reports progress through a callback (called on the calling
// thread, once per simulated day) and throws InputError / RuntimeError. Results are
// bit-identical for any thread count: see engine/README.md "Determinism".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "cjsim/errors.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

struct Progress {
  int day = 0;   // days completed
  int days = 0;  // horizon
};

// The most threads a run may use. Results never depend on the count, but beyond a few hundred
// threads TBB's bookkeeping outgrows the work: on the 100k-customer bench world 1,024 threads
// took 5x as long as 256, and 4,096 threads 100x (2 cores).
inline constexpr int kMaxThreads = 256;

struct RunOptions {
  int threads = 0;  // 0 = every core of this machine; more than cores is allowed, up to kMaxThreads
  int replicate = 0;                            // 0-based; keys the random streams with the seed
  std::optional<std::uint64_t> seed;            // overrides simulation.seed
  std::optional<std::uint64_t> trace_customer;  // record this customer's story
  bool customer_table = true;                   // keep the per-customer outcome table
  // Record every exposure and purchase of every customer (RunResult::touch_paths), for
  // attribution models. Off by default; when off it costs one untaken branch per exposed customer.
  bool touch_paths = false;
  // Record every purchase of every customer (RunResult::touch_paths then holds purchases only):
  // what an event log holds, for calibration. Implied by touch_paths.
  bool purchase_paths = false;
  std::function<void(const Progress&)> progress;
};

RunOptions default_run_options();

// Runs the scenario. Throws InputError if `def` fails check_scenario or would not fit in memory
// (estimate_memory, checked before anything is allocated), RuntimeError if memory runs out
// anyway.
RunResult simulate(const ScenarioDef& def, const RunOptions& options = default_run_options());

// Whether `customer` is in the holdout group of channel `channel` (ChannelDef::holdout) in the run
// keyed by (seed, replicate): the engine's own draw, for estimators outside it.
bool held_out(std::uint64_t seed, int replicate, int channel, std::uint64_t customer, double share);

// Memory a run of `def` needs, by the engine's own layout, and what this machine offers.
struct MemoryEstimate {
  std::uint64_t bytes = 0;         // total estimate
  std::uint64_t per_customer = 0;  // bytes of state per customer (hot + outcome columns)
  std::uint64_t available = 0;     // MemAvailable of this machine
  bool fits() const { return bytes <= available; }
};
MemoryEstimate estimate_memory(const ScenarioDef& def);
// Refusing a world that will not fit, before anything is allocated (build_scenario for files,
// simulate for definitions built in code): nothing when it fits, else the problem keyed
// "simulation.customers" with the estimate, its parts and what this machine has available in
// the message (no place yet).
std::optional<Diagnostic> memory_problem(const ScenarioDef& def);

// The names a run of `def` reports its results under (stages, segments, channels, edges, and
// what each channel reaches), without running it: what KPI definitions are made of.
Names run_names(const ScenarioDef& def);

// Bytes of per-customer state the daily step touches (hot columns), for the bench table.
std::uint64_t hot_bytes_per_customer();

}  // namespace cjsim
