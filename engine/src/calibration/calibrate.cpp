// calibrate(): the sensitivity screen on common random numbers, ABC-SMC over the fit problem's
// worlds, and the posterior predictive simulations (cjsim/calibrate.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>

#include "calibration/problem_detail.hpp"
#include "calibration/runs.hpp"
#include "cjsim/calibrate.hpp"
#include "cjsim/ensemble.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Streams of derived seeds (derived_seed's `stream`): ABC uses its generation numbers (< 1000).
constexpr std::uint32_t kScreenStream = 0x5C4EE7u;
constexpr std::uint32_t kPredictiveStream = 0x9BED1Cu;
constexpr std::uint32_t kResampleStream = 0x4E5A4Du;

std::string num(double v) {
  return fmt::format("{:.4g}", v);
}

std::string describe_prior(const PriorSet& priors, int i) {
  const Parameter& p = priors.parameters[static_cast<std::size_t>(i)];
  if (p.group >= 0) {
    const DirichletGroup& g = priors.groups[static_cast<std::size_t>(p.group)];
    std::string alpha;
    for (const double a : g.alpha) alpha += (alpha.empty() ? "" : ", ") + num(a);
    return fmt::format("dirichlet(alpha {})", alpha);
  }
  const PriorDef& d = p.prior;
  std::string s;
  switch (d.kind) {
    case PriorKind::lognormal:
      s = fmt::format("lognormal(median {}, sigma {})", num(d.a), num(d.b));
      break;
    case PriorKind::normal:
      s = fmt::format("normal(mean {}, sd {})", num(d.a), num(d.b));
      break;
    case PriorKind::beta:
      s = fmt::format("beta({}, {})", num(d.a), num(d.b));
      break;
    case PriorKind::gamma:
      s = fmt::format("gamma(shape {}, rate {})", num(d.a), num(d.b));
      break;
    case PriorKind::uniform:
      s = fmt::format("uniform({} .. {})", num(d.a), num(d.b));
      break;
    case PriorKind::log_uniform:
      s = fmt::format("log-uniform({} .. {})", num(d.a), num(d.b));
      break;
  }
  if (std::isfinite(d.lower) && d.kind != PriorKind::uniform && d.kind != PriorKind::log_uniform) {
    s += fmt::format(" >= {}", num(d.lower));
  }
  if (std::isfinite(d.upper) && d.kind != PriorKind::uniform && d.kind != PriorKind::log_uniform) {
    s += fmt::format(" <= {}", num(d.upper));
  }
  return s;
}

// A parameter's coordinate for comparing widths: the unconstrained transform (log for a
// half-bounded one, logit for a bounded one or a share).
double width_coordinate(const PriorSet& priors, int i, double x) {
  const Parameter& p = priors.parameters[static_cast<std::size_t>(i)];
  if (p.group >= 0) {
    const double s = std::clamp(x, 1e-12, 1 - 1e-12);
    return std::log(s) - std::log1p(-s);
  }
  PriorSet one;
  one.parameters.push_back(Parameter{p.name, p.prior, -1});
  return to_unconstrained(one, {x})[0];
}

double weighted_quantile(std::vector<std::pair<double, double>> xw, double q) {
  std::sort(xw.begin(), xw.end());
  double total = 0.0;
  for (const auto& [x, w] : xw) total += w;
  double cum = 0.0;
  for (const auto& [x, w] : xw) {
    cum += w;
    if (cum >= q * total) return x;
  }
  return xw.empty() ? kNaN : xw.back().first;
}

// Prior centre: medians, and a Dirichlet group's means.
std::vector<double> prior_centre(const PriorSet& priors) {
  std::vector<double> theta(priors.parameters.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    if (priors.parameters[i].group < 0) {
      theta[i] = prior_quantile(priors.parameters[i].prior, 0.5);
    }
  }
  for (const DirichletGroup& g : priors.groups) {
    double total = 0.0;
    for (const double a : g.alpha) total += a;
    for (std::size_t k = 0; k < g.members.size(); ++k) {
      theta[static_cast<std::size_t>(g.members[k])] = g.alpha[k] / total;
    }
  }
  return theta;
}

