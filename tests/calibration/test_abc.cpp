// The ABC-SMC sampler on its own, against posteriors known in closed form (engine/README.md
// "Calibration"). The statistics are discrete and sufficient (a Poisson or binomial total, a
// multinomial count vector), so once epsilon reaches 0 the sampler accepts exact matches only
// and its target is the exact posterior: whatever it gets wrong is the sampler's fault, and the
// only noise left is Monte Carlo noise of the weighted particles.
//
// Tolerances. With normalised weights w and effective sample size ESS = 1 / sum w^2, the
// weighted mean of a posterior with sd s has standard error s / sqrt(ESS), the weighted sd a
// relative standard error 1 / sqrt(2 ESS) (normal approximation), and the weighted empirical
// CDF a Kolmogorov distance of order 1 / sqrt(ESS). Each check's bound is z = 5.3 such errors
// (two-sided tail 1.2e-7); with at most 8 checks per case a correct sampler fails a case with
// probability below 1e-6. The seeds are fixed, so a pass is stable. At ESS ~ 700 the mean check
// detects a bias of about (5.3 + 1.6) / sqrt(700) = 0.26 posterior sd with 95% power; the
// Kolmogorov bound (c(1e-6) = 2.7) a CDF off by 0.10 anywhere.
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "base/parallel.hpp"
#include "cjsim/abc.hpp"
#include "random/rng.hpp"

using namespace cjsim;

namespace {

constexpr double kZ = 5.3;
constexpr double kKolmogorov = 2.7;

// A Poisson(mean) variate from a seed: inverse CDF by Boost (exact, deterministic).
double poisson_draw(double mean, std::uint64_t seed) {
  const double u = uniform01(Streams(seed, 0).words(0, 0, Purpose::event)[0]);
  return boost::math::quantile(boost::math::poisson_distribution<>(mean), u);
}

double binomial_draw(int n, double p, std::uint64_t seed) {
  const Streams s(seed, 0);
  int k = 0;
  for (int i = 0; i < n; ++i)
    k += uniform01(s.words(static_cast<std::uint64_t>(i), 0, Purpose::event)[0]) < p;
  return k;
}

struct Summary {
  double mean = 0, sd = 0, ess = 0;
};

Summary summarize(const AbcState& s, int parameter) {
  Summary out;
  std::vector<double> w;
  for (const AbcParticle& p : s.population) {
    out.mean += p.weight * p.theta[static_cast<std::size_t>(parameter)];
    w.push_back(p.weight);
  }
  for (const AbcParticle& p : s.population) {
    const double d = p.theta[static_cast<std::size_t>(parameter)] - out.mean;
    out.sd += p.weight * d * d;
  }
  out.sd = std::sqrt(out.sd);
  out.ess = effective_sample_size(w);
  return out;
}

// sup_x |weighted ECDF(x) - cdf(x)|
template <class Cdf>
double kolmogorov(const AbcState& s, int parameter, Cdf cdf) {
  std::vector<std::pair<double, double>> xw;
  for (const AbcParticle& p : s.population) {
    xw.emplace_back(p.theta[static_cast<std::size_t>(parameter)], p.weight);
  }
  std::sort(xw.begin(), xw.end());
  double cum = 0, worst = 0;
  for (const auto& [x, w] : xw) {
    const double F = cdf(x);
    worst = std::max(worst, std::fabs(cum - F));
    cum += w;
    worst = std::max(worst, std::fabs(cum - F));
  }
  return worst;
}

template <class Cdf>
void check_posterior(const AbcState& s, int parameter, double mean, double sd, Cdf cdf) {
  const Summary got = summarize(s, parameter);
  INFO("ESS " << got.ess << ", mean " << got.mean << " vs " << mean << ", sd " << got.sd << " vs "
              << sd);
  REQUIRE(got.ess > 300);
  CHECK(std::fabs(got.mean - mean) < kZ * sd / std::sqrt(got.ess));
  CHECK(std::fabs(got.sd / sd - 1) < kZ / std::sqrt(2 * got.ess));
  CHECK(kolmogorov(s, parameter, cdf) < kKolmogorov / std::sqrt(got.ess));
}

AbcOptions exact_options(std::uint64_t seed) {
  AbcOptions o;
  o.particles = 1000;
  o.budget = 400'000;
  o.min_acceptance = 0.001;
  o.min_epsilon = 0.0;  // go on until only exact matches are accepted
  o.seed = seed;
  return o;
}

// A model of independent draws, run in parallel over the batch (as calibrations do), through
// the engine's parallel_for so that ThreadSanitizer sees the loop's fork and join.
template <class Draw>
AbcModel parallel_model(Draw draw) {
  return [draw](const std::vector<AbcProposal>& batch) {
    std::vector<std::vector<double>> out(batch.size());
    cjsim::parallel_for(std::size_t{0}, batch.size(),
                        [&](std::size_t k) { out[k] = draw(batch[k].theta, batch[k].seed); });
    return out;
  };
}

}  // namespace

