// What the result-file fuzz targets run (tests/fuzz/README.md): the commands that read files
// cjsim did not just write, called in-process exactly as main() calls them, on a mutated file.
//
// HDF5 1.10 itself crashes on some damaged files (engine/src/io/hdf5_crash_guard.hpp), which
// cjsim contains by ending with "the file is damaged" and exit 1. A fuzzer cannot continue after
// such a crash, so every input is first read in a forked child with the crash guard armed to
// exit with kLibraryCrashed: an input that crashes the library there is what cjsim refuses as
// damaged, and is skipped. Every other input is then read again in the fuzzer's own process,
// where coverage is counted and AddressSanitizer and UndefinedBehaviorSanitizer watch cjsim's
// own code: any crash or sanitizer report there, and any exception but a well-formed
// InputError, is a finding.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace cjsim::fuzz {

inline constexpr int kLibraryCrashed = 77;

// A private folder for one fuzzing process, in /dev/shm when it exists (fsync costs nothing
// there): outputs and copies of the input go here.
const std::string& work_folder();

// Writes `bytes` to `path` (replacing it).
void write_bytes(const std::string& path, std::string_view bytes);

// Runs `read` in a forked child with the crash guard armed. True when the child finished
// (normally, or by a crash of cjsim's own code, which the caller then reproduces in-process);
// false when the HDF5 library crashed on the input.
bool library_survives(const std::function<void()>& read);

// Runs one command (run, report, compare, ...) as main() would, with its stdout discarded.
// InputError: each diagnostic must have a message and a fix (InvariantBroken otherwise);
// RuntimeError: allowed only when it says the file or folder is damaged. Returns the exit code.
int run_command(const std::string& name, const std::vector<std::string>& args);

// Every reader of a result file (run, sweep, value; touch paths): report (--no-story), compare
// (as two run files, and as a sweep), attribute and export (--paths and --weekly); then no HDF5
// object may be left open.
void read_result_file(const std::string& path);

// Once per process: one thread for TBB (a forked child has no worker threads), HDF5 silent, the
// fuzzers' own signal handling kept.
void prepare_process();

// The tiny world of tests/fuzz/seeds/results/tiny_world.toml.
std::string tiny_world();

// When `folder` holds no file yet, fills it with real files of the tiny world: a run with touch
// paths, a value file with its ground truth, a sweep file.
void write_result_seeds(const std::string& folder);

}  // namespace cjsim::fuzz