// theta with parameter i at its prior's quantile q (a share's group partners rescaled).
std::vector<double> moved(const PriorSet& priors, std::vector<double> theta, int i, double q) {
  const auto iu = static_cast<std::size_t>(i);
  const double old = theta[iu];
  theta[iu] = parameter_quantile(priors, i, q);
  const int group = priors.parameters[iu].group;
  if (group >= 0) {
    const double factor = old < 1 ? (1 - theta[iu]) / (1 - old) : 0.0;
    for (const int m : priors.groups[static_cast<std::size_t>(group)].members) {
      if (m != i) theta[static_cast<std::size_t>(m)] *= factor;
    }
  }
  return theta;
}

struct Simulator {
  const FitProblem& problem;
  int threads;
  BatchTimer timer;

  // The statistics of every (theta, seed); a theta whose world is invalid gets NaN.
  std::vector<std::vector<double>> statistics(const std::vector<std::vector<double>>& thetas,
                                              const std::vector<std::uint64_t>& seeds,
                                              const std::function<void()>& after_each = {}) {
    std::vector<std::vector<double>> out(thetas.size());
    std::vector<ScenarioDef> worlds;
    std::vector<std::uint64_t> world_seeds;
    std::vector<std::size_t> slot;
    for (std::size_t k = 0; k < thetas.size(); ++k) {
      try {
        worlds.push_back(problem.world(thetas[k]));
        world_seeds.push_back(seeds[k]);
        slot.push_back(k);
      } catch (const InputError&) {
        out[k].assign(problem.distance().observed.size(), kNaN);
      }
    }
    std::mutex m;
    simulate_each(
        worlds, world_seeds, problem.run_options(), threads,
        [&](std::size_t k, RunResult&& run) {
          out[slot[k]] = problem.statistics(run);
          if (after_each) {
            const std::lock_guard<std::mutex> lock(m);
            after_each();
          }
        },
        &timer);
    return out;
  }
};

