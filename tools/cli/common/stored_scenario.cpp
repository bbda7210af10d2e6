#include "common/stored_scenario.hpp"

#include "report/stats.hpp"

namespace cjsim::cli {

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

}  // namespace cjsim::cli
