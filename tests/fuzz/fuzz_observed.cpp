// libFuzzer target: the observed-data reader of cjsim calibrate (period aggregates and event
// logs, read_observed). Input format and checks: fuzz_checks.hpp. Run with tools/fuzz observed
// [seconds].
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "fuzz_checks.hpp"

namespace {
// One scratch file per process (the reader takes paths), in the temporary folder.
const std::string& scratch() {
  static const std::string path = (std::filesystem::temp_directory_path() /
                                   ("cjsim-fuzz-observed-" + std::to_string(::getpid()) + ".csv"))
                                      .string();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static_cast<void>(cjsim::fuzz::check_observed_input(
      std::string_view(reinterpret_cast<const char*>(data), size), scratch()));
  return 0;
}
