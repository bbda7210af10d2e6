// Sweeps on many machines: Open MPI through Boost.MPI. Started only when the process was
// launched by mpirun or srun (their environment says so), so the same binary runs alone as
// before, without initialising MPI. docs: tools/SWEEP.md ("On a cluster").
//
// Protocol (rank 0 writes; every other rank computes):
//   worker -> 0  REQUEST          "give me a row"        0 -> worker  ASSIGN row (-1: none left)
//   worker -> 0  RESULT row+bytes a finished row file    0 -> worker  STOP  (Ctrl-C or a failure)
//   worker -> 0  FAILED message   its error              0 -> worker  FINISH (all DONE, output
//   worker -> 0  DONE             it computes no more                         written)
// A worker keeps one request in flight and asks again when its slots run short of tasks, so
// rows go to whichever rank is free. A worker leaves only after FINISH: nothing is ever sent to
// a rank that has finalised MPI, and the workers sleep (not spin in MPI_Finalize) while rank 0
// assembles the output.
#pragma once

#include <memory>
#include <string>

#include "cjsim/sweep.hpp"
#include "sweep/run.hpp"

namespace cjsim::cli {

class MpiSession {
 public:
  // Nothing when not launched by mpirun/srun. Throws InputError when launched on several ranks
  // by a cjsim built without MPI (each rank would run the whole sweep).
  static std::unique_ptr<MpiSession> start_if_launched();
  ~MpiSession();  // finalises MPI
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const;
  int size() const;
  int local_size() const;  // ranks on this node

  std::string broadcast(const std::string& from_root);
  int broadcast(int from_root);

  std::unique_ptr<Peers> root_peers();  // rank 0: the workers
  // A worker's part of the sweep: rows from rank 0, computed here, sent back. Returns when rank
  // 0 releases it; its own failures are sent to rank 0 (which reports them), not thrown.
  void work(const SweepPlan& plan, const SweepRunOptions& options);
  // Ends every rank now (a failure rank 0 cannot recover from): the saved rows stay.
  [[noreturn]] void abort(int code);

  struct Impl;

 private:
  explicit MpiSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True when mpirun or srun started this process (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK).
bool launched_by_mpi();

}  // namespace cjsim::cli
