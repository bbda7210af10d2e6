// The runs of one variant reduced to what a page draws: sums over replicates, each replicate's
// daily money, the KPI tables and per-customer reductions; and the JSON the page reads
// (tools/report/README.md). `cjsim report` fills digests from a result file (data.cpp), the
// live page of `cjsim serve` from runs it just made (serve/answer.cpp): one reduction, one page
// format, so both draw with the same report.js.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim::cli {

// Numbers for the page: rounded so the JSON stays small; NaN becomes null.
nlohmann::json num(double x, int decimals = 2);
nlohmann::json nums(const std::vector<double>& v, int decimals = 2);

// The dimensions every run of a page shares.
struct RunShape {
  int days = 0, S = 0, G = 0, C = 0;  // days, stages, segments, channels
  Names names;
  static RunShape of(const RunResult& run);
};

// Everything summed over the runs (replicates) of one variant; divided by reps() for means.
struct VariantDigest {
  std::string name, description;
  std::vector<int> replicates;  // in the order added
  std::vector<std::uint64_t> seeds;
  std::vector<double> stage_counts;                                 // (days+1) x S x G
  std::vector<double> spend, exposed, eligible;                     // days x C
  std::vector<double> revenue, margin, purchases, first_purchases;  // days x G
  std::vector<double> flows;                                        // S x S (segments summed)
  std::vector<std::vector<double>> daily_revenue, daily_spend, daily_profit;  // per replicate
  std::vector<KpiTable> kpis;
  // Per-customer reductions pooled over replicates; index G of km is every segment. False
  // when a run came without its customer table.
  bool customers = true;
  std::vector<RetentionCounts> km;                     // G + 1, each days + 1 (kpi.hpp)
  std::vector<std::vector<std::uint64_t>> first_hist;  // G x (days+1)
  std::vector<std::uint64_t> segment_customers;        // G
  // A customer with a rich journey in the first replicate added (for the story).
  std::int64_t story_customer = -1;
  int story_score = -1;
  std::uint64_t customers_total = 0;

  int reps() const { return static_cast<int>(replicates.size()); }
  // Adds one run (of `shape`); the caller checks the shape.
  void add(const RunShape& shape, int replicate, const RunResult& run, const KpiTable& kpis);
};

// {stages, segments, channels}: each name with the label `def` gives it (the name when `def` is
// null or lacks it), the stage's role and advocate flag, a segment's share, a channel's cost.
// `stage_labels` (when given) receives the stage labels in order.
nlohmann::json names_json(const RunShape& shape, const ScenarioDef* def,
                          std::vector<std::string>* stage_labels = nullptr);

// The page's JSON of one variant: occupancy, channels (with the flights of `def` when given),
// daily money, totals with 95% intervals, flows, KPIs (`stored` when the file holds a summary,
// else summarised from the runs), retention and time to first purchase.
nlohmann::json variant_json(const VariantDigest& v, const RunShape& shape, const ScenarioDef* def,
                            const std::optional<KpiSummary>& stored);

// The pair on the cumulative chart: running totals of A and B with their 95% bands, B's lead
// with its paired band, the crossover day and the same day replicate by replicate (common
// random numbers pair replicate r of A with replicate r of B). `reason` says why this pair.
nlohmann::json compare_json(const VariantDigest& a, const VariantDigest& b,
                            const std::string& reason);

// The definition named `name` (the file's order of names need not be the definition's).
template <class Def>
const Def* find_named(const std::vector<Def>& defs, const std::string& name) {
  for (const Def& d : defs)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace cjsim::cli
