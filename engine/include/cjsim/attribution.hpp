// Attribution models computed from touch paths (RunResult::touch_paths), the heuristics
// marketers use and the Markov removal effect, so that each can be held against the ground
// truth of channel_value() (value.hpp). Definitions: engine/README.md "Touch paths and
// attribution".
//
// A path is what a customer saw between two purchases: the channels touched, in order, since
// the customer's previous purchase (or the start of the horizon), ending
//   - in a purchase: a conversion, worth the order value;
//   - at the horizon without one: a null path (only if it has at least one touch).
// A purchase with no touch since the previous one is organic: no model credits it; it is
// counted apart. Customers never touched are organic too and form no path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"

namespace cjsim {

// A unique channel sequence with how often it ended in a conversion, its value, and how often
// it ended at the horizon (ChannelAttribution's input form).
struct PathCount {
  std::vector<std::uint8_t> channels;  // in order; never empty
  double conversions = 0;
  double value = 0;
  double nulls = 0;
};

struct PathSummary {
  std::vector<PathCount> paths;                       // unique paths, sorted by channel sequence
  double conversions = 0, value = 0, nulls = 0;       // over the paths
  double organic_conversions = 0, organic_value = 0;  // purchases with no touch before them
  std::uint64_t untouched_customers = 0;              // never exposed to any channel
};

// Aggregates a run's paths by unique channel sequence.
PathSummary summarize_paths(const TouchPaths& paths);

struct AttributionOptions {
  double half_life_days = 7.0;  // time decay: a touch d days before the purchase weighs 2^(-d/h)
  int markov_order = 1;         // also k-order Markov when > 1 (at most 4)
};

// Credit per channel under one model: conversions and value attributed.
struct ModelCredit {
  std::string model;  // "last_touch", "first_touch", "linear", "time_decay", "position_based",
                      // "markov_1", "markov_<k>"
  std::vector<double> conversions;     // channel
  std::vector<double> value;           // channel
  std::vector<double> removal_effect;  // channel, Markov models only (else empty)
};

struct Attribution {
  std::size_t channels = 0;
  PathSummary summary;
  std::vector<ModelCredit> models;
};

// Every model on one run's paths. Heuristics split each conversion path's one conversion (and
// its value) over its touches: last touch, first touch, linear (equal), time decay (by
// 2^(-days before the purchase / half-life), normalised), position-based (40% first, 40% last,
// 20% shared by the touches between; a two-touch path splits 50/50). Markov: see markov_credit.
Attribution attribute(const TouchPaths& paths, std::size_t channels,
                      const AttributionOptions& options = {});

// Markov-chain removal effect of order k (k = 1: states are channels; k > 1: states are the
// last k channels, shorter at the start of a path) from aggregated paths. The chain runs from
// a start state through the observed transitions to the absorbing states conversion and null;
// P(conversion) = the absorption probability of start, solved with Boost.uBLAS LU on (I - Q).
// Removing channel c sends every transition into a state that contains c to null; the removal
// effect is 1 - P_without_c / P. Conversions and value are credited in proportion to the
// removal effects (ChannelAttribution's rule).
ModelCredit markov_credit(const std::vector<PathCount>& paths, std::size_t channels, int order);

// Models over several runs (replicates): each model's credit per channel as a mean with its
// Student-t interval, and the path counts per run.
struct AttributionSummary {
  std::vector<std::string> models;
  std::vector<std::vector<Estimate>> conversions, value;  // model x channel
  double conversions_per_run = 0, organic_per_run = 0, nulls_per_run = 0, untouched_per_run = 0;
  int runs = 0;
};
AttributionSummary summarize_attribution(const std::vector<Attribution>& runs);

// How far a model's credit is from the truth: half the sum over channels of |model's share of
// all its credit - truth's share of all incremental value| (negative truths count as 0): the
// part of all credit given to the wrong channels, 0 (right) to 1 (all wrong). Shares, because a
// model hands out every touched conversion while single-channel increments add up to anything.
// NaN when either side credits nothing.
double share_error(const std::vector<double>& credit, const std::vector<double>& truth);

}  // namespace cjsim
