// A traced customer's life as sentences a class can follow (cjsim trace).
#pragma once

#include <cstdint>
#include <string>

#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim::cli {

std::string tell_story(const ScenarioDef& def, const RunResult& run, std::uint32_t customer);

}  // namespace cjsim::cli
