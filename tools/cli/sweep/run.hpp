// Running a sweep's missing rows: the coordinator loop of the writing process (the only process,
// or MPI rank 0). It hands rows out one at a time, in row order, to its own compute slots and to
// the other ranks as they ask (dynamic: a rank with big points simply asks less often), and
// saves each finished row the moment it arrives, so a kill loses at most the rows in flight.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "cjsim/sweep.hpp"
#include "cjsim/sweep_io.hpp"
#include "sweep/work.hpp"

namespace cjsim::cli {

struct SweepRunOptions {
  int slots = 1;  // simulations at a time in this process
  int inner = 1;  // threads per simulation
  bool keep_runs = false;
  bool quiet = false;
};

// The other processes of an MPI run, as rank 0 sees them. The base class is "none".
class Peers {
 public:
  virtual ~Peers() = default;
  virtual int workers() const { return 0; }
  // Handles the messages waiting: a rank asking for work gets next_row() (-1: none left), a
  // finished row goes to save(). Must not block.
  virtual void poll(const std::function<int()>& next_row,
                    const std::function<void(FinishedRow)>& save) {
    static_cast<void>(next_row);
    static_cast<void>(save);
  }
  virtual void stop_all() {}  // tell every rank to stop (Ctrl-C, a failure)
  // Lets every rank leave (after rank 0 has written the output, so that they sleep meanwhile
  // rather than spin in MPI_Finalize). Ends the job if a rank is still computing.
  virtual void release() {}
  virtual bool all_done() const { return true; }  // every rank has stopped and been released
  // A rank's failure: exit code (1 bad input, 2 runtime) and its message.
  virtual std::optional<std::pair<int, std::string>> failure() const { return std::nullopt; }
};

struct SweepOutcome {
  int saved = 0;             // rows saved by this run
  bool interrupted = false;  // Ctrl-C: stopped early, the saved rows stay for --resume
};

// Throws what a slot or a rank threw (after stopping everyone and saving what finished).
SweepOutcome run_rows(const SweepPlan& plan, SweepStore& store, const SweepRunOptions& options,
                      Peers& peers);

}  // namespace cjsim::cli
