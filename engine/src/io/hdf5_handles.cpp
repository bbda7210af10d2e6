#include "io/hdf5_handles.hpp"

#include <string>

namespace cjsim::h5 {

Hdf5Failure::Hdf5Failure(std::string what, std::string detail, Cause cause)
    : std::runtime_error(detail.empty() ? what : what + ": " + detail),
      action_(std::move(what)),
      detail_(std::move(detail)),
      cause_(cause) {}

namespace {
// HDF5 1.10.8 crashes at exit (H5_term_library -> H5F__close_cb) once a file's close has failed,
// as it does when the disk fills: the file stays registered and the exit-time cleanup closes it
// again (tests/fault: disk_full saw cjsim print its message, then die of SIGSEGV). Every file
// here is closed explicitly (commit) or discarded, so that cleanup has nothing to do for us:
// switch it off. It must precede every other HDF5 call of the process, hence a static
// initialiser (nothing calls HDF5 before main).
[[maybe_unused]] const herr_t kNoExitCleanup = H5dont_atexit();
}  // namespace

void silence_errors() {
  thread_local bool silenced = false;
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

namespace {

struct StackSummary {
  std::string innermost;  // the deepest record says what actually went wrong
  Hdf5Failure::Cause cause = Hdf5Failure::Cause::other;
};

herr_t collect(unsigned /*n*/, const H5E_error2_t* record, void* data) {
  auto* summary = static_cast<StackSummary*>(data);
  // Walking upward visits the innermost record first.
  if (summary->innermost.empty() && record->desc != nullptr) summary->innermost = record->desc;
  if (record->min_num == H5E_TRUNCATED) {
    summary->cause = Hdf5Failure::Cause::truncated;
  } else if (summary->cause == Hdf5Failure::Cause::other &&
             (record->min_num == H5E_WRITEERROR || record->min_num == H5E_SEEKERROR ||
              record->min_num == H5E_READERROR)) {
    summary->cause = Hdf5Failure::Cause::io;
  }
  return 0;
}

// HDF5's file drivers report a refused read or write in one long line with the time, a buffer
// address and sizes; users need only its "error message = '...'" part (strerror).
std::string os_reason(const std::string& detail) {
  constexpr std::string_view marker = "error message = '";
  const std::size_t begin = detail.find(marker);
  if (begin == std::string::npos) return detail;
  const std::size_t start = begin + marker.size();
  const std::size_t end = detail.find('\'', start);
  return end == std::string::npos ? detail : detail.substr(start, end - start);
}

}  // namespace

Hdf5Failure current_failure(std::string_view action) {
  StackSummary summary;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect, &summary);
  H5Eclear2(H5E_DEFAULT);
  std::string detail =
      summary.cause == Hdf5Failure::Cause::io ? os_reason(summary.innermost) : summary.innermost;
  return Hdf5Failure(std::string(action), std::move(detail), summary.cause);
}

void fail(std::string_view action) {
  throw current_failure(action);
}

}  // namespace cjsim::h5
