// Scenario files -> validated definitions: what a planner writes, and what they are told when
// it is wrong (message, fix, and file:line:column).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "cjsim/scenario_io.hpp"

using namespace cjsim;

namespace {

// A small valid world; tests append to it, so its 18 lines are fixed.
const std::string kBase = R"([simulation]
customers = 1000
days = 100

[stages]
unaware  = { role = "unaware" }
aware    = { role = "journey" }
buyer    = { role = "purchase" }

[edges]
"unaware -> aware" = { rate = 0.01, forward = true }
"aware -> buyer"   = { rate = 0.02 }

[channels.search]
cost = 0.5
budget = 1000
reaches = ["aware"]
lift = { "aware -> buyer" = 1.5 }
)";

Scenario load(const std::string& text, const std::vector<std::string>& overrides = {}) {
  ScenarioDocument doc = ScenarioDocument::from_string(text, "test.toml");
  for (const auto& o : overrides) doc.set(o);
  return build_scenario(doc);
}

// The diagnostics of a text that must be refused.
std::vector<Diagnostic> problems(const std::string& text,
                                 const std::vector<std::string>& overrides = {}) {
  try {
    load(text, overrides);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  FAIL("the scenario was accepted but should have been refused");
  return {};
}

std::string where(const Diagnostic& d) {
  return fmt::format("{}:{}:{}", d.place.file, d.place.line, d.place.column);
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += format_diagnostic(d) + "\n";
  return s;
}

// The one diagnostic with this key (fails when there is none or several).
Diagnostic with_key(const std::vector<Diagnostic>& ds, const std::string& key) {
  INFO(dump(ds));
  const auto n =
      std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.key == key; });
  REQUIRE(n == 1);
  return *std::find_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.key == key; });
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const ScenarioDef& only_def(const Scenario& s) {
  REQUIRE(s.variants.size() == 1);
  return s.variants.front().def;
}

std::vector<std::string> stage_names(const ScenarioDef& d) {
  std::vector<std::string> out;
  for (const auto& s : d.stages) out.push_back(s.name);
  return out;
}

std::vector<std::string> channel_names(const ScenarioDef& d) {
  std::vector<std::string> out;
  for (const auto& c : d.channels) out.push_back(c.name);
  return out;
}

const ChannelDef& channel(const ScenarioDef& d, const std::string& name) {
  auto it = std::find_if(d.channels.begin(), d.channels.end(),
                         [&](const ChannelDef& c) { return c.name == name; });
  REQUIRE(it != d.channels.end());
  return *it;
}

const EdgeDef& edge(const ScenarioDef& d, const std::string& from, const std::string& to) {
  auto it = std::find_if(d.edges.begin(), d.edges.end(),
                         [&](const EdgeDef& e) { return e.from == from && e.to == to; });
  REQUIRE(it != d.edges.end());
  return *it;
}

const std::string kSketch =
    std::string(CJSIM_SOURCE_DIR) + "/tests/data/scenarios/bench_sketch.toml";

}  // namespace

// ---- what a planner writes ------------------------------------------------------------------

