// Many runs: a list of run plans (which definition, which replicate) executed by one scheduler,
// each finished run handed to a sink. `cjsim run`, `value`, `optimize`, `sweep` and `bench` all
// run through it, and so do calibration's and forecast's thousands of small runs.
//
// Common random numbers: a run is a pure function of (definition, replicate, seed). Replicate r
// of every definition draws from the same random streams, so the difference between two
// definitions at the same replicate is paired and most of the noise cancels (statistics.hpp's
// paired_difference). No bit depends on the thread count or on which runs share the machine.
//
// Scheduling: `threads` in all, `threads_per_run` for each run, so threads / threads_per_run
// runs at once (at least one), started in plan order. One run at a time runs on the calling
// thread, plan after plan; more run on oneTBB workers and finish in any order.
//
//   std::vector<ScenarioDef> defs = {with_search, without_search};
//   std::vector<double> revenue(2 * 10);
//   run_ensemble(replicate_plans(defs, 10), {}, [&](const RunPlan& p, RunResult&& run) {
//     // any thread
//     const auto& d = run.daily.revenue;
//     revenue[p.id * 10 + p.replicate] = std::accumulate(d.begin(), d.end(), 0.0);
//   });
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

class ResultWriter;  // cjsim/hdf5_io.hpp

struct RunPlan {
  const ScenarioDef* def = nullptr;  // must outlive the run
  int replicate = 0;                 // 0-based; keys the random streams with the seed
  std::size_t id = 0;                // the caller's: which definition, variant or sweep row
  bool touch_paths = false;          // record touch paths (RunOptions::touch_paths)
  // This run's own seed (calibration: one world per particle, each with its own stream);
  // overrides EnsembleOptions::seed and simulation.seed.
  std::optional<std::uint64_t> seed;
};

// Every definition x replicates 0..R-1, definition by definition: id = the definition's index.
std::vector<RunPlan> replicate_plans(const std::vector<ScenarioDef>& defs, int replicates);

struct EnsembleProgress {
  std::size_t index = 0;  // which run: its place in the plans (for a pool: in submission order)
  RunPlan plan;           // and its plan
  int day = 0;            // days it has simulated: 0 when it starts
  int days = 0;           // its horizon
  bool finished = false;  // the run is done and the sink has had it
  // Runs finished so far, this one included when finished: each finished report sees a count of
  // its own, the last one runs_total.
  std::size_t runs_done = 0;
  std::size_t runs_total = 0;  // runs planned (for a pool: submitted so far)
};

struct EnsembleOptions {
  int threads = 0;                    // all threads (0 = every core)
  int threads_per_run = 1;            // each run's own (0 = all of `threads`: one run at a time)
  std::optional<std::uint64_t> seed;  // overrides simulation.seed of every definition
  bool customer_table = true;         // keep each run's per-customer outcome table
  bool purchase_paths = false;        // record every purchase (RunOptions::purchase_paths)
  // When a run starts, after each of its days and when it is finished; from any thread but never
  // two calls at once. May throw (Ctrl-C): no run starts any more, running runs stop at their
  // next day, and the exception comes out of run_ensemble / RunPool::join.
  std::function<void(const EnsembleProgress&)> progress;
  // Asked when a run starts and after each day: true stops the ensemble quietly (no run starts
  // any more, running runs are abandoned at their next day, nothing is thrown).
  std::function<bool()> stop;
};

// Receives each finished run. Called from the thread that ran it: with several runs at once,
// from several threads at once (for different plans).
using RunSink = std::function<void(const RunPlan&, RunResult&&)>;

// Runs every plan and hands each result to `sink`. Returns the number of runs finished (fewer
// than planned only when options.stop said so). The first exception (simulate's InputError, the
// sink's, progress's) stops the others and is rethrown.
std::size_t run_ensemble(const std::vector<RunPlan>& plans, const EnsembleOptions& options,
                         const RunSink& sink);

// An ensemble whose plans arrive while it runs (a sweep handing rows out over MPI, a server):
// threads / threads_per_run runs at once on oneTBB workers, taking submitted plans in order.
class RunPool {
 public:
  RunPool(EnsembleOptions options, RunSink sink);
  // Stops and waits (never throws): a caller leaving early does not wait for queued runs.
  ~RunPool();
  RunPool(const RunPool&) = delete;
  RunPool& operator=(const RunPool&) = delete;

  void submit(const RunPlan& plan);
  void submit(const std::vector<RunPlan>& plans);  // together: no run starts before all are in
  std::size_t queued() const;                      // submitted, not yet started
  std::size_t runs_done() const;                   // finished and handed to the sink
  void close();                      // no more plans: workers leave once the queue is empty
  void stop();                       // drop the queue; running runs stop at their next day
  std::exception_ptr error() const;  // the first failure so far (the pool stopped on it)
  // Waits for every worker to leave (after close() or stop()); rethrows the first failure.
  void join();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// --- variants x replicates -> KPIs -> result file -> summaries (cjsim run, cjsim bench) -----

struct VariantRuns {
  std::string name, description;
  const ScenarioDef* def = nullptr;
  int replicates = 1;
  bool touch_paths = false;
  // When set: each replicate also runs this definition (the same world with every budget at 0;
  // cjsim run --incremental) on the same random numbers, and the run's KPIs add what marketing
  // added (compute_kpis's zero_spend). Those runs go to no file and to no on_run; their plans'
  // id is variants.size() + the variant's index.
  const ScenarioDef* zero_spend = nullptr;
};

// Runs every variant's replicates (plans variant by variant), computes each run's KPIs and, per
// variant, their summary over the replicates (in replicate order). When `writer` is given, each
// run goes to it as it finishes and each summary after its variant's last run: in plan order
// when one run at a time, else in the order runs finish (the file does not depend on it).
// `on_run` (optional) sees each run with its KPIs, never two calls at once. Returns one summary
// per variant (empty for a variant options.stop left unfinished).
std::vector<KpiSummary> run_variants(
    const std::vector<VariantRuns>& variants, const EnsembleOptions& options, ResultWriter* writer,
    const std::function<void(const RunPlan&, const RunResult&, const KpiTable&)>& on_run = {});

}  // namespace cjsim
