// Fitting a journey world to a planner's observed data (cjsim calibrate): the [calibrate] table
// of a scenario, the fit problem (the world with the observed spend, the statistics a run is
// compared by), the sensitivity screen, ABC-SMC over the world (abc.hpp), the posterior and its
// predictions, and the calibration file. Reference: scenarios/README.md "calibrate" for the keys,
// results/README.md "Calibration files" for the file, engine/README.md "Calibration" for the
// method.
//
// The order of work in calibrate():
//   1. screen: every parameter moved from its prior's 10% to its 90% quantile (the others at
//      their medians), on common random numbers, to see which targets it moves and whether two
//      parameters move them alike (the data cannot tell them apart);
//   2. ABC-SMC on the variance-stabilised statistics (square roots of period counts and money,
//      scaled to the market), each simulation with a fresh seed;
//   3. `draws` posterior draws resampled and simulated again with fresh seeds: predictive bands
//      per target and period, and a posterior predictive check per target.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/abc.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/observed.hpp"
#include "cjsim/optimize.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/value.hpp"

namespace cjsim {

// ---- the [calibrate] table ------------------------------------------------------------------

// One coordinate of the fit. A prior written with a wildcard ("channels.*.salience") makes one
// parameter per name unless `shared = true`, which makes one parameter setting every key.
struct FitParameter {
  std::string name;               // the key path, or the wildcard path when shared
  std::vector<std::string> keys;  // the dotted key paths it sets
  SourcePlace place;              // its line in [calibrate.priors]
};

// A series the fit compares, with its weight in the distance.
struct TargetSpec {
  std::string name;  // an observed column ("new_customers", "entered.lead", ...) or "customers"
  double weight = 1.0;
  SourcePlace place;
};

// A test the planner ran: `channel` held out for a share of customers over [from, to] (dates),
// and the incremental `measure` it found among the customers not held out, with its standard
// error. Replayed in every simulation and compared with `result` on the scale of `se`.
struct ExperimentSpec {
  std::string name;
  std::string channel;
  double holdout = 0.2;
  std::int32_t from = 0, to = 0;      // days since 1970-01-01, inclusive
  std::string measure = "purchases";  // "purchases", "new_customers" or "revenue"
  double result = 0.0, se = 0.0;
  SourcePlace place;
};

struct CalibrateSettings {
  std::vector<std::string> observed;  // files, relative to the current folder
  SourcePlace observed_place;
  std::optional<std::int32_t> from, to;  // the window (dates)
  SourcePlace from_place, to_place;
  std::string period = "week";  // an event log alone: "week" or "month"
  SourcePlace period_place;
  double scale = 1.0;  // market customers per simulated customer
  SourcePlace scale_place;
  int draws = 100;            // posterior draws simulated for predictions
  int forecast = 13;          // periods forecast past the data for the report (0: none)
  int value_draws = 10;       // posterior draws of channel value for the report (0: none)
  int screen_replicates = 4;  // common-random-number replicates per screen point
  AbcOptions smc;             // particles, budget, quantile, min_acceptance, generations
};

struct CalibrationSpec {
  CalibrateSettings settings;
  PriorSet priors;                       // Parameter::name == FitParameter::name
  std::vector<FitParameter> parameters;  // parallel to priors.parameters
  std::vector<TargetSpec> targets;       // empty: every observed series but spend, weight 1
  std::vector<ExperimentSpec> experiments;
};

// Reads [calibrate] of the document: every key checked with its place and a fix (unknown keys
// with did-you-mean, key paths the scenario does not have, impossible priors). Paths are
// checked against the document (a prior's median must build a valid scenario). Throws one
// InputError listing the problems.
CalibrationSpec read_calibrate_section(const ScenarioDocument& doc);

// ---- the fit problem ------------------------------------------------------------------------

// What one statistic of the distance is.
struct StatisticInfo {
  int target = 0;   // index into FitProblem::targets()
  int period = -1;  // period index, or -1
  int bin = -1;     // histogram bin, or -1
};

// A world ready to fit: the scenario (one variant) with the observed spend as its flights over
// the observed periods, and how a run is turned into the statistics the data are compared with.
class FitProblem {
 public:
  // Throws InputError: a target no observed column provides, spend the channel cannot be given
  // (a channel without money), an experiment outside the periods or on an unknown channel.
  FitProblem(const ScenarioDocument& doc, const std::string& variant, CalibrationSpec spec,
             ObservedData observed);

