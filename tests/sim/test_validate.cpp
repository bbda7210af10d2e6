// sim/validate: the debug preset's self-checks (CJSIM_VALIDATION) accept a consistent day and
// catch each broken invariant they promise to, on a hand-made population; and, in a build that
// calls them (the debug preset), a real run passes them every day.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "model/model.hpp"
#include "sim/population.hpp"
#include "sim/validate.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

struct Day {
  ScenarioDef def;
  Model model;
  Population pop;
  DailySeries d;
};

// Two stages, one segment, one channel with 10 units over days 0..1 at cost 1; four customers,
// three unaware and one who bought; day 0 exposed two of four, spent 2, one purchase of 40.
Day consistent_day() {
  Day x;
  ScenarioDef& def = x.def;
  def = default_scenario();
  def.simulation.customers = 4;
  def.simulation.days = 2;
  def.stages = {stage("unaware", Role::unaware, 1.0), stage("bought", Role::purchase)};
  def.edges = {edge("unaware", "bought", 0.1)};
  ChannelDef c;
  c.name = "ads";
  c.cost = 1;
  c.flights = {FlightDef{0, 1, 10}};
  c.reaches = {"unaware", "bought"};
  def.channels = {c};
  x.model = compile_model(def);
  x.pop.allocate(4, x.model.stages);
  for (std::uint32_t i = 0; i < 4; ++i) {
    x.pop.stage[i] = i == 3 ? 1 : 0;
    x.pop.segment[i] = 0;
    x.pop.flags[i] = 0;
    x.pop.last_touch[i] = kTouchNone;
    x.pop.salience[i] = 0.5f;
    x.pop.satisfaction[i] = 0.7f;
    x.pop.clock[i] = 1.0;
    x.pop.outcome[i] = Outcome{};
  }
  DailySeries& d = x.d;
  d.days = 2;
  d.stages = 2;
  d.segments = 1;
  d.channels = 1;
  d.stage_counts = {4, 0, 3, 1, 0, 0};
  d.spend = {2, 0};
  d.exposed = {2, 0};
  d.eligible = {4, 0};
  d.purchases = {1, 0};
  d.first_purchases = {1, 0};
  d.revenue = {40, 0};
  d.margin = {40 * x.model.margin, 0};
  return x;
}

void check(const Day& x) {
  validate_day(x.model, x.pop, x.d, 0);
}

}  // namespace

TEST_CASE("validation: a consistent day passes, each broken invariant is named", "[validate]") {
  CHECK_NOTHROW(check(consistent_day()));
  const std::vector<std::pair<const char*, std::function<void(Day&)>>> breaks = {
      {"counted", [](Day& x) { x.d.stage_counts[2] = 2; }},     // 2 + 1 != 4
      {"customers there", [](Day& x) { x.pop.stage[0] = 1; }},  // recount differs
      {"satisfaction", [](Day& x) { x.pop.satisfaction[1] = 1.5f; }},
      {"salience", [](Day& x) { x.pop.salience[2] = NAN; }},
      {"clock", [](Day& x) { x.pop.clock[0] = -0.5; }},
      {"eligible",
       [](Day& x) {
         x.d.exposed[0] = 5;
         x.d.spend[0] = 5;
       }},
      {"contacts at", [](Day& x) { x.d.spend[0] = 3; }},
      {"of a flight",
       [](Day& x) {
         x.d.exposed[0] = 4;
         x.d.spend[0] = 4;
         x.model.flights[0][0].amount = 3'000'000;
       }},
      {"first purchases", [](Day& x) { x.d.first_purchases[0] = 2; }},
      {"margin", [](Day& x) { x.d.margin[0] = 1; }},
      {"revenue",
       [](Day& x) {
         x.d.revenue[0] = -40;
         x.d.margin[0] = -40 * x.model.margin;
       }},
  };
  for (const auto& [what, corrupt] : breaks) {
    Day x = consistent_day();
    corrupt(x);
    INFO("broken: " << what);
    CHECK_THROWS_WITH(check(x),
                      Catch::Contains("cjsim validation, day 0") && Catch::Contains(what));
  }
}

TEST_CASE("validation: a run of every mechanism passes the checks every day", "[validate]") {
  // Meaningful in the debug preset (CJSIM_VALIDATION on: the day loop calls validate_day); in
  // other builds an ordinary run.
  Scenario s = load_scenario(std::string(CJSIM_SOURCE_DIR) + "/scenarios/flower_delivery.toml",
                             {"simulation.customers=2000"});
  for (const Variant& v : s.variants) {
    RunOptions o;
    o.threads = 2;
    CHECK_NOTHROW(simulate(v.def, o));
  }
}
