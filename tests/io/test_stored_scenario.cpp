// A result file rebuilds the world it was written from on its own: /scenario with
// /scenario_overrides (stored_document), and /scenario_effective alone, in declared order, give
// the same runs bit for bit; files from before the overrides were stored are read when they
// can be and refused with a reason when they cannot. Layout: results/README.md.
#include <unistd.h>
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"

namespace fs = std::filesystem;
using namespace cjsim;

namespace {

// Stages, segments and channels declared out of alphabetical order (toml++ prints tables
// alphabetically, which would renumber them), and a variant that sets a key a base override
// also sets (build_scenario re-applies the override inside the variant: the override wins).
const char* kScenario = R"(
[simulation]
name = "stored"
customers = 3000
days = 40
seed = 11

[segments.young]
share = 0.7
[segments.old]
share = 0.3

[stages.unaware]
role = "unaware"
start = 1.0
[stages.considering]
role = "journey"
[stages.buyer]
role = "purchase"

[edges."unaware -> considering"]
rate = 0.02
[edges."considering -> buyer"]
rate = 0.05

[channels.tv]
budget = 3000
cost = 2.0
reaches = ["unaware"]
[channels.search]
budget = 2000
cost = 1.0
reaches = ["considering"]

[variants.as_is]
description = "the base world"

[variants.cheap]
description = "less on search"
channels.search.budget = 500
edges."considering -> buyer".rate = 0.04
)";

const std::vector<std::string> kOverrides = {
    "simulation.customers=2500",
    "edges.considering -> buyer.rate=0.06",  // the variant's own 0.04 loses to it
    "channels.tv.cost=2.5",
};

// The bits a run is compared by: daily series, flows and the customer table.
std::vector<double> bits(const RunResult& r) {
  std::vector<double> v(r.daily.revenue.begin(), r.daily.revenue.end());
  for (auto x : r.daily.first_purchases) v.push_back(static_cast<double>(x));
  for (auto x : r.daily.stage_counts) v.push_back(static_cast<double>(x));
  for (auto x : r.flows) v.push_back(static_cast<double>(x));
  v.push_back(static_cast<double>(r.customers.size()));
  return v;
}

std::vector<std::vector<double>> run_all(const Scenario& s) {
  std::vector<std::vector<double>> out;
  for (const Variant& v : s.variants) {
    RunOptions o;
    o.threads = 1;
    o.replicate = 1;
    out.push_back(bits(simulate(v.def, o)));
  }
  return out;
}

std::vector<std::string> names(const Scenario& s) {
  std::vector<std::string> out;
  for (const Variant& v : s.variants) {
    out.push_back(v.name);
    for (const auto& st : v.def.stages) out.push_back(st.name);
    for (const auto& sg : v.def.segments) out.push_back(sg.name);
    for (const auto& c : v.def.channels) out.push_back(c.name);
  }
  return out;
}

struct TempFile {
  std::string path =
      (fs::temp_directory_path() / ("cjsim_stored_" + std::to_string(::getpid()) + ".h5")).string();
  ~TempFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

}  // namespace