TEST_CASE("scenario: the reference sketch loads to exactly the bench world (docs/bench.md)",
          "[scenario]") {
  const Scenario s = load_scenario(kSketch);
  REQUIRE(s.variants.size() == 1);
  CHECK(s.variants[0].name == "base");
  const ScenarioDef& d = s.variants[0].def;

  CHECK(d.simulation.name == "bench");
  CHECK(d.simulation.customers == 1'000'000);
  CHECK(d.simulation.days == 365);
  CHECK(d.simulation.seed == 1);
  CHECK(d.simulation.replicates == 1);

  REQUIRE(d.segments.size() == 3);
  CHECK(d.segments[0].name == "innovator");
  CHECK(d.segments[0].share == 0.16);
  CHECK(d.segments[0].tempo == 2.0);
  CHECK(d.segments[0].curiosity == 3.0);
  CHECK(d.segments[1].name == "regular");
  CHECK(d.segments[1].share == 0.68);
  CHECK(d.segments[1].tempo == 1.0);
  CHECK(d.segments[1].curiosity == 1.0);
  CHECK(d.segments[2].name == "conservative");
  CHECK(d.segments[2].share == 0.16);
  CHECK(d.segments[2].tempo == 0.5);
  CHECK(d.segments[2].curiosity == 0.3);

  const std::vector<std::string> stages = {"unaware",    "aware", "consideration", "purchase",
                                           "experience", "loyal", "advocate",      "lost"};
  CHECK(stage_names(d) == stages);
  CHECK(d.stages[0].role == Role::unaware);
  CHECK(d.stages[0].start == 1.0);
  CHECK(d.stages[3].role == Role::purchase);
  CHECK(d.stages[4].role == Role::retention);
  CHECK(d.stages[6].advocate);
  CHECK_FALSE(d.stages[5].advocate);
  CHECK(d.stages[7].role == Role::lost);
  for (std::size_t i = 1; i < d.stages.size(); ++i) CHECK(d.stages[i].start == 0.0);

  // The edge table of docs/bench.md, in its order: from, to, rate, forward, salience, satisfaction,
  // curiosity.
  struct Row {
    const char* from;
    const char* to;
    double rate;
    bool f, sal;
    SatisfactionMark sat;
    bool cur;
  };
  using M = SatisfactionMark;
  const std::vector<Row> rows = {
      {"unaware", "aware", 0.002, true, true, M::none, false},
      {"aware", "consideration", 0.03, true, true, M::none, false},
      {"aware", "unaware", 0.02, false, false, M::none, false},
      {"consideration", "purchase", 0.04, true, true, M::none, false},
      {"consideration", "aware", 0.03, false, false, M::none, false},
      {"purchase", "experience", 5.0, false, false, M::none, false},
      {"experience", "loyal", 0.05, false, false, M::plus, false},
      {"experience", "lost", 0.02, false, false, M::minus, false},
      {"loyal", "purchase", 0.02, true, false, M::none, false},
      {"loyal", "advocate", 0.01, false, false, M::plus, false},
      {"loyal", "lost", 0.004, false, false, M::none, true},
      {"advocate", "purchase", 0.02, true, false, M::none, false},
      {"advocate", "loyal", 0.01, false, false, M::none, false},
      {"lost", "consideration", 0.002, false, false, M::none, false},
  };
  REQUIRE(d.edges.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("edge " << i);
    CHECK(d.edges[i].from == rows[i].from);
    CHECK(d.edges[i].to == rows[i].to);
    CHECK(d.edges[i].rate == rows[i].rate);
    CHECK(d.edges[i].forward == rows[i].f);
    CHECK(d.edges[i].salience == rows[i].sal);
    CHECK(d.edges[i].satisfaction == rows[i].sat);
    CHECK(d.edges[i].curiosity == rows[i].cur);
  }

  CHECK(d.salience.decay == 0.9);
  CHECK(d.salience.beta == 1.0);
  CHECK(d.salience.half == 2.0);
  CHECK(d.salience.shape == 2.0);
  CHECK(d.experience.quality_mean == 0.7);
  CHECK(d.experience.quality_sd == 0.15);
  CHECK_FALSE(d.experience.reference.has_value());  // defaults to the mean, 0.7
  CHECK(d.order.value.mean == 50.0);
  CHECK(d.order.value.cv == 0.5);
  CHECK(d.order.margin == 0.30);
  CHECK(d.word_of_mouth.network.kind == NetworkKind::mixed);
  CHECK(d.word_of_mouth.rate == 0.05);
  CHECK(d.word_of_mouth.reaches == std::vector<std::string>{"unaware", "aware"});
  CHECK(d.word_of_mouth.moves_to == "consideration");

  struct Ch {
    const char* name;
    double cost;
    double budget;
    std::vector<std::string> reaches;
    std::vector<std::pair<std::string, double>> lifts;
  };
  const std::vector<Ch> channels = {
      {"social",
       0.01,
       200'000,
       {"unaware", "aware"},
       {{"unaware -> aware", 3.0}, {"aware -> consideration", 1.3}}},
      {"search", 0.50, 150'000, {"aware", "consideration"}, {{"consideration -> purchase", 1.5}}},
      {"content", 0.05, 50'000, {"aware"}, {{"aware -> consideration", 1.5}}},
      {"sales_call",
       2.00,
       100'000,
       {"consideration"},
       {{"consideration -> purchase", 1.8}, {"consideration -> aware", 1.5}}},
      {"email",
       0.02,
       20'000,
       {"loyal", "advocate"},
       {{"loyal -> purchase", 1.5}, {"advocate -> purchase", 1.5}}},
      {"service",
       1.00,
       50'000,
       {"experience"},
       {{"experience -> loyal", 1.5}, {"experience -> lost", 0.6}}},
  };
  REQUIRE(d.channels.size() == channels.size());
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const ChannelDef& c = d.channels[i];
    INFO("channel " << channels[i].name);
    CHECK(c.name == channels[i].name);
    CHECK(c.cost == channels[i].cost);
    REQUIRE(c.flights.size() == 1);
    CHECK(c.flights[0].from == 0);
    CHECK(c.flights[0].to == 364);
    CHECK(c.flights[0].amount == channels[i].budget);
    CHECK(c.reaches == channels[i].reaches);
    CHECK(c.lifts == channels[i].lifts);
    CHECK(c.segments.empty());
    CHECK(c.salience == 1.0);
    CHECK(c.quality == 0.0);
  }
}

TEST_CASE("scenario: declaration order is kept, not toml's alphabetical order", "[scenario]") {
  const std::string text = R"([stages]
zeta  = { role = "unaware" }
alpha = { role = "journey" }
mid   = { role = "purchase" }

[edges]
"zeta -> alpha" = { rate = 0.1 }
"alpha -> mid"  = { rate = 0.1 }
"alpha -> zeta" = { rate = 0.1 }

[segments]
slow = { share = 0.5 }
fast = { share = 0.5 }

[channels.zz]
cost = 1
budget = 1
reaches = ["alpha"]
lift = { "alpha -> zeta" = 0.5, "alpha -> mid" = 2.0 }

[channels.aa]
cost = 1
budget = 1
reaches = ["zeta"]
)";
  const ScenarioDef d = only_def(load(text));
  CHECK(stage_names(d) == std::vector<std::string>{"zeta", "alpha", "mid"});
  CHECK(d.segments[0].name == "slow");
  CHECK(d.segments[1].name == "fast");
  CHECK(edge_name(d.edges[0]) == "zeta -> alpha");
  CHECK(edge_name(d.edges[1]) == "alpha -> mid");
  CHECK(edge_name(d.edges[2]) == "alpha -> zeta");
  CHECK(channel_names(d) == std::vector<std::string>{"zz", "aa"});
  CHECK(d.channels[0].lifts[0].first == "alpha -> zeta");
  CHECK(d.channels[0].lifts[1].first == "alpha -> mid");

  SECTION("entries created by overrides come after the file's, alphabetically") {
    const ScenarioDef o =
        only_def(load(text, {"stages.lost_b={role=\"lost\"}", "stages.lost_a={role=\"lost\"}",
                             "stages.alpha.label=Alpha"}));
    CHECK(stage_names(o) == std::vector<std::string>{"zeta", "alpha", "mid", "lost_a", "lost_b"});
    CHECK(o.stages[1].label == "Alpha");
  }
}

TEST_CASE("scenario: defaults a file may leave out", "[scenario]") {
  const ScenarioDef d = only_def(load(kBase));
  // No [segments]: one segment for everyone.
  REQUIRE(d.segments.size() == 1);
  CHECK(d.segments[0].name == "everyone");
  CHECK(d.segments[0].share == 1.0);
  // No start anywhere: everyone starts in the first declared stage.
  CHECK(d.stages[0].start == 1.0);
  CHECK(d.stages[1].start == 0.0);
  // Labels default to names; a budget is one flight over the horizon.
  CHECK(d.stages[1].label == "aware");
  CHECK(d.channels[0].label == "search");
  REQUIRE(d.channels[0].flights.size() == 1);
  CHECK(d.channels[0].flights[0].from == 0);
  CHECK(d.channels[0].flights[0].to == 99);
  CHECK(d.channels[0].flights[0].amount == 1000.0);
  CHECK(d.simulation.name == "scenario");

  SECTION("a single segment may omit its share") {
    const ScenarioDef s = only_def(load(kBase + "[segments.all]\ntempo = 1.5\n"));
    REQUIRE(s.segments.size() == 1);
    CHECK(s.segments[0].share == 1.0);
    CHECK(s.segments[0].tempo == 1.5);
  }
  SECTION("an integral float is an integer") {
    const ScenarioDef s = only_def(load(kBase, {"simulation.customers=1e6"}));
    CHECK(s.simulation.customers == 1'000'000);
  }
  SECTION("a segment's order value falls back to [order].value") {
    const ScenarioDef s = only_def(load(kBase + "[order]\nvalue = { mean = 80.0, cv = 0.2 }\n"
                                                "[segments.all]\norder = { mean = 120.0 }\n"));
    REQUIRE(s.segments[0].order.has_value());
    CHECK(s.segments[0].order->mean == 120.0);
    CHECK(s.segments[0].order->cv == 0.2);
  }
}

