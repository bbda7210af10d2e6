// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018) of cjsim
// calibrate on a tiny world with two parameters: draw a truth from the prior, simulate data from
// it, fit, and see where the truth falls in its posterior. Over many datasets the posterior CDF
// at the truth (the rank of the truth among posterior draws, here from the weighted particles)
// is uniform when the intervals are honest; 50% and 90% central intervals must cover at least
// their nominal share less 5 points.
//
// Tests and their error rates. Ranks: Pearson chi-square of 10 equal bins against uniform,
// rejected at p < 0.0005 per parameter (0.1% for both). Coverage: one-sided exact binomial test
// of "coverage >= nominal - 5 points", rejected at p < 0.00025 per interval and parameter. The
// seeds are fixed, so a pass is stable. At M = 60 datasets the coverage test detects a 90%
// interval that covers 70% (power about 0.8); the chi-square test a posterior twice too narrow
// (about 40% of truths land in the outer two bins instead of 20%). The full version (M = 400,
// CJSIM_CALIBRATION_CHECKS=ON, label calibration-full) detects much smaller defects: a 90%
// interval covering 80%, or a posterior 1.4 times too narrow.
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <catch2/catch.hpp>

#include <cmath>

#include "calibration/problem_detail.hpp"
#include "cjsim/calibrate.hpp"
#include "random/rng.hpp"

using namespace cjsim;

namespace {

#ifndef CJSIM_SBC_DATASETS
#define CJSIM_SBC_DATASETS 60
#endif
#ifndef CJSIM_SBC_BUDGET
#define CJSIM_SBC_BUDGET 800
#endif

const char* const kWorld = R"([simulation]
customers = 1_500
days = 56
seed = 1

[stages]
unaware = { role = "unaware", start = 0.7 }
lead = { role = "journey", start = 0.2 }
buy = { role = "purchase" }
loyal = { role = "retention", start = 0.1 }

[edges]
"unaware -> lead" = { rate = 0.02 }
"lead -> unaware" = { rate = 0.02 }
"lead -> buy" = { rate = 0.05 }
"buy -> loyal" = { rate = 1.0 }
"loyal -> buy" = { rate = 0.03 }

[calibrate]
particles = 100
draws = 10
forecast = 0
value_draws = 0
min_acceptance = 0.02

[calibrate.priors]
"edges.lead -> buy.rate" = { dist = "lognormal", median = 0.05, sigma = 0.4 }
"edges.loyal -> buy.rate" = { dist = "lognormal", median = 0.03, sigma = 0.4 }
)";

// Uniforms for the truths: a Philox stream per dataset.
struct TruthStream {
  MicroRng rng;
  explicit TruthStream(int m)
      : rng(Streams(4242, 0).urng(static_cast<std::uint64_t>(m), 0, Purpose::abc_propose)) {}
  double uniform() { return uniform01(rng()); }
};

// The observed weekly new customers and repeat purchases of a run (what export --weekly writes);
// zeros without a run (the shape of the data, to build the truth's world).
ObservedData observed_of(const RunResult* run) {
  ObservedData o;
  o.files = {"<simulated>"};
  o.day0 = 20089;  // 2025-01-01
  o.frequency = "weekly";
  for (int w = 0; w < 8; ++w) {
    o.periods.push_back(Period{7 * w, 7});
    o.period_places.push_back({});
  }
  for (const char* name : {"new_customers", "repeat_purchases"}) {
    o.columns.push_back(ObservedColumn{name,
                                       run ? detail::target_values(*run, name, o.periods, 1.0)
                                           : std::vector<double>(o.periods.size(), 0.0),
                                       {}});
  }
  return o;
}

struct Outcome {
  std::vector<double> pit;  // per parameter: posterior CDF at the truth
};

Outcome fit_one(const ScenarioDocument& doc, const CalibrationSpec& spec, int m) {
  // The truth: a prior draw (its own stream), simulated with a seed of its own.
  TruthStream draw(m);
  const std::vector<double> truth = sample_prior(spec.priors, [&] { return draw.uniform(); });
  const FitProblem shape(doc, "", spec, observed_of(nullptr));
  RunOptions ro = shape.run_options();
  ro.seed = derived_seed(999, 7, static_cast<std::uint64_t>(m));
  const RunResult data = simulate(shape.world(truth), ro);
  CalibrationSpec s = spec;
  s.settings.smc.seed = derived_seed(12345, 8, static_cast<std::uint64_t>(m));
  const FitProblem fit(doc, "", s, observed_of(&data));
  CalibrateOptions co;
  co.threads = 2;
  co.screen = false;
  const CalibrationResult r = calibrate(fit, co);
  Outcome out;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    double below = 0;
    for (const AbcParticle& p : r.abc.population) {
      below += p.weight * (p.theta[i] < truth[i] ? 1.0 : p.theta[i] == truth[i] ? 0.5 : 0.0);
    }
    out.pit.push_back(below);
  }
  return out;
}

}  // namespace

TEST_CASE("sbc: posterior ranks of the truth are uniform and intervals cover", "[calibrate][sbc]") {
  const int M = CJSIM_SBC_DATASETS;
  ScenarioDocument doc = ScenarioDocument::from_string(kWorld, "sbc.toml");
  doc.set(std::string("calibrate.budget=") + std::to_string(CJSIM_SBC_BUDGET));
  const CalibrationSpec spec = read_calibrate_section(doc);
  std::vector<std::vector<double>> pits(spec.parameters.size());
  for (int m = 0; m < M; ++m) {
    const Outcome o = fit_one(doc, spec, m);
    for (std::size_t i = 0; i < o.pit.size(); ++i) pits[i].push_back(o.pit[i]);
  }
  for (std::size_t i = 0; i < pits.size(); ++i) {
    INFO(spec.parameters[i].name);
    std::vector<int> bins(10, 0);
    int in50 = 0, in90 = 0;
    for (const double u : pits[i]) {
      ++bins[static_cast<std::size_t>(std::min(9, static_cast<int>(u * 10)))];
      in50 += u >= 0.25 && u <= 0.75;
      in90 += u >= 0.05 && u <= 0.95;
    }
    double chi2 = 0;
    const double expected = M / 10.0;
    for (const int b : bins) chi2 += (b - expected) * (b - expected) / expected;
    const double p =
        boost::math::cdf(boost::math::complement(boost::math::chi_squared_distribution<>(9), chi2));
    std::string hist;
    for (const int b : bins) hist += std::to_string(b) + " ";
    INFO("rank bins: " << hist << " chi2 " << chi2 << " p " << p << "; 50%: " << in50 << "/" << M
                       << ", 90%: " << in90 << "/" << M);
    CHECK(p >= 0.0005);
    const auto low = [&](int covered, double nominal) {
      return boost::math::cdf(boost::math::binomial_distribution<>(M, nominal - 0.05), covered);
    };
    CHECK(low(in50, 0.5) >= 0.00025);
    CHECK(low(in90, 0.9) >= 0.00025);
  }
}
