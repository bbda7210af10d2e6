// The ABC-SMC sampler (cjsim/abc.hpp): generations of weighted particles, a multivariate normal
// kernel in the unconstrained space (Eigen for the covariance and its Cholesky factor), adaptive
// distance scales, and a quantile schedule for epsilon. Serial bookkeeping around a model that
// simulates batches (in parallel, where the model chooses).
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "cjsim/abc.hpp"
#include "random/rng.hpp"

namespace cjsim {

namespace {

constexpr double kInf = kUnbounded;
constexpr double kLog2Pi = 1.8378770664093453;
constexpr double kMadToSd = 1.4826;  // MAD of a normal sample times this estimates its sd

// Random numbers of one proposal: Philox keyed by the calibration seed, counted by
// (proposal, generation, purpose); MicroURNG counts the words within it.
class ProposalRandom {
 public:
  ProposalRandom(std::uint64_t seed, std::uint32_t generation, std::uint64_t proposal,
                 Purpose purpose)
      : rng_(Streams(seed, 0).urng(proposal, generation, purpose)) {}
  double uniform() { return uniform01(rng_()); }
  double normal() {
    if (spare_) {
      spare_ = false;
      return spare_value_;
    }
    const std::array<std::uint32_t, 4> w{rng_(), rng_(), rng_(), rng_()};
    const std::array<double, 2> z = normal_pair(w);
    spare_ = true;
    spare_value_ = z[1];
    return z[0];
  }

 private:
  MicroRng rng_;
  bool spare_ = false;
  double spare_value_ = 0.0;
};

double weighted_quantile(std::vector<std::pair<double, double>> dw, double q) {
  std::sort(dw.begin(), dw.end());
  double total = 0.0;
  for (const auto& [d, w] : dw) total += w;
  double cum = 0.0;
  for (const auto& [d, w] : dw) {
    cum += w;
    if (cum >= q * total) return d;
  }
  return dw.empty() ? kInf : dw.back().first;
}

double median_of(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    m = (m + *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid))) / 2;
  }
  return m;
}

// Per group: the pooled median absolute deviation (as an sd) of its observed statistics over
// `sims`; fixed groups keep their scale; a group whose statistics never vary keeps `previous`.
std::vector<double> adaptive_scales(const AbcDistance& d,
                                    const std::vector<std::vector<double>>& sims,
                                    const std::vector<double>& previous) {
  const std::size_t G = d.weight.size();
  std::vector<double> sum_sq(G, 0.0);
  std::vector<int> count(G, 0);
  std::vector<double> column;
  for (std::size_t j = 0; j < d.observed.size(); ++j) {
    const auto g = static_cast<std::size_t>(d.group[j]);
    if (std::isnan(d.observed[j]) || d.scale[g] > 0) continue;
    column.clear();
    for (const auto& s : sims) {
      if (j < s.size() && std::isfinite(s[j])) column.push_back(s[j]);
    }
    if (column.size() < 2) continue;
    const double m = median_of(column);
    std::vector<double> dev(column.size());
    double mean_dev = 0.0;
    for (std::size_t i = 0; i < column.size(); ++i) {
      dev[i] = std::fabs(column[i] - m);
      mean_dev += dev[i] / static_cast<double>(column.size());
    }
    double mad = median_of(dev);
    if (mad == 0) mad = mean_dev;  // discrete statistics: more than half at the median
    sum_sq[g] += mad * mad;
    ++count[g];
  }
  std::vector<double> out(G);
  for (std::size_t g = 0; g < G; ++g) {
    if (d.scale[g] > 0) {
      out[g] = d.scale[g];
    } else if (count[g] > 0 && sum_sq[g] > 0) {
      out[g] = kMadToSd * std::sqrt(sum_sq[g] / count[g]);
    } else {
      out[g] = g < previous.size() && previous[g] > 0 ? previous[g] : 1.0;
    }
  }
  return out;
}

