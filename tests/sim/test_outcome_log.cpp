// The outcome log (outcome_log.hpp) against updating each record on the spot: the same bits
// whenever the log is applied, since every customer's updates keep their time order; and the
// same counts of first entries into each stage.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "sim/outcome_log.hpp"

using namespace cjsim;

namespace {

Outcome fresh() {
  return Outcome{0.0f, kNoDay, kNoDay, 0, 0, 0, 7, 1u};
}

template <class T>
void add_saturating(T& x, std::uint64_t n) {
  x = static_cast<T>(std::min<std::uint64_t>(std::uint64_t{x} + n, std::numeric_limits<T>::max()));
}

bool same(const Outcome& a, const Outcome& b) {
  return std::memcmp(&a.revenue, &b.revenue, sizeof a.revenue) == 0 &&
         a.stages_low == b.stages_low && a.first_purchase_day == b.first_purchase_day &&
         a.churn_day == b.churn_day && a.purchases == b.purchases && a.back_steps == b.back_steps &&
         a.referrals == b.referrals && a.source == b.source;
}

}  // namespace

TEST_CASE("outcome log: applied now and then, the records equal on-the-spot updates", "[outcome]") {
  constexpr std::uint32_t kCustomers = 8192;
  std::mt19937 g(17);  // 32-bit words
  auto draw = [&g] { return static_cast<std::uint32_t>(g()); };
  std::vector<Outcome> direct(kCustomers, fresh()), logged(kCustomers, fresh());
  // Stages from kStagesInRecord on live beside the records (Population::stages_high).
  std::vector<std::uint32_t> direct_high(kCustomers, 0), logged_high(kCustomers, 0);
  OutcomeLog log;
  std::vector<std::uint32_t> order, counts;
  // First entries into each stage (OutcomeLog::firsts), counted on the spot.
  std::array<std::uint64_t, 32> before_next{}, after_previous{};
  int applies = 0;
  for (int day = 0; day < 400; ++day) {
    // A busy day: a few customers hit many times (revenue sums in time order, referrals and
    // back-steps past saturation), most hit once or not at all.
    for (int k = 0; k < 300; ++k) {
      const std::uint32_t j = draw() % 4 == 0 ? draw() % 16 : draw() % kCustomers;
      Outcome& o = direct[j];
      switch (draw() % 4) {
        case 0: {
          const int stage = static_cast<int>(draw() % 32);
          const bool back = draw() % 3 == 0, churned = draw() % 50 == 0;
          const std::uint32_t reached = o.stages_low | direct_high[j] << kStagesInRecord;
          if (((reached >> stage) & 1u) == 0) {
            if (stage == 31 || ((reached >> (stage + 1)) & 1u) == 0)
              ++before_next[static_cast<std::size_t>(stage)];
            if (stage > 0 && ((reached >> (stage - 1)) & 1u) != 0)
              ++after_previous[static_cast<std::size_t>(stage)];
          }
          if (stage < kStagesInRecord) {
            o.stages_low = static_cast<std::uint8_t>(o.stages_low | 1u << stage);
          } else {
            direct_high[j] |= 1u << (stage - kStagesInRecord);
          }
          if (back) add_saturating(o.back_steps, 1);
          if (churned) o.churn_day = static_cast<std::uint16_t>(day);
          log.moved(j, stage, day, back, churned);
          break;
        }
        case 1: {
          const float value = static_cast<float>(draw() % 100000) / 3.7f;
          add_saturating(o.purchases, 1);
          o.revenue += value;
          log.purchased(j, value);
          break;
        }
        case 2: {
          const auto source = static_cast<std::uint8_t>(draw() % 10);
          o.first_purchase_day = static_cast<std::uint16_t>(day);
          o.source = source;
          log.first_purchase(j, day, source);
          break;
        }
        default: {
          const std::uint32_t n = draw() % 3000;
          add_saturating(o.referrals, n);
          log.recommended(j, n);
          break;
        }
      }
    }
    if (draw() % 9 == 0 || log.size() > 4000) {
      log.apply(logged.data(), logged_high.data(), order, counts);
      ++applies;
    }
  }
  log.apply(logged.data(), logged_high.data(), order, counts);
  REQUIRE(applies > 10);
  REQUIRE(log.size() == 0);
  for (std::uint32_t j = 0; j < kCustomers; ++j) {
    INFO("customer " << j);
    REQUIRE(same(direct[j], logged[j]));
    REQUIRE(direct_high[j] == logged_high[j]);
  }
  CHECK(log.firsts().before_next == before_next);
  CHECK(log.firsts().after_previous == after_previous);
  // Both kinds of first entries happened, in both halves of the mask.
  CHECK(after_previous[3] > 0);
  CHECK(after_previous[20] > 0);
  CHECK(before_next[3] > 0);
  CHECK(before_next[20] > 0);
  // Both halves of the mask were written (stages are drawn from 0 to 31).
  CHECK(direct[1].stages_low != 1u);
  CHECK(direct_high[1] != 0u);
  CHECK(direct[0].referrals == std::numeric_limits<std::uint16_t>::max());  // saturated
}
