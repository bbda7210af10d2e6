// ensemble/: many runs on common random numbers (crn_runs.cpp). Each (definition, replicate) is
// the same run as simulate() with that replicate on one thread, whatever the thread count and
// the order runs finish in; replicate r of two definitions shares its random streams; progress
// counts every run once; an exception from a callback stops the rest and reaches the caller.
// The tsan preset runs this file (label parallel).
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <stdexcept>

#include "cjsim/simulation.hpp"
#include "cjsim/value.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

struct Digest {
  std::vector<std::uint64_t> counts;
  std::vector<double> revenue;
  bool operator==(const Digest&) const = default;
};

Digest digest(const RunResult& r) {
  return {r.daily.stage_counts, r.daily.revenue};
}

std::map<std::pair<std::size_t, int>, Digest> run_all(const std::vector<ScenarioDef>& defs,
                                                      int replicates, int threads) {
  std::map<std::pair<std::size_t, int>, Digest> out;
  std::mutex m;
  CrnOptions o;
  o.threads = threads;
  run_crn(defs, replicates, o, [&](std::size_t d, int r, RunResult&& run) {
    const std::lock_guard<std::mutex> lock(m);
    REQUIRE(out.emplace(std::pair{d, r}, digest(run)).second);  // each run exactly once
  });
  return out;
}

}  // namespace

TEST_CASE("crn runs: each run is simulate() of its replicate, for any thread count", "[ensemble]") {
  ScenarioDef a = journey_world(1200);
  ScenarioDef b = a;
  scale_channel(b, 1, 0.0);  // search removed: a counterfactual as channel_value makes it
  const std::vector<ScenarioDef> defs = {a, b};
  const auto one = run_all(defs, 3, 1);
  const auto two = run_all(defs, 3, 2);
  const auto four = run_all(defs, 3, 4);
  REQUIRE(one.size() == 6);
  CHECK(one == two);
  CHECK(one == four);
  for (std::size_t d = 0; d < defs.size(); ++d) {
    for (int r = 0; r < 3; ++r) {
      RunOptions ro;
      ro.threads = 1;
      ro.replicate = r;
      INFO("definition " << d << " replicate " << r);
      CHECK(one.at({d, r}) == digest(simulate(defs[d], ro)));
    }
  }
  // Common random numbers: replicates differ from each other, while replicate r of both
  // definitions draws the same starting population (row 0 of the stage counts).
  CHECK(!(one.at({0, 0}) == one.at({0, 1})));
  for (int r = 0; r < 3; ++r) {
    const Digest& x = one.at({0, r});
    const Digest& y = one.at({1, r});
    const std::size_t first_row =
        x.counts.size() / (static_cast<std::size_t>(a.simulation.days) + 1);
    CHECK(std::equal(x.counts.begin(), x.counts.begin() + static_cast<std::ptrdiff_t>(first_row),
                     y.counts.begin()));
  }
}

TEST_CASE("crn runs: progress counts every run, a throwing callback stops the rest", "[ensemble]") {
  const std::vector<ScenarioDef> defs = {journey_world(500)};
  CrnOptions o;
  o.threads = 2;
  std::size_t last = 0, calls = 0;
  o.progress = [&](std::size_t done, std::size_t total) {  // never two at once
    CHECK(total == 8);
    CHECK(done == last + 1);
    last = done;
    ++calls;
  };
  run_crn(defs, 8, o, [](std::size_t, int, RunResult&&) {});
  CHECK(calls == 8);
  std::atomic<int> ran{0};
  o.progress = [&](std::size_t done, std::size_t) {
    if (done == 2) throw std::runtime_error("cancelled");
  };
  CHECK_THROWS_WITH(run_crn(defs, 40, o, [&](std::size_t, int, RunResult&&) { ++ran; }),
                    "cancelled");
  CHECK(ran.load() < 40);
  // No runs: nothing is called.
  run_crn({}, 5, o, [](std::size_t, int, RunResult&&) { FAIL("called"); });
  run_crn(defs, 0, o, [](std::size_t, int, RunResult&&) { FAIL("called"); });
}
