// Many runs on common random numbers, spread over threads: each run is simulated on one thread
// (no oversubscription: the runs themselves are the parallel work), and each (definition,
// replicate) is a pure function of its inputs, so the thread count never changes a result.
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <mutex>

#include "base/parallel.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/value.hpp"

namespace cjsim {

void run_crn(const std::vector<ScenarioDef>& defs, int replicates, const CrnOptions& options,
             const std::function<void(std::size_t, int, RunResult&&)>& use,
             const std::vector<bool>& touch_paths) {
  const auto reps = static_cast<std::size_t>(std::max(replicates, 0));
  const std::size_t total = defs.size() * reps;
  if (total == 0) return;
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  std::optional<tbb::global_control> allow;
  if (threads > tbb::info::default_concurrency()) {
    allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  }
  std::mutex progress_mutex;
  std::size_t done = 0;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    cjsim::parallel_for(
        tbb::blocked_range<std::size_t>(0, total, 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t t = range.begin(); t != range.end(); ++t) {
            const std::size_t d = t / reps;
            RunOptions ro;
            ro.threads = 1;
            ro.replicate = static_cast<int>(t % reps);
            ro.seed = options.seed;
            ro.customer_table = options.customer_table;
            ro.touch_paths = d < touch_paths.size() && touch_paths[d];
            use(d, ro.replicate, simulate(defs[d], ro));
            if (options.progress) {
              const std::lock_guard<std::mutex> lock(progress_mutex);
              options.progress(++done, total);
            }
          }
        },
        tbb::simple_partitioner());
  });
}

}  // namespace cjsim
