#include "report/page.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cjsim/errors.hpp"

#ifndef CJSIM_REPORT_SOURCE_DIR
#define CJSIM_REPORT_SOURCE_DIR ""
#endif

namespace cjsim::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kEchartsRelative = "node_modules/echarts/dist/echarts.min.js";
constexpr const char* kPageFiles[] = {"template.html", "report.css", "report.js"};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("cannot read {}: {}", p.string(), std::strerror(errno)));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_page_files(const fs::path& dir) {
  std::error_code ec;
  for (const char* f : kPageFiles)
    if (!fs::is_regular_file(dir / f, ec)) return false;
  return true;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Inline <script> text ends at the first "</script" (any case); in JavaScript strings, regular
// expressions and comments, where it can only occur, "<\/script" means the same.
std::string script_safe(const std::string& js) {
  std::string out;
  out.reserve(js.size());
  for (size_t at = 0; at < js.size(); ++at) {
    out += js[at];
    if (js[at] != '<' || at + 8 > js.size() || js[at + 1] != '/') continue;
    std::string word = js.substr(at + 2, 6);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "script") out += '\\';
  }
  return out;
}

}  // namespace

ReportAssets find_report_assets(const std::string& explicit_dir) {
  std::vector<fs::path> candidates;
  if (!explicit_dir.empty()) {
    candidates.emplace_back(explicit_dir);
  } else {
    if (const char* env = std::getenv("CJSIM_REPORT_ASSETS"); env && *env)
      candidates.emplace_back(env);
    if (*CJSIM_REPORT_SOURCE_DIR) candidates.emplace_back(CJSIM_REPORT_SOURCE_DIR);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      for (fs::path up = exe.parent_path(); !up.empty(); up = up.parent_path()) {
        candidates.push_back(up / "tools" / "report");
        candidates.push_back(up / "share" / "cjsim" / "report");
        if (up == up.root_path()) break;
      }
    }
  }
  for (const fs::path& dir : candidates) {
    if (!has_page_files(dir)) continue;
    const fs::path echarts = dir / kEchartsRelative;
    std::error_code ec;
    if (!fs::is_regular_file(echarts, ec)) {
      throw RuntimeError(fmt::format(
          "the chart library is not installed: {} is missing\n  fix: run tools/setup (it runs "
          "'npm ci' in {} to install the pinned Apache ECharts)",
          echarts.string(), dir.string()));
    }
    return {dir.string(), echarts.string()};
  }
  std::string looked;
  for (const fs::path& d : candidates) looked += "\n    " + d.string();
  throw RuntimeError(fmt::format(
      "the report page template (tools/report/template.html, report.css, report.js) was not "
      "found; looked in:{}\n  fix: run cjsim from its source tree or build folder, or give "
      "--assets DIR (a copy of tools/report after tools/setup)",
      looked));
}

std::string json_for_script(const nlohmann::json& data) {
  const std::string raw = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(raw.size() + raw.size() / 64);
  for (char c : raw) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;  // only inside strings: JSON has no '<' elsewhere
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_page(const ReportAssets& assets, const nlohmann::json& data,
                        const std::string& title) {
  const fs::path dir(assets.dir);
  const std::string page = read_text(dir / "template.html");
  const std::pair<std::string, std::string> parts[] = {
      {"@CJSIM:title@", html_escape(title)},
      {"@CJSIM:css@", read_text(dir / "report.css")},
      {"@CJSIM:echarts@", script_safe(read_text(assets.echarts))},
      {"@CJSIM:js@", script_safe(read_text(dir / "report.js"))},
      {"@CJSIM:data@", json_for_script(data)},
  };
  // One pass over the template, so nothing inserted is scanned for markers again.
  for (const auto& [marker, _] : parts) {
    const size_t first = page.find(marker);
    if (first == std::string::npos || page.find(marker, first + 1) != std::string::npos) {
      throw RuntimeError(fmt::format("{}: the marker {} must appear exactly once",
                                     (dir / "template.html").string(), marker));
    }
  }
  std::string out;
  size_t at = 0;
  while (true) {
    size_t next = std::string::npos;
    const std::pair<std::string, std::string>* part = nullptr;
    for (const auto& p : parts) {
      const size_t k = page.find(p.first, at);
      if (k < next) {
        next = k;
        part = &p;
      }
    }
    if (!part) break;
    out.append(page, at, next - at);
    out += part->second;
    at = next + part->first.size();
  }
  out.append(page, at, std::string::npos);
  return out;
}

}  // namespace cjsim::cli
