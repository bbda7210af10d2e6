// The one scheduler of many runs (cjsim/ensemble.hpp). Runs are the parallel work: `slots` runs
// at once, each simulated on `inner` threads, slots x inner <= the threads asked for. Each run
// is a pure function of (definition, replicate, seed), so neither the slot that runs it nor the
// order in which runs finish changes a bit.
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "base/parallel.hpp"
#include "cjsim/ensemble.hpp"
#include "cjsim/simulation.hpp"

namespace cjsim {

namespace {

// ThreadSanitizer's token for what is handed to libtbb (see RunPool::RunPool); unused otherwise.
[[maybe_unused]] char handed_over = 0;

// Thrown from a run's daily callback when the ensemble stops; never leaves this file.
struct Stopped {};

struct Shape {
  int slots = 1;  // runs at once
  int inner = 1;  // threads of each run
};

Shape shape_of(const EnsembleOptions& o) {
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  Shape s;
  s.inner = o.threads_per_run > 0 ? std::min(o.threads_per_run, threads) : threads;
  s.slots = std::max(1, threads / s.inner);
  return s;
}

}  // namespace

std::vector<RunPlan> replicate_plans(const std::vector<ScenarioDef>& defs, int replicates) {
  std::vector<RunPlan> plans;
  for (std::size_t d = 0; d < defs.size(); ++d) {
    for (int r = 0; r < replicates; ++r) {
      RunPlan plan;
      plan.def = &defs[d];
      plan.replicate = r;
      plan.id = d;
      plans.push_back(plan);
    }
  }
  return plans;
}

// What a run needs from its ensemble, whether it runs inline or in a pool.
struct RunPool::State {
  EnsembleOptions options;
  RunSink sink;
  Shape shape;

  mutable std::mutex mutex;  // the queue, the counters, the flags
  std::condition_variable work;
  std::deque<std::pair<std::size_t, RunPlan>> queue;  // (plan index, plan)
  std::size_t submitted = 0, done = 0;
  bool closed = false, stopped = false;
  std::exception_ptr error;
  std::mutex callbacks;  // progress and stop are never called twice at once

  std::optional<tbb::global_control> allow;
  std::optional<tbb::task_arena> arena;
  tbb::task_group group;
  // Set when TBB may start no worker thread at all (a caller's tbb::global_control of 1 is in
  // force: the most restrictive one wins): the slots then run on this thread of the pool's own.
  std::thread driver;
  bool joined = false;

  bool stopping() {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (stopped) return true;
    }
    if (!options.stop) return false;
    bool stop = false;
    {
      const std::lock_guard<std::mutex> lock(callbacks);
      stop = options.stop();
    }
    if (stop) halt();
    return stop;
  }

  void halt() {
    {
      const std::lock_guard<std::mutex> lock(mutex);
      stopped = true;
      closed = true;
      queue.clear();
    }
    work.notify_all();
  }

  // A run's finish is counted here, under the callbacks' lock, so each finished report sees its
  // own count and the last one sees runs_done == runs_total.
  void report(std::size_t index, const RunPlan& plan, int day, int days, bool finished) {
    const std::lock_guard<std::mutex> order(callbacks);
    EnsembleProgress p;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (finished) ++done;
      p.runs_done = done;
      p.runs_total = submitted;
    }
    if (!options.progress) return;
    p.index = index;
    p.plan = plan;
    p.day = day;
    p.days = days;
    p.finished = finished;
    options.progress(p);
  }

  // Runs one plan; throws Stopped when the ensemble stops first.
  void run(std::size_t index, const RunPlan& plan) {
    if (stopping()) throw Stopped{};
    const int days = plan.def->simulation.days;
    report(index, plan, 0, days, false);
    RunOptions ro;
    ro.threads = shape.inner;
    ro.replicate = plan.replicate;
    ro.seed = plan.seed ? plan.seed : options.seed;
    ro.customer_table = options.customer_table;
    ro.purchase_paths = options.purchase_paths;
    ro.touch_paths = plan.touch_paths;
    ro.progress = [&](const Progress& p) {
      if (stopping()) throw Stopped{};
      report(index, plan, p.day, p.days, false);
    };
    sink(plan, simulate(*plan.def, ro));
    report(index, plan, days, days, true);
  }

  // A pool worker: takes plans until the queue is closed and empty, or the pool stops.
  void slot() {
    while (true) {
      std::pair<std::size_t, RunPlan> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        work.wait(lock, [&] { return stopped || closed || !queue.empty(); });
        if (stopped || queue.empty()) return;
        task = queue.front();
        queue.pop_front();
      }
      try {
        run(task.first, task.second);
      } catch (const Stopped&) {
        return;
      } catch (...) {
        {
          const std::lock_guard<std::mutex> lock(mutex);
          if (!error) error = std::current_exception();
        }
        halt();
        return;
      }
    }
  }
};