TEST_CASE("scenario: flights, networks, marks and per-segment edges are read", "[scenario]") {
  const ScenarioDef d =
      only_def(load(kBase + R"(
[channels.service]
cost = 1.0
reaches = ["buyer"]
segments = ["early"]
salience = 0.5
quality = 0.2
flights = [{ from = 0, to = 9, amount = 100 }, { from = 10, to = 99, amount = 200.5 }]

[segments]
early = { share = 0.25, responsiveness = 1.2, advocacy = 2, edges = { "aware->buyer" = 2.0 } }
late  = { share = 0.75, order = { mean = 10, cv = 0 } }

[word_of_mouth]
network = { kind = "small-world", degree = 4, rewire = 0.2 }
rate = 0.1
reaches = ["unaware"]
moves_to = "aware"
complaints = { rate = 0.01, below = 0.4, impact = 2 }

[experience]
quality = { mean = 0.6, sd = 0.1 }
reference = 0.5
)",
                    {"stages.buyer.advocate=true", "stages.gone={role=\"lost\"}"}));
  const ChannelDef& s = channel(d, "service");
  REQUIRE(s.flights.size() == 2);
  CHECK(s.flights[1].from == 10);
  CHECK(s.flights[1].to == 99);
  CHECK(s.flights[1].amount == 200.5);
  CHECK(s.segments == std::vector<std::string>{"early"});
  CHECK(s.salience == 0.5);
  CHECK(s.quality == 0.2);
  CHECK(d.segments[0].edges ==
        std::vector<std::pair<std::string, double>>{{"aware -> buyer", 2.0}});
  CHECK(d.segments[0].advocacy == 2.0);
  CHECK(d.segments[1].order->mean == 10.0);
  CHECK(d.word_of_mouth.network.kind == NetworkKind::small_world);
  CHECK(d.word_of_mouth.network.degree == 4);
  CHECK(d.word_of_mouth.network.rewire == 0.2);
  CHECK(d.word_of_mouth.complaints.below == 0.4);
  CHECK(d.word_of_mouth.complaints.impact == 2.0);
  CHECK(d.experience.reference == 0.5);
  CHECK(d.stages[2].advocate);
}

TEST_CASE("scenario: variants are merged over the base, each a full definition", "[scenario]") {
  const std::string text = kBase + R"(
[channels.service]
cost = 1.0
budget = 500
reaches = ["buyer"]

[variants.loop]
description = "more service"
channels.service.budget = 900
edges."aware -> buyer".rate = 0.05

[variants.funnel]
description = "flights instead of a budget"
channels.service.flights = [{ from = 0, to = 49, amount = 10 }]
channels.email = { cost = 0.1, budget = 5, reaches = ["aware"] }
)";
  const Scenario s = load(text);
  REQUIRE(s.variants.size() == 2);
  const Variant& loop = s.variants[0];
  const Variant& funnel = s.variants[1];
  CHECK(loop.name == "loop");  // declaration order, not alphabetical
  CHECK(funnel.name == "funnel");
  CHECK(loop.description == "more service");
  CHECK(channel(loop.def, "service").flights[0].amount == 900.0);
  CHECK(edge(loop.def, "aware", "buyer").rate == 0.05);
  CHECK(edge(loop.def, "unaware", "aware").rate == 0.01);  // untouched keys come from the base
  CHECK(channel(loop.def, "search").flights[0].amount == 1000.0);
  // Flights in a variant replace the base's budget instead of clashing with it.
  const ChannelDef& fs = channel(funnel.def, "service");
  REQUIRE(fs.flights.size() == 1);
  CHECK(fs.flights[0].to == 49);
  CHECK(channel_names(funnel.def) == std::vector<std::string>{"search", "service", "email"});
  CHECK(edge(funnel.def, "aware", "buyer").rate == 0.02);

  SECTION("a base override wins over a variant's own value") {
    const Scenario o = load(text, {"channels.service.budget=7"});
    CHECK(channel(o.variants[0].def, "service").flights[0].amount == 7.0);
    REQUIRE(channel(o.variants[1].def, "service").flights.size() == 1);
    CHECK(channel(o.variants[1].def, "service").flights[0].amount == 7.0);
    CHECK(channel(o.variants[1].def, "service").flights[0].to == 99);
  }
  SECTION("an override can target one variant") {
    const Scenario o = load(text, {"variants.loop.channels.service.budget=11"});
    CHECK(channel(o.variants[0].def, "service").flights[0].amount == 11.0);
    CHECK(channel(o.variants[1].def, "service").flights[0].amount == 10.0);
  }
}