void check_inputs(const PriorSet& priors, const AbcDistance& d, const AbcOptions& o) {
  if (priors.parameters.empty()) throw std::invalid_argument("abc_smc: no parameter to fit");
  if (d.group.size() != d.observed.size()) {
    throw std::invalid_argument("abc_smc: one group per statistic");
  }
  if (d.scale.size() != d.weight.size()) {
    throw std::invalid_argument("abc_smc: one scale per group");
  }
  bool any = false;
  for (std::size_t j = 0; j < d.observed.size(); ++j) {
    if (d.group[j] < 0 || static_cast<std::size_t>(d.group[j]) >= d.weight.size()) {
      throw std::invalid_argument("abc_smc: a statistic's group is out of range");
    }
    any = any || (!std::isnan(d.observed[j]) && d.weight[static_cast<std::size_t>(d.group[j])] > 0);
  }
  if (!any) throw std::invalid_argument("abc_smc: no observed statistic with a positive weight");
  if (o.particles < 2) throw std::invalid_argument("abc_smc: at least 2 particles");
  if (o.budget < o.particles) throw std::invalid_argument("abc_smc: budget below the particles");
  if (!(o.quantile > 0 && o.quantile < 1))
    throw std::invalid_argument("abc_smc: quantile in (0,1)");
  if (o.batch < 1) throw std::invalid_argument("abc_smc: batch >= 1");
  if (!(o.min_acceptance >= 0 && o.min_acceptance < 1)) {
    throw std::invalid_argument("abc_smc: min_acceptance in [0, 1)");
  }
}

double mad_sd(std::vector<double> v) {
  if (v.size() < 2) return 0.0;
  const double m = median_of(v);
  for (double& x : v) x = std::fabs(x - m);
  return kMadToSd * median_of(v);
}

