// cjsim/ensemble.hpp: the one scheduler of many runs. Every run is a pure function of
// (definition, replicate, seed): the same bits whatever the thread count, the runs at once or
// the order they finish; progress, stopping and failures behave as the header says.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <tbb/global_control.h>

#include "cjsim/ensemble.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

ScenarioDef small_world(double rate) {
  ScenarioDef d = default_scenario();
  d.simulation.customers = 2000;
  d.simulation.days = 30;
  d.segments = {segment("a", 0.6, 1.0), segment("b", 0.4, 0.5)};
  d.stages = {stage("unaware", Role::unaware, 1.0), stage("aware", Role::journey),
              stage("buy", Role::purchase)};
  d.edges = {edge("unaware", "aware", rate, true), edge("aware", "buy", 0.05, true)};
  return d;
}

// Each run's daily new customers and revenue, by (definition, replicate).
struct Collected {
  std::mutex mutex;
  std::vector<std::vector<double>> runs;
  explicit Collected(std::size_t n) : runs(n) {}
  RunSink sink(int replicates) {
    return [this, replicates](const RunPlan& p, RunResult&& r) {
      std::vector<double> v(r.daily.revenue.begin(), r.daily.revenue.end());
      for (auto x : r.daily.first_purchases) v.push_back(static_cast<double>(x));
      const std::lock_guard<std::mutex> lock(mutex);
      runs[p.id * static_cast<std::size_t>(replicates) + static_cast<std::size_t>(p.replicate)] =
          std::move(v);
    };
  }
};

}  // namespace

TEST_CASE("ensemble: plans are definitions x replicates", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02), small_world(0.04)};
  const std::vector<RunPlan> plans = replicate_plans(defs, 3);
  REQUIRE(plans.size() == 6);
  for (std::size_t k = 0; k < plans.size(); ++k) {
    CHECK(plans[k].id == k / 3);
    CHECK(plans[k].def == &defs[k / 3]);
    CHECK(plans[k].replicate == static_cast<int>(k % 3));
    CHECK_FALSE(plans[k].touch_paths);
  }
}

TEST_CASE("ensemble: the same bits for any thread count and runs at once", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02), small_world(0.04), small_world(0.02)};
  const int R = 3;
  const std::vector<RunPlan> plans = replicate_plans(defs, R);
  auto run_with = [&](int threads, int per_run) {
    Collected c(plans.size());
    EnsembleOptions o;
    o.threads = threads;
    o.threads_per_run = per_run;
    CHECK(run_ensemble(plans, o, c.sink(R)) == plans.size());
    return c.runs;
  };
  const auto inline_one = run_with(1, 1);  // one at a time on this thread
  CHECK(run_with(3, 1) == inline_one);     // three at once on oneTBB workers
  CHECK(run_with(4, 2) == inline_one);     // two at once, two threads each
  CHECK(run_with(2, 0) == inline_one);     // one at a time with both threads
  // Common random numbers: definitions 0 and 2 are the same world, so every replicate agrees;
  // different replicates of one world differ (they draw other numbers).
  for (int r = 0; r < R; ++r)
    CHECK(inline_one[static_cast<std::size_t>(6 + r)] == inline_one[static_cast<std::size_t>(r)]);
  CHECK(inline_one[0] != inline_one[1]);
  // And each run is the one simulate() gives on its own.
  RunOptions ro;
  ro.threads = 1;
  ro.replicate = 1;
  const RunResult alone = simulate(defs[1], ro);
  std::vector<double> v(alone.daily.revenue.begin(), alone.daily.revenue.end());
  for (auto x : alone.daily.first_purchases) v.push_back(static_cast<double>(x));
  CHECK(inline_one[4] == v);
}

TEST_CASE("ensemble: a plan's own seed keys its run (calibration's particles)", "[ensemble]") {
  const ScenarioDef world = small_world(0.03);
  std::vector<RunPlan> plans(3);
  const std::uint64_t seeds[3] = {11, 12, 11};
  for (std::size_t k = 0; k < 3; ++k) {
    plans[k].def = &world;
    plans[k].id = k;
    plans[k].seed = seeds[k];
  }
  Collected c(3);
  EnsembleOptions o;
  o.threads = 2;
  o.seed = 99;  // the plans' own seeds win
  o.purchase_paths = true;
  std::atomic<int> with_paths{0};
  std::vector<std::uint64_t> used(3, 0);  // one slot per plan; checked after the runs (Catch's
                                          // assertions are not thread-safe)
  const RunSink collect = c.sink(1);
  run_ensemble(plans, o, [&](const RunPlan& p, RunResult&& r) {
    used[p.id] = r.seed;
    if (r.touch_paths.recorded()) ++with_paths;
    collect(p, std::move(r));
  });
  for (std::size_t k = 0; k < 3; ++k) CHECK(used[k] == seeds[k]);
  CHECK(with_paths == 3);
  CHECK(c.runs[0] == c.runs[2]);
  CHECK(c.runs[0] != c.runs[1]);
  RunOptions ro;
  ro.threads = 1;
  ro.seed = 12;
  const RunResult alone = simulate(world, ro);
  std::vector<double> v(alone.daily.revenue.begin(), alone.daily.revenue.end());
  for (auto x : alone.daily.first_purchases) v.push_back(static_cast<double>(x));
  CHECK(c.runs[1] == v);
}

