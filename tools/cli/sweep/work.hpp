// How one process computes sweep rows: rows in, finished row files out. Each row becomes R runs
// (row, replicate) on the engine's run pool (cjsim/ensemble.hpp); the run that completes a
// row's last replicate summarises the row and encodes its row file. Rows finish in any order
// and on any thread; their content depends only on the row (sweep.hpp).
//
// The coordinator (the main thread: it also talks MPI and writes files) adds rows and takes
// finished ones; the pool runs exactly `slots` simulations at a time, each on `inner` threads,
// with slots x inner <= the threads asked for. A first Ctrl-C stops the runs at their next day.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <vector>

#include "cjsim/ensemble.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim::cli {

struct FinishedRow {
  int row = 0;
  std::vector<char> bytes;  // the row file (encode_sweep_row)
};

class RowWorker {
 public:
  RowWorker(const SweepPlan& plan, int slots, int inner_threads, bool keep_runs);
  RowWorker(const RowWorker&) = delete;
  RowWorker& operator=(const RowWorker&) = delete;

  void add_row(int row);  // queues its R runs (dropped once stopped)
  int queued() const;     // runs not yet started
  void close();           // no more rows: the pool's threads leave when the queue is empty
  void abort();           // stop now: drop the queue, running runs stop at their next day
  std::vector<FinishedRow> take_finished();
  std::exception_ptr error() const;  // the first failure of a run
  int runs_done() const;
  // Sleeps until a row finishes or `timeout` passes.
  void wait(std::chrono::milliseconds timeout);
  // Waits for the pool's threads (after close() or abort()); a failure stays in error().
  void join();

 private:
  void complete(int row, RunResult&& run);

  const SweepPlan& plan_;
  const bool keep_runs_;
  mutable std::mutex mutex_;
  std::condition_variable events_;  // the coordinator waits for rows
  std::map<int, std::vector<RunDigest>> partial_;
  std::vector<FinishedRow> finished_;
  RunPool pool_;  // last: destroyed (stopped and joined) before the rest
};

}  // namespace cjsim::cli
