// cjsim value and cjsim optimize given a calibration file instead of a scenario: the answers over
// posterior draws (credible intervals that hold parameter uncertainty, not only simulation noise).
#pragma once

#include <string>

#include "cjsim/optimize.hpp"
#include "cjsim/value.hpp"
#include "common/table_output.hpp"

namespace cjsim::cli {

// True when the file starts with the HDF5 signature (a calibration file, not a scenario).
bool is_hdf5_file(const std::string& path);

// `csv`, `xlsx`: files to write the table to ("" for none); `command_line` for the workbook's
// About sheet.
// `files`: the --csv and --xlsx outputs, already claimed (TableOutput::check).
int value_over_posterior(const std::string& calibration, int draws, const ValueOptions& options,
                         const TableOutput& files, const std::string& command_line, bool quiet);
int optimize_over_posterior(const std::string& calibration, int draws, OptimizeOptions options,
                            const TableOutput& files, const std::string& command_line, bool quiet);

}  // namespace cjsim::cli
