// Per-customer state as structure of arrays: one column per attribute, narrow types.
//
// Hot columns are read or written by every customer every day (the act phase streams them);
// outcome columns are touched only on events (a transition, a purchase, a recommendation) and
// become the per-customer table at the end. Nothing here allocates during a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cjsim/results.hpp"

namespace cjsim {

// Bits of Population::flags.
inline constexpr std::uint8_t kFlagReferred = 1u << 0;  // recommended yesterday: acts today

// Last influence before a purchase, in Population::last_touch.
inline constexpr std::uint8_t kTouchNone = 0xff;
inline constexpr std::uint8_t kTouchReferral = 0xfe;

struct Population {
  // --- hot: 20 bytes per customer -------------------------------------------------------
  //   stage 1 | segment 1 | flags 1 | last_touch 1 | salience 4 | satisfaction 4 | clock 8
  std::vector<std::uint8_t> stage;
  std::vector<std::uint8_t> segment;
  std::vector<std::uint8_t> flags;
  std::vector<std::uint8_t> last_touch;  // channel index, kTouchReferral or kTouchNone
  std::vector<float> salience;           // adstock A (may be negative after complaints)
  std::vector<float> satisfaction;       // quality of the latest purchase, in [0,1]
  // Remaining exponential clock: Exp(1) drawn on entering the stage, reduced by each day's
  // total hazard; the customer leaves the stage on the day it reaches zero. Double, because
  // hazards of 1e-5/day must not vanish against a clock near 1 (float's ulp is 6e-8).
  std::vector<double> clock;
  static constexpr std::size_t kHotBytesPerCustomer = 1 + 1 + 1 + 1 + 4 + 4 + 8;

  // --- outcome: 25 bytes per customer, touched on events ----------------------------------
  //   first_purchase_day 4 | churn_day 4 | purchases 4 | revenue 4 | back_steps 2 |
  //   referrals 2 | stages_reached 4 | source 1
  std::vector<std::int32_t> first_purchase_day;
  std::vector<std::int32_t> churn_day;
  std::vector<std::uint32_t> purchases;
  std::vector<float> revenue;
  std::vector<std::uint16_t> back_steps;
  std::vector<std::uint16_t> referrals;
  std::vector<std::uint32_t> stages_reached;
  std::vector<std::uint8_t> source;
  static constexpr std::size_t kOutcomeBytesPerCustomer = 4 + 4 + 4 + 4 + 2 + 2 + 4 + 1;

  std::size_t size() const { return stage.size(); }
  void resize(std::size_t n);
  // Moves the outcome columns out as the run's table (the population is spent afterwards).
  CustomerTable take_table();
};

}  // namespace cjsim
