// libFuzzer target: --vary arguments of sweeps (parse_vary, plan_sweep)
// on the shipped scenarios. Input format and checks: fuzz_checks.hpp.
// Run with tools/fuzz vary [seconds].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_checks.hpp"

namespace {
const cjsim::fuzz::Bases& bases() {
  static const cjsim::fuzz::Bases all = cjsim::fuzz::load_set_bases(CJSIM_SOURCE_DIR);
  return all;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return bases().empty() ? 1 : 0;  // no scenarios found: nothing to fuzz
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cjsim::fuzz::check_vary_input(std::string_view(reinterpret_cast<const char*>(data), size),
                                bases());
  return 0;
}
