// libFuzzer target: bytes as a scenario file (ScenarioDocument::from_string + build_scenario).
// What must hold for every input: fuzz_checks.hpp. Run with tools/fuzz scenario [seconds].
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cjsim::fuzz::check_scenario_text(
      std::string_view(reinterpret_cast<const char*>(data), size));  // NOLINT: bytes as text
  return 0;
}
