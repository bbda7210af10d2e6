// Deferred updates of the outcome records (population.hpp). Events land on customers at random
// places in memory; updating a record on the spot costs a cache miss per event (a third of the
// act phase at a million customers). Instead a block logs its updates in time order and applies
// them in bulk, in customer order (a stable counting sort), so the block's records are swept
// nearly sequentially. The decisions that read an outcome (is this a first purchase, may this
// customer churn) read bits of the hot `flags` column instead, so nothing waits for the log.
// Applied in time order per customer, the updates give the same bits as applying them at once.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "sim/population.hpp"

namespace cjsim {

class OutcomeLog {
 public:
  // A transition into `stage` on `day`; a back-step; the first entry into a lost stage after a
  // first purchase (the churn day).
  void moved(std::uint32_t j, int stage, int day, bool back_step, bool churned) {
    add(j, kMoved, static_cast<std::uint8_t>(stage),
        static_cast<std::uint32_t>(day) << 2 | (back_step ? 1u : 0u) | (churned ? 2u : 0u));
  }
  void purchased(std::uint32_t j, float revenue);
  void first_purchase(std::uint32_t j, int day, std::uint8_t source) {
    add(j, kFirst, source, static_cast<std::uint32_t>(day));
  }
  void recommended(std::uint32_t j, std::uint32_t count) { add(j, kReferrals, 0, count); }

  std::size_t size() const { return updates_.size(); }
  void reserve(std::size_t n) { updates_.reserve(n); }
  // Applies every update to records[j] (the block's first record at j = 0) and stages_high[j]
  // (Population::stages_high; null in a world of at most kStagesInRecord stages) and empties
  // the log. `order` and `counts` are scratch (any contents).
  void apply(Outcome* records, std::uint32_t* stages_high, std::vector<std::uint32_t>& order,
             std::vector<std::uint32_t>& counts);

  // First entries into each stage s by a move, counted as the updates are applied (in each
  // customer's time order, so from the bits as they stood at that moment): those made before
  // the customer was ever in stage s + 1, and those made after the customer had been in stage
  // s - 1 (RunResult::stage_firsts). A start in stage s is not a move: the engine adds those.
  struct Firsts {
    std::array<std::uint64_t, 32> before_next{};
    std::array<std::uint64_t, 32> after_previous{};
  };
  const Firsts& firsts() const { return firsts_; }

 private:
  enum Kind : std::uint8_t { kMoved, kPurchase, kFirst, kReferrals };
  struct Update {
    std::uint16_t j;  // block-local customer
    Kind kind;
    std::uint8_t small;   // stage (kMoved), source (kFirst)
    std::uint32_t value;  // day << 2 | churned << 1 | back (kMoved), revenue's bits (kPurchase),
                          // day (kFirst), recommendations (kReferrals)
  };
  void add(std::uint32_t j, Kind kind, std::uint8_t small, std::uint32_t value) {
    updates_.push_back({static_cast<std::uint16_t>(j), kind, small, value});
  }

  std::vector<Update> updates_;
  Firsts firsts_;
};

}  // namespace cjsim
