// The budget optimizer (analysis/optimize.cpp) on worlds whose best split is known in closed
// form: where it lands, that it keeps every bound, and that impossible bounds are bad input.
#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>

#include "cjsim/errors.hpp"
#include "cjsim/optimize.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

// Two segments of n customers, each reached only by its own channel on a one-day horizon. A
// channel with budget B exposes k = B / c customers of its segment (everyone at B = c n), and
// an exposed customer buys that day with probability 1 - e^-(r0 L) instead of 1 - e^-r0, so
//   f(B) = n (1 - e^-r0) + min(B / c, n) (e^-r0 - e^-(r0 L))
// new customers: linear until the channel reaches its whole segment, flat after. Channel a
// converts at q_a = 0.9 per contact and b at q_b = 0.45, both at cost 1, and the total is 1.5 n:
// the best split gives a exactly n (its whole segment) and b the rest. Every unit moved away
// from that point costs 0.45 customers (q_a - q_b to the left, q_b to the right): a sharp
// optimum, so a misplaced answer costs far more than the noise (unlike a smooth concave
// response, where a 10% misallocation moves the objective by a fraction of a percent).
struct KinkWorld {
  double n = 100'000, r0 = 1e-4, cost = 1.0;
  double lift_a = -std::log(1 - 0.9) / 1e-4, lift_b = -std::log(1 - 0.45) / 1e-4;
  double total() const { return 1.5 * n * cost; }
  double best_a() const { return n * cost; }
  double per_contact(double lift) const { return std::exp(-r0) - std::exp(-r0 * lift); }
  // Objective lost per unit of budget moved away from the best split, on either side.
  double slope() const {
    return std::min(per_contact(lift_a) - per_contact(lift_b), per_contact(lift_b)) / cost;
  }
  ScenarioDef def(double plan_a, double plan_b) const {
    ScenarioDef d = default_scenario();
    d.simulation.customers = static_cast<std::uint64_t>(2 * n);
    d.simulation.days = 1;
    d.segments = {segment("A", 0.5, 1.0), segment("B", 0.5, 1.0)};
    d.stages = {stage("unaware", Role::unaware, 1.0), stage("bought", Role::purchase)};
    d.edges = {edge("unaware", "bought", r0)};
    auto channel = [&](std::string name, std::string seg, double lift, double b) {
      ChannelDef c;
      c.name = std::move(name);
      c.cost = cost;
      c.flights = {FlightDef{0, 0, b}};
      c.reaches = {"unaware"};
      c.segments = {std::move(seg)};
      c.lifts = {{"unaware -> bought", lift}};
      c.salience = 0;
      return c;
    };
    d.channels = {channel("a", "A", lift_a, plan_a), channel("b", "B", lift_b, plan_b)};
    return d;
  }
};

// How far from the best split the optimizer may stop, for a false-alarm rate of 1e-6.
// Each comparison it makes is between two allocations' means over R replicates. The objective
// of one run is a sum of 2n independent Bernoulli outcomes, so its sd is at most sqrt(2n)/2, and
// the difference of two runs (whatever their correlation) has an sd of at most twice that: the
// difference of two means has sd at most sigma_d = sqrt(2n) / sqrt(R). With probability
// 1 - 1e-6 none of the M evaluations' noises exceeds z sigma_d, z the one-sided normal quantile
// at 1e-6 / M; then every step towards the optimum whose true gain exceeds that noise wins its
// comparison, so the search stops where the gain of moving on is within the noise: at most
// z sigma_d / slope from the optimum, plus the last step it tried (tolerance x total).
double tolerance_of(const KinkWorld& w, const OptimizeResult& r, int replicates, double tolerance) {
  const double sigma_d = std::sqrt(2 * w.n) / std::sqrt(static_cast<double>(replicates));
  const boost::math::normal_distribution<double> normal;
  const double z = boost::math::quantile(
      boost::math::complement(normal, 1e-6 / static_cast<double>(std::max(r.evaluations, 1))));
  return z * sigma_d / w.slope() + tolerance * w.total();
}

OptimizeResult optimize_kink(const KinkWorld& w, int replicates, double tolerance) {
  OptimizeOptions o;
  o.total = w.total();
  o.objective = Objective::new_customers;
  o.replicates = replicates;
  o.run.threads = 2;
  o.tolerance = tolerance;
  return optimize_budget(w.def(0.2 * w.total(), 0.8 * w.total()), o);
}

}  // namespace

TEST_CASE("optimizer: finds the known best split within the noise of its objective", "[optimize]") {
  const KinkWorld w;
  const double best = w.best_a();
  const OptimizeResult r = optimize_kink(w, 4, 0.005);
  const double tolerance = tolerance_of(w, r, 4, 0.005);
  INFO("best " << best << ", found " << r.allocation[0] << ", tolerance " << tolerance << " ("
               << r.evaluations << " evaluations, slope " << w.slope() << ")");
  // The smallest error this detects: a misallocation of tolerance / best (about 4%) of channel
  // a's budget; a 10% one fails.
  REQUIRE(tolerance < 0.06 * best);
  CHECK(std::fabs(r.allocation[0] - best) < tolerance);
  CHECK(std::fabs(r.allocation[0] + r.allocation[1] - w.total()) < 1e-6 * w.total());
  // The closed form at the optimum: 2n(1 - e^-r0) + n q_a + 0.5 n q_b new customers, against the
  // mean of R = 4 runs (sd at most sqrt(2n)/2 each) and the value lost at the found split.
  const double expected = 2 * w.n * (1 - std::exp(-w.r0)) + w.n * w.per_contact(w.lift_a) +
                          (w.total() - best) / w.cost * w.per_contact(w.lift_b);
  const double z = z_for(1e-6, 2);
  CHECK(r.value.mean <= expected + z * std::sqrt(2 * w.n) / 2 / 2);
  CHECK(r.value.mean >= expected - z * std::sqrt(2 * w.n) / 2 / 2 - w.slope() * tolerance);
  // Far from the plan's split (a at 20%) and from an equal one: the search moved.
  REQUIRE(std::fabs(best - 0.2 * w.total()) > 2 * tolerance);
  REQUIRE(std::fabs(best - 0.5 * w.total()) > 2 * tolerance);

  // Twice the replicates: still within its (smaller) tolerance of the optimum.
  const OptimizeResult r8 = optimize_kink(w, 8, 0.005);
  const double tolerance8 = tolerance_of(w, r8, 8, 0.005);
  INFO("with 8 replicates: found " << r8.allocation[0] << ", tolerance " << tolerance8);
  CHECK(std::fabs(r8.allocation[0] - best) < tolerance8);
}