TEST_CASE("abc: Gamma-Poisson posterior reproduced", "[abc]") {
  // lambda ~ Gamma(shape 3, rate 0.2) (mean 15); n = 8 Poisson(lambda) counts summing to 96:
  // the posterior is Gamma(3 + 96, 0.2 + 8).
  constexpr int n = 8;
  const double S = 96, shape = 3, rate = 0.2;
  PriorSet priors;
  priors.parameters.push_back({"lambda", PriorDef{PriorKind::gamma, shape, rate}, -1});
  AbcDistance d{{S}, {0}, {1.0}, {0.0}};
  const AbcModel model = parallel_model([](const std::vector<double>& th, std::uint64_t seed) {
    return std::vector<double>{poisson_draw(n * th[0], seed)};
  });
  const AbcState s = abc_smc(priors, d, model, exact_options(17));
  REQUIRE(s.stopped == "epsilon");
  REQUIRE(s.history.back().epsilon == 0.0);
  const boost::math::gamma_distribution<> post(shape + S, 1.0 / (rate + n));
  check_posterior(s, 0, boost::math::mean(post), boost::math::standard_deviation(post),
                  [&](double x) { return boost::math::cdf(post, x); });
}

TEST_CASE("abc: bounded and log-scale priors give the truncated posteriors", "[abc]") {
  // The same Poisson data under a uniform prior on [5, 20] (posterior: Gamma(S + 1, n)
  // truncated to [5, 20]) and a log-uniform prior on [1, 100] (Gamma(S, n) truncated): the
  // logit and log transforms and their Jacobians must cancel exactly.
  constexpr int n = 5;
  const double S = 48;
  const AbcModel model = parallel_model([](const std::vector<double>& th, std::uint64_t seed) {
    return std::vector<double>{poisson_draw(n * th[0], seed)};
  });
  for (const PriorKind kind : {PriorKind::uniform, PriorKind::log_uniform}) {
    const bool uniform = kind == PriorKind::uniform;
    const double lo = uniform ? 5 : 1, hi = uniform ? 20 : 100;
    PriorSet priors;
    priors.parameters.push_back({"lambda", PriorDef{kind, lo, hi}, -1});
    AbcDistance d{{S}, {0}, {1.0}, {0.0}};
    const AbcState s = abc_smc(priors, d, model, exact_options(uniform ? 5 : 6));
    REQUIRE(s.stopped == "epsilon");
    const boost::math::gamma_distribution<> g(uniform ? S + 1 : S, 1.0 / n);
    const double Flo = boost::math::cdf(g, lo), Fhi = boost::math::cdf(g, hi);
    const auto cdf = [&](double x) { return (boost::math::cdf(g, x) - Flo) / (Fhi - Flo); };
    // Moments of the truncated Gamma by quadrature.
    const auto pdf = [&](double x) { return boost::math::pdf(g, x) / (Fhi - Flo); };
    const double m = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        [&](double x) { return x * pdf(x); }, lo, hi);
    const double v = boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        [&](double x) { return (x - m) * (x - m) * pdf(x); }, lo, hi);
    INFO(prior_kind_name(kind));
    check_posterior(s, 0, m, std::sqrt(v), cdf);
  }
}