TEST_CASE("scenario: overrides apply to edge paths, flight indices and new tables", "[scenario]") {
  const std::string text = kBase + R"(
[channels.service]
cost = 1.0
reaches = ["buyer"]
flights = [{ from = 0, to = 9, amount = 100 }, { from = 20, to = 29, amount = 50 }]
)";
  ScenarioDocument doc = ScenarioDocument::from_string(text, "test.toml");
  doc.set("edges.aware -> buyer.rate=0.07");
  doc.set("edges.\"unaware -> aware\".forward=false");
  doc.set("channels.service.flights[1].amount=75");
  doc.set("channels.search.lift.aware->buyer = 2.5");
  doc.set("salience.hill.beta=3");               // [salience] does not exist in the file
  doc.set("word_of_mouth.network=small-world");  // a bare word is a string
  doc.set("simulation.name = \"tuned\"");
  const Scenario s = build_scenario(doc);
  const ScenarioDef& d = only_def(s);
  CHECK(edge(d, "aware", "buyer").rate == 0.07);
  CHECK_FALSE(edge(d, "unaware", "aware").forward);
  CHECK(channel(d, "service").flights[1].amount == 75.0);
  CHECK(channel(d, "service").flights[0].amount == 100.0);
  CHECK(channel(d, "search").lifts ==
        std::vector<std::pair<std::string, double>>{{"aware -> buyer", 2.5}});
  CHECK(d.salience.beta == 3.0);
  CHECK(d.word_of_mouth.network.kind == NetworkKind::small_world);
  CHECK(d.simulation.name == "tuned");
  CHECK(s.overrides.size() == 7);
  CHECK(s.overrides[0] == "edges.aware -> buyer.rate=0.07");
  CHECK(contains(s.effective_toml, "beta = 3"));
  CHECK(contains(s.effective_toml, "amount = 75"));
  CHECK(s.text == text);

  SECTION("an edge spelled without spaces in the file is found by any spelling") {
    const std::string raw = R"([stages]
a = { role = "unaware" }
b = { role = "purchase" }
[edges]
"a->b" = { rate = 0.5 }
)";
    const ScenarioDef r = only_def(load(raw, {"edges.a -> b.rate=0.25"}));
    REQUIRE(r.edges.size() == 1);
    CHECK(r.edges[0].rate == 0.25);
    CHECK(edge_name(r.edges[0]) == "a -> b");
  }
  SECTION("set_number and has_number serve sweeps") {
    ScenarioDocument sweep = ScenarioDocument::from_string(text, "test.toml");
    CHECK(sweep.has_number("channels.search.budget"));
    CHECK(sweep.has_number("edges.aware -> buyer.rate"));
    CHECK(sweep.has_number("channels.service.flights[1].amount"));
    CHECK_FALSE(sweep.has_number("channels.search.reaches"));
    CHECK_FALSE(sweep.has_number("channels.search.nothing"));
    sweep.set_number("channels.search.budget", 250.0);
    sweep.set_number("edges.aware -> buyer.rate", 0.125);
    const ScenarioDef n = only_def(build_scenario(sweep));
    CHECK(channel(n, "search").flights[0].amount == 250.0);
    CHECK(edge(n, "aware", "buyer").rate == 0.125);
    CHECK(contains(sweep.effective_toml(), "budget = 250\n"));  // stays an integer
    REQUIRE(sweep.overrides().size() == 2);
    CHECK(sweep.overrides()[0] == "channels.search.budget=250");
  }
  SECTION("a copied document keeps its positions for diagnostics") {
    ScenarioDocument copy = doc;
    copy.set("channels.search.cost=\"cheap\"");
    const auto ds = [&] {
      try {
        build_scenario(copy);
      } catch (const InputError& e) {
        return e.diagnostics();
      }
      FAIL("accepted");
      return std::vector<Diagnostic>{};
    }();
    CHECK(where(with_key(ds, "channels.search.cost")) == "--set:1:22");
    copy.set("channels.search.cost=1");
    copy.set("channels.search.reaches=[\"nowhere\"]");
    copy.set("channels.search.reaches=[\"aware\"]");
    CHECK_NOTHROW(build_scenario(copy));
  }
}

// ---- reading files --------------------------------------------------------------------------

TEST_CASE("scenario: a missing file is an input error that says what to do", "[scenario]") {
  try {
    load_scenario("no/such/scenario.toml");
    FAIL("loaded a file that does not exist");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.message == "cannot read scenario 'no/such/scenario.toml': No such file or directory");
    CHECK(d.fix == "check the path; scenarios ship in scenarios/");
    CHECK(d.place.file == "no/such/scenario.toml");
  }
  try {
    load_scenario(CJSIM_SOURCE_DIR);
    FAIL("loaded a directory");
  } catch (const InputError& e) {
    CHECK(contains(e.diagnostics()[0].message, "Is a directory"));
  }
}

TEST_CASE("scenario: malformed TOML is reported at its line and column", "[scenario]") {
  const std::string text = "[simulation]\ncustomers = 10\ndays = = 5\n";
  try {
    ScenarioDocument::from_string(text, "bad.toml");
    FAIL("parsed malformed TOML");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(d.place.file == "bad.toml");
    CHECK(d.place.line == 3);
    CHECK(d.place.column == 8);
    CHECK_FALSE(d.message.empty());
    CHECK(contains(format_diagnostic(d), "bad.toml:3:8: "));
  }
}

// ---- one test per kind of problem -----------------------------------------------------------

TEST_CASE("scenario: unknown keys and tables get did-you-mean", "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[channels.social]
cost = 0.01
budjet = 100
reaches = ["aware"]

[chanels.email]
cost = 1

[simulation2]
x = 1
)");
  REQUIRE(ds.size() == 4);  // budjet, chanels, simulation2, and social's missing budget
  const Diagnostic budjet = with_key(ds, "channels.social.budjet");
  CHECK(where(budjet) == "test.toml:22:1");
  CHECK(budjet.message == "unknown key 'budjet' in [channels.social]");
  CHECK(budjet.fix == "did you mean 'budget'?");
  CHECK(format_diagnostic(budjet) ==
        "test.toml:22:1: channels.social.budjet: unknown key 'budjet' in [channels.social]\n"
        "  fix: did you mean 'budget'?");
  const Diagnostic chanels = with_key(ds, "chanels");
  CHECK(where(chanels) == "test.toml:25:2");
  CHECK(chanels.fix == "did you mean 'channels'?");
  // Nothing close: the fix lists what is allowed.
  const Diagnostic other = with_key(ds, "simulation2");
  CHECK(contains(other.fix, "did you mean 'simulation'?"));
  const Diagnostic budget = with_key(ds, "channels.social");
  CHECK(budget.message == "channel 'social' has no budget");
  CHECK(contains(budget.fix, "give budget = <amount> or flights"));
  CHECK(where(budget) == "test.toml:20:1");
  // Reported in file order.
  CHECK(ds[0].place.line <= ds[1].place.line);
  CHECK(ds[1].place.line <= ds[2].place.line);
}

TEST_CASE("scenario: a wrong type names the expected type and unit", "[scenario][diagnostics]") {
  const auto ds = problems(R"([simulation]
customers = 2.5
days = "a year"

[stages]
a = { role = "unaware" }
b = { role = "purchase", advocate = "yes" }

[edges]
"a -> b" = { rate = "fast" }
)");
  REQUIRE(ds.size() == 4);
  const Diagnostic rate = with_key(ds, "edges.a -> b.rate");
  CHECK(rate.message == "rate must be a number (per day), not the string \"fast\"");
  CHECK(rate.fix == "write it without quotes, e.g. rate = 0.03");
  CHECK(where(rate) == "test.toml:10:21");
  const Diagnostic customers = with_key(ds, "simulation.customers");
  CHECK(customers.message == "customers must be a whole number (customers), got 2.5");
  CHECK(where(customers) == "test.toml:2:13");
  CHECK(with_key(ds, "simulation.days").message ==
        "days must be a whole number (days), not the string \"a year\"");
  CHECK(with_key(ds, "stages.b.advocate").message ==
        "advocate must be true or false, not the string \"yes\"");
}

