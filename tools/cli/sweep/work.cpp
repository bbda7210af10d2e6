#include "sweep/work.hpp"

#include "cjsim/sweep_io.hpp"
#include "common/progress.hpp"

namespace cjsim::cli {

namespace {

EnsembleOptions pool_options(const SweepPlan& plan, int slots, int inner_threads) {
  EnsembleOptions o;
  o.threads = slots * inner_threads;
  o.threads_per_run = inner_threads;
  o.seed = plan.seed_override;
  o.customer_table = true;  // most KPIs are per-customer reductions
  o.stop = [] { return interrupt_requested(); };
  return o;
}

}  // namespace

RowWorker::RowWorker(const SweepPlan& plan, int slots, int inner_threads, bool keep_runs)
    : plan_(plan),
      keep_runs_(keep_runs),
      pool_(pool_options(plan, slots, inner_threads), [this](const RunPlan& p, RunResult&& run) {
        complete(static_cast<int>(p.id), std::move(run));
      }) {}

void RowWorker::add_row(int row) {
  const ScenarioDef* def = &plan_.rows.at(static_cast<std::size_t>(row)).def;
  for (int r = 0; r < plan_.replicates; ++r) {
    pool_.submit({def, r, static_cast<std::size_t>(row), false, std::nullopt});
  }
}

int RowWorker::queued() const {
  return static_cast<int>(pool_.queued());
}

void RowWorker::close() {
  pool_.close();
}

void RowWorker::abort() {
  pool_.stop();
}

std::vector<FinishedRow> RowWorker::take_finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<FinishedRow> out;
  out.swap(finished_);
  return out;
}

std::exception_ptr RowWorker::error() const {
  return pool_.error();
}

int RowWorker::runs_done() const {
  return static_cast<int>(pool_.runs_done());
}

void RowWorker::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_.wait_for(lock, timeout, [&] { return !finished_.empty() || pool_.error() != nullptr; });
}

void RowWorker::join() {
  try {
    pool_.join();
  } catch (...) {  // kept in error()
  }
}

// On a pool thread: the run's digest; the run completing its row summarises and encodes it.
void RowWorker::complete(int row, RunResult&& run) {
  RunDigest digest = digest_run(std::move(run), keep_runs_);
  std::vector<RunDigest> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<RunDigest>& runs = partial_[row];
    runs.push_back(std::move(digest));
    if (static_cast<int>(runs.size()) < plan_.replicates) return;
    all = std::move(runs);
    partial_.erase(row);
  }
  const SweepRowResult result = summarize_row(row, std::move(all));
  FinishedRow finished{row, encode_sweep_row(result, plan_)};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.push_back(std::move(finished));
  }
  events_.notify_all();
}

}  // namespace cjsim::cli
