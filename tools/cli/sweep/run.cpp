#include "sweep/run.hpp"

#include <fmt/format.h>

#include "cjsim/errors.hpp"
#include "common/progress.hpp"

namespace cjsim::cli {

SweepOutcome run_rows(const SweepPlan& plan, SweepStore& store, const SweepRunOptions& options,
                      Peers& peers) {
  const std::vector<int> missing = store.missing_rows();
  const auto total = missing.size();
  const auto R = static_cast<std::size_t>(plan.replicates);
  std::size_t next = 0;  // missing[next] is the next row to hand out
  SweepOutcome outcome;
  std::size_t saved_remote = 0;

  RowWorker board(plan, options.slots, options.inner, options.keep_runs);
  Progress progress(fmt::format("sweep {} rows x {} replicates", total, plan.replicates) +
                        (peers.workers() ? fmt::format(" on {} ranks", peers.workers() + 1) : ""),
                    options.quiet);

  bool stopping = false;
  std::exception_ptr local_error;
  std::optional<std::pair<int, std::string>> remote_error;
  auto next_row = [&]() -> int {
    if (stopping || next == total) return -1;
    return missing[next++];
  };
  auto save_local = [&] {
    for (FinishedRow& f : board.take_finished()) {
      store.save_row(f.row, f.bytes);
      ++outcome.saved;
    }
  };
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    board.abort();
    peers.stop_all();
  };

  // A failure of this process (a full disk) must still release the other ranks, or they would
  // wait for rows forever: stop them, drain them, then let the failure go on.
  auto release_peers = [&] {
    stop();
    while (!peers.all_done()) {
      try {
        peers.poll(next_row, [](const FinishedRow&) {});
      } catch (...) {
        return;
      }
      board.wait(std::chrono::milliseconds(2));
    }
  };
  try {
    while (true) {
      if (!stopping) {
        while (next < total && board.queued() < options.slots) board.add_row(next_row());
        if (next == total) board.close();
      }
      save_local();
      peers.poll(next_row, [&](FinishedRow f) {
        store.save_row(f.row, f.bytes);
        ++outcome.saved;
        ++saved_remote;
      });
      if (!local_error && (local_error = board.error())) stop();
      if (!remote_error && (remote_error = peers.failure())) stop();
      if (!stopping && interrupt_requested()) {
        outcome.interrupted = true;
        stop();
      }
      const bool all_saved = static_cast<std::size_t>(outcome.saved) == total;
      if ((all_saved || stopping) && peers.all_done()) break;
      if (total > 0) {
        const double runs =
            static_cast<double>(board.runs_done()) + static_cast<double>(saved_remote * R);
        progress.update(std::min(1.0, runs / static_cast<double>(total * R)),
                        fmt::format("rows {}/{}", outcome.saved, total));
      }
      board.wait(std::chrono::milliseconds(peers.workers() ? 2 : 100));
    }
  } catch (...) {
    release_peers();
    throw;
  }
  board.join();
  if (!local_error) local_error = board.error();
  save_local();  // rows that completed while the others stopped are as good as any
  if (local_error) std::rethrow_exception(local_error);
  if (remote_error) {
    if (remote_error->first == 1) throw InputError({"mpi", 0, 0}, "", remote_error->second, "");
    throw RuntimeError(remote_error->second);
  }
  progress.done(outcome.interrupted
                    ? fmt::format("stopped: {} rows saved", outcome.saved)
                    : fmt::format("{} rows saved, {} runs", outcome.saved, total * R));
  return outcome;
}

}  // namespace cjsim::cli
