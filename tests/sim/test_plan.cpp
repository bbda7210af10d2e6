// Budget rule of docs/model.md / docs/bench.md rule 2: spend never exceeds a flight's budget, spend
// equals exposures x cost, exposures never exceed the eligible, and at least 99% of a flight is
// spent when enough customers are eligible, unspent allowance carrying over.
#include <catch2/catch.hpp>
#include <cmath>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"

using namespace cjsim;

namespace {

RunResult run_bench(const std::vector<std::string>& overrides) {
  std::vector<std::string> all = {"simulation.customers=40000"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  const Scenario s = load_scenario(std::string(CJSIM_SOURCE_DIR) + "/scenarios/bench.toml", all);
  RunOptions o;
  o.threads = 2;
  return simulate(s.variants.front().def, o);
}

int channel(const RunResult& r, const std::string& name) {
  for (std::size_t c = 0; c < r.names.channels.size(); ++c) {
    if (r.names.channels[c] == name) return static_cast<int>(c);
  }
  FAIL("no channel " << name);
  return -1;
}

// Summed in the engine's unit, integer millionths, so the comparison with a budget is exact.
double spent(const RunResult& r, int c, int from, int to) {
  long long micros = 0;
  for (int t = from; t <= to; ++t)
    micros += std::llround(r.daily.spend[r.daily.at_channel(t, c)] * 1e6);
  return static_cast<double>(micros) / 1e6;
}

}  // namespace

TEST_CASE("budget: per day, spend = exposures x cost and exposures <= eligible", "[budget]") {
  const RunResult r = run_bench({});
  const double cost[] = {0.01, 0.50, 0.05, 2.00, 0.02, 1.00};  // bench.toml, declared order
  for (int t = 0; t < r.daily.days; ++t) {
    for (int c = 0; c < r.daily.channels; ++c) {
      const auto at = r.daily.at_channel(t, c);
      REQUIRE(r.daily.exposed[at] <= r.daily.eligible[at]);
      // Money is kept in integer millionths; the reported figure is exact to those.
      REQUIRE(std::llround(r.daily.spend[at] * 1e6) ==
              std::llround(static_cast<double>(r.daily.exposed[at]) * cost[c] * 1e6));
    }
  }
}

TEST_CASE("budget: never overspent, at least 99% spent when eligible customers abound",
          "[budget]") {
  const RunResult r = run_bench({});
  const int social = channel(r, "social"), search = channel(r, "search");
  // 40,000 customers: social's 200,000 buys 20M contacts, far more than are eligible, so it is
  // capped by the eligible (and must not overspend); search spends its whole budget.
  CHECK(spent(r, social, 0, 364) <= 200'000);
  CHECK(spent(r, search, 0, 364) <= 150'000);
  CHECK(spent(r, search, 0, 364) >= 0.99 * 150'000);
}

TEST_CASE("budget: flights are separate budgets; an idle start carries over", "[budget]") {
  // E-mail reaches loyal and advocate customers, of whom there are none for weeks: the first
  // flight's daily allowance goes unspent early and carries over to the flight's later days.
  const RunResult r =
      run_bench({"channels.email.flights=[{from=0, to=179, amount=3000}, "
                 "{from=200, to=364, amount=4000}]"});
  const int email = channel(r, "email");
  CHECK(spent(r, email, 0, 0) == 0);  // nobody is loyal on day 0
  CHECK(spent(r, email, 0, 179) <= 3000);
  CHECK(spent(r, email, 0, 179) >= 0.99 * 3000);
  CHECK(spent(r, email, 180, 199) == 0);  // between flights
  CHECK(spent(r, email, 200, 364) <= 4000);
  CHECK(spent(r, email, 200, 364) >= 0.99 * 4000);
}

TEST_CASE("budget: a channel with no eligible customers spends nothing", "[budget]") {
  const RunResult r = run_bench(
      {"channels.service.reaches=[\"advocate\"]", "channels.service.lift={}", "simulation.days=5"});
  CHECK(spent(r, channel(r, "service"), 0, 4) == 0);
}