// The regression summaries of one generation (AbcOptions::projection): ridge regression of the
// unconstrained parameters `us` on the scaled statistics `sims`, the penalty chosen by
// generalised cross-validation over a grid (one penalty for every dimension).
AbcProjection fit_projection(const AbcDistance& d, const std::vector<double>& scales,
                             const std::vector<std::vector<double>>& sims,
                             const std::vector<std::vector<double>>& us,
                             const AbcProjection& previous) {
  const std::size_t J = d.observed.size();
  AbcProjection p;
  p.mean.assign(J, 0.0);
  p.zscale.assign(J, 0.0);
  std::vector<std::size_t> cols;
  for (std::size_t j = 0; j < J; ++j) {
    const auto g = static_cast<std::size_t>(d.group[j]);
    if (std::isnan(d.observed[j]) || !(d.weight[g] > 0) || !(scales[g] > 0)) continue;
    p.zscale[j] = scales[g] / std::sqrt(d.weight[g]);
    cols.push_back(j);
  }
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < sims.size(); ++i) {
    bool ok = i < us.size();
    for (const std::size_t j : cols) ok = ok && std::isfinite(sims[i][j]);
    for (const double u : us[i]) ok = ok && std::isfinite(u);
    if (ok) rows.push_back(i);
  }
  const auto n = static_cast<Eigen::Index>(rows.size());
  const auto m = static_cast<Eigen::Index>(cols.size());
  const auto dims = static_cast<Eigen::Index>(us.empty() ? 0 : us.front().size());
  if (n < 10 || m == 0 || dims == 0) return previous;
  for (const std::size_t j : cols) {
    double s = 0.0;
    for (const std::size_t i : rows) s += sims[i][j];
    p.mean[j] = s / static_cast<double>(n);
  }
  Eigen::MatrixXd X(n, m), Y(n, dims);
  for (Eigen::Index r = 0; r < n; ++r) {
    const std::size_t i = rows[static_cast<std::size_t>(r)];
    for (Eigen::Index c = 0; c < m; ++c) {
      const std::size_t j = cols[static_cast<std::size_t>(c)];
      X(r, c) = (sims[i][j] - p.mean[j]) / p.zscale[j];
    }
    for (Eigen::Index k = 0; k < dims; ++k) Y(r, k) = us[i][static_cast<std::size_t>(k)];
  }
  Y.rowwise() -= Y.colwise().mean();
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(X, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd sv = svd.singularValues();
  const Eigen::MatrixXd UtY = svd.matrixU().transpose() * Y;
  const double base = std::max(sv.squaredNorm() / static_cast<double>(m), 1e-300);
  double best_lambda = base, best_gcv = kInf;
  for (int step = -12; step <= 6; ++step) {
    const double lambda = base * std::pow(10.0, 0.5 * step);
    double fitted_sq = 0.0, dof = 0.0;
    for (Eigen::Index k = 0; k < sv.size(); ++k) {
      const double s2 = sv[k] * sv[k], h = s2 / (s2 + lambda);
      dof += h;
      fitted_sq += (h * (2.0 - h)) * UtY.row(k).squaredNorm();
    }
    // Residual sum of squares: ||Y||^2 - sum_k (2h - h^2) (U^T Y)_k^2.
    const double rss = std::max(Y.squaredNorm() - fitted_sq, 0.0);
    const double denom = static_cast<double>(n) - dof;
    if (denom <= 0) continue;
    const double gcv = static_cast<double>(n) * rss / (denom * denom);
    if (gcv < best_gcv) {
      best_gcv = gcv;
      best_lambda = lambda;
    }
  }
  Eigen::VectorXd shrink(sv.size());
  for (Eigen::Index k = 0; k < sv.size(); ++k) shrink[k] = sv[k] / (sv[k] * sv[k] + best_lambda);
  const Eigen::MatrixXd beta = svd.matrixV() * shrink.asDiagonal() * UtY;  // m x dims
  p.dimensions = static_cast<int>(dims);
  p.beta.assign(J * static_cast<std::size_t>(dims), 0.0);
  for (Eigen::Index c = 0; c < m; ++c) {
    for (Eigen::Index k = 0; k < dims; ++k) {
      p.beta[cols[static_cast<std::size_t>(c)] * static_cast<std::size_t>(dims) +
             static_cast<std::size_t>(k)] = beta(c, k);
    }
  }
  const Eigen::MatrixXd T = X * beta;
  p.tau.assign(static_cast<std::size_t>(dims), 1.0);
  for (Eigen::Index k = 0; k < dims; ++k) {
    std::vector<double> t(T.col(k).data(), T.col(k).data() + n);
    double tau = mad_sd(t);
    if (!(tau > 0)) {
      const double mean = T.col(k).mean();
      tau = std::sqrt((T.col(k).array() - mean).square().sum() / static_cast<double>(n));
    }
    p.tau[static_cast<std::size_t>(k)] = tau > 0 ? tau : 1.0;
  }
  p.observed.assign(static_cast<std::size_t>(dims), 0.0);
  for (const std::size_t j : cols) {
    const double z = (d.observed[j] - p.mean[j]) / p.zscale[j];
    for (std::size_t k = 0; k < static_cast<std::size_t>(dims); ++k) {
      p.observed[k] += z * p.beta[j * static_cast<std::size_t>(dims) + k];
    }
  }
  return p;
}

// The perturbation kernel of a population: N(u_j, 2 * weighted covariance), as its Cholesky
// factor; a ridge keeps it positive definite when particles are (nearly) collinear.
struct Kernel {
  Eigen::MatrixXd L;
  double log_norm = 0.0;  // -log det L - d/2 log(2 pi)
  std::vector<Eigen::VectorXd> centers;
  std::vector<double> log_w;

