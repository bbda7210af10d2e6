// Small worlds built in code for the engine tests, and the closed forms of docs/model.md computed
// independently of the engine (from the definition, with Boost.uBLAS for the linear algebra).
#pragma once

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "cjsim/scenario.hpp"

namespace cjsim::test {

// A small dense matrix for closed forms over a handful of stages. (Boost 1.74's uBLAS does not
// build as C++20: it calls std::allocator::construct, removed in C++20.)
struct Matrix {
  std::size_t n = 0;
  std::vector<double> a;
  explicit Matrix(std::size_t size, double fill = 0.0) : n(size), a(size * size, fill) {}
  static Matrix identity(std::size_t size) {
    Matrix m(size);
    for (std::size_t i = 0; i < size; ++i) m(i, i) = 1.0;
    return m;
  }
  double& operator()(std::size_t i, std::size_t j) { return a[i * n + j]; }
  double operator()(std::size_t i, std::size_t j) const { return a[i * n + j]; }
  friend Matrix operator*(const Matrix& x, const Matrix& y) {
    Matrix m(x.n);
    for (std::size_t i = 0; i < x.n; ++i) {
      for (std::size_t k = 0; k < x.n; ++k) {
        for (std::size_t j = 0; j < x.n; ++j) m(i, j) += x(i, k) * y(k, j);
      }
    }
    return m;
  }
  friend Matrix operator-(Matrix x, const Matrix& y) {
    for (std::size_t i = 0; i < x.a.size(); ++i) x.a[i] -= y.a[i];
    return x;
  }
};

inline StageDef stage(std::string name, Role role, double start = 0, bool advocate = false) {
  StageDef s;
  s.name = std::move(name);
  s.role = role;
  s.start = start;
  s.advocate = advocate;
  return s;
}

inline EdgeDef edge(std::string from, std::string to, double rate, bool forward = false) {
  EdgeDef e;
  e.from = std::move(from);
  e.to = std::move(to);
  e.rate = rate;
  e.forward = forward;
  return e;
}

inline SegmentDef segment(std::string name, double share, double tempo) {
  SegmentDef s = default_segment(std::move(name));
  s.share = share;
  s.tempo = tempo;
  return s;
}

inline int stage_index(const ScenarioDef& d, const std::string& name) {
  for (std::size_t s = 0; s < d.stages.size(); ++s) {
    if (d.stages[s].name == name) return static_cast<int>(s);
  }
  return -1;
}

// The daily transition matrix of docs/model.md for segment g, with no channels, no word of mouth
// and satisfaction at its reference: P[s][s] = exp(-H), P[s][s'] = (1 - exp(-H)) h / H.
// `factor`, when given, multiplies each edge's rate (in declaration order): a day of a calendar.
inline Matrix daily_matrix(const ScenarioDef& d, std::size_t g,
                           const std::vector<double>& factor = {}) {
  const std::size_t S = d.stages.size();
  Matrix h(S);
  const SegmentDef& seg = d.segments[g];
  for (std::size_t k = 0; k < d.edges.size(); ++k) {
    const EdgeDef& e = d.edges[k];
    double rate = e.rate * (e.forward ? seg.tempo : 1.0) * (e.curiosity ? seg.curiosity : 1.0);
    if (!factor.empty()) rate *= factor[k];
    for (const auto& [name, mult] : seg.edges) {
      if (name == edge_name(e)) rate *= mult;
    }
    h(static_cast<std::size_t>(stage_index(d, e.from)),
      static_cast<std::size_t>(stage_index(d, e.to))) += rate;
  }
  Matrix p(S);
  for (std::size_t s = 0; s < S; ++s) {
    double total = 0;
    for (std::size_t t = 0; t < S; ++t) total += h(s, t);
    p(s, s) = std::exp(-total);
    for (std::size_t t = 0; t < S; ++t) {
      if (total > 0) p(s, t) += (1 - std::exp(-total)) * h(s, t) / total;
    }
  }
  return p;
}

// One day of the chain: the distribution pi P.
inline std::vector<double> step(const std::vector<double>& pi, const Matrix& p) {
  std::vector<double> out(p.n, 0.0);
  for (std::size_t i = 0; i < p.n; ++i) {
    for (std::size_t j = 0; j < p.n; ++j) out[j] += pi[i] * p(i, j);
  }
  return out;
}

// The start shares of the stages (every segment starts the same way).
inline std::vector<double> start_shares(const ScenarioDef& d) {
  std::vector<double> pi(d.stages.size());
  for (std::size_t s = 0; s < pi.size(); ++s) pi[s] = d.stages[s].start;
  return pi;
}

// How often a customer makes the moves `counts(from, to)` says count, by the end of `days` days of
// the chain P, starting from the distribution pi0 with `at_start(stage)` counted already: the chain
// on (stage, count), the count capped at `cap`. Returns P(count = k) for k = 0 .. cap.
template <class Counts, class AtStart>
std::vector<double> count_distribution(const Matrix& p, const std::vector<double>& pi0, int days,
                                       Counts counts, AtStart at_start, int cap) {
  const std::size_t S = p.n, K = static_cast<std::size_t>(cap) + 1;
  std::vector<double> q(S * K, 0.0);
  for (std::size_t s = 0; s < S; ++s) {
    q[s * K + std::min<std::size_t>(static_cast<std::size_t>(at_start(s)), K - 1)] += pi0[s];
  }
  for (int t = 0; t < days; ++t) {
    std::vector<double> next(S * K, 0.0);
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t k = 0; k < K; ++k) {
        if (q[s * K + k] == 0) continue;
        for (std::size_t s2 = 0; s2 < S; ++s2) {
          const std::size_t k2 = std::min(k + (s2 != s && counts(s, s2) ? 1u : 0u), K - 1);
          next[s2 * K + k2] += q[s * K + k] * p(s, s2);
        }
      }
    }
    q = std::move(next);
  }
  std::vector<double> out(K, 0.0);
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t k = 0; k < K; ++k) out[k] += q[s * K + k];
  }
  return out;
}