Screen run_screen(const FitProblem& problem, Simulator& sim, std::uint64_t seed,
                  const CalibrateOptions& options) {
  const CalibrationSpec& spec = problem.spec();
  const PriorSet& priors = spec.priors;
  const int P = static_cast<int>(priors.parameters.size());
  const int R = spec.settings.screen_replicates;
  Screen screen;
  for (const FitParameter& p : spec.parameters) screen.parameters.push_back(p.name);
  for (const TargetSpec& t : problem.targets()) screen.targets.push_back(t.name);
  for (const ExperimentSpec& e : spec.experiments)
    screen.targets.push_back("experiment: " + e.name);
  const std::vector<double> centre = prior_centre(priors);
  std::vector<std::vector<double>> thetas;
  std::vector<std::uint64_t> seeds;
  for (int point = 0; point < 2 * P + 1; ++point) {
    const std::vector<double> theta =
        point == 0 ? centre : moved(priors, centre, (point - 1) / 2, (point - 1) % 2 ? 0.9 : 0.1);
    for (int r = 0; r < R; ++r) {
      thetas.push_back(theta);
      seeds.push_back(derived_seed(seed, kScreenStream, static_cast<std::uint64_t>(r)));
    }
  }
  int done = 0;
  const int total = static_cast<int>(thetas.size());
  const auto stats = sim.statistics(thetas, seeds, [&] {
    ++done;
    if (options.progress) options.progress(CalibrateProgress{"screen", {}, done, total});
  });
  screen.simulations = total;
  const AbcDistance& d = problem.distance();
  const std::size_t J = d.observed.size();
  const auto at = [&](int point, int r) -> const std::vector<double>& {
    return stats[static_cast<std::size_t>(point * R + r)];
  };
  // Noise of each statistic: sd over the centre's replicates.
  std::vector<double> noise(J, 0.0);
  for (std::size_t j = 0; j < J; ++j) {
    double mean = 0.0, sq = 0.0;
    for (int r = 0; r < R; ++r) mean += at(0, r)[j] / R;
    for (int r = 0; r < R; ++r) sq += (at(0, r)[j] - mean) * (at(0, r)[j] - mean);
    noise[j] = std::sqrt(sq / std::max(R - 1, 1));
  }
  const std::size_t G = d.weight.size();
  std::vector<std::vector<double>> vectors(static_cast<std::size_t>(P));
  for (int i = 0; i < P; ++i) {
    std::vector<double> sum_effect(G, 0.0), sum_noise(G, 0.0);
    std::vector<int> count(G, 0);
    for (std::size_t j = 0; j < J; ++j) {
      if (std::isnan(d.observed[j])) continue;
      double diff = 0.0;
      for (int r = 0; r < R; ++r) diff += (at(2 * i + 2, r)[j] - at(2 * i + 1, r)[j]) / R;
      if (!std::isfinite(diff)) diff = 0.0;
      const auto g = static_cast<std::size_t>(d.group[j]);
      const double n = d.scale[g] > 0 ? d.scale[g] : noise[j];
      sum_effect[g] += diff * diff;
      sum_noise[g] += n * n;
      ++count[g];
      vectors[static_cast<std::size_t>(i)].push_back(d.weight[g] > 0 ? diff / std::max(n, 1e-9)
                                                                     : 0.0);
    }
    bool moves = false;
    for (std::size_t g = 0; g < G; ++g) {
      const double e = count[g] > 0 ? std::sqrt(sum_effect[g] / std::max(sum_noise[g], 1e-18)) : 0;
      screen.effect.push_back(e);
      moves = moves || (e > 2 && d.weight[g] > 0);
    }
    screen.flat.push_back(!moves);
  }
  for (int i = 0; i < P; ++i) {
    for (int l = i + 1; l < P; ++l) {
      if (screen.flat[static_cast<std::size_t>(i)] || screen.flat[static_cast<std::size_t>(l)]) {
        continue;
      }
      const auto& a = vectors[static_cast<std::size_t>(i)];
      const auto& b = vectors[static_cast<std::size_t>(l)];
      double ab = 0, aa = 0, bb = 0;
      for (std::size_t j = 0; j < a.size(); ++j) {
        ab += a[j] * b[j];
        aa += a[j] * a[j];
        bb += b[j] * b[j];
      }
      const double cosine = aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
      if (std::fabs(cosine) > 0.95) {
        screen.collinear.emplace_back(i, l);
        screen.cosine.push_back(cosine);
      }
    }
  }
  for (int i = 0; i < P; ++i) {
    if (!screen.flat[static_cast<std::size_t>(i)]) continue;
    screen.advice.push_back(fmt::format(
        "{}: moving it across its prior (10% to 90%) changes no target by more than twice its "
        "noise, so the data will say little about it; add a target it moves, or fix it at a "
        "value",
        screen.parameters[static_cast<std::size_t>(i)]));
  }
  for (std::size_t c = 0; c < screen.collinear.size(); ++c) {
    const auto [i, l] = screen.collinear[c];
    const std::string& a = screen.parameters[static_cast<std::size_t>(i)];
    const std::string& b = screen.parameters[static_cast<std::size_t>(l)];
    const bool channel = a.rfind("channels.", 0) == 0 || b.rfind("channels.", 0) == 0;
    screen.advice.push_back(fmt::format(
        "{} and {} move the targets alike (correlation {:.2f}): the data cannot tell them "
        "apart{}",
        a, b, screen.cosine[c],
        channel ? "; a channel that is always on looks like a base rate: add an off period (a "
                  "spend column with weeks at 0) or a test ([[calibrate.experiments]])"
                : "; fix one of them, or add a target that moves only one"));
  }
  return screen;
}

}  // namespace

std::vector<ParameterSummary> summarize_posterior(const PriorSet& priors,
                                                  const std::vector<AbcParticle>& population) {
  std::vector<ParameterSummary> out;
  for (std::size_t i = 0; i < priors.parameters.size(); ++i) {
    const int ii = static_cast<int>(i);
    ParameterSummary s;
    s.name = priors.parameters[i].name;
    s.prior = describe_prior(priors, ii);
    s.prior_p05 = parameter_quantile(priors, ii, 0.05);
    s.prior_p50 = parameter_quantile(priors, ii, 0.5);
    s.prior_p95 = parameter_quantile(priors, ii, 0.95);
    std::vector<std::pair<double, double>> xw;
    for (const AbcParticle& p : population) {
      xw.emplace_back(p.theta[i], p.weight);
      s.mean += p.weight * p.theta[i];
    }
    s.p05 = weighted_quantile(xw, 0.05);
    s.p50 = weighted_quantile(xw, 0.5);
    s.p95 = weighted_quantile(xw, 0.95);
    const double prior_width =
        width_coordinate(priors, ii, s.prior_p95) - width_coordinate(priors, ii, s.prior_p05);
    const double post_width =
        width_coordinate(priors, ii, s.p95) - width_coordinate(priors, ii, s.p05);
    s.shrinkage = prior_width > 0 ? post_width / prior_width : 1.0;
    s.uninformed = s.shrinkage > 0.8;
    out.push_back(std::move(s));
  }
  return out;
}

