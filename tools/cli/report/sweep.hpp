// What `cjsim report` draws from a sweep file: the sweep table in the shape the page's sweep view
// reads (tools/report/README.md, "The sweep view"), with the names and labels of the scenario.
// A sweep file holds no single run, so the page shows the sweep view alone.
#pragma once

#include <nlohmann/json.hpp>

#include "cjsim/hdf5_io.hpp"
#include "report/data.hpp"

namespace cjsim::cli {

// Throws InputError when the file is not a complete sweep file.
nlohmann::json collect_sweep_report(const std::string& path, const FileMeta& meta,
                                    const ReportOptions& options);

}  // namespace cjsim::cli
