// Priors of the fit: truncated distributions (Boost.Math for every CDF and quantile), Dirichlet
// groups of shares, and the maps to and from the unconstrained space the sampler moves in.
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/gamma.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "cjsim/abc.hpp"

namespace cjsim {

namespace {

constexpr double kInf = kUnbounded;

double natural_lower(const PriorDef& p) {
  switch (p.kind) {
    case PriorKind::lognormal:
    case PriorKind::beta:
    case PriorKind::gamma:
      return 0.0;
    case PriorKind::normal:
      return -kInf;
    case PriorKind::uniform:
    case PriorKind::log_uniform:
      return p.a;
  }
  return -kInf;
}

double natural_upper(const PriorDef& p) {
  switch (p.kind) {
    case PriorKind::beta:
      return 1.0;
    case PriorKind::lognormal:
    case PriorKind::normal:
    case PriorKind::gamma:
      return kInf;
    case PriorKind::uniform:
    case PriorKind::log_uniform:
      return p.b;
  }
  return kInf;
}

// The untruncated CDF and quantile.
double raw_cdf(const PriorDef& p, double x) {
  if (x <= natural_lower(p)) return 0.0;
  if (x >= natural_upper(p)) return 1.0;
  switch (p.kind) {
    case PriorKind::lognormal:
      return boost::math::cdf(boost::math::lognormal_distribution<>(std::log(p.a), p.b), x);
    case PriorKind::normal:
      return boost::math::cdf(boost::math::normal_distribution<>(p.a, p.b), x);
    case PriorKind::beta:
      return boost::math::cdf(boost::math::beta_distribution<>(p.a, p.b), x);
    case PriorKind::uniform:
      return (x - p.a) / (p.b - p.a);
    case PriorKind::log_uniform:
      return (std::log(x) - std::log(p.a)) / (std::log(p.b) - std::log(p.a));
    case PriorKind::gamma:
      return boost::math::gamma_p(p.a, p.b * x);
  }
  return 0.0;
}

double raw_quantile(const PriorDef& p, double q) {
  q = std::clamp(q, 0.0, 1.0);
  switch (p.kind) {
    case PriorKind::lognormal:
      if (q <= 0) return 0.0;
      if (q >= 1) return kInf;
      return boost::math::quantile(boost::math::lognormal_distribution<>(std::log(p.a), p.b), q);
    case PriorKind::normal:
      if (q <= 0) return -kInf;
      if (q >= 1) return kInf;
      return boost::math::quantile(boost::math::normal_distribution<>(p.a, p.b), q);
    case PriorKind::beta:
      return boost::math::quantile(boost::math::beta_distribution<>(p.a, p.b), q);
    case PriorKind::uniform:
      return p.a + q * (p.b - p.a);
    case PriorKind::log_uniform:
      return std::exp(std::log(p.a) + q * (std::log(p.b) - std::log(p.a)));
    case PriorKind::gamma:
      if (q <= 0) return 0.0;
      if (q >= 1) return kInf;
      return boost::math::gamma_p_inv(p.a, q) / p.b;
  }
  return 0.0;
}

double log_sigmoid(double u) {
  return u >= 0 ? -std::log1p(std::exp(-u)) : u - std::log1p(std::exp(u));
}

// One bounded coordinate: x in (lo, hi) <-> u.
double to_u(double x, double lo, double hi) {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    const double f = std::clamp((x - lo) / (hi - lo), 1e-300, 1.0 - 1e-16);
    return std::log(f) - std::log1p(-f);
  }
  if (has_lo) return std::log(std::max(x - lo, 1e-300));
  if (has_hi) return -std::log(std::max(hi - x, 1e-300));
  return x;
}

double from_u(double u, double lo, double hi) {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) {
    const double s = u >= 0 ? 1.0 / (1.0 + std::exp(-u)) : std::exp(u) / (1.0 + std::exp(u));
    return std::clamp(lo + (hi - lo) * s, lo, hi);
  }
  if (has_lo) return lo + std::exp(u);
  if (has_hi) return hi - std::exp(-u);
  return u;
}