CalibrationResult calibrate(const FitProblem& problem, const CalibrateOptions& options,
                            std::optional<Screen> screen, std::optional<AbcState> resume) {
  const auto started = std::chrono::steady_clock::now();
  const CalibrationSpec& spec = problem.spec();
  const std::uint64_t seed = options.seed.value_or(spec.settings.smc.seed);
  Simulator sim{problem, options.threads, {}};
  CalibrationResult out;
  out.variant = problem.variant();
  out.parameters = spec.parameters;
  out.priors = spec.priors;
  out.targets = problem.targets();
  out.statistic_info = problem.statistic_info();
  out.distance = problem.distance();
  out.seed = seed;
  out.scale = spec.settings.scale;
  out.threads = options.threads;

  if (screen) {
    out.screen = std::move(*screen);
  } else if (options.screen) {
    out.screen = run_screen(problem, sim, seed, options);
    if (options.checkpoint) options.checkpoint(AbcState{}, out.screen);
  }

  AbcOptions abc = spec.settings.smc;
  abc.seed = seed;
  const AbcModel model = [&](const std::vector<AbcProposal>& batch) {
    std::vector<std::vector<double>> thetas;
    std::vector<std::uint64_t> seeds;
    for (const AbcProposal& p : batch) {
      thetas.push_back(p.theta);
      seeds.push_back(p.seed);
    }
    return sim.statistics(thetas, seeds);
  };
  AbcCallbacks callbacks;
  callbacks.progress = [&](const AbcProgress& p) {
    if (options.progress) options.progress(CalibrateProgress{"abc", p, 0, 0});
  };
  callbacks.generation_done = [&](const AbcState& s) {
    if (options.checkpoint) options.checkpoint(s, out.screen);
  };
  out.abc = abc_smc(spec.priors, problem.distance(), model, abc, std::move(resume), callbacks);

  // Posterior draws, each simulated once more with a fresh seed.
  const int D = spec.settings.draws;
  const std::vector<int> picks =
      resample(out.abc.population, D, derived_seed(seed, kResampleStream, 0));
  std::vector<std::vector<double>> thetas;
  for (const int i : picks) {
    out.draws.push_back(out.abc.population[static_cast<std::size_t>(i)].theta);
    out.draw_seeds.push_back(
        derived_seed(seed, kPredictiveStream, static_cast<std::uint64_t>(out.draw_seeds.size())));
  }
  const std::size_t T = out.targets.size();
  // values[target][draw] = the target's series (market scale).
  std::vector<std::vector<std::vector<double>>> values(
      T + spec.experiments.size(), std::vector<std::vector<double>>(out.draws.size()));
  {
    std::vector<ScenarioDef> worlds;
    for (const auto& theta : out.draws) worlds.push_back(problem.world(theta));
    std::mutex m;
    int done = 0;
    std::vector<std::string> warnings;
    simulate_each(
        worlds, out.draw_seeds, problem.run_options(), options.threads,
        [&](std::size_t d, RunResult&& run) {
          for (std::size_t k = 0; k < T; ++k) {
            values[k][d] = problem.target_values(run, static_cast<int>(k));
          }
          for (std::size_t e = 0; e < spec.experiments.size(); ++e) {
            values[T + e][d] = {detail::experiment_estimate(
                run, spec.experiments[e], problem.observed().day0, spec.settings.scale)};
          }
          const std::lock_guard<std::mutex> lock(m);
          if (d == 0) warnings = problem.underspent(run);
          ++done;
          if (options.progress) {
            options.progress(CalibrateProgress{"predictive", {}, done, D});
          }
        },
        &sim.timer);
    out.warnings = std::move(warnings);
  }
  // Bands and checks per target.
  const ObservedData& obs = problem.observed();
  for (std::size_t k = 0; k < values.size(); ++k) {
    PredictiveTarget t;
    if (k < T) {
      t.name = out.targets[k].name;
      if (t.name == "customers") {
        t.observed = obs.customers->purchases;
        t.observed.insert(t.observed.end(), obs.customers->recency.begin(),
                          obs.customers->recency.end());
      } else {
        t.observed = obs.find(t.name)->values;
      }
    } else {
      const ExperimentSpec& e = spec.experiments[k - T];
      t.name = "experiment: " + e.name;
      t.observed = {e.result};
    }
    const std::size_t L = t.observed.size();
    double inside = 0.0, compared = 0.0;
    std::vector<double> m(L, 0.0), v(L, 0.0);
    for (std::size_t p = 0; p < L; ++p) {
      std::vector<double> column, roots;
      for (const auto& series : values[k]) {
        if (p < series.size() && std::isfinite(series[p])) {
          column.push_back(series[p]);
          roots.push_back(k < T ? std::sqrt(std::max(series[p], 0.0)) : series[p]);
        }
      }
      std::sort(column.begin(), column.end());
      const auto q = [&](double x) { return column.empty() ? kNaN : quantile_sorted(column, x); };
      t.p05.push_back(q(0.05));
      t.p25.push_back(q(0.25));
      t.p50.push_back(q(0.5));
      t.p75.push_back(q(0.75));
      t.p95.push_back(q(0.95));
      for (const double r : roots) m[p] += r / static_cast<double>(roots.size());
      for (const double r : roots)
        v[p] +=
            (r - m[p]) * (r - m[p]) / std::max<double>(1.0, static_cast<double>(roots.size()) - 1);
      if (!std::isnan(t.observed[p]) && !column.empty()) {
        compared += 1;
        inside += t.observed[p] >= t.p05.back() && t.observed[p] <= t.p95.back();
      }
    }
    t.coverage90 = compared > 0 ? inside / compared : kNaN;
    // Posterior predictive p-value of the chi-square discrepancy (square roots for series).
    const auto discrepancy = [&](const std::vector<double>& y) {
      double s = 0.0;
      for (std::size_t p = 0; p < L; ++p) {
        if (std::isnan(t.observed[p]) || !(v[p] > 0) || p >= y.size() || !std::isfinite(y[p]))
          continue;
        const double r = k < T ? std::sqrt(std::max(y[p], 0.0)) : y[p];
        s += (r - m[p]) * (r - m[p]) / v[p];
      }
      return s;
    };
    const double observed_d = discrepancy(t.observed);
    double above = 0.0;
    for (const auto& series : values[k]) above += discrepancy(series) >= observed_d;
    t.ppp = values[k].empty() ? kNaN : above / static_cast<double>(values[k].size());
    out.predictive.push_back(std::move(t));
  }
  out.summary = summarize_posterior(spec.priors, out.abc.population);
  for (const ParameterSummary& s : out.summary) out.median.push_back(s.p50);
  // A share group's medians, renormalised so the fitted scenario's shares add up to one.
  for (const DirichletGroup& g : spec.priors.groups) {
    double total = 0.0;
    for (const int i : g.members) total += out.median[static_cast<std::size_t>(i)];
    for (const int i : g.members) out.median[static_cast<std::size_t>(i)] /= total;
  }
  // For the report: a forecast past the data and the channels' value, both over posterior draws.
  if (spec.settings.forecast > 0) {
    ForecastOptions fo;
    fo.periods = spec.settings.forecast;
    fo.threads = options.threads;
    fo.progress = [&](int done, int total) {
      if (options.progress) options.progress(CalibrateProgress{"forecast", {}, done, total});
    };
    out.forecast = forecast(problem, out, fo);
  }
  if (spec.settings.value_draws > 0) {
    ValueOptions vo;
    vo.replicates = 2;
    vo.marginal = false;
    vo.run.threads = options.threads;
    vo.run.customer_table = false;
    int done = 0;
    const int total = spec.settings.value_draws;
    vo.run.progress = [&](const EnsembleProgress& p) {
      if (!p.finished) return;
      if (p.runs_done == p.runs_total) ++done;  // a draw's last run
      if (options.progress) options.progress(CalibrateProgress{"value", {}, done, total});
    };
    out.value = posterior_channel_value(problem, out, total, vo);
  }
  out.seconds_simulating = static_cast<double>(sim.timer.nanoseconds.load()) * 1e-9;
  out.seconds_total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace cjsim
