// Attribution (analysis/attribution.cpp, analysis/markov_chain.cpp): the Markov removal effect
// on the textbook paths, and paths cut from touch events with every heuristic model, by hand.
#include <catch2/catch.hpp>
#include <numeric>

#include "cjsim/attribution.hpp"

using namespace cjsim;

namespace {

PathCount path(std::vector<std::uint8_t> channels, double conversions, double nulls,
               double value = 0) {
  return PathCount{std::move(channels), conversions, value, nulls};
}

}  // namespace

TEST_CASE("markov: removal effects of the textbook paths", "[attribution]") {
  // C1 > C2 > C3 converts; C1 does not; C2 > C3 does not. P(conversion) = 1/3; without C1 it is
  // 1/6 (effect 0.5), without C2 or C3 it is 0 (effect 1); one conversion shared 0.5 : 1 : 1.
  const std::vector<PathCount> paths = {path({0, 1, 2}, 1, 0, 100.0), path({0}, 0, 1),
                                        path({1, 2}, 0, 1)};
  const ModelCredit m = markov_credit(paths, 3, 1);
  REQUIRE(m.removal_effect.size() == 3);
  CHECK(m.removal_effect[0] == Approx(0.5).margin(1e-12));
  CHECK(m.removal_effect[1] == Approx(1.0).margin(1e-12));
  CHECK(m.removal_effect[2] == Approx(1.0).margin(1e-12));
  CHECK(m.conversions[0] == Approx(0.2).margin(1e-12));
  CHECK(m.conversions[1] == Approx(0.4).margin(1e-12));
  CHECK(m.conversions[2] == Approx(0.4).margin(1e-12));
  CHECK(m.value[0] == Approx(20.0).margin(1e-9));
  // Second order on the same paths: every state still lies on the one converting path, so the
  // effects are the same (C1's removal leaves only the C2 > C3 start).
  const ModelCredit m2 = markov_credit(paths, 3, 2);
  CHECK(m2.removal_effect[0] == Approx(0.5).margin(1e-12));
  CHECK(m2.removal_effect[1] == Approx(1.0).margin(1e-12));
}

TEST_CASE("paths: conversions, nulls, organic purchases and the heuristic models",
          "[attribution]") {
  // Customer 0: a (day 0), b (day 7), purchase 30 (day 7), c (day 10): one converting path
  //   a > b and one null path c. Customer 1: a purchase with no touch (organic), then a (day 3),
  //   b, c (day 3), purchase 10 (day 3). Customer 2: nothing.
  const auto P = TouchPaths::kPurchase;
  TouchPaths t;
  t.offsets = {0, 4, 9, 9};
  t.day = {0, 7, 7, 10, 1, 3, 3, 3, 3};
  t.event = {0, 1, P, 2, P, 0, 1, 2, P};
  t.value = {0, 0, 30, 0, 5, 0, 0, 0, 10};
  AttributionOptions o;
  o.half_life_days = 7;
  const Attribution a = attribute(t, 3, o);
  const PathSummary& s = a.summary;
  CHECK(s.conversions == 2);
  CHECK(s.value == Approx(40));
  CHECK(s.nulls == 1);
  CHECK(s.organic_conversions == 1);
  CHECK(s.organic_value == Approx(5));
  CHECK(s.untouched_customers == 1);
  REQUIRE(s.paths.size() == 3);  // a > b, a > b > c, c
  auto model = [&](const std::string& name) -> const ModelCredit& {
    for (const ModelCredit& m : a.models) {
      if (m.model == name) return m;
    }
    FAIL("no model " << name);
    return a.models.front();
  };
  const ModelCredit& last = model("last_touch");
  CHECK(last.conversions == std::vector<double>{0, 1, 1});
  CHECK(last.value[1] == Approx(30));
  CHECK(model("first_touch").conversions == std::vector<double>{2, 0, 0});
  const ModelCredit& linear = model("linear");
  CHECK(linear.conversions[0] == Approx(0.5 + 1.0 / 3));
  CHECK(linear.conversions[2] == Approx(1.0 / 3));
  // Time decay, half-life 7: on a > b the touch a week before the purchase weighs 1/2 against 1.
  const ModelCredit& decay = model("time_decay");
  CHECK(decay.conversions[0] == Approx(1.0 / 3 + 1.0 / 3));
  CHECK(decay.conversions[1] == Approx(2.0 / 3 + 1.0 / 3));
  // Position-based: a > b splits 50/50; a > b > c gives 40/20/40.
  const ModelCredit& position = model("position_based");
  CHECK(position.conversions[0] == Approx(0.5 + 0.4));
  CHECK(position.conversions[1] == Approx(0.5 + 0.2));
  CHECK(position.conversions[2] == Approx(0.4));
  for (const ModelCredit& m : a.models) {
    CHECK(std::accumulate(m.conversions.begin(), m.conversions.end(), 0.0) ==
          Approx(s.conversions));
  }
}