  Kernel(const std::vector<std::vector<double>>& us, const std::vector<double>& w) {
    const auto d = static_cast<Eigen::Index>(us.front().size());
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
    for (std::size_t i = 0; i < us.size(); ++i) {
      centers.push_back(Eigen::Map<const Eigen::VectorXd>(us[i].data(), d));
      mean += w[i] * centers.back();
      log_w.push_back(w[i] > 0 ? std::log(w[i]) : -kInf);
    }
    Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(d, d);
    for (std::size_t i = 0; i < us.size(); ++i) {
      const Eigen::VectorXd c = centers[i] - mean;
      cov += w[i] * c * c.transpose();
    }
    cov *= 2.0;
    const double ridge = std::max(1e-12, 1e-9 * cov.trace() / static_cast<double>(d));
    for (int attempt = 0;; ++attempt) {
      Eigen::LLT<Eigen::MatrixXd> llt(cov);
      if (llt.info() == Eigen::Success) {
        L = llt.matrixL();
        break;
      }
      cov.diagonal().array() += ridge * std::pow(10.0, attempt);
      if (attempt > 30) throw std::runtime_error("abc_smc: the kernel covariance is not finite");
    }
    log_norm = -L.diagonal().array().log().sum() - 0.5 * static_cast<double>(d) * kLog2Pi;
  }

  // log sum_j W_j N(u; u_j, Sigma)
  double log_mixture(const std::vector<double>& u) const {
    const auto d = static_cast<Eigen::Index>(u.size());
    const Eigen::Map<const Eigen::VectorXd> x(u.data(), d);
    std::vector<double> terms(centers.size());
    double top = -kInf;
    for (std::size_t j = 0; j < centers.size(); ++j) {
      const Eigen::VectorXd z = L.triangularView<Eigen::Lower>().solve(x - centers[j]);
      terms[j] = log_w[j] + log_norm - 0.5 * z.squaredNorm();
      top = std::max(top, terms[j]);
    }
    if (!std::isfinite(top)) return -kInf;
    double sum = 0.0;
    for (const double t : terms) sum += std::exp(t - top);
    return top + std::log(sum);
  }
};

}  // namespace

double effective_sample_size(const std::vector<double>& weights) {
  double s = 0.0, s2 = 0.0;
  for (const double w : weights) {
    s += w;
    s2 += w * w;
  }
  return s2 > 0 ? s * s / s2 : 0.0;
}

double abc_distance(const AbcDistance& d, const std::vector<double>& scales,
                    const std::vector<double>& stats) {
  if (stats.size() != d.observed.size()) return kInf;
  double sum = 0.0;
  for (std::size_t j = 0; j < stats.size(); ++j) {
    if (std::isnan(d.observed[j])) continue;
    const auto g = static_cast<std::size_t>(d.group[j]);
    if (d.weight[g] <= 0) continue;
    if (!std::isfinite(stats[j])) return kInf;
    const double z = (stats[j] - d.observed[j]) / scales[g];
    sum += d.weight[g] * z * z;
  }
  return std::sqrt(sum);
}

double abc_distance(const AbcDistance& d, const std::vector<double>& scales, const AbcProjection& p,
                    const std::vector<double>& stats) {
  if (p.empty()) return abc_distance(d, scales, stats);
  if (stats.size() != d.observed.size()) return kInf;
  const auto D = static_cast<std::size_t>(p.dimensions);
  std::vector<double> t(D, 0.0);
  for (std::size_t j = 0; j < stats.size(); ++j) {
    if (!(p.zscale[j] > 0)) continue;
    if (!std::isfinite(stats[j])) return kInf;
    const double z = (stats[j] - p.mean[j]) / p.zscale[j];
    for (std::size_t k = 0; k < D; ++k) t[k] += z * p.beta[j * D + k];
  }
  double sum = 0.0;
  for (std::size_t k = 0; k < D; ++k) {
    const double z = (t[k] - p.observed[k]) / p.tau[k];
    sum += z * z;
  }
  return std::sqrt(sum);
}