namespace {

// Two segments, each reached by its own channel over 30 days, with a smooth concave response
// (new customers n(1 - ((1-p) e^-r0 + p e^-(r0 L))^T), p the daily share exposed): for bounds,
// which need no precision.
struct SmoothWorld {
  double r0 = 0.002, n = 2000, T = 30;
  double f(double budget, double lift, double cost) const {
    const double p = std::min(1.0, budget / (T * cost * n));
    const double a = std::exp(-r0), b = std::exp(-r0 * lift);
    return n * (1 - std::pow(a - p * (a - b), T));
  }
  // The best budget of channel a by golden-section search (the total is concave in it).
  double best_a(double x) const {
    auto total = [&](double ba) { return f(ba, 100, 0.5) + f(x - ba, 300, 2.0); };
    double lo = 0, hi = x;
    for (int i = 0; i < 200; ++i) {
      const double m1 = lo + (hi - lo) * 0.381966, m2 = hi - (hi - lo) * 0.381966;
      (total(m1) < total(m2) ? lo : hi) = total(m1) < total(m2) ? m1 : m2;
    }
    return (lo + hi) / 2;
  }
  ScenarioDef def(double plan_a, double plan_b) const {
    ScenarioDef d = default_scenario();
    d.simulation.customers = static_cast<std::uint64_t>(2 * n);
    d.simulation.days = static_cast<int>(T);
    d.segments = {segment("A", 0.5, 1.0), segment("B", 0.5, 1.0)};
    d.stages = {stage("unaware", Role::unaware, 1.0), stage("bought", Role::purchase)};
    d.edges = {edge("unaware", "bought", r0)};
    auto channel = [&](std::string name, std::string seg, double cost, double lift, double b) {
      ChannelDef c;
      c.name = std::move(name);
      c.cost = cost;
      c.flights = {FlightDef{0, d.simulation.days - 1, b}};
      c.reaches = {"unaware", "bought"};
      c.segments = {std::move(seg)};
      c.lifts = {{"unaware -> bought", lift}};
      c.salience = 0;
      return c;
    };
    d.channels = {channel("a", "A", 0.5, 100, plan_a), channel("b", "B", 2.0, 300, plan_b)};
    return d;
  }
};

}  // namespace

TEST_CASE("optimizer: respects every bound, with quarters too", "[optimize]") {
  const SmoothWorld w;
  const double x = 20000;
  OptimizeOptions o;
  o.total = x;
  o.objective = Objective::new_customers;
  o.replicates = 2;
  o.run.threads = 2;
  o.tolerance = 0.02;
  // Unbounded, a would get about 9,300 of the 20,000: cap a at 5,000 and ask b for at least
  // 15,000, so both bounds bind.
  REQUIRE(w.best_a(x) > 5000 + 2000);
  o.min = {0, 15000};
  o.max = {5000, x};
  const OptimizeResult r = optimize_budget(w.def(0.5 * x, 0.5 * x), o);
  CHECK(r.allocation[0] <= 5000 + 1e-6);
  CHECK(r.allocation[1] >= 15000 - 1e-6);
  CHECK(r.allocation[0] + r.allocation[1] == Approx(x));
  CHECK(r.at_bound[0]);  // a wants more than it may have
  CHECK(r.at_bound[1]);
  o.quarters = true;
  const OptimizeResult q = optimize_budget(w.def(0.5 * x, 0.5 * x), o);
  REQUIRE(q.units.size() == 8);
  CHECK(q.units[1] == "a@q2");
  double a = 0, b = 0;
  for (std::size_t u = 0; u < 8; ++u) {
    CHECK(q.allocation[u] >= 0);
    (q.unit_channel[u] == 0 ? a : b) += q.allocation[u];
  }
  CHECK(a <= 5000 + 1e-6);
  CHECK(b >= 15000 - 1e-6);
  CHECK(a + b == Approx(x));
}

TEST_CASE("optimizer: bounds that cannot be met are bad input", "[optimize]") {
  const SmoothWorld w;
  OptimizeOptions o;
  o.total = 10000;
  o.replicates = 2;
  o.min = {6000, 6000};
  CHECK_THROWS_AS(optimize_budget(w.def(1, 1), o), InputError);
  o.min = {0, 0};
  o.max = {3000, 3000};
  CHECK_THROWS_AS(optimize_budget(w.def(1, 1), o), InputError);
  o.max = {};
  o.min = {0, 20000};
  CHECK_THROWS_AS(optimize_budget(w.def(1, 1), o), InputError);
  o.min = {};
  o.total = -1;
  CHECK_THROWS_AS(optimize_budget(w.def(1, 1), o), InputError);
  o.total = 10000;
  o.replicates = 1;
  CHECK_THROWS_AS(optimize_budget(w.def(1, 1), o), InputError);
}
