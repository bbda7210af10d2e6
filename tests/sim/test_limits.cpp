// Limits (issue 7): absurd numbers are refused with a message naming the key, the value and the
// limit; a world too large for this machine is refused before anything is allocated; thread
// counts beyond what helps are refused. scenarios/README.md "Limits" documents the ranges.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <tbb/info.h>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "scenario/document_impl.hpp"  // join_key / join_index: the dotted paths the loader uses

using namespace cjsim;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every number of a TOML tree as the dotted path --set and set_number take ([sweep] aside: its
// arrays are the sweep's values, not the scenario's).
void numeric_paths(const toml::node& node, const std::string& path, std::vector<std::string>& out) {
  if (node.is_number()) {
    out.push_back(path);
  } else if (const auto* t = node.as_table()) {
    for (auto&& [k, v] : *t) {
      if (path.empty() && k.str() == "sweep") continue;
      numeric_paths(v, join_key(path, k.str()), out);
    }
  } else if (const auto* a = node.as_array()) {
    for (std::size_t i = 0; i < a->size(); ++i) numeric_paths(*a->get(i), join_index(path, i), out);
  }
}

std::vector<fs::path> shipped_scenarios() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(CJSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() == ".toml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::optional<std::vector<Diagnostic>> refusal(const ScenarioDocument& doc) {
  try {
    static_cast<void>(build_scenario(doc));
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  return std::nullopt;
}

bool placed_at_set(const std::vector<Diagnostic>& ds) {
  return std::any_of(ds.begin(), ds.end(),
                     [](const Diagnostic& d) { return d.place.file == "--set"; });
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += format_diagnostic(d) + "\n";
  return s;
}

// Every daily money and count series of a run is a finite number.
bool all_finite(const RunResult& r) {
  for (const auto* series : {&r.daily.spend, &r.daily.revenue, &r.daily.margin}) {
    for (double v : *series) {
      if (!std::isfinite(v)) return false;
    }
  }
  for (float v : r.customers.revenue) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

const std::string kSmallWorld = R"([simulation]
customers = 1000
days = 60

[segments]
a = { share = 0.5, responsiveness = 4 }
b = { share = 0.5 }

[stages]
unaware = { role = "unaware" }
aware   = { role = "journey" }
buyer   = { role = "purchase" }

[edges]
"unaware -> aware" = { rate = 0.01 }
"aware -> buyer"   = { rate = 0.02 }

[channels.search]
budget = 1000
reaches = ["aware"]
lift = { "aware -> buyer" = 1000 }

[channels.display]
budget = 1000
reaches = ["aware"]
lift = { "aware -> buyer" = 1000 }
)";

}  // namespace

TEST_CASE("limits: NaN and infinities in any number of any shipped scenario are refused",
          "[scenario][limits]") {
  for (const fs::path& file : shipped_scenarios()) {
    const std::string text = read_file(file);
    const ScenarioDocument doc = ScenarioDocument::from_string(text, file.filename().string());
    std::vector<std::string> paths;
    numeric_paths(toml::parse(text), "", paths);
    REQUIRE(paths.size() > 10);
    for (const std::string& path : paths) {
      // NaN through set_number (sweeps), the infinities through the text of --set.
      {
        const double bad = std::numeric_limits<double>::quiet_NaN();
        ScenarioDocument d = doc;
        d.set_number(path, bad);
        const auto ds = refusal(d);
        INFO(file.filename().string() << ": " << path << " = " << bad);
        REQUIRE(ds.has_value());
        CHECK(placed_at_set(*ds));
      }
      for (const char* bad : {"inf", "-inf"}) {
        ScenarioDocument d = doc;
        d.set(path + "=" + bad);
        const auto ds = refusal(d);
        INFO(file.filename().string() << ": --set " << path << "=" << bad);
        REQUIRE(ds.has_value());
        CHECK(placed_at_set(*ds));
      }
    }
  }
}

TEST_CASE("limits: a huge number anywhere is refused, or the run it allows stays finite",
          "[scenario][limits]") {
  int refused = 0, accepted = 0;
  for (const fs::path& file : shipped_scenarios()) {
    const std::string text = read_file(file);
    const ScenarioDocument doc = ScenarioDocument::from_string(text, file.filename().string());
    std::vector<std::string> paths;
    numeric_paths(toml::parse(text), "", paths);
    for (const std::string& path : paths) {
      for (const double huge : {1e300, -1e300}) {
        ScenarioDocument d = doc;
        d.set_number(path, huge);
        INFO(file.filename().string() << ": " << path << " = " << huge);
        std::optional<Scenario> s;
        try {
          s = build_scenario(d);
        } catch (const InputError& e) {
          CHECK(placed_at_set(e.diagnostics()));
          ++refused;
          continue;
        }
        ++accepted;
        // Accepted (e.g. a quality spread of 1e300, clipped to [0, 1] per draw): a small run of
        // it must still give finite money. Fewer customers only make the run cheaper.
        ScenarioDef def = s->variants.front().def;
        def.simulation.customers = std::min<std::uint64_t>(def.simulation.customers, 500);
        if (def.word_of_mouth.network.kind != NetworkKind::mixed &&
            def.word_of_mouth.network.degree >= 500) {
          continue;
        }
        RunOptions o;
        o.threads = 1;
        CHECK(all_finite(simulate(def, o)));
      }
    }
  }
  CHECK(refused > 0);
  CHECK(accepted > 0);
}

TEST_CASE("limits: each limit is in its message, and the limit itself is allowed",
          "[scenario][limits]") {
  struct Case {
    std::string key;
    std::string too_big;
    std::string at_limit;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"edges.unaware -> aware.rate", "1001", "1000", "rate must be at most 1000, got 1001"},
      {"segments.a.tempo", "1e4", "1000", "tempo must be at most 1000, got 10000"},
      {"segments.a.responsiveness", "10.5", "10", "responsiveness must be at most 10"},
      {"channels.search.budget", "1e13", "1e12", "budget must be at most 1e+12, got 1e+13"},
      {"channels.search.cost", "2e12", "1e12", "cost must be at most 1e+12"},
      {"order.value.mean", "1e13", "1e12", "mean must be at most 1e+12"},
      {"order.value.cv", "101", "100", "cv must be at most 100"},
      {"salience.hill.shape", "11", "10", "shape must be at most 10"},
      {"salience.hill.half", "1e-7", "1e-6", "half must be >= 1e-06"},
      {"salience.hill.beta", "1e4", "1000", "beta must be at most 1000"},
      {"experience.reference", "0.9995", "0.999", "reference must be between 0.001 and 0.999"},
  };
  for (const Case& c : cases) {
    INFO(c.key);
    ScenarioDocument doc = ScenarioDocument::from_string(kSmallWorld, "small.toml");
    // One lift of 100: at responsiveness 10 (the limit) it is 1e20, below the 1e30 limit on
    // combined lifts, so only the key under test is out of range.
    doc.set("channels.display.lift.aware -> buyer=1");
    doc.set("channels.search.lift.aware -> buyer=100");
    ScenarioDocument at_limit = doc;
    at_limit.set(c.key + "=" + c.at_limit);
    CHECK_FALSE(refusal(at_limit).has_value());
    doc.set(c.key + "=" + c.too_big);
    const auto ds = refusal(doc);
    REQUIRE(ds.has_value());
    INFO(dump(*ds));
    REQUIRE(ds->size() == 1);
    CHECK_THAT(ds->front().message, Catch::Contains(c.says));
    CHECK(ds->front().place.file == "--set");
    CHECK_FALSE(ds->front().fix.empty());
  }
}

