// What each channel is really worth: ground truth by counterfactual on common random numbers
// (engine/README.md "Channel value"), and the budget edits it rests on, which the optimizer
// shares (optimize.hpp). The runs go through cjsim/ensemble.hpp.
//
// For every channel the same world is re-run with the channel removed (budget 0: it exposes
// nobody) and with its budget scaled by 1 - step and 1 + step. Replicate r of every variant
// uses the streams of replicate r of the baseline, so each difference is paired and most of the
// noise cancels: incremental new customers, purchases, revenue, margin, profit, ROAS and
// marginal ROAS, each with a Student-t confidence interval over the replicates.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/ensemble.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

// --- budget edits -----------------------------------------------------------------------------

// A channel's budget over the horizon: the sum of its flights.
double channel_budget(const ChannelDef& channel);
// Multiplies every flight of the channel by `factor` (>= 0). Factor 0 removes the channel: with
// every flight at 0 it exposes nobody; a free channel (cost 0), which exposes whoever it reaches
// whatever its budget, loses its lifts, salience weight and quality instead. Either way the
// channel keeps its index, so the other channels keep their random streams.
void scale_channel(ScenarioDef& def, std::size_t channel, double factor);
// Sets the channel's horizon budget to `amount`, keeping the shape of its flights; a channel
// with no budget gets one flight over the whole horizon.
void set_channel_budget(ScenarioDef& def, std::size_t channel, double amount);

// --- budgets that cannot be spent ----------------------------------------------------------------

// A channel that left money unspent. The engine spends at least 99% of a flight whenever enough
// customers are eligible (docs/model.md "Budget rule"), so more than 1% left means the channel
// ran out of customers to pay for: its stages and segments held too few at its cost per contact.
struct Underspend {
  std::string channel;
  double budget = 0;          // its flights over the horizon
  double spent = 0;           // mean over the runs
  double most = 0;            // what exposing every eligible customer every flight day would cost
  double eligible_a_day = 0;  // mean eligible customers a flight day
  int exhausted_days = 0;     // flight days it exposed every eligible customer (mean, rounded)
  int flight_days = 0;
  double left() const { return budget - spent; }
};

// Channels (cost > 0) of `def` that spent less than 99% of their budget, on average over `runs`
// (the daily series of runs of `def`). Empty when every budget was spent.
std::vector<Underspend> find_underspend(const ScenarioDef& def,
                                        const std::vector<const DailySeries*>& runs);
// The same from each channel's mean spend only (what a sweep table keeps): no cause measured.
std::vector<Underspend> find_underspend(const ScenarioDef& def,
                                        const std::vector<double>& spend_per_channel);
// "channel 'social' spent 113,412 of its 200,000 (86,588 left): ..." with the cause in words.
std::string describe(const Underspend& u);

// Before running: channels whose budget exceeds what they could possibly spend, by an upper
// bound on their eligible customers (every customer of their segments every flight day, or, for
// stages nobody enters after the start, the customers who start there). Messages for validate.
std::vector<std::string> unspendable_budgets(const ScenarioDef& def);

// --- channel value ----------------------------------------------------------------------------

// One number of the value table: a measure of one channel under one counterfactual, optionally
// broken down by segment and stage.
struct ChannelValueRow {
  std::string channel;
  std::string counterfactual;  // "removed", "minus", "plus", or "baseline"
  std::string measure;         // e.g. "incremental.revenue", "roas", "marginal_roas"
  std::string segment;         // "" = all segments
  std::string stage;           // "" = not by stage
  Estimate estimate;
};

struct ValueOptions {
  int replicates = 10;
  double step = 0.10;    // the budget change of the marginal counterfactuals (+-10%)
  bool marginal = true;  // run the -step/+step counterfactuals (false: removal only, 1/3 the runs)
  EnsembleOptions
      run;  // one thread per run by default; replicate r of every world keys the same streams
  // Baseline runs are handed here (replicate order not guaranteed, never two at once) when
  // set, e.g. to write them to a file; touch paths are recorded in them when asked.
  std::function<void(int, RunResult&&)> baseline;
  bool baseline_touch_paths = false;
};

struct ChannelValue {
  std::vector<std::string> channels, segments, stages;
  int replicates = 0;
  double step = 0.10;
  std::vector<ChannelValueRow> rows;  // every measure, channel by channel
  // The estimate of one row; nullptr when absent.
  const ChannelValueRow* find(const std::string& channel, const std::string& measure,
                              const std::string& segment = "", const std::string& stage = "") const;
};

// Measures, per channel (segment and stage "" unless said):
//   baseline:  spend (the channel's own spend in the baseline)
//   removed:   incremental.{new_customers, purchases, revenue, margin, spend, profit}
//              = baseline - without the channel (spend: all channels; profit = margin - spend);
//              roas = incremental.revenue / the channel's spend (AMSS's true ROAS);
//              incremental.new_customers and incremental.revenue per segment;
//              incremental.leads per stage x segment (customers who reached the stage)
//   minus/plus: marginal.{new_customers, revenue, profit} per unit of spend and marginal_roas,
//              central differences between the +step and -step runs (on "plus"), NaN when the
//              channel's spend does not move (free or saturated channel)
ChannelValue channel_value(const ScenarioDef& def, const ValueOptions& options);

}  // namespace cjsim
