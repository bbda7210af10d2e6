// How one process computes sweep rows: a work board (rows in, finished row files out) shared by
// the coordinating thread and a pool of compute slots on oneTBB threads.
//
// The coordinator (the main thread: it also talks MPI and writes files) puts rows on the board;
// each row becomes R tasks (row, replicate). A slot takes tasks, simulates, and the slot that
// completes a row's last replicate summarises the row and encodes its row file. Rows finish in
// any order and on any slot; their content depends only on the row (sweep.hpp).
//
// No oversubscription: the pool runs exactly `slots` simulations at a time, each on `inner`
// threads, with slots x inner <= the threads asked for; the coordinator only waits and writes.
#pragma once

#include <tbb/global_control.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "cjsim/sweep.hpp"

namespace cjsim::cli {

struct FinishedRow {
  int row = 0;
  std::vector<char> bytes;  // the row file (encode_sweep_row)
};

class WorkBoard {
 public:
  explicit WorkBoard(int replicates) : replicates_(replicates) {}

  // ---- coordinator side ----
  void add_row(int row);  // queues its R tasks
  int queued() const;     // tasks not yet taken by a slot
  void close();           // no more rows: slots leave when the queue is empty
  void abort();           // stop now: drop the queue, running runs stop early
  std::vector<FinishedRow> take_finished();
  std::exception_ptr error() const;  // the first failure of a slot
  int runs_done() const;
  // Sleeps until a row finishes, a slot fails or leaves, or `timeout` passes.
  void wait(std::chrono::milliseconds timeout);

  // ---- slot side ----
  struct Task {
    int row = 0;
    int replicate = 0;
  };
  std::optional<Task> take();  // blocks; nothing when closed and drained, or aborted
  bool stopping() const;       // aborted: a running simulation should stop
  // Stores a finished run; when it completes its row, returns the row's digests.
  std::optional<std::vector<RunDigest>> complete(int row, RunDigest digest);
  void finished(FinishedRow row);
  void failed(std::exception_ptr error);

 private:
  const int replicates_;
  mutable std::mutex mutex_;
  std::condition_variable work_;    // slots wait for tasks
  std::condition_variable events_;  // the coordinator waits for results
  std::deque<Task> queue_;
  std::map<int, std::vector<RunDigest>> partial_;
  std::vector<FinishedRow> finished_;
  std::exception_ptr error_;
  bool closed_ = false;
  bool aborted_ = false;
  int runs_done_ = 0;
};

// `slots` compute slots on oneTBB worker threads, running until the board is closed and
// drained, or aborted. join() waits for them; the destructor aborts the board and joins.
class SlotPool {
 public:
  SlotPool(const SweepPlan& plan, WorkBoard& board, int slots, int inner_threads, bool keep_runs);
  ~SlotPool();
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;
  void join();

 private:
  void slot();

  const SweepPlan& plan_;
  WorkBoard& board_;
  const int inner_;
  const bool keep_runs_;
  // Every slot needs a worker thread of its own while the main thread coordinates: allow one
  // worker per slot (TBB's default is one fewer than the cores).
  tbb::global_control allow_;
  tbb::task_arena arena_;
  tbb::task_group group_;
  bool joined_ = false;
};

}  // namespace cjsim::cli
