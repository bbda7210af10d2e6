// Forecasts from a calibration (cjsim/calibrate.hpp): each posterior draw's world lengthened past
// the observed periods and run with a fresh seed; bands per target and period; errors against
// later observations beside the naive forecast.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>

#include "calibration/problem_detail.hpp"
#include "calibration/runs.hpp"
#include "cjsim/calibrate.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint32_t kForecastStream = 0xF04E7Au;

}  // namespace

std::vector<Period> future_periods(const ObservedData& observed, int count) {
  std::vector<Period> out;
  int at = observed.end_day();
  for (int i = 0; i < count; ++i) {
    int len = observed.periods.empty() ? 7 : observed.periods.back().days;
    if (observed.frequency == "monthly") {
      const std::chrono::year_month_day d{
          std::chrono::sys_days{std::chrono::days{observed.day0 + at}}};
      len = static_cast<int>(
          (std::chrono::sys_days(d + std::chrono::months{1}) - std::chrono::sys_days(d)).count());
    } else if (observed.frequency == "weekly") {
      len = 7;
    }
    out.push_back(Period{at, len});
    at += len;
  }
  return out;
}

Forecast forecast(const FitProblem& problem, const CalibrationResult& result,
                  const ForecastOptions& options) {
  const ObservedData& obs = problem.observed();
  const double scale = problem.spec().settings.scale;
  Forecast out;
  out.day0 = obs.day0;
  if (options.later) {
    const ObservedData& later = *options.later;
    const int shift = later.day0 - obs.day0;
    for (std::size_t p = 0; p < later.periods.size(); ++p) {
      const Period q{later.periods[p].first + shift, later.periods[p].days};
      if (q.first + q.days <= obs.end_day()) continue;  // inside the fitted window: skip
      if (out.periods.empty() && q.first != obs.end_day()) {
        throw InputError(
            later.period_places[p], "date",
            fmt::format("the later data's first new period starts {}, but the fitted window ends "
                        "{}: a forecast starts right after it",
                        format_date(obs.day0 + q.first), format_date(obs.day0 + obs.end_day())),
            "give the periods that follow the fitted window (blank cells where not known)");
      }
      out.periods.push_back(q);
    }
    if (out.periods.empty()) {
      throw InputError(SourcePlace{later.files.empty() ? "" : later.files.front(), 0, 0}, "",
                       "the later data hold no period after the fitted window",
                       "give observations of the periods after the fit's last one");
    }
  } else {
    out.periods = future_periods(obs, options.periods);
  }
  const int start = obs.end_day();
  const int extra = out.periods.back().first + out.periods.back().days - start;
  // Future spend per channel and day (per simulated customer): the later data's, where given.
  std::vector<std::vector<double>> spend;
  const ScenarioDef probe = problem.world(result.median);
  if (options.later) {
    const ObservedData& later = *options.later;
    const int shift = later.day0 - obs.day0;
    spend.assign(probe.channels.size(), {});
    for (std::size_t c = 0; c < probe.channels.size(); ++c) {
      const ObservedColumn* col = later.find("spend." + probe.channels[c].name);
      if (col == nullptr) continue;
      std::vector<double> daily(static_cast<std::size_t>(extra), kNaN);
      for (std::size_t p = 0; p < later.periods.size(); ++p) {
        const int first = later.periods[p].first + shift - start;
        if (first < 0 || std::isnan(col->values[p])) continue;
        for (int d = 0; d < later.periods[p].days && first + d < extra; ++d) {
          daily[static_cast<std::size_t>(first + d)] =
              col->values[p] / scale / later.periods[p].days;
        }
      }
      if (std::any_of(daily.begin(), daily.end(), [](double v) { return std::isnan(v); })) {
        continue;  // incomplete: the channel keeps its recent mean
      }
      spend[c] = std::move(daily);
    }
  }
  // Every target that is a series (not the customer histograms).
  std::vector<std::string> names;
  for (const TargetSpec& t : result.targets) {
    if (t.name != "customers") names.push_back(t.name);
  }
  const std::size_t D =
      options.draws > 0
          ? std::min<std::size_t>(static_cast<std::size_t>(options.draws), result.draws.size())
          : result.draws.size();
  out.draws = static_cast<int>(D);
  std::vector<ScenarioDef> worlds;
  std::vector<std::uint64_t> seeds;
  for (std::size_t d = 0; d < D; ++d) {
    worlds.push_back(problem.world(result.draws[d], extra, spend));
    seeds.push_back(derived_seed(result.seed, kForecastStream, d));
  }
  std::vector<std::vector<std::vector<double>>> values(names.size(),
                                                       std::vector<std::vector<double>>(D));
  std::mutex m;
  int done = 0;
  RunOptions ro = problem.run_options();
  ro.customer_table = false;
  ro.purchase_paths = false;
  simulate_each(
      worlds, seeds, ro, options.threads,
      [&](std::size_t d, RunResult&& run) {
        for (std::size_t k = 0; k < names.size(); ++k) {
          values[k][d] = detail::target_values(run, names[k], out.periods, scale);
        }
        if (options.progress) {
          const std::lock_guard<std::mutex> lock(m);
          options.progress(++done, static_cast<int>(D));
        }
      },
      nullptr);
  for (std::size_t k = 0; k < names.size(); ++k) {
    PredictiveTarget t;
    t.name = names[k];
    const ObservedColumn* later =
        options.later ? options.later->find(names[k]) : static_cast<const ObservedColumn*>(nullptr);
    const int shift = options.later ? options.later->day0 - obs.day0 : 0;
    for (const Period& p : out.periods) {
      double v = kNaN;
      if (later != nullptr) {
        for (std::size_t q = 0; q < options.later->periods.size(); ++q) {
          if (options.later->periods[q].first + shift == p.first) v = later->values[q];
        }
      }
      t.observed.push_back(v);
    }
    double inside = 0, compared = 0;
    for (std::size_t p = 0; p < out.periods.size(); ++p) {
      std::vector<double> column;
      for (const auto& series : values[k]) {
        if (std::isfinite(series[p])) column.push_back(series[p]);
      }
      std::sort(column.begin(), column.end());
      const auto q = [&](double x) { return column.empty() ? kNaN : quantile_sorted(column, x); };
      t.p05.push_back(q(0.05));
      t.p25.push_back(q(0.25));
      t.p50.push_back(q(0.5));
      t.p75.push_back(q(0.75));
      t.p95.push_back(q(0.95));
      if (!std::isnan(t.observed[p])) {
        compared += 1;
        inside += t.observed[p] >= t.p05[p] && t.observed[p] <= t.p95[p];
      }
    }
    t.coverage90 = compared > 0 ? inside / compared : kNaN;
    t.ppp = kNaN;
    if (compared > 0) {
      // The naive forecast: the last 13 observed periods' mean, every future period.
      const ObservedColumn* past = obs.find(names[k]);
      double naive = kNaN;
      if (past != nullptr) {
        double s = 0;
        int n = 0;
        for (std::size_t p = past->values.size() > 13 ? past->values.size() - 13 : 0;
             p < past->values.size(); ++p) {
          if (!std::isnan(past->values[p])) {
            s += past->values[p];
            ++n;
          }
        }
        naive = n > 0 ? s / n : kNaN;
      }
      ForecastError e;
      e.target = names[k];
      double sum_pred = 0, sum_obs = 0, sum_naive = 0, ape = 0, naive_ape = 0;
      int positive = 0;
      for (std::size_t p = 0; p < out.periods.size(); ++p) {
        if (std::isnan(t.observed[p])) continue;
        sum_pred += t.p50[p];
        sum_obs += t.observed[p];
        sum_naive += naive;
        if (t.observed[p] > 0) {
          ape += std::fabs(t.p50[p] - t.observed[p]) / t.observed[p];
          naive_ape += std::fabs(naive - t.observed[p]) / t.observed[p];
          ++positive;
        }
        ++e.periods;
      }
      e.bias = sum_obs > 0 ? (sum_pred - sum_obs) / sum_obs : kNaN;
      e.naive_bias = sum_obs > 0 ? (sum_naive - sum_obs) / sum_obs : kNaN;
      e.mape = positive > 0 ? ape / positive : kNaN;
      e.naive_mape = positive > 0 ? naive_ape / positive : kNaN;
      e.coverage90 = t.coverage90;
      out.errors.push_back(e);
    }
    out.targets.push_back(std::move(t));
  }
  return out;
}

}  // namespace cjsim
