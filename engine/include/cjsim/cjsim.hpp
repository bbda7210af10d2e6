// The whole public API of the cjsim engine in one include: `#include <cjsim/cjsim.hpp>` and link
// cjsim::engine. Each header below stands alone too; engine/README.md says what each one gives,
// in the order to read them.
#pragma once

#include "cjsim/errors.hpp"
#include "cjsim/version.hpp"

#include "cjsim/currency.hpp"
#include "cjsim/scenario.hpp"
#include "cjsim/scenario_io.hpp"

#include "cjsim/results.hpp"
#include "cjsim/simulation.hpp"

#include "cjsim/kpi.hpp"
#include "cjsim/statistics.hpp"

#include "cjsim/ensemble.hpp"

#include "cjsim/attribution.hpp"
#include "cjsim/optimize.hpp"
#include "cjsim/value.hpp"

#include "cjsim/files.hpp"
#include "cjsim/hdf5_io.hpp"

#include "cjsim/sweep.hpp"
#include "cjsim/sweep_io.hpp"

#include "cjsim/abc.hpp"
#include "cjsim/calibrate.hpp"
#include "cjsim/observed.hpp"
