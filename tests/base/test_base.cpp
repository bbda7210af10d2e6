// base/: what every module uses. Typed errors and the one diagnostic format every tool prints,
// did-you-mean suggestions, and the parallel loops (every index exactly once, whatever the
// partitioner; the tsan preset runs this file).
#include <tbb/blocked_range.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <vector>

#include "base/did_you_mean.hpp"
#include "base/parallel.hpp"
#include "cjsim/errors.hpp"

using namespace cjsim;

// ---- errors -----------------------------------------------------------------------------------

namespace {

Diagnostic diagnostic(std::string file, int line, int column, std::string key, std::string message,
                      std::string fix) {
  Diagnostic d;
  d.place.file = std::move(file);
  d.place.line = line;
  d.place.column = column;
  d.key = std::move(key);
  d.message = std::move(message);
  d.fix = std::move(fix);
  return d;
}

}  // namespace

TEST_CASE("base: a diagnostic reads file:line:column: key: message, then the fix", "[base]") {
  CHECK(format_diagnostic(diagnostic("my.toml", 3, 7, "channels.x.budget",
                                     "budget must be >= 0, got -1", "set a non-negative amount")) ==
        "my.toml:3:7: channels.x.budget: budget must be >= 0, got -1\n  fix: set a non-negative "
        "amount");
  CHECK(format_diagnostic(diagnostic("--set", 1, 0, "", "what", "")) == "--set:1: what");
  CHECK(format_diagnostic(diagnostic("", 0, 0, "k", "m", "f")) == "<scenario>: k: m\n  fix: f");
  const InputError one(diagnostic("a.toml", 1, 2, "key", "wrong", "fix it").place, "key", "wrong",
                       "fix it");
  REQUIRE(one.diagnostics().size() == 1);
  CHECK(std::string(one.what()) == "a.toml:1:2: key: wrong\n  fix: fix it");
  std::vector<Diagnostic> both;
  both.push_back(diagnostic("a.toml", 1, 2, "k", "m", "f"));
  both.push_back(diagnostic("a.toml", 5, 1, "k2", "m2", "f2"));
  const InputError two(both);
  CHECK(std::string(two.what()) == "a.toml:1:2: k: m\n  fix: f\n(and 1 more)");
  CHECK(std::string(InputError(std::vector<Diagnostic>{}).what()) == "invalid input");
}

// ---- did you mean -----------------------------------------------------------------------------

TEST_CASE("base: edit distance counts typos, swapped letters as one", "[base][did_you_mean]") {
  CHECK(edit_distance("budjet", "budget") == 1);
  CHECK(edit_distance("bugdet", "budget") == 1);  // transposition
  CHECK(edit_distance("chanels", "channels") == 1);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("same", "same") == 0);
}

TEST_CASE("base: suggestions only when close, ties to the first declared", "[base][did_you_mean]") {
  const std::vector<std::string> keys = {"cost", "budget", "flights", "reaches", "lift"};
  CHECK(closest_match("budjet", keys) == std::optional<std::string>("budget"));
  CHECK(closest_match("Budget", keys) == std::optional<std::string>("budget"));
  CHECK_FALSE(closest_match("colour", keys).has_value());
  CHECK_FALSE(closest_match("x", keys).has_value());
  CHECK(closest_match("lifts", keys) == std::optional<std::string>("lift"));
  CHECK(closest_match("cat", {"cap", "car"}) == std::optional<std::string>("cap"));
  CHECK(did_you_mean("reachs", keys, "none") == "did you mean 'reaches'?");
  CHECK(did_you_mean("zzz", keys, "none") == "none");
  CHECK(join_names({"a", "b", "c"}) == "a, b, c");
}

// ---- parallel loops ---------------------------------------------------------------------------

TEST_CASE("base: parallel_for visits every index exactly once, in every form", "[base]") {
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{10'000}}) {
    std::vector<int> seen(n, 0);  // each index written by one body only: no race
    cjsim::parallel_for(std::size_t{0}, n, [&](std::size_t i) { ++seen[i]; });
    CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(n));
    std::vector<int> ranged(n, 0);
    cjsim::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) ++ranged[i];
                        });
    CHECK(std::count(ranged.begin(), ranged.end(), 1) == static_cast<std::ptrdiff_t>(n));
    std::vector<int> simple(n, 0);
    cjsim::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
          for (std::size_t i = r.begin(); i != r.end(); ++i) ++simple[i];
        },
        tbb::simple_partitioner());
    CHECK(std::count(simple.begin(), simple.end(), 1) == static_cast<std::ptrdiff_t>(n));
  }
  // What the bodies wrote is visible after the loop (the join edge TSan is told about).
  std::atomic<int> bodies{0};
  std::vector<double> out(1000, 0.0);
  cjsim::parallel_for(0, 1000, [&](int i) {
    out[static_cast<std::size_t>(i)] = i * 0.5;
    bodies.fetch_add(1, std::memory_order_relaxed);
  });
  CHECK(bodies.load() == 1000);
  CHECK(out[999] == 499.5);
}
