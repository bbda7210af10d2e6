// What the live page gets back for a plan: the report's data format (tools/report/README.md)
// with two variants, the file's plan and this plan, so report.js draws the cards, the
// cumulative profit with the crossover day and the flows as the report does; plus every KPI
// replicate by replicate at full precision, the paired differences on common random numbers,
// the money each channel could not spend, and the `cjsim run` command that gives the same runs.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "serve/plan.hpp"
#include "serve/world.hpp"

namespace cjsim::cli::serve {

// One replicate of a plan, kept without its per-customer table (the page does not draw it).
struct RunRecord {
  RunResult run;
  KpiTable kpis;
};
using RunSet = std::vector<RunRecord>;  // replicates 0, 1, ... in order

// The page's names of the two plans (report.js labels variants by name).
inline constexpr const char* kFilePlan = "file_plan";
inline constexpr const char* kThisPlan = "this_plan";

// `file_def` is the variant as the file has it at the plan's population (file_runs' world).
nlohmann::json answer_json(const ServeWorld& world, const PlanRequest& plan, const RunSet& runs,
                           const ScenarioDef& file_def, const RunSet& file_runs);

// `cjsim run SCENARIO --variant V --replicates R [--seed S] --set ...`: the command whose file
// holds these runs bit for bit (stored as the command line of a saved result).
std::string equivalent_command(const ServeWorld& world, const PlanRequest& plan, int replicates);

}  // namespace cjsim::cli::serve
