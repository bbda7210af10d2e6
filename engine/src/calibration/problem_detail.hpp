// Internals of the fit problem shared by its files: a run's series per period, the forecast's
// extended world, and a replayed experiment's estimate.
#pragma once

#include <string>
#include <vector>

#include "cjsim/calibrate.hpp"

namespace cjsim {

namespace detail {

// The target `name` of a run on the market scale: per period ("new_customers",
// "exposures.search", "stock.loyal", ...) or the customer histograms' bins ("customers":
// purchases per customer, then recency), counted over `periods`.
std::vector<double> target_values(const RunResult& run, const std::string& name,
                                  const std::vector<Period>& periods, double scale);

// The purchases of a run (recorded with RunOptions::purchase_paths) as histories.
PurchaseHistories purchase_histories(const RunResult& run);

// What the planner's estimator gives on a simulated run of the test (ExperimentSpec), on the
// market scale.
double experiment_estimate(const RunResult& run, const ExperimentSpec& e, std::int32_t day0,
                           double scale);

}  // namespace detail

// Lengthens `def` by `extra_days` after the observed periods: every channel spends
// `future_spend[c][day]` (per simulated customer) on the new days, or, when empty, the mean
// daily spend of the last 13 observed periods (or all, if fewer).
void extend_world(ScenarioDef& def, const FitProblem& problem, int extra_days,
                  const std::vector<std::vector<double>>& future_spend);

}  // namespace cjsim