TEST_CASE("scenario: NaN and infinity are refused wherever a number is expected",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[salience]
decay = nan
hill = { beta = inf, half = 2.0, shape = 2.0 }
)",
                           {"edges.aware -> buyer.rate=-inf", "simulation.days=nan"});
  REQUIRE(ds.size() == 4);
  CHECK(with_key(ds, "salience.decay").message == "decay must be a finite number, got nan");
  CHECK(where(with_key(ds, "salience.decay")) == "test.toml:21:9");
  CHECK(with_key(ds, "salience.hill.beta").message == "beta must be a finite number, got inf");
  const Diagnostic rate = with_key(ds, "edges.aware -> buyer.rate");
  CHECK(rate.message == "rate must be a finite number, got -inf");
  CHECK(where(rate) == "--set:1:27");
  CHECK(with_key(ds, "simulation.days").message == "days must be a whole number (days), got nan");
}

TEST_CASE("scenario: segment shares must sum to 1", "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[segments]
innovator    = { share = 0.16, tempo = 2.0 }
regular      = { share = 0.63 }
conservative = { share = 0.16, tempo = 1.2 }
)");
  REQUIRE(ds.size() == 1);
  const Diagnostic& d = ds[0];
  CHECK(d.key == "segments");
  CHECK(d.message == "shares sum to 0.95, not 1");
  CHECK(d.fix == "adjust the shares of innovator, regular, conservative so they add up to 1");
  CHECK(where(d) == "test.toml:20:1");
}

TEST_CASE("scenario: several segments must each give a share", "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[segments]
fast = { share = 0.5 }
slow = { tempo = 0.5 }
)");
  // The missing share, and not also a confusing sum (it would count the default).
  REQUIRE(ds.size() == 1);
  CHECK(ds[0].key == "segments.slow.share");
  CHECK(ds[0].message == "segment 'slow' has no share");
  CHECK(where(ds[0]) == "test.toml:22:1");
}

TEST_CASE("scenario: ranges are checked with the allowed range in the message",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[segments]
only = { share = 1.0, tempo = -1 }

[order]
margin = 1.3
value = { mean = 0, cv = 0.5 }
)",
                           {"simulation.replicates=0", "simulation.customers=0"});
  REQUIRE(ds.size() == 5);
  CHECK(with_key(ds, "segments.only.tempo").message == "tempo must be >= 0, got -1");
  CHECK(where(with_key(ds, "segments.only.tempo")) == "test.toml:21:31");
  CHECK(with_key(ds, "order.margin").message == "margin must be between 0 and 1, got 1.3");
  CHECK(with_key(ds, "order.value.mean").message == "mean must be > 0, got 0");
  CHECK(with_key(ds, "simulation.replicates").message ==
        "replicates must be between 1 and 10000, got 0");
  CHECK(with_key(ds, "simulation.customers").message == "customers must be >= 1, got 0");
  CHECK(where(with_key(ds, "simulation.customers")) == "--set:1:22");
}

TEST_CASE("scenario: stages need roles, a purchase stage and starts that sum to 1",
          "[scenario][diagnostics]") {
  const auto ds = problems(R"([stages]
a = { role = "unaware", start = 0.5 }
b = { role = "jouney", start = 0.2 }
c = { label = "C" }

[edges]
"a -> b" = { rate = 0.1 }
"b -> c" = { rate = 0.1 }
)");
  REQUIRE(ds.size() == 2);  // starts and the purchase stage depend on the bad roles: not judged
  const Diagnostic role = with_key(ds, "stages.b.role");
  CHECK(role.message == "unknown role 'jouney'");
  CHECK(role.fix == "did you mean 'journey'?");
  CHECK(where(role) == "test.toml:3:14");
  const Diagnostic missing = with_key(ds, "stages.c.role");
  CHECK(missing.message == "stage 'c' has no role");
  CHECK(where(missing) == "test.toml:4:1");  // the stage, where its key is written

  const auto sums = problems(R"([stages]
a = { role = "unaware", start = 0.5 }
b = { role = "journey", start = 0.2 }
c = { role = "retention" }

[edges]
"a -> b" = { rate = 0.1 }
"b -> c" = { rate = 0.1 }
)");
  REQUIRE(sums.size() == 2);
  const Diagnostic start = sums[0];
  CHECK(start.key == "stages");
  CHECK(start.message == "starting shares sum to 0.7, not 1");
  CHECK(contains(start.fix, "adjust start of a, b so they add up to 1"));
  CHECK(where(start) == "test.toml:1:1");
  CHECK(sums[1].key == "stages");
  CHECK(contains(sums[1].message, "no stage has role \"purchase\""));
}

TEST_CASE("scenario: edges: unknown stages, self-loops, duplicates, malformed keys",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[edges."buyer -> awre"]
rate = 0.1

[edges.extra]
"aware -> aware" = { rate = 0.1 }
"aware->buyer" = { rate = 0.3 }
"aware buyer" = { rate = 0.3 }
)");
  // extra is a table of edges nested one level too deep: 'extra' is not an edge.
  CHECK(with_key(ds, "edges.extra").message ==
        "'extra' is not an edge: an edge names two stages as \"from -> to\"");
  const Diagnostic unknown = with_key(ds, "edges.buyer -> awre");
  CHECK(unknown.message == "unknown stage 'awre' in edge 'buyer -> awre'");
  CHECK(unknown.fix == "did you mean 'aware'?");
  CHECK(where(unknown) == "test.toml:20:1");

  const auto dup = problems(kBase + R"(
[edges.more]
rate = 1
)",
                            {});
  CHECK(with_key(dup, "edges.more").place.line == 20);

  const auto loops = problems(R"([stages]
a = { role = "unaware" }
b = { role = "purchase" }
[edges]
"a -> b" = { rate = 0.1 }
"b -> b" = { rate = 0.1 }
"a->b" = { rate = 0.2 }
)");
  REQUIRE(loops.size() == 2);
  const Diagnostic self = with_key(loops, "edges.b -> b");
  CHECK(self.message == "edge 'b -> b' goes from a stage to itself");
  CHECK(where(self) == "test.toml:6:1");
  const Diagnostic twice = with_key(loops, "edges.a->b");
  CHECK(twice.message == "edge 'a -> b' is given twice (as \"a -> b\" and \"a->b\")");
  CHECK(where(twice) == "test.toml:7:1");
}