TEST_CASE("abc: two parameters, beta-binomial and lognormal-Poisson", "[abc]") {
  // p ~ Beta(2, 5), k = 37 of 120 -> Beta(39, 88); lambda ~ lognormal(median 4, sigma 0.5),
  // 6 counts summing to 31 -> a posterior by quadrature. Two statistics in two groups: the
  // kernel moves in two dimensions and the adaptive scales differ per group.
  constexpr int trials = 120, n = 6;
  const double k = 37, S = 31;
  PriorSet priors;
  priors.parameters.push_back({"p", PriorDef{PriorKind::beta, 2, 5}, -1});
  priors.parameters.push_back({"lambda", PriorDef{PriorKind::lognormal, 4, 0.5}, -1});
  AbcDistance d{{k, S}, {0, 1}, {1.0, 1.0}, {0.0, 0.0}};
  const AbcModel model = parallel_model([](const std::vector<double>& th, std::uint64_t seed) {
    return std::vector<double>{binomial_draw(trials, th[0], seed),
                               poisson_draw(n * th[1], seed ^ 0x9e3779b97f4a7c15ull)};
  });
  // Exact joint matches are rarer (about 1 in 300 at the end): more budget, fewer particles.
  AbcOptions o = exact_options(23);
  o.particles = 600;
  o.budget = 2'000'000;
  const AbcState s = abc_smc(priors, d, model, o);
  REQUIRE(s.stopped == "epsilon");
  const boost::math::beta_distribution<> bp(2 + k, 5 + trials - k);
  check_posterior(s, 0, boost::math::mean(bp), boost::math::standard_deviation(bp),
                  [&](double x) { return boost::math::cdf(bp, x); });

  // lognormal prior x Poisson likelihood, normalised numerically.
  const auto unnorm = [&](double x) {
    const double z = (std::log(x) - std::log(4.0)) / 0.5;
    return std::exp(-0.5 * z * z - std::log(x) + S * std::log(n * x) - n * x - std::lgamma(S + 1));
  };
  using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
  const double Z = GK::integrate(unnorm, 0.0, 40.0, 15);
  const double m = GK::integrate([&](double x) { return x * unnorm(x) / Z; }, 0.0, 40.0, 15);
  const double v =
      GK::integrate([&](double x) { return (x - m) * (x - m) * unnorm(x) / Z; }, 0.0, 40.0, 15);
  check_posterior(s, 1, m, std::sqrt(v), [&](double x) {
    return GK::integrate([&](double y) { return unnorm(y) / Z; }, 1e-9, x, 15);
  });
}

TEST_CASE("abc: Dirichlet-multinomial posterior of shares", "[abc]") {
  // Shares ~ Dirichlet(2, 3, 5); 60 draws fall 14 / 21 / 25 -> Dirichlet(16, 24, 30), whose
  // marginals are Beta(alpha_k, alpha_0 - alpha_k).
  PriorSet priors;
  for (const char* name : {"a", "b", "c"}) priors.parameters.push_back({name, {}, 0});
  priors.groups.push_back({{0, 1, 2}, {2, 3, 5}});
  const std::vector<double> counts{14, 21, 25};
  AbcDistance d{counts, {0, 0, 0}, {1.0}, {0.0}};
  const AbcModel model = parallel_model([](const std::vector<double>& th, std::uint64_t seed) {
    const Streams s(seed, 0);
    std::vector<double> c(3, 0.0);
    for (int i = 0; i < 60; ++i) {
      const double u = uniform01(s.words(static_cast<std::uint64_t>(i), 0, Purpose::event)[0]);
      c[u < th[0] ? 0 : u < th[0] + th[1] ? 1 : 2] += 1;
    }
    return c;
  });
  const AbcState s = abc_smc(priors, d, model, exact_options(31));
  REQUIRE(s.stopped == "epsilon");
  const std::vector<double> post{16, 24, 30};
  for (int i = 0; i < 3; ++i) {
    const boost::math::beta_distribution<> b(post[static_cast<std::size_t>(i)],
                                             70 - post[static_cast<std::size_t>(i)]);
    INFO("share " << i);
    check_posterior(s, i, boost::math::mean(b), boost::math::standard_deviation(b),
                    [&](double x) { return boost::math::cdf(b, x); });
  }
  for (const AbcParticle& p : s.population) {
    REQUIRE(std::fabs(p.theta[0] + p.theta[1] + p.theta[2] - 1) < 1e-12);
  }
}

TEST_CASE("abc: transforms round-trip and the unconstrained density integrates to the prior",
          "[abc]") {
  // For each kind, the mass exp(log_prior_unconstrained) puts on an interval of u, relative to
  // its total, must equal the truncated prior's CDF difference over the mapped interval.
  const std::vector<PriorDef> defs{{PriorKind::lognormal, 0.03, 0.8, 0.001, 1.0},
                                   {PriorKind::normal, 2, 3, 0, kUnbounded},
                                   {PriorKind::beta, 2, 7},
                                   {PriorKind::uniform, -1, 4},
                                   {PriorKind::log_uniform, 0.01, 10},
                                   {PriorKind::gamma, 2.5, 4, -kUnbounded, 2}};
  for (const PriorDef& def : defs) {
    INFO(prior_kind_name(def.kind));
    PriorSet p;
    p.parameters.push_back({"x", def, -1});
    for (const double q : {0.01, 0.3, 0.5, 0.9, 0.999}) {
      const double x = prior_quantile(def, q);
      REQUIRE(std::fabs(prior_cdf(def, x) - q) < 1e-9);
      const double back = from_unconstrained(p, to_unconstrained(p, {x}))[0];
      REQUIRE(std::fabs(back - x) <= 1e-9 * std::max(1.0, std::fabs(x)));
    }
    using GK = boost::math::quadrature::gauss_kronrod<double, 61>;
    const auto dens = [&](double u) { return std::exp(log_prior_unconstrained(p, {u})); };
    const double u1 = to_unconstrained(p, {prior_quantile(def, 0.2)})[0];
    const double u2 = to_unconstrained(p, {prior_quantile(def, 0.7)})[0];
    const double lo = to_unconstrained(p, {prior_quantile(def, 1e-9)})[0];
    const double hi = to_unconstrained(p, {prior_quantile(def, 1 - 1e-9)})[0];
    const double total = GK::integrate(dens, lo, hi, 15);
    const double part = GK::integrate(dens, u1, u2, 15);
    CHECK(std::fabs(part / total - 0.5) < 1e-6);
  }
}

