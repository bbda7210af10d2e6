// The points of a sweep design: a full grid (every combination of the axes' values) or a Latin
// hypercube (each axis cut into N equal strata, each stratum used by exactly one point).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cjsim/sweep.hpp"
#include "random/rng.hpp"

namespace cjsim {

namespace {

// A uniform integer in [0, n) from one 32-bit word (multiply-shift). Its bias, at most n / 2^32,
// is far below anything a design of at most a million points could show.
std::uint32_t below(std::uint32_t word, std::uint32_t n) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(word) * n) >> 32);
}

std::vector<std::vector<double>> grid(const SweepSpec& spec) {
  std::size_t count = 1;
  for (const SweepAxis& a : spec.axes) count *= a.values.size();
  std::vector<std::vector<double>> points(count, std::vector<double>(spec.axes.size()));
  // Row-major: the last axis varies fastest, as nested loops over the axes in order would.
  for (std::size_t p = 0; p < count; ++p) {
    std::size_t rest = p;
    for (std::size_t k = spec.axes.size(); k-- > 0;) {
      const std::size_t n = spec.axes[k].values.size();
      points[p][k] = spec.axes[k].values[rest % n];
      rest /= n;
    }
  }
  return points;
}

// Point i of axis k sits in stratum perm_k[i] at a uniform position inside it: q in (0, 1).
// A continuous range maps q linearly onto [from, to]; a list (or a stepped range) is cut into
// as many equal pieces as it has values and q picks one, so its values keep their equal share.
std::vector<std::vector<double>> hypercube(const SweepSpec& spec, std::uint64_t seed) {
  const auto n = static_cast<std::uint32_t>(spec.points);
  const Streams streams(seed, 0);
  std::vector<std::vector<double>> points(n, std::vector<double>(spec.axes.size()));
  std::vector<std::uint32_t> perm(n);
  for (std::size_t k = 0; k < spec.axes.size(); ++k) {
    const SweepAxis& a = spec.axes[k];
    std::iota(perm.begin(), perm.end(), 0u);
    for (std::uint32_t i = n; i-- > 1;) {  // Fisher-Yates
      const auto w = streams.words(k, i, Purpose::sweep);
      std::swap(perm[i], perm[below(w[0], i + 1)]);
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      const double u = uniform01(streams.words(k, i, Purpose::sweep)[1]);
      const double q = (perm[i] + u) / n;
      double value = 0;
      if (a.values.empty()) {
        value = a.from + (a.to - a.from) * q;
        if (a.whole)
          value = std::clamp(std::round(value), std::min(a.from, a.to), std::max(a.from, a.to));
      } else {
        const auto m = a.values.size();
        value = a.values[std::min(m - 1, static_cast<std::size_t>(q * static_cast<double>(m)))];
      }
      points[i][k] = value;
    }
  }
  return points;
}

}  // namespace

std::vector<std::vector<double>> design_points(const SweepSpec& spec, std::uint64_t seed) {
  if (spec.axes.empty()) return {};
  if (spec.design == SweepDesign::lhs) return hypercube(spec, seed);
  return grid(spec);
}

}  // namespace cjsim
