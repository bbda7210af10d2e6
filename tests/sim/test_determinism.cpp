// Determinism is a contract (engine/README.md "Determinism"): the same seed gives the same bits
// for any thread count and across runs; a different seed gives different results.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"

using namespace cjsim;

namespace {

// The bench world, small, with every mechanism switched on: a social graph, complaints,
// flights, a service quality boost, segment overrides.
ScenarioDef busy_world(const std::string& network) {
  Scenario s = load_scenario(
      std::string(CJSIM_SOURCE_DIR) + "/scenarios/bench.toml",
      {"simulation.customers=30000", "simulation.days=120", "channels.social.budget=20000",
       "word_of_mouth.network=" + network,
       "word_of_mouth.complaints={rate=0.05, below=0.6, impact=1.5}",
       "channels.service.quality=0.05",
       "channels.email.flights=[{from=0, to=59, amount=1000}, {from=80, to=119, amount=1500}]"});
  return s.variants.front().def;
}

// The busy world with the mechanisms of issue 16 switched on as well: calendar demand (an
// occasion, a weekly rhythm and a monthly season), individual differences (Gamma and lognormal),
// relationship memory.
ScenarioDef mechanisms_world() {
  Scenario s = load_scenario(
      std::string(CJSIM_SOURCE_DIR) + "/scenarios/bench.toml",
      {"simulation.customers=30000", "simulation.days=120", "channels.social.budget=20000",
       "word_of_mouth.complaints={rate=0.05, below=0.6, impact=1.5}",
       "channels.service.quality=0.05", "simulation.start=2025-02-01",
       "calendar.march_8={edges=[\"aware -> consideration\", \"loyal -> purchase\"], "
       "date=\"03-08\", peak=4, before=6, after=1}",
       "calendar.week={edges=[\"consideration -> purchase\"], weekly=[1,1,1,1,1.3,1.6,0.6]}",
       "calendar.season={edges=[\"unaware -> aware\"], segments=[\"regular\"], "
       "monthly=[1,1,2,1,1,1,1,1,1,1,1,1]}",
       "heterogeneity.buyers={edges=[\"loyal -> purchase\", \"advocate -> purchase\"], "
       "cv=1.2}",
       "heterogeneity.awareness={edges=[\"unaware -> aware\"], cv=0.8, "
       "distribution=\"lognormal\", segments=[\"regular\"]}",
       "relationship.loyalty={edges=[\"loyal -> lost\"], per_purchase=0.6, memory=0.8, "
       "weight=\"satisfaction\"}"});
  return s.variants.front().def;
}

RunResult run(const ScenarioDef& d, int threads, std::uint64_t seed = 1) {
  RunOptions o;
  o.threads = threads;
  o.seed = seed;
  return simulate(d, o);
}

void require_identical(const RunResult& a, const RunResult& b) {
  REQUIRE(a.daily.stage_counts == b.daily.stage_counts);
  REQUIRE(a.daily.spend == b.daily.spend);
  REQUIRE(a.daily.exposed == b.daily.exposed);
  REQUIRE(a.daily.eligible == b.daily.eligible);
  REQUIRE(a.daily.purchases == b.daily.purchases);
  REQUIRE(a.daily.first_purchases == b.daily.first_purchases);
  REQUIRE(a.daily.revenue == b.daily.revenue);  // bit-identical doubles, not approximately
  REQUIRE(a.daily.margin == b.daily.margin);
  REQUIRE(a.daily.recommendations == b.daily.recommendations);
  REQUIRE(a.daily.referral_moves == b.daily.referral_moves);
  REQUIRE(a.daily.complaints == b.daily.complaints);
  REQUIRE(a.flows == b.flows);
  REQUIRE(a.customers.segment == b.customers.segment);
  REQUIRE(a.customers.final_stage == b.customers.final_stage);
  REQUIRE(a.customers.source == b.customers.source);
  REQUIRE(a.customers.first_purchase_day == b.customers.first_purchase_day);
  REQUIRE(a.customers.churn_day == b.customers.churn_day);
  REQUIRE(a.customers.purchases == b.customers.purchases);
  REQUIRE(a.customers.revenue == b.customers.revenue);
  REQUIRE(a.customers.back_steps == b.customers.back_steps);
  REQUIRE(a.customers.referrals == b.customers.referrals);
  REQUIRE(a.customers.stages_reached == b.customers.stages_reached);
}

}  // namespace

