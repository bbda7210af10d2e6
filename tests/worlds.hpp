// Small worlds built in code for the engine tests, and the closed forms of docs/model.md computed
// independently of the engine (from the definition, with Boost.uBLAS for the linear algebra).
#pragma once

#include <boost/math/distributions/normal.hpp>
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

}  // namespace cjsim::test
