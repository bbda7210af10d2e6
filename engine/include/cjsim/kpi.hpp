// Key performance indicators of a run, in the two views planners argue about (docs/model.md
// "Outputs"): the funnel view and the loop view, plus money and nonlinearity.
#pragma once

#include <string>
#include <vector>

#include "cjsim/results.hpp"

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

// A mean over replicates with its sample sd and Student-t confidence interval (NaN sd and
// interval for fewer than two values; NaN throughout if any value is NaN).
struct Estimate {
  double mean = 0, sd = 0, ci_low = 0, ci_high = 0;
  int n = 0;
  double half_width() const { return (ci_high - ci_low) / 2; }
};
Estimate estimate_mean(const std::vector<double>& values, double confidence = 0.95);

// The paired difference a[r] - b[r] over replicates run on common random numbers (same seed,
// replicate r keys the same streams in both): mean, sd of the differences and the Student-t
// interval on n - 1 degrees of freedom. Pairing removes the noise the two runs share, which is
// most of it. Throws std::invalid_argument when the sizes differ.
Estimate paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                           double confidence = 0.95);

}  // namespace cjsim
