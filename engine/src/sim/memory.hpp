// Refusing a world that will not fit in memory, before anything is allocated. build_scenario
// (files) and simulate (definitions built in code) both ask; the estimate is estimate_memory's.
#pragma once

#include <optional>

#include "cjsim/errors.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

// Nothing when the run fits; otherwise the problem keyed "simulation.customers", with the
// estimate, its parts and what this machine has available in the message (no place yet).
std::optional<Diagnostic> memory_problem(const ScenarioDef& def);

}  // namespace cjsim
