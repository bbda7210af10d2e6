// Channels acting on customers (sim/act.cpp, sim/plan.cpp), against closed forms computed here
// from docs/model.md: a lift L multiplies the hazard on the exposure day, as L^r for a segment of
// responsiveness r; an exposure adds weight x r to the ad memory, which decays by 0.9 a day and
// scales salience edges by the Hill factor; the acquisition source is the last channel that
// touched the customer before the first purchase (the higher channel when two touch the same
// day), or organic; CAC is spend over new customers. Family-wise false-alarm rate 1e-6; every
// check states the smallest relative error it detects.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>

#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "stat_checks.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

// unaware -> bought at r0 a day. Channels a and b reach every customer in both stages, so each
// day a exposes a share p_a and b a share p_b of everyone, independently of the past: a
// customer's exposures are independent Bernoulli draws from day to day. Three segments of
// responsiveness 1, 0.5 and 2.
struct SourceWorld {
  double r0 = 0.004, pa = 0.05, pb = 0.03, la = 8, lb = 20;
  int days = 40;
  std::uint64_t n = 600'000;
  std::vector<double> responsiveness{1.0, 0.5, 2.0};
  ScenarioDef def() const {
    ScenarioDef d = default_scenario();
    d.simulation.customers = n;
    d.simulation.days = days;
    d.simulation.seed = 13;
    d.segments = {segment("one", 0.4, 1.0), segment("half", 0.3, 1.0), segment("two", 0.3, 1.0)};
    for (std::size_t g = 0; g < 3; ++g) d.segments[g].responsiveness = responsiveness[g];
    d.stages = {stage("unaware", Role::unaware, 1.0), stage("bought", Role::purchase)};
    d.edges = {edge("unaware", "bought", r0)};
    auto channel = [&](std::string name, double share, double lift) {
      ChannelDef c;
      c.name = std::move(name);
      c.cost = 1;
      // Whole contacts a day: share x n each day, paced evenly (docs/model.md "Budget rule").
      c.flights = {FlightDef{0, days - 1, std::round(share * static_cast<double>(n)) * days}};
      c.reaches = {"unaware", "bought"};
      c.lifts = {{"unaware -> bought", lift}};
      c.salience = 0;
      return c;
    };
    d.channels = {channel("a", pa, la), channel("b", pb, lb)};
    return d;
  }
  // P(first purchase with source a, b, organic) by day `days` for responsiveness r: a dynamic
  // programme over (last touch so far), each day one of four exposure patterns.
  std::array<double, 3> sources(double r) const {
    std::array<double, 3> alive = {1, 0, 0};   // not bought yet, last touch none / a / b
    std::array<double, 3> bought = {0, 0, 0};  // by source: organic, a, b
    const double patterns[4][3] = {            // {probability, a exposed, b exposed}
                                   {(1 - pa) * (1 - pb), 0, 0},
                                   {pa * (1 - pb), 1, 0},
                                   {(1 - pa) * pb, 0, 1},
                                   {pa * pb, 1, 1}};
    for (int t = 0; t < days; ++t) {
      std::array<double, 3> next = {0, 0, 0};
      for (int last = 0; last < 3; ++last) {
        for (const auto& pat : patterns) {
          const double mass = alive[static_cast<std::size_t>(last)] * pat[0];
          // The last touch after today's exposures: b if b touched (the higher channel), else a
          // if a did, else unchanged.
          const int touch = pat[2] != 0 ? 2 : pat[1] != 0 ? 1 : last;
          const double h =
              r0 * std::pow(pat[1] != 0 ? la : 1.0, r) * std::pow(pat[2] != 0 ? lb : 1.0, r);
          bought[static_cast<std::size_t>(touch)] += mass * (1 - std::exp(-h));
          next[static_cast<std::size_t>(touch)] += mass * std::exp(-h);
        }
      }
      alive = next;
    }
    return bought;  // index 0 organic, 1 a, 2 b
  }
};

}  // namespace

