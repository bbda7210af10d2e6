// The calibration's simulations: many small runs, each on one thread, spread over a TBB arena.
// Each run is a pure function of (world, seed), so the thread count changes no result.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "cjsim/simulation.hpp"

namespace cjsim {

struct BatchTimer {
  std::atomic<std::int64_t> nanoseconds{0};  // summed over runs (all threads)
  std::atomic<std::int64_t> runs{0};
};

// Simulates worlds[k] with seeds[k] (replicate 0) and hands each run to use(k, run), called
// concurrently for different k. `options` gives what to record (threads is set to 1). An
// exception from a run or from `use` cancels the rest and propagates.
void simulate_each(const std::vector<ScenarioDef>& worlds, const std::vector<std::uint64_t>& seeds,
                   const RunOptions& options, int threads,
                   const std::function<void(std::size_t, RunResult&&)>& use, BatchTimer* timer);

}  // namespace cjsim
