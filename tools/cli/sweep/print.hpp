// The table `cjsim sweep` prints when it is done: one line per row of the sweep table, the
// varied values and a few headline KPIs as "mean ± half-width of the 95% CI".
#pragma once

#include <cstdio>

#include "cjsim/sweep_io.hpp"

namespace cjsim::cli {

void print_sweep_table(std::FILE* out, const SweepTable& table);

}  // namespace cjsim::cli