RunPool::RunPool(EnsembleOptions options, RunSink sink) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.options = std::move(options);
  s.sink = std::move(sink);
  s.shape = shape_of(s.options);
  // One worker per slot, and the calling thread besides (TBB's default is one fewer than cores).
  // Not under ThreadSanitizer: changing TBB's global limit makes libtbb retire and start worker
  // threads, and its (uninstrumented) teardown reads and frees thread memory in a way TSan reports
  // as a race with both sides inside libtbb (test_ensemble, 2 runs in 3). Without the limit TBB
  // keeps its default workers; the slots are the arena's, so results are the same bits.
#ifndef CJSIM_TSAN
  s.allow.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(s.shape.slots * s.shape.inner + 1));
#endif
  // The slots are tasks for TBB's workers while the calling thread submits and waits. Where a
  // restrictive tbb::global_control elsewhere in the process leaves TBB no worker (an embedding
  // program, the result-file fuzz target), no slot would ever start: a thread of the pool's own
  // then enters the arena (its reserved place) and runs the slots itself.
  const bool no_workers =
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism) < 2;
  s.arena.emplace(s.shape.slots, no_workers ? 1 : 0);
  if (no_workers) {
    s.driver = std::thread([&s] {
      s.arena->execute([&s] {
        for (int k = 0; k < s.shape.slots; ++k) s.group.run([&s] { s.slot(); });
        s.group.wait();
      });
    });
    return;
  }
  // ThreadSanitizer cannot see libtbb's hand-overs (Debian's libtbb is not instrumented): the
  // arena may run a functor on a worker, and the slots run on workers. Each functor and slot
  // first acquires what was released before it was handed over (a fixed address, so that the
  // acquire reads no capture), and each slot releases what it did for join(). A functor is made
  // before the release that hands it over: the calling thread writes its captures.
  const auto start_slots = [&s] {
    tsan_acquire(&handed_over);
    for (int k = 0; k < s.shape.slots; ++k) {
      tsan_release(&handed_over);
      s.group.run([&s] {
        tsan_acquire(&handed_over);
        s.slot();
        tsan_release(&s.group);
      });
    }
    tsan_release(&handed_over);  // back to the caller, which reuses the functor's stack
  };
  tsan_release(&handed_over);
  s.arena->execute(start_slots);
  tsan_acquire(&handed_over);
}

RunPool::~RunPool() {
  stop();
  try {
    join();
  } catch (...) {  // the owner is leaving on an exception of its own already
  }
}

void RunPool::submit(const RunPlan& plan) {
  submit(std::vector<RunPlan>{plan});
}

void RunPool::submit(const std::vector<RunPlan>& plans) {
  {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->closed) return;
    for (const RunPlan& plan : plans) state_->queue.emplace_back(state_->submitted++, plan);
  }
  state_->work.notify_all();
}

std::size_t RunPool::queued() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->queue.size();
}

std::size_t RunPool::runs_done() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->done;
}

void RunPool::close() {
  {
    const std::lock_guard<std::mutex> lock(state_->mutex);
    state_->closed = true;
  }
  state_->work.notify_all();
}

void RunPool::stop() {
  state_->halt();
}

std::exception_ptr RunPool::error() const {
  const std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->error;
}

void RunPool::join() {
  State& s = *state_;
  if (!s.joined && s.driver.joinable()) {
    s.joined = true;
    s.driver.join();
  }
  if (!s.joined) {
    s.joined = true;
    const auto wait = [&s] {
      tsan_acquire(&handed_over);
      s.group.wait();
      tsan_release(&handed_over);
    };
    tsan_release(&handed_over);  // after the functor is made: the arena may run it on a worker
    s.arena->execute(wait);
    tsan_acquire(&handed_over);
    tsan_acquire(&s.group);
  }
  if (const std::exception_ptr e = error()) std::rethrow_exception(e);
}

std::size_t run_ensemble(const std::vector<RunPlan>& plans, const EnsembleOptions& options,
                         const RunSink& sink) {
  if (plans.empty()) return 0;
  if (shape_of(options).slots == 1 || plans.size() == 1) {
    // One run at a time: on this thread, in plan order, with all the threads for each run.
    RunPool::State s;
    s.options = options;
    s.sink = sink;
    s.shape = shape_of(s.options);
    s.submitted = plans.size();
    for (std::size_t k = 0; k < plans.size(); ++k) {
      try {
        s.run(k, plans[k]);
      } catch (const Stopped&) {
        break;
      }
    }
    return s.done;
  }
  RunPool pool(options, sink);
  pool.submit(plans);  // all at once: every progress report sees runs_total = plans.size()
  pool.close();
  pool.join();
  return pool.runs_done();
}

}  // namespace cjsim