TEST_CASE("limits: lifts that multiply past 1e30 on one day are refused", "[scenario][limits]") {
  // Two channels lift "aware -> buyer" 1000-fold; segment a raises each to the 4th power:
  // 1e12 x 1e12 = 1e24 passes, at responsiveness 6 it is 1e36.
  ScenarioDocument doc = ScenarioDocument::from_string(kSmallWorld, "small.toml");
  CHECK_FALSE(refusal(doc).has_value());
  doc.set("segments.a.responsiveness=6");
  const auto ds = refusal(doc);
  REQUIRE(ds.has_value());
  INFO(dump(*ds));
  REQUIRE(ds->size() == 1);
  CHECK_THAT(ds->front().message, Catch::Contains("search, display together lift edge 'aware -> "
                                                  "buyer' about 1e36-fold for segment 'a'"));
  CHECK_THAT(ds->front().fix, Catch::Contains("segments.a.responsiveness"));
}

TEST_CASE("limits: a world larger than memory is refused before anything is allocated",
          "[scenario][limits]") {
  // 4.29e9 customers (the engine's cap) on a scale-free network of degree 1000: some 90 TiB,
  // more than any machine this runs on. Trying to allocate it would end in bad_alloc (a
  // RuntimeError) or in the kernel's OOM killer; refusing first is an InputError.
  ScenarioDocument doc = ScenarioDocument::from_string(kSmallWorld, "small.toml");
  doc.set("simulation.customers=4294967295");
  doc.set("word_of_mouth.network={ kind = \"scale-free\", degree = 1000 }");
  const auto ds = refusal(doc);
  REQUIRE(ds.has_value());
  REQUIRE(ds->size() == 1);
  const Diagnostic& d = ds->front();
  CHECK(d.key == "simulation.customers");
  CHECK(d.place.file == "--set");
  // The bytes per customer are the engine's own layout (estimate_memory), not a number to pin.
  ScenarioDef big =
      build_scenario(ScenarioDocument::from_string(kSmallWorld, "small.toml")).variants.front().def;
  big.simulation.customers = 4'294'967'295ull;
  big.word_of_mouth.network.kind = NetworkKind::scale_free;
  big.word_of_mouth.network.degree = 1000;
  const std::string per_customer = std::to_string(estimate_memory(big).per_customer);
  CHECK_THAT(d.message, Catch::Matches("needs about [0-9.]+ TiB \\(" + per_customer +
                                       " bytes per customer x "
                                       "4294967295 customers \\+ [0-9.]+ TiB for the contact "
                                       "network, daily metrics and buffers\\); this machine has "
                                       "[0-9.]+ [KMGT]iB available"));

  // The same world built in code goes straight to simulate(), which refuses it too.
  ScenarioDef def =
      build_scenario(ScenarioDocument::from_string(kSmallWorld, "small.toml")).variants.front().def;
  def.simulation.customers = 4'294'967'295ull;
  def.word_of_mouth.network.kind = NetworkKind::scale_free;
  def.word_of_mouth.network.degree = 1000;
  try {
    static_cast<void>(simulate(def));
    FAIL("simulated a world of 90 TiB");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics().front().place.file == "<definition>");
    CHECK_THAT(e.diagnostics().front().message, Catch::Contains("available"));
  }
}

TEST_CASE("limits: thread counts", "[limits]") {
  ScenarioDef def =
      build_scenario(ScenarioDocument::from_string(kSmallWorld, "small.toml")).variants.front().def;
  RunOptions o;
  o.threads = 0;  // every core
  CHECK(simulate(def, o).threads == tbb::info::default_concurrency());
  o.threads = kMaxThreads;  // allowed, the cores are shared
  const RunResult many = simulate(def, o);
  CHECK(many.threads == kMaxThreads);
  o.threads = 1;
  CHECK(simulate(def, o).daily.stage_counts == many.daily.stage_counts);
  o.threads = kMaxThreads + 1;
  try {
    static_cast<void>(simulate(def, o));
    FAIL("ran on more than kMaxThreads threads");
  } catch (const InputError& e) {
    CHECK_THAT(e.diagnostics().front().message,
               Catch::Contains(fmt::format("at most {} threads", kMaxThreads)));
  }
}
