// Key performance indicators of a run, in the two views planners argue about (docs/model.md
// "Outputs"): the funnel view and the loop view, plus money and nonlinearity.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cjsim/results.hpp"
#include "cjsim/statistics.hpp"

namespace cjsim {

enum class KpiView { funnel, loop, money, nonlinearity };
const char* view_name(KpiView v);

struct KpiDef {
  std::string id;     // stable machine name, e.g. "new_customers", "leads.consideration"
  std::string label;  // what a planner reads, e.g. "New customers"
  KpiView view = KpiView::loop;
  std::string unit;  // "customers", "currency", "share", "days", "ratio"
  std::string description;
};

struct KpiTable {
  std::vector<KpiDef> defs;
  std::vector<double> values;  // NaN where a KPI is undefined (e.g. CAC with no new customers)
  // Why a value is NaN, in words a table prints as its footnote ("the horizon ends before day
  // 365 after every first purchase"); "" when the value is defined. Empty (no notes at all) for
  // tables read from files written before notes were stored.
  std::vector<std::string> notes;

  double value(const std::string& id) const;     // throws std::out_of_range for unknown ids
  const std::string& note(std::size_t k) const;  // "" when there is none
};

// KPIs of one run (formulas: each KpiDef's description, `cjsim run --explain`, results/README.md
// "KPIs"). The set of KPIs depends only on the names (stages, segments, channels, edges), so runs
// of one scenario always share defs. With `zero_spend` (the same world, seed and replicate with
// every budget at 0: common random numbers), also the incremental margin and ROMI of the plan.
KpiTable compute_kpis(const RunResult& run, const RunResult* zero_spend = nullptr);

// The KPIs a run with these names has (values NaN): what `cjsim run --explain` prints.
KpiTable kpi_definitions(const Names& names, int days, bool incremental = false);

// Replicates summarised: mean, sample sd and a 95% Student-t confidence interval per KPI.
struct KpiSummary {
  std::vector<KpiDef> defs;
  std::vector<double> mean, sd, ci_low, ci_high;
  std::vector<std::string> notes;  // why a mean is NaN (a replicate's note); may be empty
  int replicates = 0;
};
KpiSummary summarize(const std::vector<KpiTable>& replicates, double confidence = 0.95);

// Retention as Kaplan-Meier counts (statistics.hpp's kaplan_meier gives the curve): for each
// customer whose first purchase fell in the horizon (and of `segment`, unless it is negative),
// an event k days after the first purchase when the customer was lost (first entry into a lost
// stage after it), else censored at the horizon's last day. days + 1 entries each.
struct RetentionCounts {
  std::vector<std::uint64_t> events, censored;
};
RetentionCounts retention_counts(const CustomerTable& table, int days, int segment = -1);

}  // namespace cjsim
