// The scenario a result file was run from, for the commands that re-run it (attribute --truth).
#pragma once

#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"

namespace cjsim::cli {

// /scenario with the stored command line's --set overrides, accepted only when it reproduces
// /scenario_effective (else InputError: re-running it would simulate another world).
Scenario stored_scenario(const ResultFile& file);

}  // namespace cjsim::cli
