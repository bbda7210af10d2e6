// The engine's expensive self-checks: after every simulated day, the invariants of
// docs/model.md recomputed from scratch. Compiled in always; the day loop calls them only in a
// build with the CMake option CJSIM_VALIDATION (the debug preset), where they cost a pass over
// every customer per day. A violation is a defect of the engine, never of the input:
// std::logic_error naming the day and what broke.
#pragma once

#include "cjsim/results.hpp"
#include "model/model.hpp"
#include "sim/population.hpp"

namespace cjsim {

// Checks day `day`, just accounted (row day + 1 of the stage counts is its end):
//  - the stage counts of the end of the day sum to the population and equal a recount of the
//    customers' stages and segments (conservation, docs/model.md closed form 4);
//  - each channel exposed at most the eligible customers, spent exposures x cost, and has spent
//    at most its current flight's budget (the budget rule);
//  - per segment, first purchases <= purchases, revenue and margin finite and >= 0, margin =
//    revenue x the margin share;
//  - every customer's stage and segment exist, satisfaction is in [0, 1], salience is finite
//    and the exponential clock finite and >= 0.
void validate_day(const Model& m, const Population& pop, const DailySeries& d, int day);

}  // namespace cjsim
