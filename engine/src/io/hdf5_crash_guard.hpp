// Containing crashes of the HDF5 library on damaged or hostile files.
//
// HDF5 1.10 trusts what a file says about itself in places no caller can check first: a
// variable-length string is read through a global heap collection whose object index and sizes
// come from the file (H5HG_read copies `size` bytes from `begin` without checking either), and
// the same holds for several metadata decoders. One changed byte can therefore make the library
// read or free wild memory. cjsim bounds and checks everything it asks of the library
// (hdf5_objects.cpp), but it cannot reach inside it, so it also contains what remains:
//
//   - every read of a file the program did not just write runs inside a ReadingFile scope that
//     names the file, and each helper of hdf5_objects.cpp names the object it is reading;
//   - install_crash_guard() catches SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (glibc's heap
//     checks) on an alternate stack. It looks at the stack of the fault: when the innermost frame
//     outside the C runtime is in the HDF5 library and a ReadingFile scope is open, the file is
//     what broke it, and the process ends with "<file>: <object>: the file is damaged (the HDF5
//     library crashed reading it: SIGSEGV)" and exit 1, after removing the temporary outputs it
//     registered (files::TemporaryFiles). Any other crash is re-raised untouched: a defect of
//     cjsim stays a crash, with its core dump.
//   - under AddressSanitizer the same decision is taken in ASan's death callback (ASan reports
//     the library's wild copies through its interceptors before any signal happens).
//
// The fuzz target of result files (tests/fuzz/fuzz_results.cpp) runs every reader first in a
// forked child with the guard in CrashAction::exit_code mode: an input that crashes the library
// is counted and skipped, anything else then runs again in the fuzzer's own process.
#pragma once

#include <string>
#include <string_view>

namespace cjsim::h5 {

enum class CrashAction {
  report_and_exit,  // print the damaged-file message, remove temporary outputs, _exit(1)
  exit_code,        // _exit(code) silently (the fuzz target's forked child)
};

// Installs the guard for the whole process (idempotent; the last call's action wins).
void install_crash_guard(CrashAction action = CrashAction::report_and_exit, int code = 1);

// While alive, the calling thread is reading `file` (scopes nest: the innermost names the file).
class ReadingFile {
 public:
  explicit ReadingFile(const std::string& file);
  ~ReadingFile();
  ReadingFile(const ReadingFile&) = delete;
  ReadingFile& operator=(const ReadingFile&) = delete;

 private:
  std::string previous_file_;
  bool was_reading_ = false;
};

// Names the object the calling thread is about to read, for the crash message. Cheap.
void reading_object(std::string_view object);

// Whether a crash now would be blamed on a file (a ReadingFile scope is open on this thread).
bool reading_a_file();

}  // namespace cjsim::h5