// log |dx/du| of from_u.
double log_jacobian(double u, double lo, double hi) {
  const bool has_lo = std::isfinite(lo), has_hi = std::isfinite(hi);
  if (has_lo && has_hi) return std::log(hi - lo) + log_sigmoid(u) + log_sigmoid(-u);
  if (has_lo) return u;
  if (has_hi) return -u;
  return 0.0;
}

}  // namespace

const char* prior_kind_name(PriorKind k) {
  switch (k) {
    case PriorKind::lognormal:
      return "lognormal";
    case PriorKind::normal:
      return "normal";
    case PriorKind::beta:
      return "beta";
    case PriorKind::uniform:
      return "uniform";
    case PriorKind::log_uniform:
      return "log-uniform";
    case PriorKind::gamma:
      return "gamma";
  }
  return "?";
}

double support_lower(const PriorDef& p) {
  return std::max(p.lower, natural_lower(p));
}
double support_upper(const PriorDef& p) {
  return std::min(p.upper, natural_upper(p));
}

double prior_cdf(const PriorDef& p, double x) {
  const double lo = raw_cdf(p, support_lower(p)), hi = raw_cdf(p, support_upper(p));
  if (hi <= lo) return x < support_lower(p) ? 0.0 : 1.0;
  return std::clamp((raw_cdf(p, x) - lo) / (hi - lo), 0.0, 1.0);
}

double prior_quantile(const PriorDef& p, double q) {
  const double lo = raw_cdf(p, support_lower(p)), hi = raw_cdf(p, support_upper(p));
  const double x = raw_quantile(p, lo + std::clamp(q, 0.0, 1.0) * (hi - lo));
  return std::clamp(x, support_lower(p), support_upper(p));
}

double prior_log_density(const PriorDef& p, double x) {
  if (x < support_lower(p) || x > support_upper(p)) return -kInf;
  switch (p.kind) {
    case PriorKind::lognormal: {
      if (x <= 0) return -kInf;
      const double z = (std::log(x) - std::log(p.a)) / p.b;
      return -0.5 * z * z - std::log(x * p.b);
    }
    case PriorKind::normal: {
      const double z = (x - p.a) / p.b;
      return -0.5 * z * z - std::log(p.b);
    }
    case PriorKind::beta:
      if (x <= 0 || x >= 1) return -kInf;
      return (p.a - 1) * std::log(x) + (p.b - 1) * std::log1p(-x);
    case PriorKind::uniform:
      return 0.0;
    case PriorKind::log_uniform:
      return -std::log(x);
    case PriorKind::gamma:
      if (x <= 0) return -kInf;
      return (p.a - 1) * std::log(x) - p.b * x;
  }
  return -kInf;
}

int PriorSet::dimension() const {
  int d = 0;
  for (const Parameter& p : parameters) d += p.group < 0 ? 1 : 0;
  for (const DirichletGroup& g : groups) d += static_cast<int>(g.members.size()) - 1;
  return d;
}

// Layout of u: free parameters in parameter order, then each group's K - 1 log-ratios.
std::vector<double> to_unconstrained(const PriorSet& priors, const std::vector<double>& theta) {
  if (theta.size() != priors.parameters.size()) {
    throw std::invalid_argument("to_unconstrained: one value per parameter");
  }
  std::vector<double> u;
  u.reserve(static_cast<std::size_t>(priors.dimension()));
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const Parameter& p = priors.parameters[i];
    if (p.group >= 0) continue;
    u.push_back(to_u(theta[i], support_lower(p.prior), support_upper(p.prior)));
  }
  for (const DirichletGroup& g : priors.groups) {
    const double last = std::max(theta[static_cast<std::size_t>(g.members.back())], 1e-300);
    for (std::size_t k = 0; k + 1 < g.members.size(); ++k) {
      const double x = std::max(theta[static_cast<std::size_t>(g.members[k])], 1e-300);
      u.push_back(std::log(x) - std::log(last));
    }
  }
  return u;
}