TEST_CASE("determinism: identical bits for 1, 2 and 4 threads and across runs", "[determinism]") {
  for (const std::string network : {"\"mixed\"", "{kind=\"small-world\", degree=6, rewire=0.2}",
                                    "{kind=\"scale-free\", degree=6, exponent=2.5}"}) {
    INFO("network " << network);
    const ScenarioDef d = busy_world(network);
    const RunResult one = run(d, 1);
    // The run really exercised word of mouth, complaints and exposures.
    REQUIRE(one.daily.recommendations.back() + one.daily.recommendations[60] > 0);
    std::uint64_t complaints = 0;
    for (auto c : one.daily.complaints) complaints += c;
    REQUIRE(complaints > 0);
    require_identical(one, run(d, 2));
    require_identical(one, run(d, 4));
    require_identical(one, run(d, 1));
  }
}

TEST_CASE("determinism: a different seed changes the results", "[determinism]") {
  const ScenarioDef d = busy_world("\"mixed\"");
  const RunResult a = run(d, 2, 1), b = run(d, 2, 2);
  CHECK(a.daily.stage_counts != b.daily.stage_counts);
  CHECK(a.customers.segment != b.customers.segment);
}

TEST_CASE("determinism: HDF5 datasets are bit-identical for 1, 2 and 4 threads", "[determinism]") {
  const ScenarioDef d = busy_world("\"mixed\"");
  const auto dir =
      std::filesystem::temp_directory_path() / ("cjsim-determinism-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<StoredRun> stored;
  for (const int threads : {1, 2, 4}) {
    // Appended, not "t" + to_string(...): GCC 12 warns falsely (-Wrestrict) on that form here.
    std::string name = "t";
    name += std::to_string(threads);
    name += ".h5";
    const std::string path = (dir / name).string();
    FileMeta meta;
    meta.scenario_name = "bench";
    {
      ResultWriter w(path, meta);
      const RunResult r = run(d, threads);
      w.write_run("base", "", r, compute_kpis(r));
      w.commit();
    }
    stored.push_back(ResultFile::open(path).load("base", 0, true));
  }
  for (std::size_t k = 1; k < stored.size(); ++k) {
    require_identical(stored[0].run, stored[k].run);
    REQUIRE(stored[0].kpis.defs.size() == stored[k].kpis.defs.size());
    for (std::size_t i = 0; i < stored[0].kpis.values.size(); ++i) {
      const double a = stored[0].kpis.values[i], b = stored[k].kpis.values[i];
      REQUIRE(((std::isnan(a) && std::isnan(b)) || a == b));
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("determinism: following a customer changes nothing", "[determinism]") {
  // The traced customer always takes the per-customer path; everyone else mostly the vectorized
  // drift kernel (exposed or not). Both must compute the same bits, or tracing would change the
  // story it tells. Customers exposed today, advocates, complainers and idle ones alike.
  const ScenarioDef d = busy_world("\"mixed\"");
  const RunResult plain = run(d, 2);
  for (const std::uint64_t who : {0u, 17u, 4242u, 29999u}) {
    RunOptions o;
    o.threads = 2;
    o.seed = 1;
    o.trace_customer = who;
    const RunResult traced = simulate(d, o);
    INFO("traced customer " << who);
    REQUIRE(traced.trace.size() > 1);
    require_identical(plain, traced);
  }
}

TEST_CASE("determinism: with issue 16's mechanisms on, identical bits for any thread count",
          "[determinism]") {
  const ScenarioDef d = mechanisms_world();
  const RunResult one = run(d, 1);
  require_identical(one, run(d, 2));
  require_identical(one, run(d, 4));
  // They really act: the same world without them gives other results.
  ScenarioDef off = d;
  off.calendar.clear();
  off.heterogeneity.clear();
  off.relationship.clear();
  CHECK(run(off, 2).daily.stage_counts != one.daily.stage_counts);
  // Following a customer changes nothing with them either.
  for (const std::uint64_t who : {3u, 4242u}) {
    RunOptions o;
    o.threads = 2;
    o.seed = 1;
    o.trace_customer = who;
    INFO("traced customer " << who);
    require_identical(one, simulate(d, o));
  }
}