TEST_CASE("scenario: journey and unaware stages need a way out", "[scenario][diagnostics]") {
  const std::string text = R"([stages]
unaware       = { role = "unaware" }
idle          = { role = "unaware" }
consideration = { role = "journey" }
purchase      = { role = "purchase" }
advocate      = { role = "retention", advocate = true }
lost          = { role = "lost" }

[edges]
"unaware -> consideration" = { rate = 0.1 }
"purchase -> advocate" = { rate = 0.1 }
)";
  const auto ds = problems(text);
  REQUIRE(ds.size() == 2);  // purchase, retention and lost stages may be absorbing
  const Diagnostic stuck = with_key(ds, "stages.consideration");
  CHECK(stuck.message ==
        "journey stage 'consideration' has no way out: customers who reach it stay forever");
  CHECK(stuck.fix == "add an edge \"consideration -> ...\" in [edges]");
  CHECK(where(stuck) == "test.toml:4:1");
  const Diagnostic idle = with_key(ds, "stages.idle");
  CHECK(contains(idle.message, "unaware stage 'idle' has no way out"));
  CHECK(contains(idle.fix, "word_of_mouth.reaches"));

  SECTION("word of mouth reaching an unaware stage is a way out") {
    const auto rest = problems(text + R"(
[word_of_mouth]
rate = 0.05
reaches = ["idle"]
moves_to = "consideration"
)");
    REQUIRE(rest.size() == 1);
    CHECK(rest[0].key == "stages.consideration");
  }
}

TEST_CASE("scenario: channels: budgets, flights and the horizon", "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[channels.service]
cost = 1.0
reaches = ["buyer"]
flights = [
  { from = 0, to = 120, amount = 10 },
  { from = 50, to = 60, amount = 10 },
  { from = 90, to = 80, amount = 10 },
  { from = 95, to = 99, amount = -5 },
]

[channels.both]
cost = 1.0
budget = 10
flights = [{ from = 0, to = 9, amount = 1 }]
reaches = ["buyer"]

[channels.nothing]
cost = 1.0
reaches = ["buyer"]
)",
                           {"channels.search.budget=-1"});
  const Diagnostic horizon = with_key(ds, "channels.service.flights[0].to");
  CHECK(horizon.message == "flight [0, 120] is outside the horizon: days run from 0 to 99");
  CHECK(where(horizon) == "test.toml:24:20");
  const Diagnostic backwards = with_key(ds, "channels.service.flights[2].to");
  CHECK(backwards.message == "flight ends on day 80 before it starts on day 90");
  const Diagnostic amount = with_key(ds, "channels.service.flights[3].amount");
  CHECK(amount.message == "amount must be >= 0, got -5");
  // [0, 120] is outside the horizon so it is not compared; [50, 60] and [95, 99] do not overlap.
  const auto overlap_ds = problems(kBase + R"(
[channels.service]
cost = 1.0
reaches = ["buyer"]
flights = [{ from = 0, to = 60, amount = 1 }, { from = 50, to = 70, amount = 1 }]
)");
  const Diagnostic overlap = with_key(overlap_ds, "channels.service.flights[1]");
  CHECK(overlap.message == "flight [50, 70] overlaps flight [0, 60] (flights[0])");
  CHECK(where(overlap) == "test.toml:23:47");

  const Diagnostic both = with_key(ds, "channels.both.flights");
  CHECK(both.message == "channel 'both' gives both budget and flights");
  CHECK(where(both) == "test.toml:33:1");
  const Diagnostic none = with_key(ds, "channels.nothing");
  CHECK(none.message == "channel 'nothing' has no budget");
  CHECK(where(none) == "test.toml:36:1");
  const Diagnostic negative = with_key(ds, "channels.search.budget");
  CHECK(negative.message == "budget must be a finite amount >= 0, got -1");
  CHECK(negative.fix == "set a non-negative amount, or 0 to switch the channel off");
  CHECK(where(negative) == "--set:1:24");
  CHECK(ds.size() == 6);
}

TEST_CASE("scenario: channels: reaches, segments and lifts must make sense",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[segments]
early = { share = 0.5 }
late  = { share = 0.5 }

[channels.social]
cost = 0.01
budget = 10
reaches = ["unawre"]
segments = ["eraly", "late"]
lift = { "unaware -> aware" = 3.0, "aware -> buyer" = 1.2, "unaware -> buyer" = 2 }

[channels.mute]
cost = 0.01
budget = 10
reaches = []
)");
  REQUIRE(ds.size() == 6);
  const Diagnostic reach = with_key(ds, "channels.social.reaches[0]");
  CHECK(reach.message == "unknown stage 'unawre'");
  CHECK(reach.fix == "did you mean 'unaware'?");
  CHECK(where(reach) == "test.toml:27:12");
  const Diagnostic seg = with_key(ds, "channels.social.segments[0]");
  CHECK(seg.message == "unknown segment 'eraly'");
  CHECK(seg.fix == "did you mean 'early'?");
  // unaware -> aware is fine by the edge, but the channel reaches no 'unaware' (the typo).
  const Diagnostic never = with_key(ds, "channels.social.lift.unaware -> aware");
  CHECK(never.message ==
        "the lift on 'unaware -> aware' can never act: channel 'social' does not reach stage "
        "'unaware'");
  CHECK(never.fix == "add 'unaware' to channels.social.reaches, or remove the lift");
  CHECK(where(never) == "test.toml:29:31");
  CHECK(with_key(ds, "channels.social.lift.aware -> buyer").place.line == 29);
  const Diagnostic missing = with_key(ds, "channels.social.lift.unaware -> buyer");
  CHECK(missing.message == "channel 'social' lifts edge 'unaware -> buyer', which does not exist");
  CHECK(with_key(ds, "channels.mute.reaches").message == "channel 'mute' reaches no stage");
}

TEST_CASE("scenario: word of mouth needs advocates, targets and a lost stage for complaints",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[word_of_mouth]
network = { kind = "small-world", degree = 5 }
rate = 0.05
complaints = { rate = 0.1 }
)");
  REQUIRE(ds.size() == 5);
  CHECK(with_key(ds, "word_of_mouth.reaches").message ==
        "word of mouth is on but reaches no stage, so no recommendation can act");
  CHECK(where(with_key(ds, "word_of_mouth.reaches")) == "test.toml:20:1");  // [word_of_mouth]
  CHECK(with_key(ds, "word_of_mouth.moves_to").fix ==
        "give the stage, e.g. moves_to = \"consideration\"");
  const Diagnostic adv = with_key(ds, "word_of_mouth.rate");
  CHECK(contains(adv.message, "no stage is marked advocate = true"));
  CHECK(where(adv) == "test.toml:22:8");
  CHECK(with_key(ds, "word_of_mouth.complaints.rate").message ==
        "complaints come from lost customers, but no stage has role \"lost\"");
  const Diagnostic degree = with_key(ds, "word_of_mouth.network.degree");
  CHECK(degree.message == "a small-world network needs an even degree, got 5");
  CHECK(where(degree) == "test.toml:21:44");

  const auto kind = problems(kBase + "[word_of_mouth]\nnetwork = \"smallworld\"\n");
  REQUIRE(kind.size() == 1);
  CHECK(kind[0].message == "unknown network 'smallworld'");
  CHECK(kind[0].fix == "did you mean 'small-world'?");
  CHECK(where(kind[0]) == "test.toml:20:11");
}

