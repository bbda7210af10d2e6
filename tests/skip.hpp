// Tests that cannot run on this machine say so instead of passing (tests/README.md "Skips").
//
// CJSIM_SKIP(reason) ends the test case: it prints "CJSIM-SKIPPED: reason", which ctest reports
// as a skipped test (SKIP_REGULAR_EXPRESSION, set on every test in tests/CMakeLists.txt), and
// tools/test lists every skip with its reason at the end. Under CI=true a skip fails instead: CI
// must run every test, so a machine that cannot is a CI problem to fix, not a pass.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

namespace cjsim::test {

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace cjsim::test

#define CJSIM_SKIP(reason)                                                                \
  do {                                                                                    \
    std::ostringstream cjsim_skip_reason;                                                 \
    cjsim_skip_reason << reason;                                                          \
    if (cjsim::test::in_ci()) FAIL("skipped under CI=true: " << cjsim_skip_reason.str()); \
    std::cout << "CJSIM-SKIPPED: " << cjsim_skip_reason.str() << std::endl;               \
    return;                                                                               \
  } while (false)
