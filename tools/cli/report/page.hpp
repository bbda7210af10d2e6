// The report page: finding the template and the chart library, and filling the template (the
// page is written with cjsim/files.hpp's write_file_atomically).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cjsim::cli {

// Where the page is made from: tools/report/ (template.html, report.css, report.js) and the
// chart library npm installed there (node_modules/echarts/dist/echarts.min.js).
struct ReportAssets {
  std::string dir;
  std::string echarts;  // path of echarts.min.js
};

// Looks in: `explicit_dir` (--assets), $CJSIM_REPORT_ASSETS, the source tree this cjsim was
// built from, then tools/report/ and share/cjsim/report/ above the executable. Throws
// RuntimeError naming what is missing and the fix (tools/setup installs the chart library).
ReportAssets find_report_assets(const std::string& explicit_dir);

// JSON safe inside <script type="application/json">: '<', '>' and '&' escaped as \u003c...
std::string json_for_script(const nlohmann::json& data);

// The template with its markers replaced: @CJSIM:title@, @CJSIM:css@, @CJSIM:echarts@,
// @CJSIM:js@, @CJSIM:data@ (each exactly once). Throws RuntimeError for a broken template.
std::string render_page(const ReportAssets& assets, const nlohmann::json& data,
                        const std::string& title);

}  // namespace cjsim::cli