std::vector<double> from_unconstrained(const PriorSet& priors, const std::vector<double>& u) {
  if (u.size() != static_cast<std::size_t>(priors.dimension())) {
    throw std::invalid_argument("from_unconstrained: wrong dimension");
  }
  std::vector<double> theta(priors.parameters.size(), 0.0);
  std::size_t at = 0;
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const Parameter& p = priors.parameters[i];
    if (p.group >= 0) continue;
    theta[i] = from_u(u[at++], support_lower(p.prior), support_upper(p.prior));
  }
  for (const DirichletGroup& g : priors.groups) {
    // Softmax with the last member's log-ratio 0, shifted by the largest for stability.
    const std::size_t K = g.members.size();
    double top = 0.0;
    for (std::size_t k = 0; k + 1 < K; ++k) top = std::max(top, u[at + k]);
    std::vector<double> e(K);
    double sum = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      e[k] = std::exp((k + 1 < K ? u[at + k] : 0.0) - top);
      sum += e[k];
    }
    for (std::size_t k = 0; k < K; ++k) theta[static_cast<std::size_t>(g.members[k])] = e[k] / sum;
    at += K - 1;
  }
  return theta;
}

double log_prior_unconstrained(const PriorSet& priors, const std::vector<double>& u) {
  const std::vector<double> theta = from_unconstrained(priors, u);
  double lp = 0.0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const Parameter& p = priors.parameters[i];
    if (p.group >= 0) continue;
    lp += prior_log_density(p.prior, theta[i]) +
          log_jacobian(u[at++], support_lower(p.prior), support_upper(p.prior));
  }
  // Dirichlet in additive log-ratios: prod x_k^(alpha_k - 1) times the Jacobian prod x_k.
  for (const DirichletGroup& g : priors.groups) {
    for (std::size_t k = 0; k < g.members.size(); ++k) {
      const double x = theta[static_cast<std::size_t>(g.members[k])];
      if (x <= 0) return -kInf;
      lp += g.alpha[k] * std::log(x);
    }
  }
  return std::isnan(lp) ? -kInf : lp;
}

std::vector<double> sample_prior(const PriorSet& priors, const std::function<double()>& uniform) {
  std::vector<double> theta(priors.parameters.size(), 0.0);
  for (std::size_t i = 0; i < theta.size(); ++i) {
    const Parameter& p = priors.parameters[i];
    if (p.group < 0) theta[i] = prior_quantile(p.prior, uniform());
  }
  // Dirichlet: independent Gamma(alpha_k) by their inverse CDF, normalised.
  for (const DirichletGroup& g : priors.groups) {
    std::vector<double> x(g.members.size());
    double sum = 0.0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      x[k] = boost::math::gamma_p_inv(g.alpha[k], uniform());
      sum += x[k];
    }
    for (std::size_t k = 0; k < x.size(); ++k) {
      theta[static_cast<std::size_t>(g.members[k])] =
          sum > 0 ? x[k] / sum : 1.0 / static_cast<double>(x.size());
    }
  }
  return theta;
}

double parameter_quantile(const PriorSet& priors, int i, double q) {
  const Parameter& p = priors.parameters.at(static_cast<std::size_t>(i));
  if (p.group < 0) return prior_quantile(p.prior, q);
  const DirichletGroup& g = priors.groups.at(static_cast<std::size_t>(p.group));
  double total = 0.0, own = 0.0;
  for (std::size_t k = 0; k < g.members.size(); ++k) {
    total += g.alpha[k];
    if (g.members[k] == i) own = g.alpha[k];
  }
  return boost::math::quantile(boost::math::beta_distribution<>(own, total - own),
                               std::clamp(q, 0.0, 1.0));
}

}  // namespace cjsim
