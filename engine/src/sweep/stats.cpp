// A sweep row's runs reduced to what the sweep file keeps: KPI means with Student-t intervals
// (kpi.hpp's summarize) and 5-95% bands of the daily series. Every reduction runs in replicate
// order, so a row's numbers are the same bits whichever thread, process or machine ran its
// replicates and in whatever order they finished.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cjsim/simulation.hpp"
#include "cjsim/statistics.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim {

namespace {

std::size_t sz(int n) {
  return static_cast<std::size_t>(n);
}

// Mean and 5/95% quantiles, element by element, of `R` equally long series.
SeriesBands bands(const std::vector<const std::vector<double>*>& series) {
  SeriesBands b;
  const std::size_t n = series.front()->size();
  const auto R = series.size();
  b.mean.resize(n);
  b.p05.resize(n);
  b.p95.resize(n);
  std::vector<double> column(R);
  for (std::size_t e = 0; e < n; ++e) {
    double sum = 0;
    for (std::size_t r = 0; r < R; ++r) {
      column[r] = (*series[r])[e];
      sum += column[r];
    }
    b.mean[e] = sum / static_cast<double>(R);
    std::sort(column.begin(), column.end());
    b.p05[e] = quantile_sorted(column, 0.05);
    b.p95[e] = quantile_sorted(column, 0.95);
  }
  return b;
}

}  // namespace

RunDigest digest_run(RunResult run, bool keep_run) {
  RunDigest d;
  d.replicate = run.replicate;
  d.kpis = compute_kpis(run);
  const DailySeries& s = run.daily;
  d.days = s.days;
  d.stages = s.stages;
  d.channels = s.channels;
  d.stage_names = run.names.stages;
  d.channel_names = run.names.channels;
  const std::size_t T = sz(s.days), S = sz(s.stages), G = sz(s.segments), C = sz(s.channels);
  d.stage_counts.assign((T + 1) * S, 0.0);
  for (std::size_t t = 0; t <= T; ++t) {
    for (std::size_t st = 0; st < S; ++st) {
      std::uint64_t n = 0;
      for (std::size_t g = 0; g < G; ++g) n += s.stage_counts[(t * S + st) * G + g];
      d.stage_counts[t * S + st] = static_cast<double>(n);
    }
  }
  d.revenue.assign(T, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t g = 0; g < G; ++g) d.revenue[t] += s.revenue[t * G + g];
  }
  d.spend.assign(s.spend.begin(), s.spend.begin() + static_cast<std::ptrdiff_t>(T * C));
  if (keep_run) {
    d.run = std::move(run);
  }
  return d;
}

RunDigest run_sweep_replicate(const SweepPlan& plan, int row, int replicate, int threads,
                              bool keep_run, const std::function<void(const Progress&)>& progress) {
  RunOptions options;
  options.threads = threads;
  options.replicate = replicate;
  options.seed = plan.seed_override;
  options.customer_table = true;  // most KPIs are per-customer reductions
  options.progress = progress;
  return digest_run(simulate(plan.rows.at(sz(row)).def, options), keep_run);
}

SweepRowResult summarize_row(int row, std::vector<RunDigest> digests) {
  if (digests.empty()) throw RuntimeError(fmt::format("sweep row {} has no runs", row));
  std::sort(digests.begin(), digests.end(),
            [](const RunDigest& a, const RunDigest& b) { return a.replicate < b.replicate; });
  const RunDigest& first = digests.front();
  for (const RunDigest& d : digests) {
    if (d.days != first.days || d.stages != first.stages || d.channels != first.channels ||
        d.kpis.values.size() != first.kpis.values.size()) {
      throw RuntimeError(fmt::format("sweep row {}: replicates differ in shape", row));
    }
  }
  SweepRowResult out;
  out.row = row;
  out.days = first.days;
  out.stages = first.stages;
  out.channels = first.channels;
  out.stage_names = first.stage_names;
  out.channel_names = first.channel_names;

  std::vector<KpiTable> tables;
  tables.reserve(digests.size());
  for (const RunDigest& d : digests) {
    tables.push_back(d.kpis);
    out.kpi_values.insert(out.kpi_values.end(), d.kpis.values.begin(), d.kpis.values.end());
  }
  out.summary = summarize(tables);

  std::vector<const std::vector<double>*> counts, revenue, spend;
  for (const RunDigest& d : digests) {
    counts.push_back(&d.stage_counts);
    revenue.push_back(&d.revenue);
    spend.push_back(&d.spend);
  }
  out.stage_counts = bands(counts);
  out.revenue = bands(revenue);
  out.spend = bands(spend);

  for (RunDigest& d : digests) {
    if (!d.run) continue;
    out.runs.push_back(std::move(*d.run));
    out.run_kpis.push_back(std::move(d.kpis));
  }
  return out;
}

}  // namespace cjsim
