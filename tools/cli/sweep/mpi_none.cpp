// The MPI part of cjsim sweep for builds without Open MPI or Boost.MPI: the program runs alone,
// and refuses to be started on several ranks (each would run the whole sweep).
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "cjsim/errors.hpp"
#include "sweep/mpi.hpp"

namespace cjsim::cli {

struct MpiSession::Impl {};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::unique_ptr<MpiSession> MpiSession::start_if_launched() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (size == nullptr) size = std::getenv("PMI_SIZE");
  if (launched_by_mpi() && size != nullptr && std::string(size) != "1") {
    throw InputError({"mpirun", 0, 0}, "",
                     "this cjsim was built without MPI, so its ranks cannot share a sweep",
                     "install libopenmpi-dev and libboost-mpi-dev (tools/setup) and rebuild, or "
                     "run cjsim sweep without mpirun");
  }
  return nullptr;
}

MpiSession::MpiSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MpiSession::~MpiSession() = default;
int MpiSession::rank() const {
  return 0;
}
int MpiSession::size() const {
  return 1;
}
int MpiSession::local_size() const {
  return 1;
}
std::string MpiSession::broadcast(const std::string& from_root) {
  return from_root;
}
int MpiSession::broadcast(int from_root) {
  return from_root;
}
std::unique_ptr<Peers> MpiSession::root_peers() {
  return std::make_unique<Peers>();
}
void MpiSession::work(const SweepPlan&, const SweepRunOptions&) {}
void MpiSession::abort(int code) {
  std::_Exit(code);
}

}  // namespace cjsim::cli
