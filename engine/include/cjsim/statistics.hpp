// Statistics over replicates, in one place for the engine, the commands and the report: a mean
// with its Student-t confidence interval, the paired difference of two runs on common random
// numbers, quantiles of sorted values, and the Kaplan-Meier survival curve (retention).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cjsim {

// A mean over replicates with its sample sd and Student-t confidence interval (NaN sd and
// interval for fewer than two values; NaN throughout for no values or if any value is NaN).
struct Estimate {
  double mean = 0, sd = 0, ci_low = 0, ci_high = 0;
  int n = 0;
  double half_width() const { return (ci_high - ci_low) / 2; }
};
Estimate estimate_mean(const std::vector<double>& values, double confidence = 0.95);

// The paired difference a[r] - b[r] over replicates run on common random numbers (same seed,
// replicate r keys the same streams in both): mean, sd of the differences and the Student-t
// interval on n - 1 degrees of freedom. Pairing removes the noise the two runs share, which is
// most of it. Throws std::invalid_argument when the sizes differ.
Estimate paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                           double confidence = 0.95);

// The two-sided Student-t quantile of a `confidence` interval from n values (n - 1 degrees of
// freedom): the mean's interval is mean +- quantile x sd / sqrt(n). NaN for n < 2.
double student_t_quantile(std::size_t n, double confidence = 0.95);

// Quantile q of sorted values by linear interpolation between order statistics (numpy's
// default, "type 7"). NaN for no values.
double quantile_sorted(const std::vector<double>& sorted, double q);

// Kaplan-Meier survival from counts by time since the origin: events[k] subjects had the event
// k days after it, censored[k] were last seen k days after it (still without the event).
// S[k] = P(no event within k days), the product over j <= k of (1 - events[j] / at risk at j);
// NaN from the first k nobody was followed to, unless the curve reached 0 (then 0 for ever). Throws
// std::invalid_argument when the sizes differ. Retention (kpi.hpp's retention_counts) is the
// survival of "not churned yet".
std::vector<double> kaplan_meier(const std::vector<std::uint64_t>& events,
                                 const std::vector<std::uint64_t>& censored);

}  // namespace cjsim