// The expected number of such moves (no cap) by the end of `days` days.
template <class Counts>
double expected_count(const Matrix& p, std::vector<double> pi, int days, Counts counts) {
  double e = 0;
  for (int t = 0; t < days; ++t) {
    for (std::size_t s = 0; s < p.n; ++s) {
      for (std::size_t s2 = 0; s2 < p.n; ++s2) {
        if (s2 != s && counts(s, s2)) e += pi[s] * p(s, s2);
      }
    }
    pi = step(pi, p);
  }
  return e;
}

// Gauss-Jordan with partial pivoting.
inline Matrix inverse(Matrix a) {
  const std::size_t n = a.n;
  Matrix inv = Matrix::identity(n);
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::fabs(a(r, col)) > std::fabs(a(pivot, col))) pivot = r;
    }
    if (std::fabs(a(pivot, col)) < 1e-300) throw std::runtime_error("singular matrix");
    for (std::size_t j = 0; j < n; ++j) {
      std::swap(a(col, j), a(pivot, j));
      std::swap(inv(col, j), inv(pivot, j));
    }
    const double d = a(col, col);
    for (std::size_t j = 0; j < n; ++j) {
      a(col, j) /= d;
      inv(col, j) /= d;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = a(r, col);
      for (std::size_t j = 0; j < n; ++j) {
        a(r, j) -= f * a(col, j);
        inv(r, j) -= f * inv(col, j);
      }
    }
  }
  return inv;
}

// Two-sided normal quantile for a family of `tests` checks with overall false-alarm rate
// `alpha` (Bonferroni): a tolerance of z standard deviations fails a correct engine with
// probability below alpha.
inline double z_for(double alpha, double tests) {
  const boost::math::normal_distribution<double> normal;
  return boost::math::quantile(normal, 1.0 - alpha / (2.0 * tests));
}

// The same for a Student-t mean over n values (n - 1 degrees of freedom): the half-width of a
// two-sided interval is t_for(...) x sd / sqrt(n).
inline double t_for(double alpha, double tests, int n) {
  const boost::math::students_t_distribution<double> t(n - 1);
  return boost::math::quantile(boost::math::complement(t, alpha / (2.0 * tests)));
}

// A small journey with two channels that help and one that reaches buyers: enough for paths
// with several touches, repeat purchases and every kind of event (touch paths, channel value,
// their file round trip).
inline ScenarioDef journey_world(std::uint64_t customers = 3000) {
  ScenarioDef d = default_scenario();
  d.simulation.customers = customers;
  d.simulation.days = 60;
  d.segments = {segment("a", 0.5, 1.0), segment("b", 0.5, 0.6)};
  d.stages = {stage("unaware", Role::unaware, 1.0), stage("aware", Role::journey),
              stage("buy", Role::purchase), stage("owner", Role::retention)};
  d.edges = {edge("unaware", "aware", 0.02, true), edge("aware", "buy", 0.03, true),
             edge("aware", "unaware", 0.02), edge("buy", "owner", 1.0), edge("owner", "buy", 0.01)};
  d.edges[0].salience = true;
  auto channel = [&](std::string name, double cost, double budget, std::vector<std::string> reaches,
                     std::vector<std::pair<std::string, double>> lifts) {
    ChannelDef c;
    c.name = std::move(name);
    c.cost = cost;
    c.flights = {FlightDef{0, d.simulation.days - 1, budget}};
    c.reaches = std::move(reaches);
    c.lifts = std::move(lifts);
    return c;
  };
  d.channels = {channel("display", 0.05, 2000, {"unaware", "aware"}, {{"unaware -> aware", 2.0}}),
                channel("search", 0.5, 3000, {"aware"}, {{"aware -> buy", 2.0}}),
                channel("service", 0.2, 1000, {"owner"}, {{"owner -> buy", 2.0}})};
  return d;
}

}  // namespace cjsim::test
