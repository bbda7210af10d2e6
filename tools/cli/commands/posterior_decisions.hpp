// cjsim value and cjsim optimize given a calibration file instead of a scenario: the answers over
// posterior draws (credible intervals that hold parameter uncertainty, not only simulation noise).
#pragma once

#include <string>

#include "cjsim/optimize.hpp"
#include "cjsim/value.hpp"

namespace cjsim::cli {

// True when the file starts with the HDF5 signature (a calibration file, not a scenario).
bool is_hdf5_file(const std::string& path);

int value_over_posterior(const std::string& calibration, int draws, const ValueOptions& options,
                         const std::string& csv, bool quiet);
int optimize_over_posterior(const std::string& calibration, int draws, OptimizeOptions options,
                            bool quiet);

}  // namespace cjsim::cli
