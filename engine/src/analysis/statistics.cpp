// Statistics over replicates (cjsim/statistics.hpp): Student-t intervals with Boost.Math,
// type-7 quantiles, Kaplan-Meier survival.
#include "cjsim/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double student_t_quantile(std::size_t n, double confidence) {
  if (n < 2) return kNaN;
  const boost::math::students_t_distribution<double> dist(static_cast<double>(n) - 1);
  return boost::math::quantile(dist, 0.5 + confidence / 2);
}

Estimate estimate_mean(const std::vector<double>& values, double confidence) {
  Estimate e;
  e.n = static_cast<int>(values.size());
  if (values.empty()) {
    e.mean = e.sd = e.ci_low = e.ci_high = kNaN;
    return e;
  }
  const auto n = static_cast<double>(values.size());
  e.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  e.sd = e.ci_low = e.ci_high = kNaN;
  if (values.size() < 2) return e;
  double ss = 0;
  for (const double v : values) ss += (v - e.mean) * (v - e.mean);
  e.sd = std::sqrt(ss / (n - 1));
  const double h = student_t_quantile(values.size(), confidence) * e.sd / std::sqrt(n);
  e.ci_low = e.mean - h;
  e.ci_high = e.mean + h;
  return e;
}

Estimate paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                           double confidence) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("paired_difference: the two samples differ in size");
  }
  std::vector<double> d(a.size());
  for (std::size_t r = 0; r < a.size(); ++r) d[r] = a[r] - b[r];
  return estimate_mean(d, confidence);
}

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - std::floor(h)) * (sorted[lo + 1] - sorted[lo]);
}

std::vector<double> kaplan_meier(const std::vector<std::uint64_t>& events,
                                 const std::vector<std::uint64_t>& censored) {
  if (events.size() != censored.size()) {
    throw std::invalid_argument("kaplan_meier: events and censored differ in length");
  }
  // Everyone counted is at risk from time 0; at time k those whose time is >= k.
  std::uint64_t at_risk = 0;
  for (std::size_t k = 0; k < events.size(); ++k) at_risk += events[k] + censored[k];
  std::vector<double> s(events.size(), kNaN);
  double survival = 1.0;
  for (std::size_t k = 0; k < events.size() && at_risk > 0; ++k) {
    if (events[k] > 0)
      survival *= 1.0 - static_cast<double>(events[k]) / static_cast<double>(at_risk);
    s[k] = survival;
    at_risk -= events[k] + censored[k];
  }
  // A curve that reached 0 stays 0: everyone followed that far had the event, so nobody is left
  // to survive later; only a curve still above 0 is unknown past the last subject.
  if (survival == 0.0) {
    for (double& v : s) {
      if (std::isnan(v)) v = 0.0;
    }
  }
  return s;
}

}  // namespace cjsim
