#include "compare_stats.hpp"

#include "cjsim/kpi.hpp"

namespace cjsim::cli {

std::vector<PairedDifference> paired_differences(const std::vector<double>& a,
                                                 const std::vector<double>& b, std::size_t kpis) {
  const std::size_t pairs = kpis == 0 ? 0 : a.size() / kpis;
  std::vector<KpiTable> as(pairs), bs(pairs), diffs(pairs);
  for (std::size_t p = 0; p < pairs; ++p) {
    for (auto* t : {&as[p], &bs[p], &diffs[p]}) t->defs.resize(kpis);
    for (std::size_t k = 0; k < kpis; ++k) {
      const double x = a[p * kpis + k], y = b[p * kpis + k];
      as[p].values.push_back(x);
      bs[p].values.push_back(y);
      diffs[p].values.push_back(y - x);
    }
  }
  // kpi.hpp's summarize: mean, sample sd and the Student-t interval (Boost.Math).
  const KpiSummary sa = summarize(as), sb = summarize(bs), sd = summarize(diffs);
  std::vector<PairedDifference> out(kpis);
  for (std::size_t k = 0; k < kpis && pairs > 0; ++k) {
    out[k] = PairedDifference{sa.mean[k],   sb.mean[k],    sd.mean[k],
                              sd.ci_low[k], sd.ci_high[k], static_cast<int>(pairs)};
  }
  return out;
}

}  // namespace cjsim::cli
