// What `cjsim report` draws from a calibration file: observed periods over the posterior
// predictive bands and the forecast, prior against posterior per parameter, the screen, the ABC
// generations and the channels' value over posterior draws (tools/report/README.md, "The
// calibration view"). A calibration file holds no single run, so the page shows this view alone.
#pragma once

#include <nlohmann/json.hpp>

#include "cjsim/hdf5_io.hpp"
#include "report/data.hpp"

namespace cjsim::cli {

// Throws InputError when the file is not a complete calibration file.
nlohmann::json collect_calibration_report(const std::string& path, const ReportOptions& options);

}  // namespace cjsim::cli
