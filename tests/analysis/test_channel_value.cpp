// Channel value (analysis/channel_value.cpp, analysis/budget_edit.cpp): ground truth by
// counterfactual on common random numbers. A channel without effect is worth nothing, a harmful
// one less than nothing, the helpful ones more, at a stated false-alarm rate; and the table is
// the same for any thread count.
#include <catch2/catch.hpp>
#include <cmath>

#include "cjsim/value.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

// journey_world plus "idle" (lifts all 1, no salience weight, no quality: removing it changes
// nothing but the random streams it does not own) and "pushy" (only a lift below 1: the shop
// assistant who asks "can I help you?" of someone browsing).
ScenarioDef value_world() {
  ScenarioDef def = journey_world(4000);
  ChannelDef idle;
  idle.name = "idle";
  idle.cost = 0.1;
  idle.flights = {FlightDef{0, def.simulation.days - 1, 1000}};
  idle.reaches = {"unaware", "aware"};
  idle.salience = 0;
  ChannelDef pushy = idle;
  pushy.name = "pushy";
  pushy.reaches = {"aware"};
  pushy.lifts = {{"aware -> buy", 0.3}};
  pushy.flights = {FlightDef{0, def.simulation.days - 1, 3000}};
  def.channels.push_back(idle);
  def.channels.push_back(pushy);
  return def;
}

}  // namespace

TEST_CASE("value: a channel without effect is worth nothing, a harmful one less than nothing",
          "[value]") {
  const ScenarioDef def = value_world();
  ValueOptions vo;
  vo.replicates = 24;
  vo.run.threads = 2;
  vo.marginal = false;
  const ChannelValue v = channel_value(def, vo);
  // Intervals at a family-wise false-alarm rate of 1e-6: the three measures of the idle channel
  // are the checks a correct engine could fail by chance (Bonferroni over three; Student t on 23
  // degrees of freedom, 7.1 standard errors where a 95% interval takes 2.1). The others are
  // power: each needs its true effect beyond the same bound, which the INFO lines show it is by
  // a wide margin.
  const double t = t_for(1e-6, 3, vo.replicates);
  auto interval = [&](const Estimate& e) {
    const double h = t * e.sd / std::sqrt(static_cast<double>(e.n));
    return std::pair{e.mean - h, e.mean + h};
  };
  for (const char* measure :
       {"incremental.new_customers", "incremental.purchases", "incremental.revenue"}) {
    const Estimate e = v.find("idle", measure)->estimate;
    REQUIRE(e.n == vo.replicates);
    const auto [lo, hi] = interval(e);
    INFO("idle " << measure << ": " << e.mean << " [" << lo << ", " << hi << "]");
    CHECK(lo <= 0.0);
    CHECK(hi >= 0.0);
    const Estimate h = v.find("pushy", measure)->estimate;
    const auto [hlo, hhi] = interval(h);
    INFO("pushy " << measure << ": " << h.mean << " [" << hlo << ", " << hhi << "]");
    CHECK(hhi < 0.0);
  }
  // And the channels that help are worth something.
  CHECK(interval(v.find("search", "incremental.purchases")->estimate).first > 0.0);
  CHECK(interval(v.find("display", "incremental.new_customers")->estimate).first > 0.0);
  // Spend: removing a channel saves exactly its own spend when no other channel's spend moves.
  const Estimate spend = v.find("idle", "incremental.spend")->estimate;
  CHECK(spend.mean == Approx(v.find("idle", "spend")->estimate.mean).epsilon(1e-9));
}

TEST_CASE("value: the table is the same for any thread count", "[value]") {
  const ScenarioDef def = journey_world(1500);
  ValueOptions vo;
  vo.replicates = 3;
  vo.run.threads = 1;
  const ChannelValue one = channel_value(def, vo);
  vo.run.threads = 2;
  const ChannelValue two = channel_value(def, vo);
  REQUIRE(one.rows.size() == two.rows.size());
  for (std::size_t k = 0; k < one.rows.size(); ++k) {
    INFO(one.rows[k].channel << " " << one.rows[k].measure);
    const Estimate& a = one.rows[k].estimate;
    const Estimate& b = two.rows[k].estimate;
    CHECK((a.mean == b.mean || (std::isnan(a.mean) && std::isnan(b.mean))));
    CHECK((a.sd == b.sd || (std::isnan(a.sd) && std::isnan(b.sd))));
  }
}
