// Exactness of the exposure sampler: the hypergeometric variates that split a day's exposures
// across blocks, and the resulting uniformity over customers whatever block they sit in.
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/hypergeometric.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "hypergeometric.hpp"
#include "rng.hpp"
#include "worlds.hpp"

using namespace cjsim;

namespace {

// Pearson chi-square p-value of `draws` samples against the exact pmf, pooling cells with an
// expected count below 5 into their neighbours.
double chi_square_p(std::int64_t good, std::int64_t bad, std::int64_t sample, int draws) {
  const Streams streams(12345, 0);
  std::map<std::int64_t, int> observed;
  for (int k = 0; k < draws; ++k) {
    MicroRng rng = streams.urng(static_cast<std::uint64_t>(k), 0, Purpose::split);
    const std::int64_t x = hypergeometric(rng, good, bad, sample);
    REQUIRE(x >= std::max<std::int64_t>(0, sample - bad));
    REQUIRE(x <= std::min(good, sample));
    ++observed[x];
  }
  const boost::math::hypergeometric_distribution<double> dist(static_cast<unsigned>(good),
                                                              static_cast<unsigned>(sample),
                                                              static_cast<unsigned>(good + bad));
  const auto [lo, hi] = boost::math::support(dist);
  double chi2 = 0, expected_acc = 0, observed_acc = 0;
  int cells = 0;
  for (auto x = static_cast<std::int64_t>(lo); x <= static_cast<std::int64_t>(hi); ++x) {
    expected_acc += draws * boost::math::pdf(dist, static_cast<unsigned>(x));
    observed_acc += observed.count(x) ? observed[x] : 0;
    if (expected_acc >= 5 || x == static_cast<std::int64_t>(hi)) {
      chi2 += (observed_acc - expected_acc) * (observed_acc - expected_acc) /
              std::max(expected_acc, 1e-12);
      ++cells;
      expected_acc = observed_acc = 0;
    }
  }
  if (cells < 2) return 1.0;
  return boost::math::cdf(
      boost::math::complement(boost::math::chi_squared_distribution<double>(cells - 1), chi2));
}

}  // namespace

TEST_CASE("sampling: hypergeometric variates follow the exact distribution", "[sampling]") {
  // Both algorithms: the urn for small samples, HRUA for large ones, including the sizes the
  // engine meets (a block of 8,192 eligible out of a million) and skewed good/bad ratios.
  struct Case {
    std::int64_t good, bad, sample;
  };
  for (const Case c :
       {Case{5, 7, 4}, Case{30, 20, 9}, Case{300, 700, 200}, Case{700, 300, 900},
        Case{54'794, 945'206, 8'192}, Case{3, 999'997, 8'000}, Case{500'000, 500'000, 8'192}}) {
    const double p = chi_square_p(c.good, c.bad, c.sample, 100'000);
    INFO("good " << c.good << " bad " << c.bad << " sample " << c.sample << ": p = " << p);
    CHECK(p > 1e-6);
  }
}

TEST_CASE("sampling: edge cases of the hypergeometric are exact", "[sampling]") {
  const Streams streams(1, 0);
  MicroRng rng = streams.urng(0, 0, Purpose::split);
  CHECK(hypergeometric(rng, 0, 100, 50) == 0);
  CHECK(hypergeometric(rng, 100, 0, 50) == 50);
  CHECK(hypergeometric(rng, 40, 60, 100) == 40);
  CHECK(hypergeometric(rng, 40, 60, 0) == 0);
}

TEST_CASE("sampling: exposures reach customers uniformly, whatever their block", "[sampling]") {
  // unaware -> buyer happens (almost) only on an exposure day: each of 100,000 customers is
  // exposed to k = 2,000 a day at random. Customers of every block (8,192 each; the last one
  // partial) must be acquired at the same rate.
  using namespace cjsim::test;
  ScenarioDef d = default_scenario();
  d.simulation.customers = 100'000;
  d.simulation.days = 20;
  d.stages = {stage("unaware", Role::unaware, 1.0), stage("buyer", Role::purchase)};
  d.edges = {edge("unaware", "buyer", 1e-9)};
  ChannelDef ch;
  ch.name = "ads";
  ch.cost = 1.0;
  ch.flights = {{0, 19, 40'000.0}};
  ch.reaches = {"unaware"};
  ch.lifts = {{"unaware -> buyer", 5e8}};  // an exposed customer buys that day with p = 0.39
  d.channels = {ch};
  RunOptions o;
  o.threads = 2;
  const RunResult r = simulate(d, o);
  for (int t = 0; t < 20; ++t) REQUIRE(r.daily.exposed[r.daily.at_channel(t, 0)] == 2000);
  std::vector<double> acquired(13, 0), size(13, 0);
  for (std::size_t i = 0; i < r.customers.size(); ++i) {
    size[i / 8192] += 1;
    acquired[i / 8192] += r.customers.first_purchase_day[i] >= 0;
  }
  double total_acquired = 0, total = 0;
  for (std::size_t b = 0; b < 13; ++b) {
    total_acquired += acquired[b];
    total += size[b];
  }
  const double rate = total_acquired / total;
  double chi2 = 0;  // homogeneity across blocks (12 degrees of freedom)
  for (std::size_t b = 0; b < 13; ++b) {
    const double e = size[b] * rate;
    chi2 += (acquired[b] - e) * (acquired[b] - e) / e +
            (acquired[b] - e) * (acquired[b] - e) / (size[b] - e);
  }
  const double p = boost::math::cdf(
      boost::math::complement(boost::math::chi_squared_distribution<double>(12), chi2));
  INFO("acquired share " << rate << ", chi-square " << chi2 << ", p = " << p);
  CHECK(rate > 0.05);
  CHECK(p > 1e-6);
}
