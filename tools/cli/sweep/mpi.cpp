#include "sweep/mpi.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "cjsim/errors.hpp"
#include "common/progress.hpp"
#include "sweep/work.hpp"

namespace cjsim::cli {

namespace mpi = boost::mpi;

namespace {

enum Tag : int { kRequest = 1, kAssign, kResult, kFailed, kDone, kStop, kFinish };

// A row file travels with its row number in front.
std::vector<char> pack(const FinishedRow& f) {
  std::vector<char> out(sizeof(std::int32_t) + f.bytes.size());
  const auto row = static_cast<std::int32_t>(f.row);
  std::memcpy(out.data(), &row, sizeof row);
  std::memcpy(out.data() + sizeof row, f.bytes.data(), f.bytes.size());
  return out;
}

FinishedRow unpack(const std::vector<char>& in) {
  FinishedRow f;
  std::int32_t row = 0;
  if (in.size() < sizeof row) throw RuntimeError("a rank sent an empty row");
  std::memcpy(&row, in.data(), sizeof row);
  f.row = row;
  f.bytes.assign(in.begin() + sizeof row, in.end());
  return f;
}

// "1|message" (bad input) or "2|message" (runtime failure): what a worker's exception means.
std::string describe_failure(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    std::string text;
    for (const Diagnostic& d : e.diagnostics())
      text += (text.empty() ? "" : "\n") + format_diagnostic(d);
    return "1|" + text;
  } catch (const std::exception& e) {
    return std::string("2|") + e.what();
  } catch (...) {
    return "2|unknown error";
  }
}

class RootPeers : public Peers {
 public:
  explicit RootPeers(mpi::communicator& world)
      : world_(world), done_(static_cast<std::size_t>(world.size()), false) {
    done_[0] = true;
  }

  int workers() const override { return world_.size() - 1; }

  void poll(const std::function<int()>& next_row,
            const std::function<void(FinishedRow)>& save) override {
    while (const auto status = world_.iprobe(mpi::any_source, mpi::any_tag)) {
      const int from = status->source();
      switch (status->tag()) {
        case kRequest: {
          int unused = 0;
          world_.recv(from, kRequest, unused);
          world_.send(from, kAssign, stopped_ ? -1 : next_row());
          break;
        }
        case kResult: {
          std::vector<char> bytes;
          world_.recv(from, kResult, bytes);
          save(unpack(bytes));
          break;
        }
        case kFailed: {
          std::string text;
          world_.recv(from, kFailed, text);
          if (!failure_) {
            const int code = text.rfind("1|", 0) == 0 ? 1 : 2;
            failure_ = std::make_pair(code, fmt::format("rank {}: {}", from, text.substr(2)));
          }
          break;
        }
        case kDone: {
          int unused = 0;
          world_.recv(from, kDone, unused);
          done_[static_cast<std::size_t>(from)] = true;
          break;
        }
        default: {
          int unused = 0;
          world_.recv(from, status->tag(), unused);
          break;
        }
      }
    }
  }

  void stop_all() override {
    if (stopped_) return;
    stopped_ = true;
    for (int w = 1; w < world_.size(); ++w) {
      if (!done_[static_cast<std::size_t>(w)]) world_.send(w, kStop, 0);
    }
  }

  void release() override {
    if (!all_done()) mpi::environment::abort(2);  // a rank would wait for rows forever
    for (int w = 1; w < world_.size(); ++w) world_.send(w, kFinish, 0);
  }

  bool all_done() const override {
    for (bool d : done_) {
      if (!d) return false;
    }
    return true;
  }

  std::optional<std::pair<int, std::string>> failure() const override { return failure_; }

 private:
  mpi::communicator& world_;
  std::vector<bool> done_;
  bool stopped_ = false;
  std::optional<std::pair<int, std::string>> failure_;
};

}  // namespace

struct MpiSession::Impl {
  // abort_on_exception = false: an input error on rank 0 is reported and the ranks end
  // normally; aborting is for abort().
  mpi::environment env{mpi::threading::funneled, false};
  mpi::communicator world;
};

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

std::unique_ptr<MpiSession> MpiSession::start_if_launched() {
  if (!launched_by_mpi()) return nullptr;
  return std::unique_ptr<MpiSession>(new MpiSession(std::make_unique<Impl>()));
}

MpiSession::MpiSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MpiSession::~MpiSession() = default;

int MpiSession::rank() const {
  return impl_->world.rank();
}
int MpiSession::size() const {
  return impl_->world.size();
}

int MpiSession::local_size() const {
  MPI_Comm local;
  MPI_Comm_split_type(impl_->world, MPI_COMM_TYPE_SHARED, impl_->world.rank(), MPI_INFO_NULL,
                      &local);
  int n = 1;
  MPI_Comm_size(local, &n);
  MPI_Comm_free(&local);
  return n;
}

std::string MpiSession::broadcast(const std::string& from_root) {
  std::string value = from_root;
  mpi::broadcast(impl_->world, value, 0);
  return value;
}

int MpiSession::broadcast(int from_root) {
  int value = from_root;
  mpi::broadcast(impl_->world, value, 0);
  return value;
}

std::unique_ptr<Peers> MpiSession::root_peers() {
  return std::make_unique<RootPeers>(impl_->world);
}

void MpiSession::abort(int code) {
  impl_->env.abort(code);
  std::_Exit(code);  // not reached: MPI_Abort ends the process
}

void MpiSession::work(const SweepPlan& plan, const SweepRunOptions& options) {
  mpi::communicator& world = impl_->world;
  RowWorker board(plan, options.slots, options.inner, options.keep_runs);
  bool asked = false, no_more = false, stop = false, failed = false;
  {
    while (true) {
      for (const FinishedRow& f : board.take_finished()) world.send(0, kResult, pack(f));
      if (!failed && board.error()) {
        world.send(0, kFailed, describe_failure(board.error()));
        failed = true;
      }
      if (!stop && interrupt_requested()) {
        stop = true;
        board.abort();
      }
      if (!asked && !no_more && !stop && !failed && board.queued() < options.slots) {
        world.send(0, kRequest, 0);
        asked = true;
      }
      while (const auto status = world.iprobe(0, mpi::any_tag)) {
        int value = 0;
        world.recv(0, status->tag(), value);
        if (status->tag() == kAssign) {
          asked = false;
          if (value < 0) {
            no_more = true;
            board.close();
          } else {
            board.add_row(value);  // dropped by the board when stopping
          }
        } else if (status->tag() == kStop) {
          stop = true;
          board.abort();
        }
      }
      if ((no_more || stop || failed) && !asked) break;
      board.wait(std::chrono::milliseconds(2));
    }
    board.join();
  }
  for (const FinishedRow& f : board.take_finished()) world.send(0, kResult, pack(f));
  if (!failed && board.error()) world.send(0, kFailed, describe_failure(board.error()));
  world.send(0, kDone, 0);
  // Released only by FINISH; anything else still on its way (a STOP) is read and dropped.
  // Polled with sleeps: Open MPI's blocking probe spins, and rank 0 may be busy a while.
  while (true) {
    const auto status = world.iprobe(0, mpi::any_tag);
    if (!status) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int value = 0;
    world.recv(0, status->tag(), value);
    if (status->tag() == kFinish) break;
  }
}

}  // namespace cjsim::cli
