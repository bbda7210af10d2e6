// The sweep table in a planner's words, for the terminal and the files: one row per point (and
// variant), the varied keys as the scenario names them ("Search budget", in the scenario's
// currency), the KPIs as "mean ± half-width of the 95% CI". The terminal shows new customers,
// revenue and profit; --csv and --xlsx get every KPI.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "cjsim/scenario_io.hpp"
#include "cjsim/sweep_io.hpp"
#include "common/table.hpp"

namespace cjsim::cli {

// The scenario a sweep file's points started from (its stored text with the sweep's --set),
// for labels; null when it no longer builds (labels then fall back to names).
std::unique_ptr<Scenario> sweep_scenario(const SweepFile& file);

// `def` may be null (names stand in for labels).
Table sweep_table_model(const SweepTable& table, const ScenarioDef* def, const Money& money);

// The varied keys under their words, for notes under a table: "Search budget:
// channels.search.budget" (what --vary and --set take).
std::vector<std::string> axis_notes(const SweepTable& table, const ScenarioDef* def);

}  // namespace cjsim::cli
