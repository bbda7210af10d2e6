#include "sweep/work.hpp"

#include <algorithm>

#include "cjsim/sweep_io.hpp"
#include "common/progress.hpp"

namespace cjsim::cli {

namespace {

// Thrown from a simulation's daily callback when the sweep stops early.
struct Stopped {};

}  // namespace

// ---- WorkBoard ----------------------------------------------------------------------------------

void WorkBoard::add_row(int row) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (aborted_) return;
    for (int r = 0; r < replicates_; ++r) queue_.push_back({row, r});
  }
  work_.notify_all();
}

int WorkBoard::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

void WorkBoard::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  work_.notify_all();
}

void WorkBoard::abort() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_ = true;
    closed_ = true;
    queue_.clear();
  }
  work_.notify_all();
}

std::vector<FinishedRow> WorkBoard::take_finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<FinishedRow> out;
  out.swap(finished_);
  return out;
}

std::exception_ptr WorkBoard::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

int WorkBoard::runs_done() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return runs_done_;
}

void WorkBoard::wait(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  events_.wait_for(lock, timeout, [&] { return !finished_.empty() || error_ != nullptr; });
}

std::optional<WorkBoard::Task> WorkBoard::take() {
  std::unique_lock<std::mutex> lock(mutex_);
  work_.wait(lock, [&] { return aborted_ || closed_ || !queue_.empty(); });
  if (aborted_ || queue_.empty()) return std::nullopt;
  const Task task = queue_.front();
  queue_.pop_front();
  return task;
}

bool WorkBoard::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return aborted_;
}

std::optional<std::vector<RunDigest>> WorkBoard::complete(int row, RunDigest digest) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++runs_done_;
  std::vector<RunDigest>& runs = partial_[row];
  runs.push_back(std::move(digest));
  if (static_cast<int>(runs.size()) < replicates_) return std::nullopt;
  std::vector<RunDigest> all = std::move(runs);
  partial_.erase(row);
  return all;
}

void WorkBoard::finished(FinishedRow row) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_.push_back(std::move(row));
  }
  events_.notify_all();
}

void WorkBoard::failed(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = error;
    aborted_ = true;
    closed_ = true;
    queue_.clear();
  }
  work_.notify_all();
  events_.notify_all();
}

// ---- SlotPool -----------------------------------------------------------------------------------

SlotPool::SlotPool(const SweepPlan& plan, WorkBoard& board, int slots, int inner_threads,
                   bool keep_runs)
    : plan_(plan),
      board_(board),
      inner_(inner_threads),
      keep_runs_(keep_runs),
      allow_(tbb::global_control::max_allowed_parallelism,
             static_cast<std::size_t>(slots * inner_threads + 1)),
      arena_(slots, 0) {
  arena_.execute([&] {
    for (int s = 0; s < slots; ++s) group_.run([this] { slot(); });
  });
}

SlotPool::~SlotPool() {
  board_.abort();  // an early exit of the coordinator (an exception) must not wait for rows
  join();
}

void SlotPool::join() {
  if (joined_) return;
  joined_ = true;
  arena_.execute([&] { group_.wait(); });
}

void SlotPool::slot() {
  while (const std::optional<WorkBoard::Task> task = board_.take()) {
    try {
      RunDigest digest = run_sweep_replicate(plan_, task->row, task->replicate, inner_, keep_runs_,
                                             [&](const cjsim::Progress&) {
                                               if (board_.stopping()) throw Stopped{};
                                               if (interrupt_requested()) {
                                                 board_.abort();
                                                 throw Stopped{};
                                               }
                                             });
      if (auto all = board_.complete(task->row, std::move(digest))) {
        const SweepRowResult result = summarize_row(task->row, std::move(*all));
        board_.finished({task->row, encode_sweep_row(result, plan_)});
      }
    } catch (const Stopped&) {
      break;
    } catch (...) {
      board_.failed(std::current_exception());
      break;
    }
  }
}

}  // namespace cjsim::cli
