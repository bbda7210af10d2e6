// Word of mouth and complaints (sim/act.cpp speak/exchange, sim/social_graph), checked against
// probabilities computed here from the rules of docs/model.md, customer by customer and day by
// day: an advocate makes Poisson(rate) recommendations a day, each to a uniformly chosen contact
// (anyone when fully mixed, a neighbour on a small-world or scale-free graph); a customer in a
// reachable stage who heard at least one moves the next day instead of that day's hazards, and
// was acquired by referral. Complaints of unhappy lost customers lower the hearer's ad memory,
// which slows salience edges by the reciprocal Hill factor.
//
// The recommendation check is a compensator test: given who had adopted by the start of each day
// (from the per-customer table) and the graph (rebuilt from the same seed), the chance that
// customer j is moved by a referral on day t is 1 - exp(-rate x sum over adopter contacts a of
// 1/degree(a)), independently across customers (Poisson thinning), so the referral adoptions
// summed over customers and days have that mean and variance. Binned by the chance itself, the
// same test sees recommendations sent to the wrong people: where the chance is 0 (no adopter
// among the contacts) a single referral fails. Family-wise false-alarm rate 1e-6.
#include <catch2/catch.hpp>
#include <cmath>

#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "random/rng.hpp"
#include "sim/social_graph.hpp"
#include "stat_checks.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

// Unaware customers adopt on their own at hazard p or when recommended; adopters (a purchase
// stage that recommends) start at share s0 and stay.
ScenarioDef referral_world(NetworkDef network, double q) {
  ScenarioDef d = default_scenario();
  d.simulation.customers = 40'000;
  d.simulation.days = 60;
  d.simulation.seed = 21;
  d.stages = {stage("unaware", Role::unaware, 0.995),
              stage("adopter", Role::purchase, 0.005, true)};
  d.edges = {edge("unaware", "adopter", 0.01)};
  d.word_of_mouth.network = network;
  d.word_of_mouth.rate = q;
  d.word_of_mouth.reaches = {"unaware"};
  d.word_of_mouth.moves_to = "adopter";
  return d;
}

void check_referrals(const std::string& name, const ScenarioDef& d, Family& family) {
  RunOptions o;
  o.threads = 2;
  const RunResult run = simulate(d, o);
  const CustomerTable& c = run.customers;
  const auto N = static_cast<std::uint32_t>(d.simulation.customers);
  const int T = d.simulation.days;
  const double q = d.word_of_mouth.rate, p = d.edges[0].rate;
  const SocialGraph graph(d.word_of_mouth.network, N, Streams(d.simulation.seed, 0));
  const auto referral = static_cast<std::uint8_t>(run.names.source_referral());
  const auto organic = static_cast<std::uint8_t>(run.names.source_organic());
  const auto existing = static_cast<std::uint8_t>(run.names.source_existing());
  auto adopter_at_start = [&](std::uint32_t j, int t) {
    return c.source[j] == existing || (c.first_purchase_day[j] >= 0 && c.first_purchase_day[j] < t);
  };
  // Bins of the chance of a referral: exactly 0, then by size.
  const double edges[] = {0, 1e-3, 3e-3, 1e-2, 3e-2, 1.01};
  constexpr int kBins = 5;
  double expected[kBins] = {}, variance[kBins] = {}, observed[kBins] = {};
  double referrals_without_chance = 0, organic_expected = 0, organic_variance = 0,
         organic_observed = 0;
  std::vector<double> weight(N, 0.0);  // sum over a customer's adopter contacts of 1/degree
  for (int t = 1; t < T; ++t) {
    // Who recommended on day t - 1: the adopters at its start.
    std::fill(weight.begin(), weight.end(), 0.0);
    double mixed_weight = 0;
    for (std::uint32_t a = 0; a < N; ++a) {
      if (!adopter_at_start(a, t - 1)) continue;
      if (graph.mixed()) {
        mixed_weight += 1.0 / N;  // a uniform pick among all N customers
      } else {
        const std::vector<std::uint32_t> contacts = graph.contacts(a);
        for (const std::uint32_t j : contacts)
          weight[j] += 1.0 / static_cast<double>(contacts.size());
      }
    }
    for (std::uint32_t j = 0; j < N; ++j) {
      if (adopter_at_start(j, t)) continue;  // only the unaware at the start of day t can move
      const double chance = 1 - std::exp(-q * (graph.mixed() ? mixed_weight : weight[j]));
      const bool referred = c.first_purchase_day[j] == t && c.source[j] == referral;
      if (chance == 0) {
        referrals_without_chance += referred;
      } else {
        int b = 0;
        while (chance > edges[b + 1]) ++b;
        expected[b] += chance;
        variance[b] += chance * (1 - chance);
        observed[b] += referred;
      }
      // Not moved by a referral (which acts instead of the hazard): organic at 1 - e^-p.
      const double own = (1 - chance) * (1 - std::exp(-p));
      organic_expected += own;
      organic_variance += own * (1 - own);
      organic_observed += c.first_purchase_day[j] == t && c.source[j] == organic;
    }
  }
  INFO(name);
  CHECK(referrals_without_chance == 0);
  double e = 0, v = 0, x = 0;
  for (int b = 0; b < kBins; ++b) {
    e += expected[b];
    v += variance[b];
    x += observed[b];
    if (expected[b] > 0) {
      family.add(name + ": referrals where the chance is in (" + std::to_string(edges[b]) + ", " +
                     std::to_string(edges[b + 1]) + "]",
                 observed[b], expected[b], std::sqrt(std::max(variance[b], 0.25)), 0.0);
    }
  }
  family.add(name + ": referrals", x, e, std::sqrt(v));
  family.add(name + ": organic adoptions", organic_observed, organic_expected,
             std::sqrt(organic_variance));
  // Every referral move of the daily series is a customer acquired by referral, and the KPI says
  // what share of the new customers that is.
  double moves = 0;
  for (const auto m : run.daily.referral_moves) moves += static_cast<double>(m);
  double referred = 0, acquired = 0;
  for (std::size_t j = 0; j < c.size(); ++j) {
    referred += c.source[j] == referral;
    acquired += c.first_purchase_day[j] >= 0;
  }
  CHECK(moves == referred);
  CHECK(compute_kpis(run).value("referral_share") == Approx(referred / acquired));
  CHECK(x == referred);  // every referral fell on a day 1 .. T-1 (none on day 0)
}

}  // namespace