TEST_CASE("stored scenario: the file's scenario and overrides rebuild its runs bit for bit",
          "[hdf5][scenario]") {
  ScenarioDocument doc = ScenarioDocument::from_string(kScenario, "stored.toml");
  for (const std::string& o : kOverrides) doc.set(o);
  const Scenario scenario = build_scenario(doc);
  REQUIRE(scenario.variants.size() == 2);
  CHECK(scenario.variants[1].def.edges[1].rate == 0.06);  // the override won in the variant
  const std::vector<std::vector<double>> original = run_all(scenario);

  TempFile file;
  {
    ResultWriter writer(file.path, run_file_meta(scenario, scenario.variants[0].def, "test"));
    writer.commit();
  }
  const FileMeta meta = ResultFile::open(file.path).meta();
  REQUIRE(meta.overrides.has_value());
  CHECK(*meta.overrides == kOverrides);

  // /scenario + /scenario_overrides: the exact world.
  const Scenario rebuilt = build_scenario(stored_document(meta, file.path));
  CHECK(names(rebuilt) == names(scenario));
  CHECK(run_all(rebuilt) == original);

  // /scenario_effective alone: declared order, and the override inside the variant.
  const std::string& eff = meta.effective_toml;
  CHECK(eff.find("[stages.unaware]") < eff.find("[stages.considering]"));
  CHECK(eff.find("[stages.considering]") < eff.find("[stages.buyer]"));
  CHECK(eff.find("[segments.young]") < eff.find("[segments.old]"));
  CHECK(eff.find("[channels.tv]") < eff.find("[channels.search]"));
  const Scenario from_effective =
      build_scenario(ScenarioDocument::from_string(eff, "stored.h5:/scenario_effective"));
  CHECK(names(from_effective) == names(scenario));
  CHECK(run_all(from_effective) == original);
  // and it is a fixed point: its own effective text is itself.
  CHECK(ScenarioDocument::from_string(eff, "again").effective_toml() == eff);

  // The toml++ order (alphabetical) would be another world: the check above can fail.
  ScenarioDocument alphabetical = ScenarioDocument::from_string(
      R"([simulation]
name = "stored"
customers = 2500
days = 40
seed = 11
[segments.old]
share = 0.3
[segments.young]
share = 0.7
[stages.buyer]
role = "purchase"
[stages.considering]
role = "journey"
[stages.unaware]
role = "unaware"
start = 1.0
[edges."considering -> buyer"]
rate = 0.06
[edges."unaware -> considering"]
rate = 0.02
[channels.search]
budget = 2000
cost = 1.0
reaches = ["considering"]
[channels.tv]
budget = 3000
cost = 2.5
reaches = ["unaware"]
)",
      "alphabetical");
  const Scenario other = build_scenario(alphabetical);
  CHECK(run_all(other).front() != original.front());
}

TEST_CASE("stored scenario: files from before the overrides were stored", "[hdf5][scenario]") {
  const ScenarioDocument plain = ScenarioDocument::from_string(kScenario, "stored.toml");
  FileMeta meta;
  meta.scenario_text = kScenario;
  meta.engine_version = "0.9";
  SECTION("run without --set: /scenario alone, whatever the order of the effective text") {
    // The old writer's effective text: the same tree, keys in another order.
    meta.effective_toml = plain.effective_toml();
    const std::string moved = "[channels.search]\nbudget = 2000\ncost = 1.0\n";
    const auto at = meta.effective_toml.find("[channels.search]");
    REQUIRE(at != std::string::npos);
    const auto end = meta.effective_toml.find("[variants", at);
    meta.effective_toml.erase(at, end - at);
    meta.effective_toml.insert(meta.effective_toml.find("[simulation]"),
                               moved + "reaches = [\"considering\"]\n\n");
    const Scenario s = build_scenario(stored_document(meta, "old.h5"));
    CHECK(names(s) == names(build_scenario(plain)));
  }
  SECTION("run with --set: refused, saying why and what to do") {
    ScenarioDocument with = plain;
    with.set("channels.tv.cost=2.5");
    meta.effective_toml = with.effective_toml();
    try {
      static_cast<void>(stored_document(meta, "old.h5"));
      FAIL("accepted a file whose overrides are unknown");
    } catch (const InputError& e) {
      const Diagnostic& d = e.diagnostics().front();
      CHECK(d.place.file == "old.h5");
      CHECK(d.message.find("0.9") != std::string::npos);
      CHECK(d.message.find("--set") != std::string::npos);
      CHECK(d.fix.find("again") != std::string::npos);
    }
  }
  SECTION("no scenario text at all") {
    meta.scenario_text.clear();
    CHECK_THROWS_AS(stored_document(meta, "old.h5"), InputError);
  }
}
