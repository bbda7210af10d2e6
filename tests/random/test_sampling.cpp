// Exactness of the exposure sampler: the hypergeometric variates that split a day's exposures
// across blocks, and the resulting uniformity over customers whatever block they sit in.
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/hypergeometric.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "random/hypergeometric.hpp"
#include "random/rng.hpp"
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
  // False-alarm rate 1e-6 for the seven cases together (Bonferroni: each at 1e-6 / 7). At that
  // level a chi-square test over 5 to 50 cells finds, with probability 0.9, a noncentrality of 54
  // to 97; with 100,000 draws that is a sampler whose mean is off by 2.3% to 3.1% of an sd
  // (noncentrality ~ draws x shift^2 in sd).
  struct Case {
    std::int64_t good, bad, sample;
  };
  const Case cases[] = {Case{5, 7, 4},
                        Case{30, 20, 9},
                        Case{300, 700, 200},
                        Case{700, 300, 900},
                        Case{54'794, 945'206, 8'192},
                        Case{3, 999'997, 8'000},
                        Case{500'000, 500'000, 8'192}};
  for (const Case c : cases) {
    const double p = chi_square_p(c.good, c.bad, c.sample, 100'000);
    INFO("good " << c.good << " bad " << c.bad << " sample " << c.sample << ": p = " << p);
    CHECK(p > 1e-6 / std::size(cases));
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
  // One test at a false-alarm rate of 1e-6. About 1,200 acquisitions per block: with probability
  // 0.9 it finds a block whose customers are acquired 21% more or less often than the others
  // (noncentrality 59 on 12 degrees of freedom).
  INFO("acquired share " << rate << ", chi-square " << chi2 << ", p = " << p);
  CHECK(rate > 0.05);
  CHECK(p > 1e-6);
}

TEST_CASE("sampling: within a block, every eligible customer is equally likely to be exposed",
          "[sampling]") {
  // One block (8,192 customers), one day, an exposure buys for sure (hazard 50). Which customers
  // bought is exactly the exposed set, so over many replicates each eligible customer must be
  // chosen with probability k / e wherever it sits in the block. The cases drive both selection
  // paths of act_expose.cpp: rejection (k n / (e - k) <= n / 8 + k) and the scan with a partial
  // shuffle (including the complement, k > e / 2), with eligible customers common and rare.
  using namespace cjsim::test;
  struct Case {
    bool rare;  // the channel reaches only a 2% segment (about 164 eligible)
    int k;
  };
  // False-alarm rate 1e-6 over the seven cases (each at 1e-6 / 7); with probability 0.9 each finds
  // a noncentrality of 105 over its 64 groups: at k = 2,000 (6,250 expected choices per group of
  // 128 positions, sd 69) one group chosen 11% too often.
  const Case cases[] = {Case{false, 5}, Case{false, 2000}, Case{false, 3000}, Case{false, 6000},
                        Case{true, 5},  Case{true, 40},    Case{true, 120}};
  for (const Case c : cases) {
    ScenarioDef d = default_scenario();
    d.simulation.customers = 8192;
    d.simulation.days = 1;
    d.segments = {segment("common", 0.98, 1.0), segment("rare", 0.02, 1.0)};
    d.stages = {stage("unaware", Role::unaware, 1.0), stage("buyer", Role::purchase)};
    d.edges = {edge("unaware", "buyer", 1e-9)};
    ChannelDef ch;
    ch.name = "ads";
    ch.cost = 1.0;
    ch.flights = {{0, 0, static_cast<double>(c.k)}};
    ch.reaches = {"unaware"};
    if (c.rare) ch.segments = {"rare"};
    ch.lifts = {{"unaware -> buyer", 5e10}};
    d.channels = {ch};
    constexpr int kGroups = 64;  // positions j / 128
    constexpr int kRuns = 200;
    std::vector<double> chosen(kGroups, 0), expected(kGroups, 0), variance(kGroups, 0);
    for (int r = 0; r < kRuns; ++r) {
      RunOptions o;
      o.replicate = r;
      const RunResult run = simulate(d, o);
      std::vector<double> eligible(kGroups, 0);
      double e = 0, bought = 0;
      for (std::size_t i = 0; i < run.customers.size(); ++i) {
        if (c.rare && run.customers.segment[i] != 1) continue;
        eligible[i / 128] += 1;
        e += 1;
        const bool b = run.customers.first_purchase_day[i] == 0;
        chosen[i / 128] += b;
        bought += b;
      }
      const double k = std::min<double>(c.k, e);
      REQUIRE(bought == k);  // exactly the exposed set bought
      const double p = k / e;
      for (int g = 0; g < kGroups; ++g) {
        expected[static_cast<std::size_t>(g)] += eligible[static_cast<std::size_t>(g)] * p;
        variance[static_cast<std::size_t>(g)] +=
            eligible[static_cast<std::size_t>(g)] * p * (1 - p);
      }
    }
    // Binomial variances: the exact (hypergeometric) ones are smaller, so this is conservative.
    double chi2 = 0;
    for (int g = 0; g < kGroups; ++g) {
      const auto u = static_cast<std::size_t>(g);
      chi2 += (chosen[u] - expected[u]) * (chosen[u] - expected[u]) / variance[u];
    }
    const double p_value = boost::math::cdf(
        boost::math::complement(boost::math::chi_squared_distribution<double>(kGroups - 1), chi2));
    INFO("rare=" << c.rare << " k=" << c.k << " chi-square " << chi2 << ", p = " << p_value);
    CHECK(p_value > 1e-6 / std::size(cases));
  }
}
