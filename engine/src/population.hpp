// Per-customer state: hot columns as structure of arrays, outcomes as one record per customer.
//
// Hot columns are read or written by every customer every day (the act phase streams them).
// Outcomes are touched only on events (a transition, a purchase, a recommendation), at random
// places in memory: one 32-byte record per customer makes an event cost one cache line instead
// of one per outcome column, and lets the act phase prefetch it. The records become the
// per-customer table (columns) at the end. Nothing here allocates during a run.
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

// What a customer has done so far; the fields of CustomerTable that change during a run.
// Aligned to 32 bytes so that a record never straddles two cache lines.
struct alignas(32) Outcome {
  std::int32_t first_purchase_day = -1;
  std::int32_t churn_day = -1;
  std::uint32_t purchases = 0;
  float revenue = 0;
  std::uint32_t stages_reached = 0;
  std::uint16_t back_steps = 0;
  std::uint16_t referrals = 0;
  std::uint8_t source = 0;
};
static_assert(sizeof(Outcome) == 32);

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

  // --- outcome: one record per customer, touched on events ------------------------------
  std::vector<Outcome> outcome;
  static constexpr std::size_t kOutcomeBytesPerCustomer = sizeof(Outcome);

  std::size_t size() const { return stage.size(); }
  void resize(std::size_t n);
  // The outcome records as the run's table (columns). The population is spent afterwards: its
  // other columns are released first, so the table is built without holding all of the state.
  CustomerTable take_table();
};

}  // namespace cjsim
