// Sweeps: one scenario at many points (values of numeric keys), every point run R times with
// common random numbers, summarised per point. docs: `cjsim sweep --help`, results/README.md
// ("Sweep files"), scenarios/README.md ("sweep").
//
// The pieces, in the order a sweep uses them:
//   1. what to vary: the scenario's [sweep] section (read_sweep_section) or --vary arguments
//      (parse_vary), as axes of values or ranges;
//   2. plan_sweep: checks every axis against the scenario, expands the design (full grid or Latin
//      hypercube) into points, builds and validates the scenario of every (point, variant) row;
//   3. run_sweep_replicate: replicate r of a row. Every row's replicate r uses the random streams
//      keyed by (seed, r), so two points differ only by what was varied (common random numbers);
//   4. summarize_row: a row's R digests, in replicate order, into KPI means, sd, 95% Student-t
//      intervals and 5-95% bands of the daily series. A pure function of the digests: where and
//      in which order the runs were computed cannot change a bit of it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/errors.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/statistics.hpp"

namespace cjsim {

enum class SweepDesign : std::uint8_t {
  grid,  // every combination of the axes' values (full factorial)
  lhs,   // Latin hypercube: `points` points, each axis's range cut into `points` strata
};
const char* design_name(SweepDesign d);  // "grid", "lhs"

// One varied key. Written as a list (values) or a range from..to; a range with `steps` is the
// list of `steps` evenly spaced values from `from` to `to` inclusive, a range without steps is
// continuous (Latin hypercube only).
struct SweepAxis {
  std::string path;            // canonical dotted key path, e.g. "channels.search.budget"
  std::vector<double> values;  // the list, or the expanded range (empty for a continuous range)
  bool range = false;
  double from = 0.0;
  double to = 0.0;
  int steps = 0;        // 0: none given
  bool whole = false;   // the scenario writes an integer here: hypercube draws are rounded
  SourcePlace place;    // the [sweep] line, or {"--vary", 1, column}
  std::string written;  // as the user wrote it, for messages
};

// What a sweep varies and how, before the points are drawn.
struct SweepSpec {
  std::vector<SweepAxis> axes;
  SweepDesign design = SweepDesign::grid;
  int points = 0;      // Latin hypercube points; 0 = not given
  int replicates = 0;  // 0 = not given (simulation.replicates applies)
  SourcePlace design_place, points_place, replicates_place;
};

// The scenario's [sweep] table: dotted key paths (quoted or not) with a list of numbers or
// { from, to [, steps] }, and optionally design = "grid" | "lhs", points = N, replicates = R.
// Throws InputError naming the line for anything else. An absent [sweep] gives an empty spec.
SweepSpec read_sweep_section(const ScenarioDocument& doc);

// One --vary argument: "PATH=v1,v2,..." or "PATH=from:to:steps" (or "PATH=from:to", continuous,
// for --design lhs). Numbers may use '_' between digits. Throws InputError naming the option.
SweepAxis parse_vary(const std::string& argument);

// Settings from the command line; each given one wins over the [sweep] section.
struct SweepSettings {
  std::vector<SweepAxis> vary;  // non-empty: replaces every axis of [sweep]
  std::optional<SweepDesign> design;
  std::optional<int> points;
  std::optional<int> replicates;
  std::optional<std::uint64_t> seed;  // --seed: overrides simulation.seed of every point
  std::string variant;                // non-empty: only this variant
};

// One row of the sweep table: a point of the design in one variant of the scenario.
struct SweepRow {
  int point = 0;
  std::string variant;
  std::string description;
  ScenarioDef def;  // validated: simulate() accepts it
};

// Everything needed to run a sweep and recognise it again (resume).
struct SweepPlan {
  SweepDesign design = SweepDesign::grid;
  int lhs_points = 0;                       // the --points of a Latin hypercube, else 0
  std::vector<std::string> axes;            // canonical paths, in column order
  std::vector<std::vector<double>> points;  // points x axes: the value of every axis
  std::vector<std::string> variants;        // variant names, in scenario order
  std::vector<SweepRow> rows;               // point-major: row = point * variants + variant
  int replicates = 1;
  std::uint64_t seed = 0;                      // keys the streams (and the hypercube's draws)
  std::optional<std::uint64_t> seed_override;  // --seed, passed on to every run
  int days = 0;                                // the longest horizon of any row
  // Axes or --set overrides that replace a variant's own setting (printed as warnings).
  std::vector<std::string> warnings;
};

// Reads the design from `settings` and the document's [sweep], checks every axis (unknown key
// paths, keys that are not numbers, ranges without values, designs without points), draws the
// points and builds every row's scenario. Throws one InputError naming the axis (the [sweep]
// line or the --vary option) and, for a bad value, the point.
SweepPlan plan_sweep(const ScenarioDocument& doc, const SweepSettings& settings);

// Points of a design (row-major for a grid: the first axis varies slowest). A Latin hypercube
// draws from Philox streams keyed by `seed`, so the same seed gives the same points anywhere.
std::vector<std::vector<double>> design_points(const SweepSpec& spec, std::uint64_t seed);

// What a row keeps of one run: its KPIs and the daily series the sweep summarises, plus the
// whole run when the sweep keeps runs.
struct RunDigest {
  int replicate = 0;
  KpiTable kpis;
  int days = 0, stages = 0, channels = 0;
  std::vector<std::string> stage_names, channel_names;
  std::vector<double> stage_counts;  // (days + 1) x stages, segments summed
  std::vector<double> revenue;       // days, segments summed
  std::vector<double> spend;         // days x channels
  std::optional<RunResult> run;      // kept runs only
};
RunDigest digest_run(RunResult run, bool keep_run);

// Replicate `replicate` of row `row`: simulate on `threads` threads and digest. `progress` is
// called once per simulated day (it may throw to stop the run).
RunDigest run_sweep_replicate(const SweepPlan& plan, int row, int replicate, int threads,
                              bool keep_run,
                              const std::function<void(const Progress&)>& progress = {});

// Per-element statistics of a series over the replicates.
struct SeriesBands {
  std::vector<double> mean;  // sum in replicate order / R
  std::vector<double> p05;   // 5% and 95% quantiles, linear interpolation between order
  std::vector<double> p95;   // statistics (numpy's default, "type 7")
};

// A finished row: what the sweep table and the per-point series hold for it.
struct SweepRowResult {
  int row = 0;
  int days = 0, stages = 0, channels = 0;
  std::vector<std::string> stage_names, channel_names;
  KpiSummary summary;              // mean, sd, 95% Student-t interval per KPI
  std::vector<double> kpi_values;  // replicates x KPIs: every run's value (paired comparisons)
  SeriesBands stage_counts, revenue, spend;
  std::vector<RunResult> runs;     // kept runs, in replicate order
  std::vector<KpiTable> run_kpis;  // their KPI tables
};

// Summarises a row's digests (one per replicate, any order: they are sorted by replicate first).
SweepRowResult summarize_row(int row, std::vector<RunDigest> digests);

}  // namespace cjsim
