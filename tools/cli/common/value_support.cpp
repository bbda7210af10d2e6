#include "common/value_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/stats.hpp"

namespace cjsim::cli {

const Variant& pick_variant(const Scenario& scenario, const std::string& name,
                            const std::string& option) {
  if (name.empty()) return scenario.variants.front();
  std::string names;
  for (const Variant& v : scenario.variants) {
    if (v.name == name) return v;
    names += (names.empty() ? "" : ", ") + v.name;
  }
  throw InputError({option, 0, 0}, "variant", fmt::format("no variant named '{}'", name),
                   fmt::format("choose one of: {}", names));
}

std::string pick_file_variant(const ResultFile& file, const std::string& name) {
  std::vector<std::string> variants;
  for (const auto& [v, r] : file.runs()) {
    if (std::find(variants.begin(), variants.end(), v) == variants.end()) variants.push_back(v);
  }
  if (variants.empty()) {
    throw InputError({file.path(), 0, 0}, "/runs", "the file holds no runs",
                     "write it with cjsim run or cjsim value -o");
  }
  if (name.empty()) return variants.front();
  if (std::find(variants.begin(), variants.end(), name) != variants.end()) return name;
  std::string names;
  for (const std::string& v : variants) names += (names.empty() ? "" : ", ") + v;
  throw InputError({"--variant", 0, 0}, "variant",
                   fmt::format("the file holds no variant named '{}'", name),
                   fmt::format("choose one of: {}", names));
}

std::vector<int> file_replicates(const ResultFile& file, const std::string& variant) {
  std::vector<int> out;
  for (const auto& [v, r] : file.runs()) {
    if (v == variant) out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Scenario stored_scenario(const ResultFile& file) {
  const FileMeta meta = file.meta();
  ScenarioDocument doc =
      ScenarioDocument::from_string(meta.scenario_text, file.path() + ":/scenario");
  for (const std::string& assignment : stored_overrides(meta.command_line)) doc.set(assignment);
  if (!meta.effective_toml.empty() && doc.effective_toml() != meta.effective_toml) {
    throw InputError(
        {file.path(), 0, 0}, "/scenario",
        "the stored scenario with its command line's --set overrides does not give "
        "the stored /scenario_effective, so re-running it would simulate another world",
        "run cjsim value on the scenario file instead");
  }
  return build_scenario(doc);
}

std::pair<std::string, double> parse_channel_amount(const std::string& text,
                                                    const std::string& option) {
  const auto eq = text.find('=');
  double amount = 0;
  std::size_t used = 0;
  bool ok = eq != std::string::npos && eq > 0;
  if (ok) {
    try {
      amount = std::stod(text.substr(eq + 1), &used);
      ok = used == text.size() - eq - 1 && std::isfinite(amount) && amount >= 0;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) {
    throw InputError({option, 0, 0}, option.substr(2),
                     fmt::format("expected CHANNEL=AMOUNT with an amount >= 0, got '{}'", text),
                     fmt::format("write e.g. {} search=50000", option));
  }
  return {text.substr(0, eq), amount};
}

}  // namespace cjsim::cli
