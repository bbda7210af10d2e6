// Touch paths (sim/touch_paths.cpp): every exposure and purchase recorded per customer, gathered
// by a parallel counting pass and scatter; they agree with the daily series, are the same for any
// thread count and change nothing else.
#include <catch2/catch.hpp>
#include <numeric>

#include "cjsim/simulation.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

TEST_CASE("touch paths: agree with the daily series, same for any thread count, change nothing",
          "[value][paths]") {
  const ScenarioDef def = journey_world();
  RunOptions o;
  o.threads = 1;
  const RunResult plain = simulate(def, o);
  o.touch_paths = true;
  const RunResult one = simulate(def, o);
  o.threads = 2;
  const RunResult two = simulate(def, o);
  const TouchPaths& t = one.touch_paths;
  REQUIRE(t.customers() == def.simulation.customers);
  CHECK(!plain.touch_paths.recorded());
  // Recording is an observer: every other output is the same bits.
  CHECK(plain.daily.purchases == one.daily.purchases);
  CHECK(plain.daily.revenue == one.daily.revenue);
  CHECK(plain.flows == one.flows);
  // Any thread count: the same paths.
  CHECK(t.offsets == two.touch_paths.offsets);
  CHECK(t.day == two.touch_paths.day);
  CHECK(t.event == two.touch_paths.event);
  CHECK(t.value == two.touch_paths.value);
  // Every exposure and purchase is there, once.
  std::vector<std::uint64_t> exposures(def.channels.size(), 0);
  std::uint64_t purchases = 0;
  double revenue = 0;
  for (std::size_t e = 0; e < t.size(); ++e) {
    if (t.event[e] == TouchPaths::kPurchase) {
      ++purchases;
      revenue += static_cast<double>(t.value[e]);
    } else {
      ++exposures.at(t.event[e]);
    }
  }
  for (std::size_t c = 0; c < exposures.size(); ++c) {
    std::uint64_t expected = 0;
    for (int day = 0; day < one.daily.days; ++day) {
      expected += one.daily.exposed[one.daily.at_channel(day, static_cast<int>(c))];
    }
    CHECK(exposures[c] == expected);
  }
  CHECK(purchases ==
        std::accumulate(one.daily.purchases.begin(), one.daily.purchases.end(), std::uint64_t{0}));
  // Order values are stored as float: the sum agrees to float precision.
  CHECK(revenue == Approx(std::accumulate(one.daily.revenue.begin(), one.daily.revenue.end(), 0.0))
                       .epsilon(1e-6));
  // In day order per customer, and a purchase never before that day's exposures.
  for (std::size_t i = 0; i < t.customers(); ++i) {
    for (std::uint64_t e = t.offsets[i] + 1; e < t.offsets[i + 1]; ++e) {
      REQUIRE(t.day[e - 1] <= t.day[e]);
      if (t.day[e - 1] == t.day[e]) {
        REQUIRE(!(t.event[e - 1] == TouchPaths::kPurchase && t.event[e] != TouchPaths::kPurchase));
      }
    }
  }
}
