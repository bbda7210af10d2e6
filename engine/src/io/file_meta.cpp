// The one place a result file of runs is described (cjsim run, value, bench), and the one place
// a reader rebuilds the scenario a file was written from.
#include <fmt/format.h>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"

namespace cjsim {

FileMeta run_file_meta(const Scenario& scenario, const ScenarioDef& def,
                       const std::string& command_line, std::optional<std::uint64_t> seed) {
  FileMeta meta;
  meta.scenario_name = def.simulation.name;
  meta.scenario_source = scenario.source_name;
  meta.scenario_text = scenario.text;
  meta.effective_toml = scenario.effective_toml;
  meta.overrides = scenario.overrides;
  meta.command_line = command_line;
  meta.seed = seed.value_or(def.simulation.seed);
  meta.currency = def.simulation.currency;
  return meta;
}

ScenarioDocument stored_document(const FileMeta& meta, const std::string& file) {
  if (meta.scenario_text.empty()) {
    throw InputError({file, 0, 0}, "/scenario", "the file stores no scenario text",
                     "run the scenario file itself (cjsim run SCENARIO)");
  }
  ScenarioDocument doc = ScenarioDocument::from_string(meta.scenario_text, file + ":/scenario");
  if (meta.overrides) {
    for (const std::string& assignment : *meta.overrides) doc.set(assignment);
    return doc;
  }
  // Written before /scenario_overrides existed: the text alone is the world only if it was
  // run without --set, which the stored effective scenario tells (its keys in any order).
  if (!meta.effective_toml.empty() && doc.same_tree(ScenarioDocument::from_string(
                                          meta.effective_toml, file + ":/scenario_effective"))) {
    return doc;
  }
  throw InputError(
      {file, 0, 0}, "/scenario_overrides",
      fmt::format(
          "written by cjsim {} before result files stored the --set overrides, and "
          "its /scenario alone does not give its /scenario_effective: the world it was "
          "run from cannot be rebuilt",
          meta.engine_version.empty() ? std::string("(unknown version)") : meta.engine_version),
      "run the scenario again with the same --set overrides: the new file stores them");
}

}  // namespace cjsim
