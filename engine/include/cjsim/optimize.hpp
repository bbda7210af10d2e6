// Budget allocation: share a total across channels (optionally per quarter) to maximise an
// objective, within per-channel bounds, on common random numbers (engine/README.md "Budget
// optimizer").
//
// The objective of an allocation is its mean over replicates 0..R-1; replicate r of every
// allocation shares random streams, so comparing two allocations is a paired comparison and
// the noise that would make a finite difference useless mostly cancels. The search is a
// projected-gradient ascent on {sum = total, bounds}: gradients by central finite differences
// on CRN, each step either along the projected gradient or moving money from the unit of
// lowest marginal return to the highest, accepted only when the objective rises, the step
// halved when neither does, until the step is below `tolerance` x total.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/scenario.hpp"
#include "cjsim/value.hpp"

namespace cjsim {

enum class Objective { profit, revenue, new_customers, ltv };
const char* objective_name(Objective o);
std::optional<Objective> parse_objective(std::string_view text);
// The objective of one run: profit = margin - spend; revenue; new customers; ltv = revenue
// over the horizon from the customers first acquired in it.
double objective_value(Objective o, const RunResult& run);

struct OptimizeOptions {
  double total = 0;  // currency over the horizon, shared by the channels that cost money
  Objective objective = Objective::profit;
  // Per channel (declared order): bounds on its budget over the horizon; empty = 0 .. total.
  std::vector<double> min, max;
  bool quarters = false;  // allocate per channel and quarter (four flights) instead of per channel
  int replicates = 4;
  double tolerance = 0.005;  // stop when the step is below tolerance x total
  int max_rounds = 60;
  EnsembleOptions run;
  std::function<void(const std::string&)> log;  // one line per round, when set
};

struct CurvePoint {
  double budget = 0;
  Estimate change;  // objective minus its value at the optimum (paired)
};

struct OptimizeResult {
  Objective objective = Objective::profit;
  std::vector<std::string> units;         // "search", or "search@q2" with quarters
  std::vector<std::size_t> unit_channel;  // channel index of each unit
  std::vector<double> start, allocation;  // per unit
  std::vector<std::string> channels;      // every channel that costs money (the units' channels)
  std::vector<double> channel_min, channel_max, channel_total;  // per channel (declared order)
  std::vector<bool> at_bound;   // per unit: its channel sits on a bound
  std::vector<bool> saturated;  // per unit: more budget is not spent (it reaches everyone)
  std::vector<Estimate> spent;  // per unit: what it really spent at the allocation
  // Money of the total that no channel can spend: every channel is at the most it was seen to
  // spend (too few eligible customers at its cost) or at its maximum. The allocation then sums
  // to total - unspendable.
  double unspendable = 0;
  // Per channel (declared order): the most it can spend, when it was found unable to spend its
  // budget during the search (NaN otherwise). Its budget is kept at or below this.
  std::vector<double> channel_capacity;
  Estimate value;                       // objective at the allocation
  Estimate start_value;                 // objective of the start (the plan scaled to total)
  Estimate improvement;                 // paired: allocation minus start
  std::vector<Estimate> marginal;       // per unit: d objective / d budget at the allocation
  std::vector<Estimate> marginal_roas;  // per unit: d revenue / d spend at the allocation
  std::vector<std::vector<CurvePoint>> curves;  // per unit: budget x 0.5, 0.75, 1.25, 1.5
  // The marginal intervals of the units neither at a bound nor saturated share a common value.
  bool marginals_agree = false;
  int rounds = 0;
  int evaluations = 0;  // allocations simulated (each over every replicate)
};

// Throws InputError for bounds that cannot be met (sum of minimums above the total, sum of
// maximums below it, a minimum above its maximum) or a non-positive total.
OptimizeResult optimize_budget(const ScenarioDef& def, const OptimizeOptions& options);

}  // namespace cjsim
