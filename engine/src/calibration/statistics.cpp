// A run's series as the fit compares them: per period sums of the daily series, stocks at the
// period's end, and the event-log histograms from the run's recorded purchases.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "calibration/problem_detail.hpp"

namespace cjsim {

namespace detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int index_of(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

}  // namespace

PurchaseHistories purchase_histories(const RunResult& run) {
  PurchaseHistories h;
  const TouchPaths& t = run.touch_paths;
  const std::size_t n = t.customers();
  h.offsets.assign(n + 1, 0);
  h.existing.assign(n, 0);
  const auto existing = static_cast<std::uint8_t>(run.names.source_existing());
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint64_t k = t.offsets[i]; k < t.offsets[i + 1]; ++k) {
      if (t.event[k] != TouchPaths::kPurchase) continue;
      // One purchase a day at most (the engine makes one per transition; a day has one).
      h.day.push_back(t.day[k]);
      h.value.push_back(t.value[k]);
    }
    h.offsets[i + 1] = h.day.size();
    h.existing[i] = i < run.customers.size() && run.customers.source[i] == existing;
  }
  return h;
}

std::vector<double> target_values(const RunResult& run, const std::string& name,
                                  const std::vector<Period>& periods, double scale) {
  const DailySeries& d = run.daily;
  const std::size_t P = periods.size();
  if (name == "customers") {
    if (!run.touch_paths.recorded()) {
      throw std::logic_error("calibration: the run did not record purchases");
    }
    const PurchaseSeries s = aggregate_purchases(purchase_histories(run), periods);
    std::vector<double> out = s.histograms.purchases;
    out.insert(out.end(), s.histograms.recency.begin(), s.histograms.recency.end());
    for (double& v : out) v *= scale;
    return out;
  }
  std::vector<double> out(P, 0.0);
  const auto sum_days = [&](auto&& per_day) {
    for (std::size_t p = 0; p < P; ++p) {
      double s = 0.0;
      for (int t = periods[p].first; t < periods[p].first + periods[p].days && t < d.days; ++t) {
        s += per_day(t);
      }
      out[p] = s * scale;
    }
  };
  const auto segments = [&](const auto& series, int t) {
    double s = 0.0;
    for (int g = 0; g < d.segments; ++g) s += static_cast<double>(series[d.at_segment(t, g)]);
    return s;
  };
  const auto dot = name.find('.');
  const std::string head = name.substr(0, dot);
  const std::string tail = dot == std::string::npos ? "" : name.substr(dot + 1);
  if (name == "new_customers") {
    sum_days([&](int t) { return segments(d.first_purchases, t); });
  } else if (name == "purchases") {
    sum_days([&](int t) { return segments(d.purchases, t); });
  } else if (name == "repeat_purchases") {
    sum_days([&](int t) { return segments(d.purchases, t) - segments(d.first_purchases, t); });
  } else if (name == "revenue") {
    sum_days([&](int t) { return segments(d.revenue, t); });
  } else if (name == "margin") {
    sum_days([&](int t) { return segments(d.margin, t); });
  } else if (head == "exposures") {
    const int c = index_of(run.names.channels, tail);
    sum_days([&](int t) { return static_cast<double>(d.exposed[d.at_channel(t, c)]); });
  } else if (head == "spend") {
    const int c = index_of(run.names.channels, tail);
    sum_days([&](int t) { return d.spend[d.at_channel(t, c)]; });
  } else if (head == "entered") {
    const int s = index_of(run.names.stages, tail);
    sum_days([&](int t) { return static_cast<double>(d.entered[d.at_entered(t, s)]); });
  } else if (head == "stock") {
    const int s = index_of(run.names.stages, tail);
    for (std::size_t p = 0; p < P; ++p) {
      const int row = std::min(periods[p].first + periods[p].days, d.days);
      double v = 0.0;
      for (int g = 0; g < d.segments; ++g) {
        v += static_cast<double>(d.stage_counts[d.at_stage(row, s, g)]);
      }
      out[p] = v * scale;
    }
  } else {
    out.assign(P, kNaN);
  }
  return out;
}

// The planner's estimator on the simulated test: among the customers the channel could not
// skip (the test group T) and those it skipped (H), the measure per customer over the test's
// days; incremental = (per-customer T - per-customer H) x |T|, on the market scale.
double experiment_estimate(const RunResult& run, const ExperimentSpec& e, std::int32_t day0,
                           double scale) {
  const int c = index_of(run.names.channels, e.channel);
  const TouchPaths& t = run.touch_paths;
  if (c < 0 || !t.recorded() || run.customers.size() != t.customers()) return kNaN;
  const int from = e.from - day0, to = e.to - day0;
  const auto existing = static_cast<std::uint8_t>(run.names.source_existing());
  double sum[2] = {0, 0}, count[2] = {0, 0};
  for (std::size_t i = 0; i < t.customers(); ++i) {
    const int group = held_out(run.seed, run.replicate, c, i, e.holdout) ? 1 : 0;
    count[group] += 1;
    if (e.measure == "new_customers") {
      const std::int32_t first = run.customers.first_purchase_day[i];
      sum[group] += run.customers.source[i] != existing && first >= from && first <= to;
      continue;
    }
    for (std::uint64_t k = t.offsets[i]; k < t.offsets[i + 1]; ++k) {
      if (t.event[k] != TouchPaths::kPurchase || t.day[k] < from || t.day[k] > to) continue;
      sum[group] += e.measure == "revenue" ? static_cast<double>(t.value[k]) : 1.0;
    }
  }
  if (count[0] == 0 || count[1] == 0) return kNaN;
  return (sum[0] / count[0] - sum[1] / count[1]) * count[0] * scale;
}

}  // namespace detail

void extend_world(ScenarioDef& def, const FitProblem& problem, int extra_days,
                  const std::vector<std::vector<double>>& future_spend) {
  const int days = def.simulation.days;
  def.simulation.days = days + extra_days;
  const std::vector<Period>& periods = problem.observed().periods;
  for (std::size_t c = 0; c < def.channels.size(); ++c) {
    ChannelDef& ch = def.channels[c];
    if (c < future_spend.size() && !future_spend[c].empty()) {
      for (int t = 0; t < extra_days; ++t) {
        const double a = future_spend[c][static_cast<std::size_t>(t)];
        if (a > 0) ch.flights.push_back(FlightDef{days + t, days + t, a});
      }
      continue;
    }
    // The last 13 periods' mean daily spend (of the world's own flights: observed or planned).
    const std::size_t first = periods.size() > 13 ? periods.size() - 13 : 0;
    const int from = periods.empty() ? 0 : periods[first].first;
    double amount = 0.0;
    for (const FlightDef& f : ch.flights) {
      const int a = std::max(f.from, from), b = std::min(f.to, days - 1);
      if (a <= b) amount += f.amount * (b - a + 1) / (f.to - f.from + 1);
    }
    const double per_day = days > from ? amount / (days - from) : 0.0;
    if (per_day > 0)
      ch.flights.push_back(FlightDef{days, days + extra_days - 1, per_day * extra_days});
  }
}

}  // namespace cjsim