TEST_CASE("scenario: the satisfaction reference must lie strictly inside (0, 1)",
          "[scenario][diagnostics]") {
  const auto given = problems(kBase + "[experience]\nreference = 1.0\n");
  REQUIRE(given.size() == 1);
  CHECK(given[0].message == "reference must be strictly between 0 and 1, got 1");
  CHECK(where(given[0]) == "test.toml:20:13");
  const auto defaulted = problems(kBase + "[experience]\nquality = { mean = 1.0, sd = 0.1 }\n");
  REQUIRE(defaulted.size() == 1);
  CHECK(defaulted[0].key == "experience.reference");
  CHECK(contains(defaulted[0].message, "reference defaults to quality.mean = 1"));
  CHECK(where(defaulted[0]) == "test.toml:19:1");  // nearest written ancestor: [experience]
}

TEST_CASE("scenario: a population that does not fit in memory is refused before anything allocates",
          "[scenario][diagnostics]") {
  const auto ds = problems(R"([simulation]
customers = 1_000_000_000_000

[stages]
a = { role = "unaware" }
b = { role = "purchase" }
[edges]
"a -> b" = { rate = 0.1 }
)");
  REQUIRE(ds.size() == 1);  // the memory message replaces the 32-bit cap: it says more
  const Diagnostic& d = ds[0];
  CHECK(d.key == "simulation.customers");
  CHECK(where(d) == "test.toml:2:13");
  CHECK(contains(d.message, "needs about "));
  CHECK(contains(d.message, " bytes per customer x 1000000000000 customers + "));
  CHECK(contains(d.message, "available"));
  CHECK(d.fix == "lower simulation.customers, or run on a machine with more memory");
}

TEST_CASE("scenario: every problem is reported at once, in file order", "[scenario][diagnostics]") {
  const auto ds = problems(R"([simulation]
days = 0
colour = "red"

[stages]
a = { role = "unaware" }
b = { role = "purchase" }

[edges]
"a -> b" = { rate = -0.1 }
"a -> c" = { rate = 0.1 }
)",
                           {"simulation.seed=-3"});
  REQUIRE(ds.size() == 5);
  CHECK(ds[0].key == "simulation.days");
  CHECK(ds[1].key == "simulation.colour");
  CHECK(ds[2].key == "edges.a -> b.rate");
  CHECK(ds[3].key == "edges.a -> c");
  CHECK(ds[4].key == "simulation.seed");
  CHECK(where(ds[4]) == "--set:1:17");
  CHECK(ds[4].message == "seed must be >= 0, got -3");
  // The exception's text leads with the first and counts the rest.
  const InputError e(problems("[stages]\na = { role = \"unaware\" }\n"));
  CHECK(contains(e.what(), "test.toml:1:1: stages: no stage has role"));
  CHECK(contains(e.what(), "(and 1 more)"));
}

TEST_CASE("scenario: variant problems name their variant, base problems are reported once",
          "[scenario][diagnostics]") {
  const auto ds = problems(kBase + R"(
[channels.search2]
cost = 1
budget = 1
reaches = ["aware"]
colour = "red"

[variants.a]
description = "fine"

[variants.b]
channels.search.budget = -2
channels.search.budjet = 5
sweep = { x = [1] }

[variants.c]
segments = { x = { share = 0.5 }, y = { share = 0.4 } }
)");
  REQUIRE(ds.size() == 5);
  const Diagnostic colour = with_key(ds, "channels.search2.colour");  // once, not three times
  CHECK(colour.message == "unknown key 'colour' in [channels.search2]");
  const Diagnostic budget = with_key(ds, "variants.b.channels.search.budget");
  CHECK(where(budget) == "test.toml:30:26");
  const Diagnostic budjet = with_key(ds, "variants.b.channels.search.budjet");
  CHECK(where(budjet) == "test.toml:31:17");
  CHECK(budjet.fix == "did you mean 'budget'?");
  CHECK(with_key(ds, "variants.b.sweep").message == "a variant cannot contain [sweep]");
  const Diagnostic shares = with_key(ds, "variants.c.segments");
  CHECK(shares.message == "shares sum to 0.9, not 1");

  SECTION("a problem a variant causes in base keys says which variant") {
    const auto v = problems(kBase + R"(
[variants.quiet]
edges."aware -> buyer" = { rate = 0.1, satisfaction = "+" }
stages.buyer.role = "journey"
)");
    const Diagnostic p = with_key(v, "variants.quiet.stages");
    CHECK(p.message == "no stage has role \"purchase\": there is nothing to buy");
  }
  SECTION("only one variant of two broken: the message names it") {
    const auto v = problems(kBase + R"(
[variants.ok]
description = "fine"
[variants.bad]
description = "drops the edge's source from the channel"
channels.search.reaches = ["unaware"]
)");
    REQUIRE(v.size() == 1);
    const Diagnostic lift = with_key(v, "channels.search.lift.aware -> buyer");
    CHECK(lift.message ==
          "in variant 'bad': the lift on 'aware -> buyer' can never act: channel 'search' does "
          "not reach stage 'aware'");
    CHECK(where(lift) == "test.toml:18:29");
  }
}

TEST_CASE("scenario: malformed overrides are refused at their column", "[scenario][diagnostics]") {
  ScenarioDocument doc = ScenarioDocument::from_string(kBase, "test.toml");
  auto refused = [&](const std::string& assignment) {
    try {
      doc.set(assignment);
    } catch (const InputError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      return e.diagnostics()[0];
    }
    FAIL("accepted --set " << assignment);
    return Diagnostic{};
  };
  const Diagnostic no_eq = refused("channels.search.budget");
  CHECK(where(no_eq) == "--set:1:23");
  CHECK(no_eq.message == "expected key=value");
  const Diagnostic empty = refused("channels..budget=1");
  CHECK(where(empty) == "--set:1:10");
  CHECK(empty.message == "empty key between dots");
  CHECK(where(refused("edges.\"a -> b.rate=1")) == "--set:1:7");
  CHECK(where(refused("channels.search.budget=")) == "--set:1:24");
  const Diagnostic bad_value = refused("channels.search.reaches=[\"aware\",");
  CHECK(bad_value.place.column >= 25);
  CHECK(contains(bad_value.message, "not valid TOML"));
  const Diagnostic index = refused("channels.search.reaches[3]=\"x\"");
  CHECK(index.message == "channels.search.reaches has 1 entry, so [3] does not exist");
  CHECK(where(index) == "--set:1:17");
  const Diagnostic through = refused("channels.search.cost.max=1");
  CHECK(through.message == "channels.search.cost is a number, not a table, so it has no key 'max'");
  CHECK(where(through) == "--set:1:22");
  CHECK(where(refused("stages.aware[0]=1")) == "--set:1:8");
  // Nothing was applied by the refused ones.
  CHECK(doc.overrides().empty());
  CHECK_NOTHROW(build_scenario(doc));
}

