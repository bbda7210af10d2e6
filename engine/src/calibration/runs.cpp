#include "calibration/runs.hpp"

#include <cmath>

#include "cjsim/ensemble.hpp"

namespace cjsim {

void simulate_each(const std::vector<ScenarioDef>& worlds, const std::vector<std::uint64_t>& seeds,
                   const RunOptions& options, int threads,
                   const std::function<void(std::size_t, RunResult&&)>& use, BatchTimer* timer) {
  std::vector<RunPlan> plans(worlds.size());
  for (std::size_t k = 0; k < worlds.size(); ++k) {
    plans[k].def = &worlds[k];
    plans[k].id = k;
    plans[k].seed = seeds[k];
  }
  EnsembleOptions eo;
  eo.threads = threads;
  eo.threads_per_run = 1;  // small runs: many at once beat one run on many threads
  eo.customer_table = options.customer_table;
  eo.purchase_paths = options.purchase_paths;
  run_ensemble(plans, eo, [&](const RunPlan& plan, RunResult&& run) {
    if (timer != nullptr) {
      timer->nanoseconds += std::llround(run.profile.total * 1e9);
      ++timer->runs;
    }
    use(plan.id, std::move(run));
  });
}

}  // namespace cjsim