TEST_CASE("lifts: L^responsiveness on the exposure day, the last touch as the source, CAC",
          "[lifts]") {
  const SourceWorld w;
  const ScenarioDef d = w.def();
  RunOptions o;
  o.threads = 2;
  const RunResult run = simulate(d, o);
  const CustomerTable& c = run.customers;
  const Names& names = run.names;
  Family family;
  double expected_new = 0, var_new = 0;
  for (std::size_t g = 0; g < 3; ++g) {
    double ng = 0, organic = 0, by_a = 0, by_b = 0;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c.segment[i] != g) continue;
      ng += 1;
      if (c.first_purchase_day[i] < 0) continue;
      organic += c.source[i] == names.source_organic();
      by_a += c.source[i] == 0;
      by_b += c.source[i] == 1;
    }
    const std::array<double, 3> p = w.sources(w.responsiveness[g]);
    const std::string seg = d.segments[g].name;
    auto add = [&](const std::string& what, double count, double share) {
      family.add(seg + ": " + what, count, ng * share, std::sqrt(ng * share * (1 - share)));
    };
    add("organic first purchases", organic, p[0]);
    add("first purchases last touched by a", by_a, p[1]);
    add("first purchases last touched by b", by_b, p[2]);
    const double any = p[0] + p[1] + p[2];
    expected_new += ng * any;
    var_new += ng * any * (1 - any);
  }
  // The responsiveness really bends the lift: the three segments' predictions are far apart.
  REQUIRE(w.sources(0.5)[1] < 0.8 * w.sources(1.0)[1]);
  REQUIRE(w.sources(2.0)[1] > 1.2 * w.sources(1.0)[1]);
  // CAC = spend / new customers; spend is the budget exactly (enough customers are eligible
  // every day), so its standard error is the budget x that of 1 / new customers.
  const KpiTable k = compute_kpis(run);
  double budget = 0;
  for (const ChannelDef& ch : d.channels) budget += ch.flights[0].amount;
  CHECK(k.value("spend") == Approx(budget).epsilon(1e-12));
  family.add("new customers", k.value("new_customers"), expected_new, std::sqrt(var_new));
  family.add("cac", k.value("cac"), budget / expected_new,
             budget * std::sqrt(var_new) / (expected_new * expected_new));
  CHECK(family.check() == 0);
}

TEST_CASE(
    "salience: an exposure adds weight x responsiveness, decays 0.9 a day, and scales "
    "salience edges by the Hill factor",
    "[lifts]") {
  // Everyone is exposed once, on day 0 (a free-for-all flight of n contacts), then never again.
  // A salience edge unaware -> aware at r0: with A_t = 0.9^t w r after day t's update, a customer
  // is still unaware after T days with probability prod_t exp(-r0 H(A_t)), H(A) = 1 + A^2 /
  // (A^2 + 4) (beta 1, half 2, shape 2).
  const double r0 = 0.03, weight = 1.5;
  const int days = 20;
  ScenarioDef d = default_scenario();
  d.simulation.customers = 120'000;
  d.simulation.days = days;
  d.simulation.seed = 17;
  d.segments = {segment("plain", 0.5, 1.0), segment("keen", 0.5, 1.0)};
  d.segments[1].responsiveness = 2.5;
  d.stages = {stage("unaware", Role::unaware, 1.0), stage("aware", Role::journey),
              stage("buy", Role::purchase)};
  d.edges = {edge("unaware", "aware", r0), edge("aware", "buy", 0.0)};  // nobody buys here
  d.edges[0].salience = true;
  ChannelDef ch;
  ch.name = "blast";
  ch.cost = 1;
  ch.flights = {FlightDef{0, 0, static_cast<double>(d.simulation.customers)}};
  ch.reaches = {"unaware", "aware"};
  ch.salience = weight;
  d.channels = {ch};
  RunOptions o;
  o.threads = 2;
  const RunResult run = simulate(d, o);
  REQUIRE(run.daily.exposed[0] == d.simulation.customers);
  Family family;
  for (int g = 0; g < 2; ++g) {
    const double r = d.segments[static_cast<std::size_t>(g)].responsiveness;
    double stay = 1, a = 0;
    for (int t = 0; t < days; ++t) {
      a = 0.9 * a + (t == 0 ? weight * r : 0.0);
      stay *= std::exp(-r0 * (1 + a * a / (a * a + 4)));
    }
    const auto ng = static_cast<double>(run.daily.stage_counts[run.daily.at_stage(0, 0, g)]);
    const auto aware = static_cast<double>(run.daily.stage_counts[run.daily.at_stage(days, 1, g)]);
    family.add(d.segments[static_cast<std::size_t>(g)].name + ": aware after 20 days", aware,
               ng * (1 - stay), std::sqrt(ng * stay * (1 - stay)));
  }
  CHECK(family.check() == 0);
}
