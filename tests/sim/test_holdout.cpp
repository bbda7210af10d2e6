// Holdouts (ChannelDef::holdout, scenarios/README.md "channels"): a channel never exposes its
// held-out customers on the holdout's days, exposes them as anyone else outside them, spends its
// budget on the others, and changes nothing when it has no money on those days.
#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>

#include <cmath>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"

using namespace cjsim;

namespace {

const char* const kWorld = R"(
[simulation]
customers = 30_000
days = 60
seed = 5
[stages]
unaware = { role = "unaware" }
aware = { role = "journey" }
buy = { role = "purchase" }
loyal = { role = "retention" }
[edges]
"unaware -> aware" = { rate = 0.02 }
"aware -> buy" = { rate = 0.05 }
"aware -> unaware" = { rate = 0.02 }
"buy -> loyal" = { rate = 1.0 }
"loyal -> buy" = { rate = 0.03 }
[channels.social]
cost = 0.01
budget = 1_000
reaches = ["unaware", "aware", "loyal"]
lift = { "aware -> buy" = 2.0 }
[channels.search]
cost = 0.05
flights = [{ from = 0, to = 19, amount = 500 }, { from = 40, to = 59, amount = 500 }]
reaches = ["aware"]
lift = { "aware -> buy" = 1.5 }
)";

ScenarioDef world(const std::vector<std::string>& overrides = {}) {
  ScenarioDocument doc = ScenarioDocument::from_string(kWorld, "holdout.toml");
  for (const std::string& o : overrides) doc.set(o);
  return build_scenario(doc).variants.front().def;
}

RunResult run(const ScenarioDef& def, int threads = 2) {
  RunOptions o;
  o.threads = threads;
  o.touch_paths = true;
  return simulate(def, o);
}

}  // namespace

TEST_CASE("holdout: held-out customers are never exposed on its days, and are outside them",
          "[holdout]") {
  const ScenarioDef def = world({"channels.social.holdout={ share = 0.25, from = 10, to = 29 }"});
  const RunResult r = run(def);
  const TouchPaths& t = r.touch_paths;
  std::size_t held = 0, inside = 0, outside_held = 0, inside_others = 0;
  for (std::size_t i = 0; i < t.customers(); ++i) {
    const bool h = held_out(r.seed, r.replicate, 0, i, 0.25);
    held += h;
    for (std::uint64_t k = t.offsets[i]; k < t.offsets[i + 1]; ++k) {
      if (t.event[k] != 0) continue;  // social's exposures only
      const bool during = t.day[k] >= 10 && t.day[k] <= 29;
      if (h && during) ++inside;
      if (h && !during) ++outside_held;
      if (!h && during) ++inside_others;
    }
  }
  CHECK(inside == 0);
  CHECK(outside_held > 1000);
  CHECK(inside_others > 1000);
  // The group is a Binomial(30,000, 0.25) draw: outside [7,140, 7,860] with probability < 1e-9.
  const boost::math::binomial_distribution<> b(30'000, 0.25);
  CHECK(static_cast<double>(held) >= boost::math::quantile(b, 1e-9));
  CHECK(static_cast<double>(held) <= boost::math::quantile(boost::math::complement(b, 1e-9)));
  // The budget is spent on the others: the same spend as without the holdout (social is
  // budget-limited, so every contact finds someone).
  const RunResult plain = run(world());
  double a = 0, c = 0;
  for (int d = 10; d <= 29; ++d) {
    a += r.daily.spend[r.daily.at_channel(d, 0)];
    c += plain.daily.spend[plain.daily.at_channel(d, 0)];
  }
  CHECK(std::fabs(a - c) < 1e-9 * c);
  // Exposures never exceed eligibility, which left the held-out customers out.
  for (int d = 10; d <= 29; ++d) {
    CHECK(r.daily.exposed[r.daily.at_channel(d, 0)] <= r.daily.eligible[r.daily.at_channel(d, 0)]);
  }
}

TEST_CASE("holdout: same bits for any thread count; no effect when the channel has no money then",
          "[holdout][parallel]") {
  const ScenarioDef def = world({"channels.search.holdout={ share = 0.3, from = 5, to = 50 }"});
  const RunResult one = run(def, 1), four = run(def, 4);
  CHECK(one.daily.purchases == four.daily.purchases);
  CHECK(one.daily.exposed == four.daily.exposed);
  CHECK(one.touch_paths.day == four.touch_paths.day);
  // search has no flight on days 20..39: a holdout then is the run without it, bit for bit.
  const RunResult off = run(world({"channels.search.holdout={ share = 0.3, from = 20, to = 39 }"}));
  const RunResult plain = run(world());
  CHECK(off.daily.purchases == plain.daily.purchases);
  CHECK(off.daily.revenue == plain.daily.revenue);
  CHECK(off.touch_paths.event == plain.touch_paths.event);
}

TEST_CASE("holdout: bad keys are refused with their place and fix", "[holdout]") {
  const auto refuse = [](const std::string& set, const std::string& key) {
    ScenarioDocument doc = ScenarioDocument::from_string(kWorld, "holdout.toml");
    doc.set(set);
    try {
      build_scenario(doc);
      FAIL("accepted " << set);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(key) != std::string::npos);
      CHECK(std::string(e.what()).find("fix:") != std::string::npos);
    }
  };
  refuse("channels.social.holdout={ share = 1.5, from = 1, to = 2 }", "holdout.share");
  refuse("channels.social.holdout={ share = 0.2, from = 30, to = 70 }", "holdout.to");
  refuse("channels.social.holdout={ share = 0.2, from = 3 }", "holdout");
  refuse("channels.social.holdout={ share = 0.2, from = 3, to = 4, size = 2 }", "size");
}
