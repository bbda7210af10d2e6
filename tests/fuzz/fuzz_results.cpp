// libFuzzer target: result files (a run with touch paths, a value file with its ground truth, a
// sweep file; seeds written at start from tests/fuzz/seeds/results/tiny_world.toml), mutated,
// fed to every command that reads one: report, compare, attribute, export. What must hold:
// result_readers.hpp. Run with tools/fuzz results [seconds].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "result_readers.hpp"

namespace {
std::string input_path() {
  return cjsim::fuzz::work_folder() + "/input.h5";
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  cjsim::fuzz::prepare_process();
  // The first folder on the command line is the corpus libFuzzer writes to: seed it with real
  // files of this build's format when it is empty.
  for (int k = 1; k < *argc; ++k) {
    const std::string a = (*argv)[k];
    if (!a.empty() && a[0] != '-') {
      cjsim::fuzz::write_result_seeds(a);
      break;
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = input_path();
  cjsim::fuzz::write_bytes(path, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!cjsim::fuzz::library_survives([&] { cjsim::fuzz::read_result_file(path); })) return 0;
  cjsim::fuzz::read_result_file(path);
  return 0;
}
