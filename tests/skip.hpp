// Tests that cannot run on this machine say so instead of passing (tests/README.md "Skips").
//
// CJSIM_SKIP(reason) ends the test case: it prints "CJSIM-SKIPPED: reason", which ctest reports
// as a skipped test (SKIP_REGULAR_EXPRESSION, set on every test in tests/CMakeLists.txt), and
// tools/test lists every skip with its reason at the end. With CJSIM_NO_SKIPS=1 a skip fails
// instead (for a runner that must run everything; CI hosts differ, so CI lists skips, not fails).
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

namespace cjsim::test {

inline bool in_ci() {
  const char* strict = std::getenv("CJSIM_NO_SKIPS");
  return strict != nullptr && std::strcmp(strict, "1") == 0;
}

}  // namespace cjsim::test

#define CJSIM_SKIP(reason)                                                                         \
  do {                                                                                             \
    std::ostringstream cjsim_skip_reason;                                                          \
    cjsim_skip_reason << reason;                                                                   \
    if (cjsim::test::in_ci()) FAIL("skipped under CJSIM_NO_SKIPS=1: " << cjsim_skip_reason.str()); \
    std::cout << "CJSIM-SKIPPED: " << cjsim_skip_reason.str() << std::endl;                        \
    return;                                                                                        \
  } while (false)