  const CalibrationSpec& spec() const { return spec_; }
  const ObservedData& observed() const { return observed_; }
  const std::string& variant() const { return variant_; }
  const std::vector<TargetSpec>& targets() const { return targets_; }
  const std::vector<StatisticInfo>& statistic_info() const { return info_; }
  const AbcDistance& distance() const { return distance_; }
  // The document the fit builds worlds from (observed spend applied).
  const ScenarioDocument& document() const { return doc_; }

  // The world at parameters theta (natural scale), over `extra_days` more days after the
  // observed periods with `future_spend` per channel and day (empty: the last 13 periods'
  // mean daily spend continued). Throws InputError when theta gives an invalid scenario.
  ScenarioDef world(const std::vector<double>& theta) const;
  ScenarioDef world(const std::vector<double>& theta, int extra_days,
                    const std::vector<std::vector<double>>& future_spend) const;
  // The document at theta (for --write-scenario and stored worlds).
  ScenarioDocument document_at(const std::vector<double>& theta) const;

  RunOptions run_options() const;  // single-threaded, what the statistics need recorded
  // The statistics of a run, in distance() order (square roots of market-scaled values; raw
  // estimates for experiments).
  std::vector<double> statistics(const RunResult& run) const;
  // A target's series of a run on the market scale (no square root), per period or bin.
  std::vector<double> target_values(const RunResult& run, int target) const;
  // Observed spend the simulation did not spend, per (channel, period): the periods where a
  // run spent less than 98% of what was observed.
  std::vector<std::string> underspent(const RunResult& run) const;

