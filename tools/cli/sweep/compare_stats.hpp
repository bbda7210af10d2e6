// Paired differences of KPIs: replicate r of B minus replicate r of A. With common random
// numbers (same seed, same replicate numbers) both runs of a pair share their random streams, so
// the spread of the differences is the spread of the effect, not of the luck of either run.
#pragma once

#include <cstddef>
#include <vector>

namespace cjsim::cli {

struct PairedDifference {
  double a_mean = 0, b_mean = 0;
  double diff = 0;                 // mean of b - a
  double ci_low = 0, ci_high = 0;  // 95% Student-t interval of the mean difference (NaN: 1 pair)
  int pairs = 0;
  bool excludes_zero() const { return ci_low > 0 || ci_high < 0; }
};

// `a` and `b`: pairs x kpis values, row-major, pair p of a matched with pair p of b.
std::vector<PairedDifference> paired_differences(const std::vector<double>& a,
                                                 const std::vector<double>& b, std::size_t kpis);

}  // namespace cjsim::cli
