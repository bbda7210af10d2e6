// One bench measurement, taken in a child process so that its peak memory is its own: the
// child loads the bench world at the given size, simulates it, writes the HDF5 file, and
// reports its timings through a pipe; the parent reads them and the child's peak RSS (wait4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cjsim/results.hpp"

namespace cjsim::cli {

struct BenchCase {
  std::string scenario_path;
  std::vector<std::string> overrides;  // --set given to bench, then customers, replicates
  std::uint64_t customers = 0;
  int threads = 1;
  std::string output;  // HDF5 file the child writes (removed by the parent afterwards)
  bool show_progress = true;
  // Many small runs (the calibration workload): `runs` replicates of the world at `customers`
  // through the ensemble layer (run_variants: each run on one thread, runs spread over `threads`),
  // KPIs of every run and their summary, no file. 0: one run written to `output`.
  int runs = 0;
};

struct BenchResult {
  std::uint64_t customers = 0;
  int days = 0;
  int threads = 1;
  int runs = 1;            // runs in the case (BenchCase::runs, or 1)
  double sim_seconds = 0;  // simulate() alone (the engine's own clock); many small runs: as run
  double run_seconds = 0;  // simulate + KPIs + HDF5 file written and renamed; many small runs:
                           // every run's set-up, simulation and KPIs, and the summary
  Profile profile;         // per phase of the day
  std::uint64_t peak_rss_bytes = 0;
  double customer_days() const { return static_cast<double>(customers) * days * runs; }
  double runs_per_minute() const { return 60.0 * runs / run_seconds; }
};

// Runs `c` in a child process. Throws RuntimeError when the child fails (its message included).
BenchResult measure(const BenchCase& c);

}  // namespace cjsim::cli