TEST_CASE("ensemble: progress hears every start, day and finish", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02), small_world(0.04)};
  const std::vector<RunPlan> plans = replicate_plans(defs, 2);
  for (const int threads : {1, 2}) {
    std::size_t starts = 0, days = 0, finished = 0, last_done = 0;
    std::atomic<int> inside{0};
    bool overlapped = false;
    EnsembleOptions o;
    o.threads = threads;
    o.progress = [&](const EnsembleProgress& p) {
      if (inside.fetch_add(1) != 0) overlapped = true;
      CHECK(p.runs_total == plans.size());
      CHECK(p.plan.def == plans[p.index].def);
      if (p.finished) {
        ++finished;
        CHECK(p.runs_done == last_done + 1);  // each finish counted once, in the order heard
        last_done = p.runs_done;
      } else if (p.day == 0) {
        ++starts;
      } else {
        ++days;
      }
      inside.fetch_sub(1);
    };
    run_ensemble(plans, o, [](const RunPlan&, RunResult&&) {});
    CHECK_FALSE(overlapped);
    CHECK(starts == plans.size());
    CHECK(finished == plans.size());
    CHECK(last_done == plans.size());
    CHECK(days == plans.size() * 30);
  }
}

TEST_CASE("ensemble: stop ends quietly, a failure stops the rest and comes out", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02)};
  const std::vector<RunPlan> plans = replicate_plans(defs, 6);
  for (const int threads : {1, 2}) {
    std::atomic<std::size_t> sunk{0};
    EnsembleOptions o;
    o.threads = threads;
    o.stop = [&] { return sunk.load() >= 2; };
    const std::size_t done = run_ensemble(plans, o, [&](const RunPlan&, RunResult&&) { ++sunk; });
    CHECK(done >= 2);
    CHECK(done < plans.size());
    CHECK(done == sunk.load());

    EnsembleOptions f;
    f.threads = threads;
    std::atomic<int> calls{0};
    CHECK_THROWS_WITH(run_ensemble(plans, f,
                                   [&](const RunPlan& p, RunResult&&) {
                                     ++calls;
                                     if (p.replicate == 1) throw std::runtime_error("disk full");
                                   }),
                      "disk full");
    CHECK(calls.load() < static_cast<int>(plans.size()) + 1);
  }
  // simulate's own errors come out the same way.
  ScenarioDef bad = small_world(0.02);
  bad.simulation.days = 0;
  const std::vector<ScenarioDef> bad_defs = {bad};
  EnsembleOptions o;
  o.threads = 2;
  CHECK_THROWS_AS(run_ensemble(replicate_plans(bad_defs, 2), o, [](const RunPlan&, RunResult&&) {}),
                  InputError);
}

TEST_CASE("ensemble: a pool takes plans while it runs", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02), small_world(0.04)};
  Collected expected(4), got(4);
  run_ensemble(replicate_plans(defs, 2), {}, expected.sink(2));
  EnsembleOptions o;
  o.threads = 2;
  RunPool pool(o, got.sink(2));
  for (const RunPlan& p : replicate_plans(defs, 2)) pool.submit(p);
  pool.close();
  pool.submit(replicate_plans(defs, 1).front());  // after close(): dropped
  pool.join();
  CHECK(pool.runs_done() == 4);
  CHECK(pool.error() == nullptr);
  CHECK(got.runs == expected.runs);
}

// A program embedding cjsim may hold its own tbb::global_control; the most restrictive one wins,
// so at 1 TBB starts no worker thread. The pool's slots, TBB tasks, would then never start and
// a caller waiting for their results would wait for ever (the result-file fuzz target's sweep
// hung so): the pool runs them on a
// thread of its own instead, with the same bits.
TEST_CASE("ensemble: a pool finishes when the caller allows TBB no worker thread", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {small_world(0.02), small_world(0.04)};
  Collected expected(4), got(4);
  run_ensemble(replicate_plans(defs, 2), {}, expected.sink(2));
  {
    const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    EnsembleOptions o;
    o.threads = 2;
    RunPool pool(o, got.sink(2));
    pool.submit(replicate_plans(defs, 2));
    // The runs must finish before join(), as a sweep waits for its rows before it closes the
    // pool (join() lets the caller run the tasks itself, which would hide the hang). The
    // deadline only bounds a failure: the four runs take milliseconds.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (pool.runs_done() < 4 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(pool.runs_done() == 4);
    pool.close();
    pool.join();
  }
  CHECK(got.runs == expected.runs);
}

TEST_CASE("ensemble: run_variants gives each variant's summary over its replicates", "[ensemble]") {
  const ScenarioDef a = small_world(0.02), b = small_world(0.04);
  const std::vector<VariantRuns> variants = {{"a", "", &a, 3, false}, {"b", "", &b, 2, false}};
  std::vector<std::string> seen;
  EnsembleOptions o;
  o.threads = 2;
  const std::vector<KpiSummary> s =
      run_variants(variants, o, nullptr, [&](const RunPlan& p, const RunResult&, const KpiTable&) {
        seen.push_back(variants[p.id].name + std::to_string(p.replicate));
      });
  REQUIRE(s.size() == 2);
  CHECK(seen.size() == 5);
  for (std::size_t v = 0; v < 2; ++v) {
    std::vector<KpiTable> tables;
    for (int r = 0; r < variants[v].replicates; ++r) {
      RunOptions ro;
      ro.replicate = r;
      tables.push_back(compute_kpis(simulate(*variants[v].def, ro)));
    }
    const KpiSummary expect = summarize(tables);
    REQUIRE(s[v].mean.size() == expect.mean.size());
    for (std::size_t k = 0; k < expect.mean.size(); ++k) {
      if (std::isnan(expect.mean[k])) {
        CHECK(std::isnan(s[v].mean[k]));
      } else {
        CHECK(s[v].mean[k] == expect.mean[k]);
      }
    }
  }
}
