#include "calibration/runs.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <optional>

#include "base/parallel.hpp"

namespace cjsim {

void simulate_each(const std::vector<ScenarioDef>& worlds, const std::vector<std::uint64_t>& seeds,
                   const RunOptions& options, int threads,
                   const std::function<void(std::size_t, RunResult&&)>& use, BatchTimer* timer) {
  if (worlds.empty()) return;
  const int n = threads > 0 ? threads : tbb::info::default_concurrency();
  std::optional<tbb::global_control> allow;
  if (n > tbb::info::default_concurrency()) {
    allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
  }
  tbb::task_arena arena(n);
  arena.execute([&] {
    cjsim::parallel_for(
        tbb::blocked_range<std::size_t>(0, worlds.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t k = range.begin(); k != range.end(); ++k) {
            RunOptions o = options;
            o.threads = 1;
            o.replicate = 0;
            o.seed = seeds[k];
            const auto t0 = std::chrono::steady_clock::now();
            RunResult run = simulate(worlds[k], o);
            if (timer != nullptr) {
              timer->nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now() - t0)
                                        .count();
              ++timer->runs;
            }
            use(k, std::move(run));
          }
        },
        tbb::simple_partitioner());
  });
}

}  // namespace cjsim
