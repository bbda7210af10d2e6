// --write-scenario: the planner's own scenario text, comments and order kept, with each fitted
// number replaced by its posterior median (cjsim/calibrate.hpp fitted_scenario_text).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "cjsim/calibrate.hpp"
#include "io/file_ops.hpp"
#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

std::string g6(double v) {
  return fmt::format("{:.6g}", v);
}

// The extent [begin, end) of the number token starting at `at` (0-based) in `line`.
std::size_t number_end(const std::string& line, std::size_t at) {
  std::size_t e = at;
  while (e < line.size() && (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '.' ||
                             line[e] == '_' || line[e] == '+' || line[e] == '-')) {
    ++e;
  }
  return e;
}

struct Edit {
  int line;
  std::size_t column;  // 0-based, in bytes
  std::string value;
  std::string comment;
};

}  // namespace

void check_calibration_output(const std::string& path) {
  files::check_output_folder(path, files::folder_of(path));
}

std::string fitted_scenario_text(const ScenarioDocument& doc, const CalibrationResult& r) {
  const ScenarioDocument::Impl& impl = document_impl(doc);
  std::vector<std::string> lines;
  {
    std::string line;
    std::istringstream in(impl.text);
    while (std::getline(in, line)) lines.push_back(line);
  }
  std::vector<Edit> edits;
  std::vector<std::string> unwritten;
  const auto place = [&](const std::string& key, double value, std::string comment) {
    const KeyPathParse parsed = parse_key_path(key);
    const SourceEntry* e =
        parsed.error.empty() ? impl.places->find(render_key_path(parsed.path)) : nullptr;
    if (e == nullptr || e->is_table || e->value.line < 1 ||
        static_cast<std::size_t>(e->value.line) > lines.size()) {
      unwritten.push_back(fmt::format("--set '{}={}'", key, g6(value)));
      return;
    }
    const std::string& text = lines[static_cast<std::size_t>(e->value.line - 1)];
    const std::size_t at = static_cast<std::size_t>(std::max(e->value.column - 1, 0));
    if (at >= text.size() || number_end(text, at) == at) {
      unwritten.push_back(fmt::format("--set '{}={}'", key, g6(value)));
      return;
    }
    edits.push_back(Edit{e->value.line, at, g6(value), std::move(comment)});
  };
  // The --set overrides the fit ran with are part of the fitted world.
  for (const std::string& o : doc.overrides()) {
    const auto eq = o.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = o.substr(0, eq);
    bool fitted = false;
    for (const FitParameter& p : r.parameters) {
      fitted = fitted || std::find(p.keys.begin(), p.keys.end(), key) != p.keys.end();
    }
    if (fitted) continue;
    try {
      std::size_t used = 0;
      const double v = std::stod(o.substr(eq + 1), &used);
      place(key, v, "set by --set when fitted");
    } catch (const std::exception&) {
      unwritten.push_back(fmt::format("--set '{}'", o));
    }
  }
  for (std::size_t i = 0; i < r.parameters.size(); ++i) {
    const ParameterSummary& s = r.summary[i];
    for (const std::string& key : r.parameters[i].keys) {
      place(key, r.median[i],
            fmt::format("fitted: 90% {} .. {}, prior {}{}", g6(s.p05), g6(s.p95), s.prior,
                        s.uninformed ? " (the data say little about it)" : ""));
    }
  }
  // Apply edits right to left within a line, so columns stay valid.
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    return a.line != b.line ? a.line < b.line : a.column > b.column;
  });
  std::map<int, std::vector<std::string>> comments;
  for (const Edit& e : edits) {
    std::string& text = lines[static_cast<std::size_t>(e.line - 1)];
    const std::size_t end = number_end(text, e.column);
    text.replace(e.column, end - e.column, e.value);
    comments[e.line].push_back(e.comment);
  }
  for (auto& [line, list] : comments) {
    std::string& text = lines[static_cast<std::size_t>(line - 1)];
    std::string joined;
    for (const std::string& c : list) joined += (joined.empty() ? "" : "; ") + c;
    text += (text.find('#') == std::string::npos ? "  # " : "  | ") + joined;
  }
  std::string out = fmt::format(
      "# Fitted by cjsim calibrate: each fitted key below holds its posterior median (variant "
      "'{}',\n# seed {}, {} simulations, stopped: {}). Parameters, medians and 90% intervals:\n",
      r.variant, r.seed, r.abc.simulations, r.abc.stopped);
  for (const ParameterSummary& s : r.summary) {
    out += fmt::format("#   {} = {}  (90% {} .. {}; prior {}){}\n", s.name, g6(s.p50), g6(s.p05),
                       g6(s.p95), s.prior, s.uninformed ? "  the data say little about it" : "");
  }
  if (!unwritten.empty()) {
    out +=
        "# Fitted keys this file does not write (they keep their defaults here); apply them with\n";
    for (const std::string& u : unwritten) out += "#   " + u + "\n";
  }
  out += "\n";
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace cjsim
