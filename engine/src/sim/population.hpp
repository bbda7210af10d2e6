// Per-customer state: hot columns as structure of arrays, outcomes as one record per customer.
//
// Hot columns are read or written by every customer every day (the act phase streams them).
// Outcomes are touched only on events (a transition, a purchase, a recommendation), at random
// places in memory: one 16-byte record per customer makes an event cost one cache line instead
// of one per outcome column, and lets the act phase prefetch it. The records become the
// per-customer table (columns) at the end. Nothing here allocates during a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "cjsim/results.hpp"

namespace cjsim {

// Bits of Population::flags.
inline constexpr std::uint8_t kFlagReferred = 1u << 0;  // recommended yesterday: acts today
// What the act phase decides from a customer's outcome, kept here so that it never waits for
// the outcome record (outcome_log.hpp): a customer already (existing, or bought in the horizon:
// the next purchase is not a first one); acquired in the horizon (may churn); churned.
inline constexpr std::uint8_t kFlagCustomer = 1u << 1;
inline constexpr std::uint8_t kFlagAcquired = 1u << 2;
inline constexpr std::uint8_t kFlagChurned = 1u << 3;

// Last influence before a purchase, in Population::last_touch.
inline constexpr std::uint8_t kTouchNone = 0xff;
inline constexpr std::uint8_t kTouchReferral = 0xfe;

// What a customer has done so far; the fields of CustomerTable that change during a run, in 16
// bytes. Days fit 16 bits (a horizon is at most 36,500 days, scenario_check.cpp), and so do
// purchases (at most one a day). Stages 0-7 reached are a byte here; a world with more stages
// keeps stages 8-31 in Population::stages_high, so most worlds pay 16 bytes and none more than
// the 20 of one record with the whole mask. Trivial, so that a column of them is allocated
// without being written (Engine::init writes every record).
inline constexpr std::uint16_t kNoDay = 0xffff;  // no such day (-1 in the table)
inline constexpr int kStagesInRecord = 8;        // bits of Outcome::stages_low
struct Outcome {
  float revenue;
  std::uint16_t first_purchase_day;  // kNoDay: none yet
  std::uint16_t churn_day;           // kNoDay: none yet
  std::uint16_t purchases;
  std::uint16_t back_steps;
  std::uint16_t referrals;
  std::uint8_t source;
  std::uint8_t stages_low;  // bit s: ever in stage s, for s < kStagesInRecord
};
static_assert(sizeof(Outcome) == 16 && std::is_trivial_v<Outcome>);

// Memory for a population column. Large columns come in transparent huge pages where the
// system offers them (madvise): the act phase reaches outcome records at random, and with 4 KiB
// pages nearly every such access would also miss the TLB; and a huge page is faulted in once
// instead of 512 times.
void* allocate_column(std::size_t bytes, std::size_t alignment);
void free_column(void* p) noexcept;

// A std::vector whose resize leaves trivial elements unwritten: the population is allocated
// in one step and first written by the parallel init, so that its pages are touched (and
// faulted in) by the threads, not by one memset.
template <class T>
struct DefaultInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <class U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_column(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, std::size_t) noexcept { free_column(p); }
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using Column = std::vector<T, DefaultInitAllocator<T>>;

struct Population {
  // --- hot: 20 bytes per customer -------------------------------------------------------
  //   stage 1 | segment 1 | flags 1 | last_touch 1 | salience 4 | satisfaction 4 | clock 8
  Column<std::uint8_t> stage;
  Column<std::uint8_t> segment;
  Column<std::uint8_t> flags;
  Column<std::uint8_t> last_touch;  // channel index, kTouchReferral or kTouchNone
  Column<float> salience;           // adstock A (may be negative after complaints)
  Column<float> satisfaction;       // quality of the latest purchase, in [0,1]
  // Remaining exponential clock: Exp(1) drawn on entering the stage, reduced by each day's
  // total hazard; the customer leaves the stage on the day it reaches zero. Double, because
  // hazards of 1e-5/day must not vanish against a clock near 1 (float's ulp is 6e-8).
  Column<double> clock;
  static constexpr std::size_t kHotBytesPerCustomer = 1 + 1 + 1 + 1 + 4 + 4 + 8;

  // --- individual differences: one multiplier per heterogeneity group, only when there are
  // groups (4 bytes a customer each), drawn once in init ---------------------------------
  std::vector<Column<float>> differences;
  // --- relationship memory: one multiplier per_purchase^bond per relationship, only when there
  // are relationships (4 bytes a customer each), 1 at the start, updated at purchases -------
  std::vector<Column<float>> bond;

  // --- outcome: one record per customer, touched on events ------------------------------
  Column<Outcome> outcome;
  // Stages kStagesInRecord.. reached, shifted down by kStagesInRecord; empty (no memory) in a
  // world of at most kStagesInRecord stages.
  Column<std::uint32_t> stages_high;
  static constexpr std::size_t kOutcomeBytesPerCustomer = sizeof(Outcome);
  // Outcome bytes per customer in a world of `stages` stages.
  static constexpr std::size_t outcome_bytes(int stages) {
    return sizeof(Outcome) + (stages > kStagesInRecord ? sizeof(std::uint32_t) : 0);
  }

  std::size_t size() const { return stage.size(); }
  // Allocates n customers of a world with `stages` stages, unwritten: the caller writes every
  // column of every customer.
  void allocate(std::size_t n, int stages);
  // Marks stage s reached by customer i.
  void reach(std::size_t i, int s) {
    if (s < kStagesInRecord) {
      outcome[i].stages_low = static_cast<std::uint8_t>(outcome[i].stages_low | 1u << s);
    } else {
      stages_high[i] |= 1u << (s - kStagesInRecord);
    }
  }
  std::uint32_t stages_reached(std::size_t i) const {
    const std::uint32_t high = stages_high.empty() ? 0u : stages_high[i] << kStagesInRecord;
    return outcome[i].stages_low | high;
  }
  // The outcome records as the run's table (columns), built in parallel. The population is
  // spent afterwards: its other columns are released first.
  CustomerTable take_table();
};

}  // namespace cjsim