 private:
  ScenarioDocument doc_;
  std::string variant_;
  CalibrationSpec spec_;
  ObservedData observed_;
  std::vector<TargetSpec> targets_;
  std::vector<StatisticInfo> info_;
  AbcDistance distance_;
  std::vector<std::vector<double>> spend_;  // channel x period: observed spend / scale, NaN
  bool needs_purchases_ = false;
};

// ---- the calibration ------------------------------------------------------------------------

// The sensitivity screen: for parameter i and target k, the change of the target's statistics
// when the parameter goes from its prior's 10% to its 90% quantile, in units of their noise
// (root mean square over periods of the paired difference over the screen's replicates, divided
// by the sd of the replicates at the centre).
struct Screen {
  std::vector<std::string> parameters, targets;
  std::vector<double> effect;  // parameters x targets
  std::vector<bool> flat;      // per parameter: no target moves by more than 2 noise units
  // Pairs whose effects on all statistics are nearly proportional (|cosine| > 0.95): the data
  // cannot tell them apart.
  std::vector<std::pair<int, int>> collinear;
  std::vector<double> cosine;  // per collinear pair
  std::vector<std::string> advice;
  int simulations = 0;
};

// Posterior predictive summary of one target: bands per period (or bin) and a check.
struct PredictiveTarget {
  std::string name;
  std::vector<double> observed;                 // market scale, NaN = missing
  std::vector<double> p05, p25, p50, p75, p95;  // over the posterior draws' simulations
  double ppp = 0.0;         // posterior predictive p-value of the chi-square discrepancy
  double coverage90 = 0.0;  // share of observed values inside the 5-95% band
};

struct ParameterSummary {
  std::string name;
  std::string prior;  // "lognormal(median 0.04, sigma 0.7)"
  double prior_p05 = 0, prior_p50 = 0, prior_p95 = 0;
  double mean = 0, p05 = 0, p50 = 0, p95 = 0;  // posterior (weighted particles)
  // Posterior 90% interval width over the prior's: near 1 means the data say nothing about it.
  double shrinkage = 0;
  bool uninformed = false;  // the interval kept more than 80% of the prior's width
};

// The fitted world run beyond the observed periods, once per posterior draw with a fresh seed:
// predictive bands per target and future period, and, when later observations are given, the
// error of the median forecast per target beside the naive forecast that carries the last 13
// periods' mean forward.
struct ForecastError {
  std::string target;
  double bias = 0;        // (sum of median forecasts - sum observed) / sum observed
  double mape = 0;        // mean over periods of |median - observed| / observed (observed > 0)
  double coverage90 = 0;  // share of observed periods inside the 5-95% band
  double naive_bias = 0, naive_mape = 0;  // the last 13 periods' mean, carried forward
  int periods = 0;                        // periods compared
};

struct Forecast {
  std::int32_t day0 = 0;
  std::vector<Period> periods;            // the future periods, days from day 0
  std::vector<PredictiveTarget> targets;  // series targets over `periods` (observed: later data)
  std::vector<ForecastError> errors;      // when later data were given
  int draws = 0;
};

// Channel value over posterior draws: for each of `draws` posterior worlds (the fitted window,
// with its observed spend) cjsim value's counterfactuals on common random numbers, with a fresh
// seed per draw. Per channel and measure, the quantiles over draws of the per-draw mean: a
// credible interval that holds the parameters' uncertainty, beside the simulation noise alone
// (the mean half-width of the per-draw 95% intervals).
struct PosteriorMeasure {
  std::string channel, measure;  // measure: roas, marginal_roas, incremental.revenue, ...
  double mean = 0, p05 = 0, p50 = 0, p95 = 0;
  double noise = 0;  // mean half-width of the per-draw confidence intervals
  int draws = 0;     // draws where the measure was defined
};
struct PosteriorValue {
  std::vector<PosteriorMeasure> rows;
  int draws = 0, replicates = 0;
  const PosteriorMeasure* find(const std::string& channel, const std::string& measure) const;
};
struct CalibrationResult {
  std::string variant;
  std::vector<FitParameter> parameters;
  PriorSet priors;
  std::vector<TargetSpec> targets;
  std::vector<StatisticInfo> statistic_info;
  AbcDistance distance;
  AbcState abc;
  Screen screen;
  std::vector<std::vector<double>> draws;  // resampled posterior draws (theta)
  std::vector<std::uint64_t> draw_seeds;   // the fresh seed each draw's predictive run used
  std::vector<PredictiveTarget> predictive;
  std::vector<ParameterSummary> summary;
  std::vector<double> median;         // per parameter (posterior, marginal)
  std::vector<std::string> warnings;  // underspent periods at the posterior, etc.
  Forecast forecast;                  // calibrate.forecast periods past the data (none when 0)
  PosteriorValue value;  // channel value over calibrate.value_draws draws (none when 0)
  std::uint64_t seed = 0;
  double scale = 1.0;
  int threads = 0;
  double seconds_simulating = 0, seconds_total = 0;
};

struct CalibrateProgress {
  std::string phase;  // "screen", "abc", "predictive"
  AbcProgress abc;
  int done = 0, total = 0;  // screen and predictive simulations
};

struct CalibrateOptions {
  int threads = 0;                    // 0: every core; each simulation on one thread
  std::optional<std::uint64_t> seed;  // the calibration's seed (default: simulation.seed)
  bool screen = true;                 // false: no sensitivity screen (tests of the posterior)
  std::function<void(const CalibrateProgress&)> progress;  // may throw to cancel
  // After each generation (and after the screen): what a resume needs. Write it somewhere safe.
  std::function<void(const AbcState&, const Screen&)> checkpoint;
};

// Runs the screen (unless `screen` is given: resumed), ABC-SMC (continuing `resume` when given)
// and the posterior predictive simulations.
CalibrationResult calibrate(const FitProblem& problem, const CalibrateOptions& options,
                            std::optional<Screen> screen = std::nullopt,
                            std::optional<AbcState> resume = std::nullopt);

// Marginal summaries (weighted quantiles) of a population against the priors.
std::vector<ParameterSummary> summarize_posterior(const PriorSet& priors,
                                                  const std::vector<AbcParticle>& population);

// The scenario's text at the posterior median: every fitted key written in the file gets its
// median, with a comment giving its 90% interval and prior; a header lists every parameter, and
// keys the file does not write (defaults) as --set lines to apply.
std::string fitted_scenario_text(const ScenarioDocument& doc, const CalibrationResult& result);

// Fails early (RuntimeError with the fix) when `path` cannot be written: a missing or read-only
// folder.
void check_calibration_output(const std::string& path);

// ---- forecasts ------------------------------------------------------------------------------

struct ForecastOptions {
  int periods = 0;                    // future periods (of the data's frequency)
  std::optional<ObservedData> later;  // later observations: their spend is used, outcomes compared
  int draws = 0;                      // posterior draws to run (0: all the file has)
  int threads = 0;
  std::function<void(int, int)> progress;  // (done, total); may throw to cancel
};

// The periods after the observed ones: weeks, months (a monthly fit) or the last period's length.
std::vector<Period> future_periods(const ObservedData& observed, int count);

// Throws InputError when later data do not start where the fitted window ends.
Forecast forecast(const FitProblem& problem, const CalibrationResult& result,
                  const ForecastOptions& options);

// ---- decisions under uncertainty ------------------------------------------------------------

PosteriorValue posterior_channel_value(const FitProblem& problem, const CalibrationResult& result,
                                       int draws, const ValueOptions& options);

// The optimizer over posterior draws: the best split in each draw's world (common random numbers
// within a draw, a fresh seed per draw), and in the posterior-median world. Per unit, the median
// and 90% interval of the best allocation over draws; the objective at each draw's optimum.
struct PosteriorAllocation {
  std::vector<std::string> units;
  std::vector<double> median_world;   // the allocation in the posterior-median world
  std::vector<double> p05, p50, p95;  // per unit, over draws
  double objective_p05 = 0, objective_p50 = 0, objective_p95 = 0;
  double gain_p05 = 0, gain_p50 = 0, gain_p95 = 0;  // over the start (the plan scaled to total)
  OptimizeResult median;                            // the posterior-median world's full result
  int draws = 0;
};
PosteriorAllocation posterior_optimize(const FitProblem& problem, const CalibrationResult& result,
                                       int draws, const OptimizeOptions& options,
                                       const std::function<void(int, int)>& progress = {});

// ---- the calibration file -------------------------------------------------------------------

// Everything a later command needs: the scenario's text and the --set overrides (the world is
// rebuilt from them), the observed data as read, and the result.
struct CalibrationFile {
  FileMeta meta;
  std::vector<std::string> overrides;
  ObservedData observed;
  CalibrationResult result;
};

// Writes a hidden temporary file beside `path` and renames it (RuntimeError: disk full, ...).
void write_calibration_file(const std::string& path, const FileMeta& meta,
                            const std::vector<std::string>& overrides, const FitProblem& problem,
                            const CalibrationResult& result);
// InputError naming the file when it is missing, not a calibration file, or damaged.
CalibrationFile read_calibration_file(const std::string& path);
// The fit problem the file was made from (its scenario text, overrides and observed data).
FitProblem fit_problem_from(const CalibrationFile& file);

// What --resume continues from: the screen and the last finished generation, with a fingerprint
// of everything the calibration depends on (a changed input refuses to resume).
struct Checkpoint {
  std::string fingerprint;
  Screen screen;
  AbcState state;
};
void write_checkpoint(const std::string& path, const std::string& fingerprint,
                      const FitProblem& problem, const Screen& screen, const AbcState& state);
Checkpoint read_checkpoint(const std::string& path, const FitProblem& problem);

}  // namespace cjsim