std::uint64_t derived_seed(std::uint64_t seed, std::uint32_t stream, std::uint64_t index) {
  const auto w = Streams(seed, 0).words(index, stream, Purpose::abc_seed);
  return (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
}

std::vector<int> resample(const std::vector<AbcParticle>& population, int draws,
                          std::uint64_t seed) {
  std::vector<int> out;
  if (population.empty() || draws <= 0) return out;
  double total = 0.0;
  for (const AbcParticle& p : population) total += p.weight;
  const double start = uniform01(Streams(seed, 0).words(0, 0, Purpose::abc_resample)[0]);
  double cum = population.front().weight / total;
  std::size_t i = 0;
  for (int k = 0; k < draws; ++k) {
    const double at = (start + k) / draws;
    while (at > cum && i + 1 < population.size()) cum += population[++i].weight / total;
    out.push_back(static_cast<int>(i));
  }
  return out;
}

AbcState abc_smc(const PriorSet& priors, const AbcDistance& distance, const AbcModel& model,
                 const AbcOptions& options, std::optional<AbcState> resume,
                 const AbcCallbacks& callbacks) {
  check_inputs(priors, distance, options);
  AbcState state = resume ? std::move(*resume) : AbcState{};
  const std::size_t N = static_cast<std::size_t>(options.particles);
  const std::size_t G = distance.weight.size();
  if (state.next_scales.size() != G) state.next_scales = adaptive_scales(distance, {}, {});

  while (state.stopped.empty()) {
    const int t = state.generations;
    if (t >= options.max_generations) {
      state.stopped = "generations";
      break;
    }
    const std::vector<double> scales = state.next_scales;
    const AbcProjection projection =
        options.projection && t > 0 ? state.next_projection : AbcProjection{};
    double epsilon = kInf;
    std::optional<Kernel> kernel;
    std::vector<double> cumulative;  // of the previous weights, to pick ancestors
    std::vector<std::vector<double>> previous_u;
    if (t > 0) {
      std::vector<std::pair<double, double>> dw;
      std::vector<double> w;
      for (AbcParticle& p : state.population) {
        p.distance = abc_distance(distance, scales, projection, p.stats);
        dw.emplace_back(p.distance, p.weight);
        previous_u.push_back(to_unconstrained(priors, p.theta));
        w.push_back(p.weight);
      }
      epsilon = weighted_quantile(dw, options.quantile);
      // Ties (discrete statistics) can put the quantile at the largest distance, which would
      // not shrink the target: then the next smaller distance is taken.
      double largest = 0.0, below = -1.0;
      for (const auto& [dist, w0] : dw) largest = std::max(largest, dist);
      for (const auto& [dist, w0] : dw) {
        if (dist < largest) below = std::max(below, dist);
      }
      if (epsilon >= largest && below >= 0) epsilon = below;
      kernel.emplace(previous_u, w);
      double cum = 0.0;
      for (const double x : w) cumulative.push_back(cum += x);
    }

    std::vector<AbcParticle> accepted;
    std::vector<std::vector<double>> all_stats;  // every simulation of the generation (scales)
    std::vector<std::vector<double>> all_u;      // ... and its parameters (projection)
    std::int64_t simulated = 0;
    std::uint64_t next = 0;
    const auto give_up_at =
        options.min_acceptance > 0
            ? static_cast<std::int64_t>(std::ceil(static_cast<double>(N) / options.min_acceptance))
            : std::numeric_limits<std::int64_t>::max();
    while (accepted.size() < N) {
      const std::int64_t room = options.budget - state.simulations;
      if (room <= 0) {
        state.stopped = "budget";
        break;
      }
      if (simulated >= give_up_at) {
        state.stopped = "acceptance";
        break;
      }
      const auto b = static_cast<std::size_t>(std::min<std::int64_t>(options.batch, room));
      std::vector<AbcProposal> batch(b);
      for (std::size_t k = 0; k < b; ++k) {
        const std::uint64_t index = next + k;
        ProposalRandom rng(options.seed, static_cast<std::uint32_t>(t), index,
                           Purpose::abc_propose);
        if (t == 0) {
          batch[k].theta = sample_prior(priors, [&rng] { return rng.uniform(); });
        } else {
          const double pick = rng.uniform() * cumulative.back();
          const auto j = static_cast<std::size_t>(std::min<std::ptrdiff_t>(
              std::lower_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin(),
              static_cast<std::ptrdiff_t>(cumulative.size()) - 1));
          const auto d = static_cast<Eigen::Index>(previous_u[j].size());
          Eigen::VectorXd z(d);
          for (Eigen::Index i = 0; i < d; ++i) z[i] = rng.normal();
          const Eigen::VectorXd moved = kernel->centers[j] + kernel->L * z;
          batch[k].theta =
              from_unconstrained(priors, std::vector<double>(moved.data(), moved.data() + d));
        }
        batch[k].seed = derived_seed(options.seed, static_cast<std::uint32_t>(t), index);
      }
      std::vector<std::vector<double>> stats = model(batch);
      if (stats.size() != b) throw std::logic_error("abc_smc: the model returned too few results");
      for (std::size_t k = 0; k < b; ++k) {
        if (stats[k].size() != distance.observed.size()) {
          throw std::logic_error("abc_smc: the model returned the wrong number of statistics");
        }
        const double dist = abc_distance(distance, scales, projection, stats[k]);
        if (accepted.size() < N && (t == 0 || dist <= epsilon)) {
          accepted.push_back(AbcParticle{batch[k].theta, 0.0, dist, stats[k], batch[k].seed});
        }
        all_stats.push_back(std::move(stats[k]));
        if (options.projection) all_u.push_back(to_unconstrained(priors, batch[k].theta));
      }
      next += b;
      simulated += static_cast<std::int64_t>(b);
      state.simulations += static_cast<std::int64_t>(b);
      if (callbacks.progress) {
        callbacks.progress(AbcProgress{t, epsilon, static_cast<int>(accepted.size()),
                                       options.particles, simulated, state.simulations,
                                       options.budget});
      }
    }
    if (accepted.size() < N) break;  // dropped: the previous population stands

    // Importance weights: prior over the kernel mixture, both in the unconstrained space.
    if (t == 0) {
      for (AbcParticle& p : accepted) p.weight = 1.0 / static_cast<double>(N);
    } else {
      std::vector<double> logw(N);
      double top = -kInf;
      for (std::size_t i = 0; i < N; ++i) {
        const std::vector<double> u = to_unconstrained(priors, accepted[i].theta);
        logw[i] = log_prior_unconstrained(priors, u) - kernel->log_mixture(u);
        if (std::isnan(logw[i])) logw[i] = -kInf;
        top = std::max(top, logw[i]);
      }
      double sum = 0.0;
      for (std::size_t i = 0; i < N; ++i) {
        accepted[i].weight = std::isfinite(top) ? std::exp(logw[i] - top) : 1.0;
        sum += accepted[i].weight;
      }
      for (AbcParticle& p : accepted) p.weight /= sum;
    }
    std::vector<double> w;
    for (const AbcParticle& p : accepted) w.push_back(p.weight);
    AbcGeneration g;
    g.epsilon = epsilon;
    g.simulations = simulated;
    g.accepted = static_cast<int>(N);
    g.acceptance = static_cast<double>(N) / static_cast<double>(simulated);
    g.ess = effective_sample_size(w);
    g.scales = scales;
    state.history.push_back(g);
    state.population = std::move(accepted);
    state.next_scales = adaptive_scales(distance, all_stats, scales);
    if (options.projection) {
      state.next_projection =
          fit_projection(distance, state.next_scales, all_stats, all_u, state.next_projection);
    }
    state.generations = t + 1;
    if (g.acceptance < options.min_acceptance) {
      state.stopped = "acceptance";
    } else if (t > 0 && epsilon <= options.min_epsilon) {
      state.stopped = "epsilon";
    } else if (state.generations >= options.max_generations) {
      state.stopped = "generations";
    } else if (state.simulations >= options.budget) {
      state.stopped = "budget";
    }
    if (callbacks.generation_done) callbacks.generation_done(state);
  }
  return state;
}

}  // namespace cjsim
