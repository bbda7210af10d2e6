// What a run shows the user: where its file goes by default, its one-line summary, its profile
// (shared by `run`, `trace`, `bench`, `sweep`, `value` and `calibrate`).
#pragma once

#include <string>

#include "cjsim/results.hpp"

namespace cjsim::cli {

// results/<scenario file stem>.h5 (the folder is created when missing).
std::string default_output(const std::string& scenario_path, const std::string& suffix = ".h5");

// "100,000 customers x 365 days, 6.1e+07 customer-days/s"
std::string run_summary(const RunResult& r);

// Per-phase wall time, aligned (cjsim run --profile, cjsim bench --profile).
void print_profile(const Profile& p, double customer_days);

}  // namespace cjsim::cli