TEST_CASE("word of mouth: referrals reach the contacts the rules say, with the chance they say",
          "[wom][slow]") {
  Family family;
  NetworkDef mixed;
  check_referrals("fully mixed", referral_world(mixed, 0.15), family);
  NetworkDef ring;
  ring.kind = NetworkKind::small_world;
  ring.degree = 10;
  ring.rewire = 0.0;
  check_referrals("ring lattice", referral_world(ring, 0.4), family);
  NetworkDef small = ring;
  small.rewire = 0.1;
  check_referrals("small world", referral_world(small, 0.4), family);
  NetworkDef scale_free;
  scale_free.kind = NetworkKind::scale_free;
  scale_free.degree = 8;
  scale_free.exponent = 2.5;
  check_referrals("scale-free", referral_world(scale_free, 0.3), family);
  CHECK(family.check() == 0);
}

namespace {

// Half the customers are lost (satisfaction 0.7, below the complaint threshold 0.8) and complain
// at rate c a day to anyone; the other half are unaware and become aware at hazard r times the
// salience factor. Two days: complaints made on day 0 are heard that night, and on day 1 the
// hearer's ad memory is 0.9 x (-impact x complaints heard).
ScenarioDef complaint_world(double rate, double impact) {
  ScenarioDef d = default_scenario();
  d.simulation.customers = 100'000;
  d.simulation.days = 2;
  d.simulation.seed = 8;
  d.stages = {stage("unaware", Role::unaware, 0.5), stage("aware", Role::journey),
              stage("buy", Role::purchase), stage("lost", Role::lost, 0.5)};
  d.edges = {edge("unaware", "aware", 0.5), edge("aware", "buy", 0.0)};  // nobody buys here
  d.edges[0].salience = true;
  d.experience.quality_sd = 0;  // existing customers' satisfaction: exactly 0.7
  d.word_of_mouth.complaints.rate = rate;
  d.word_of_mouth.complaints.below = 0.8;
  d.word_of_mouth.complaints.impact = impact;
  return d;
}

}  // namespace

TEST_CASE(
    "complaints: Poisson counts, and heard complaints slow salience edges as the Hill "
    "factor says",
    "[wom]") {
  Family family;
  for (const double impact : {0.0, 3.0}) {
    const ScenarioDef d = complaint_world(2.0, impact);
    RunOptions o;
    o.threads = 2;
    const RunResult run = simulate(d, o);
    const DailySeries& s = run.daily;
    const auto lost = static_cast<double>(s.stage_counts[s.at_stage(0, 3, 0)]);
    const auto unaware = static_cast<double>(s.stage_counts[s.at_stage(0, 0, 0)]);
    const double N = lost + unaware;
    const double c = d.word_of_mouth.complaints.rate, r = d.edges[0].rate;
    // Each lost customer: Poisson(c) complaints a day, so the day's total is Poisson(c L).
    for (int t = 0; t < 2; ++t) {
      family.add(
          "complaints on day " + std::to_string(t) + " (impact " + std::to_string(impact) + ")",
          static_cast<double>(s.complaints[static_cast<std::size_t>(t)]), c * lost,
          std::sqrt(c * lost));
    }
    // Each customer hears Poisson(lambda = c L / N) of day 0's complaints (a uniform pick among
    // N each). On day 1 an unaware customer who heard m has A = 0.9 (-impact m), and the salience
    // edge runs at r / H(|A|), H(x) = 1 + x^2 / (x^2 + 2^2). Aware by the end of day 1:
    // 1 - e^-r sum_m Poisson(m; lambda) e^(-r / H(0.9 impact m)).
    const double lambda = c * lost / N;
    double stay = 0, pm = std::exp(-lambda);
    for (int m = 0; m < 60; ++m) {
      const double x = 0.9 * impact * m;
      const double h = 1 + x * x / (x * x + 4);
      stay += pm * std::exp(-r / h);
      pm *= lambda / (m + 1);
    }
    const double aware = 1 - std::exp(-r) * stay;
    family.add("aware after two days (impact " + std::to_string(impact) + ")",
               static_cast<double>(s.stage_counts[s.at_stage(2, 1, 0)]), unaware * aware,
               std::sqrt(unaware * aware * (1 - aware)));
  }
  CHECK(family.check() == 0);
}