TEST_CASE("abc: same bits for any batch scheduling, and resuming equals running through", "[abc]") {
  constexpr int n = 8;
  PriorSet priors;
  priors.parameters.push_back({"lambda", PriorDef{PriorKind::lognormal, 10, 1}, -1});
  AbcDistance d{{80}, {0}, {1.0}, {0.0}};
  const auto draw = [](const std::vector<double>& th, std::uint64_t seed) {
    return std::vector<double>{poisson_draw(n * th[0], seed)};
  };
  const AbcModel serial = [&](const std::vector<AbcProposal>& batch) {
    std::vector<std::vector<double>> out;
    for (const AbcProposal& p : batch) out.push_back(draw(p.theta, p.seed));
    return out;
  };
  AbcOptions o;
  o.particles = 300;
  o.max_generations = 6;
  o.seed = 99;
  const AbcState a = abc_smc(priors, d, parallel_model(draw), o);
  const AbcState b = abc_smc(priors, d, serial, o);
  AbcOptions first = o;
  first.max_generations = 3;
  AbcState half = abc_smc(priors, d, serial, first);
  REQUIRE(half.generations == 3);
  half.stopped.clear();
  const AbcState c = abc_smc(priors, d, serial, o, half);
  REQUIRE(a.generations == 6);
  for (const AbcState* other : {&b, &c}) {
    REQUIRE(other->generations == a.generations);
    REQUIRE(other->simulations == a.simulations);
    REQUIRE(other->population.size() == a.population.size());
    for (std::size_t i = 0; i < a.population.size(); ++i) {
      REQUIRE(other->population[i].theta == a.population[i].theta);
      REQUIRE(other->population[i].weight == a.population[i].weight);
      REQUIRE(other->population[i].seed == a.population[i].seed);
    }
  }
  // Every simulation had its own seed.
  std::vector<std::uint64_t> seeds;
  for (const AbcParticle& p : a.population) seeds.push_back(p.seed);
  std::sort(seeds.begin(), seeds.end());
  REQUIRE(std::adjacent_find(seeds.begin(), seeds.end()) == seeds.end());
}

TEST_CASE("abc: stopping rules", "[abc]") {
  PriorSet priors;
  priors.parameters.push_back({"lambda", PriorDef{PriorKind::uniform, 0, 100}, -1});
  AbcDistance d{{500}, {0}, {1.0}, {0.0}};
  const AbcModel model = parallel_model([](const std::vector<double>& th, std::uint64_t seed) {
    return std::vector<double>{poisson_draw(10 * th[0], seed)};
  });
  AbcOptions o;
  o.particles = 100;
  o.budget = 1000;
  const AbcState budget = abc_smc(priors, d, model, o);
  REQUIRE(budget.stopped == "budget");
  REQUIRE(budget.simulations <= 1000);
  o.budget = 1'000'000;
  o.min_acceptance = 0.2;
  const AbcState acceptance = abc_smc(priors, d, model, o);
  REQUIRE(acceptance.stopped == "acceptance");
  // Every generation but the last accepted at least 20% (the last may end within its final
  // batch, just below).
  for (std::size_t g = 0; g + 1 < acceptance.history.size(); ++g) {
    REQUIRE(acceptance.history[g].acceptance >= 0.2);
  }
  // Systematic resampling: every particle drawn floor or ceil of M times its weight.
  const std::vector<int> draws = resample(acceptance.population, 1000, 3);
  std::vector<int> count(acceptance.population.size(), 0);
  for (const int i : draws) ++count[static_cast<std::size_t>(i)];
  for (std::size_t i = 0; i < count.size(); ++i) {
    const double expected = 1000 * acceptance.population[i].weight;
    REQUIRE(std::fabs(count[i] - expected) < 1.0 + 1e-9);
  }
}