TEST_CASE("scenario: --set refuses a new channel, segment or stage one typo from an existing one",
          "[scenario][diagnostics]") {
  ScenarioDocument doc = ScenarioDocument::from_string(kBase, "test.toml");
  try {
    doc.set("channels.serch.budget=0");
    FAIL("a misspelt channel was created");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics()[0];
    CHECK(where(d) == "--set:1:10");
    CHECK(d.message == "there is no channel 'serch' in the scenario");
    CHECK(d.fix == "did you mean 'search'? (a new channel belongs in the scenario file)");
  }
  CHECK_THROWS_AS(doc.set("stages.awre.role=journey"), InputError);
  // A name far from every existing one is a new entry, validated like the file's own.
  doc.set("channels.radio.cost=1");
  CHECK(contains(doc.effective_toml(), "radio"));
}

TEST_CASE("scenario: overrides are validated like the file, at --set", "[scenario][diagnostics]") {
  const auto ds = problems(kBase, {"channels.search.budjet=5", "edges.aware -> buyer.rate=fast",
                                   "channels.search.reaches=[\"awrae\"]"});
  REQUIRE(ds.size() == 4);
  const Diagnostic key = with_key(ds, "channels.search.budjet");
  CHECK(where(key) == "--set:1:1");
  CHECK(key.fix == "did you mean 'budget'?");
  const Diagnostic rate = with_key(ds, "edges.aware -> buyer.rate");
  CHECK(rate.message == "rate must be a number (per day), not the string \"fast\"");
  CHECK(where(rate) == "--set:1:27");
  const Diagnostic reach = with_key(ds, "channels.search.reaches[0]");
  CHECK(reach.fix == "did you mean 'aware'?");
  CHECK(where(reach) == "--set:1:25");
  // The lift's stage is no longer reached: the place is the file's lift.
  CHECK(where(with_key(ds, "channels.search.lift.aware -> buyer")) == "test.toml:18:29");
}

// ---- the reference stays true ---------------------------------------------------------------

TEST_CASE("scenario: the first scenario of scenarios/README.md loads as documented", "[scenario]") {
  std::ifstream in(std::string(CJSIM_SOURCE_DIR) + "/scenarios/README.md");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string readme = ss.str();
  const auto section = readme.find("## A first scenario");
  REQUIRE(section != std::string::npos);
  const auto begin = readme.find("```toml\n", section);
  const auto end = readme.find("```", begin + 7);
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const ScenarioDef d = only_def(load(readme.substr(begin + 8, end - begin - 8)));
  CHECK(d.simulation.customers == 10'000);
  CHECK(d.simulation.days == 180);
  CHECK(stage_names(d) ==
        std::vector<std::string>{"unaware", "aware", "consideration", "purchase"});
  CHECK(d.stages[0].start == 1.0);
  CHECK(d.edges.size() == 5);
  CHECK(channel(d, "search").flights[0].to == 179);
}

TEST_CASE("scenario: every shipped scenario loads", "[scenario]") {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CJSIM_SOURCE_DIR) + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    INFO(entry.path().string());
    try {
      const Scenario s = load_scenario(entry.path().string());
      CHECK_FALSE(s.variants.empty());
    } catch (const InputError& e) {
      FAIL(dump(e.diagnostics()));
    }
  }
  CHECK(files >= 1);
}

TEST_CASE("scenario: simulation.currency is a current ISO 4217 code, one per file",
          "[scenario][diagnostics]") {
  auto with = [](const std::string& value) {
    std::string text = kBase;
    text.replace(text.find("days = 100"), 10, "days = 100\ncurrency = " + value);
    return text;  // currency is on line 4, its value from column 12
  };
  CHECK(only_def(load(kBase)).simulation.currency.empty());  // none named
  CHECK(only_def(load(with("\"RUB\""))).simulation.currency == "RUB");
  CHECK(only_def(load(kBase, {"simulation.currency=EUR"})).simulation.currency == "EUR");

  const Diagnostic lower = with_key(problems(with("\"rub\"")), "simulation.currency");
  CHECK(lower.message == "'rub' is not a current ISO 4217 currency code");
  CHECK(lower.fix == "did you mean 'RUB'?");
  CHECK(where(lower) == "test.toml:4:12");
  CHECK(with_key(problems(with("\"RBU\"")), "simulation.currency").fix == "did you mean 'RUB'?");
  // The rouble's code before 1998 is one letter from today's.
  CHECK(with_key(problems(with("\"RUR\"")), "simulation.currency").fix == "did you mean 'RUB'?");
  const Diagnostic far = with_key(problems(with("\"roubles\"")), "simulation.currency");
  CHECK(contains(far.fix, "three-letter code in capitals"));
  const Diagnostic number = with_key(problems(with("643")), "simulation.currency");
  CHECK(contains(number.message, "a string in quotes"));
  const Diagnostic set =
      with_key(problems(kBase, {"simulation.currency=EURO"}), "simulation.currency");
  CHECK(where(set).rfind("--set", 0) == 0);

  // Variants are compared amount for amount: one currency for the file.
  const std::string variants = with("\"RUB\"") + R"(
[variants.a]
description = "as is"
[variants.b]
description = "in euros"
simulation = { currency = "EUR" }
)";
  const Diagnostic v = with_key(problems(variants), "variants.b.simulation.currency");
  CHECK(contains(v.message, "a variant cannot change the currency"));
  const Diagnostic by_set = with_key(problems(with("\"RUB\"") + R"(
[variants.a]
description = "as is"
[variants.b]
description = "the same"
)",
                                              {"variants.b.simulation.currency=EUR"}),
                                     "variants.b.simulation.currency");
  CHECK(contains(by_set.message, "a variant cannot change the currency"));
  CHECK(where(by_set).rfind("--set", 0) == 0);
}
