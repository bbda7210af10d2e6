// The one place a result file of runs is described (cjsim run, value, bench).
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
  meta.command_line = command_line;
  meta.seed = seed.value_or(def.simulation.seed);
  meta.currency = def.simulation.currency;
  return meta;
}

}  // namespace cjsim
