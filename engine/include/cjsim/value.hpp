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
