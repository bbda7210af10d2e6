#include "sweep/compare_stats.hpp"

#include "cjsim/kpi.hpp"

namespace cjsim::cli {

std::vector<PairedDifference> paired_differences(const std::vector<double>& a,
                                                 const std::vector<double>& b, std::size_t kpis) {
  const std::size_t pairs = kpis == 0 ? 0 : a.size() / kpis;
  std::vector<PairedDifference> out(kpis);
  if (pairs == 0) return out;
  std::vector<double> as(pairs), bs(pairs);
  for (std::size_t k = 0; k < kpis; ++k) {
    for (std::size_t p = 0; p < pairs; ++p) {
      as[p] = a[p * kpis + k];
      bs[p] = b[p * kpis + k];
    }
    // kpi.hpp: the means and the Student-t interval of the paired difference (Boost.Math).
    const Estimate d = paired_difference(bs, as);
    out[k] = PairedDifference{
        estimate_mean(as).mean, estimate_mean(bs).mean, d.mean, d.ci_low, d.ci_high,
        static_cast<int>(pairs)};
  }
  return out;
}

}  // namespace cjsim::cli
