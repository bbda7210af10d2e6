// The calibration's simulations: many small runs, one world and one seed each, through the one
// scheduler of many runs (cjsim/ensemble.hpp), one thread per run. Each run is a pure function
// of (world, seed), so the thread count changes no result.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "cjsim/simulation.hpp"

namespace cjsim {

struct BatchTimer {
  std::atomic<std::int64_t> nanoseconds{0};  // the runs' own clocks (Profile::total), summed
  std::atomic<std::int64_t> runs{0};
};

// Simulates worlds[k] with seeds[k] (replicate 0) and hands each run to use(k, run), called
// concurrently for different k. `options` gives what to record (customer_table, purchase_paths);
// its threads, replicate and seed are not used. An exception from a run or from `use` stops
// the rest and propagates.
void simulate_each(const std::vector<ScenarioDef>& worlds, const std::vector<std::uint64_t>& seeds,
                   const RunOptions& options, int threads,
                   const std::function<void(std::size_t, RunResult&&)>& use, BatchTimer* timer);

}  // namespace cjsim
