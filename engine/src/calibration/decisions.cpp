// Decisions under uncertainty (cjsim/calibrate.hpp): channel value and the budget optimizer run in
// posterior draws' worlds, their answers summarised over the draws.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cjsim/calibrate.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim {

namespace {

constexpr std::uint32_t kDecisionStream = 0xDEC15Eu;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Quantiles {
  double mean = kNaN, p05 = kNaN, p50 = kNaN, p95 = kNaN;
  int n = 0;
};

Quantiles quantiles(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  Quantiles q;
  q.n = static_cast<int>(v.size());
  if (v.empty()) return q;
  std::sort(v.begin(), v.end());
  q.mean = 0;
  for (const double x : v) q.mean += x / static_cast<double>(v.size());
  q.p05 = quantile_sorted(v, 0.05);
  q.p50 = quantile_sorted(v, 0.5);
  q.p95 = quantile_sorted(v, 0.95);
  return q;
}

std::size_t draw_count(const CalibrationResult& r, int draws) {
  return std::min<std::size_t>(static_cast<std::size_t>(std::max(draws, 1)), r.draws.size());
}

}  // namespace

const PosteriorMeasure* PosteriorValue::find(const std::string& channel,
                                             const std::string& measure) const {
  for (const PosteriorMeasure& m : rows) {
    if (m.channel == channel && m.measure == measure) return &m;
  }
  return nullptr;
}

PosteriorValue posterior_channel_value(const FitProblem& problem, const CalibrationResult& result,
                                       int draws, const ValueOptions& options) {
  const std::size_t D = draw_count(result, draws);
  static const std::vector<std::string> kMeasures = {"spend",
                                                     "incremental.new_customers",
                                                     "incremental.revenue",
                                                     "incremental.profit",
                                                     "roas",
                                                     "marginal_roas"};
  std::vector<std::string> channels;
  // values[channel][measure][draw], noise likewise
  std::vector<std::vector<std::vector<double>>> values, noise;
  for (std::size_t d = 0; d < D; ++d) {
    const ScenarioDef world = problem.world(result.draws[d]);
    ValueOptions vo = options;
    vo.run.seed = derived_seed(result.seed, kDecisionStream, d);
    const ChannelValue v = channel_value(world, vo);
    if (d == 0) {
      channels = v.channels;
      values.assign(channels.size(), std::vector<std::vector<double>>(kMeasures.size()));
      noise = values;
    }
    for (std::size_t c = 0; c < channels.size(); ++c) {
      for (std::size_t m = 0; m < kMeasures.size(); ++m) {
        const ChannelValueRow* row = v.find(channels[c], kMeasures[m]);
        values[c][m].push_back(row ? row->estimate.mean : kNaN);
        noise[c][m].push_back(row ? row->estimate.half_width() : kNaN);
      }
    }
  }
  PosteriorValue out;
  out.draws = static_cast<int>(D);
  out.replicates = options.replicates;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    for (std::size_t m = 0; m < kMeasures.size(); ++m) {
      const Quantiles q = quantiles(values[c][m]);
      const Quantiles n = quantiles(noise[c][m]);
      out.rows.push_back(
          PosteriorMeasure{channels[c], kMeasures[m], q.mean, q.p05, q.p50, q.p95, n.mean, q.n});
    }
  }
  return out;
}

PosteriorAllocation posterior_optimize(const FitProblem& problem, const CalibrationResult& result,
                                       int draws, const OptimizeOptions& options,
                                       const std::function<void(int, int)>& progress) {
  const std::size_t D = draw_count(result, draws);
  PosteriorAllocation out;
  out.draws = static_cast<int>(D);
  OptimizeOptions o = options;
  o.run.seed = derived_seed(result.seed, kDecisionStream, 1'000'000);
  out.median = optimize_budget(problem.world(result.median), o);
  out.units = out.median.units;
  out.median_world = out.median.allocation;
  std::vector<std::vector<double>> alloc(out.units.size());
  std::vector<double> objective, gain;
  if (progress) progress(0, static_cast<int>(D));
  for (std::size_t d = 0; d < D; ++d) {
    o.run.seed = derived_seed(result.seed, kDecisionStream, d);
    const OptimizeResult r = optimize_budget(problem.world(result.draws[d]), o);
    for (std::size_t u = 0; u < out.units.size() && u < r.allocation.size(); ++u) {
      alloc[u].push_back(r.allocation[u]);
    }
    objective.push_back(r.value.mean);
    gain.push_back(r.improvement.mean);
    if (progress) progress(static_cast<int>(d) + 1, static_cast<int>(D));
  }
  for (const auto& a : alloc) {
    const Quantiles q = quantiles(a);
    out.p05.push_back(q.p05);
    out.p50.push_back(q.p50);
    out.p95.push_back(q.p95);
  }
  const Quantiles qo = quantiles(objective), qg = quantiles(gain);
  out.objective_p05 = qo.p05;
  out.objective_p50 = qo.p50;
  out.objective_p95 = qo.p95;
  out.gain_p05 = qg.p05;
  out.gain_p50 = qg.p50;
  out.gain_p95 = qg.p95;
  return out;
}

}  // namespace cjsim
