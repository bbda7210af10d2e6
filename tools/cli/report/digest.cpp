#include "report/digest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cjsim/statistics.hpp"
#include "report/stats.hpp"

namespace cjsim::cli {

using nlohmann::json;
using std::size_t;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

size_t sz(int n) {
  return static_cast<size_t>(n);
}

// Story material: how interesting a customer's row is (loops, back-steps, referrals).
int journey_score(const CustomerTable& c, size_t i, const Names& names) {
  int score = 0;
  if (c.purchases[i] >= 2 && c.purchases[i] <= 6) score += 4;
  if (c.back_steps[i] >= 1 && c.back_steps[i] <= 4) score += 2;
  if (c.referrals[i] >= 1) score += 1;
  const auto final_stage = static_cast<size_t>(c.final_stage[i]);
  if (c.churn_day[i] >= 0 && final_stage < names.stage_roles.size() &&
      names.stage_roles[final_stage] != Role::lost)
    score += 2;  // lost once, came back
  return score;
}

std::vector<double> mean_of(const std::vector<double>& sum, int reps) {
  std::vector<double> out(sum.size());
  for (size_t k = 0; k < sum.size(); ++k) out[k] = sum[k] / reps;
  return out;
}

// Mean over replicates of per-replicate series.
std::vector<double> mean_series(const std::vector<std::vector<double>>& per_rep) {
  std::vector<double> out(per_rep.front().size(), 0.0);
  for (const auto& r : per_rep)
    for (size_t t = 0; t < out.size(); ++t) out[t] += r[t];
  for (double& x : out) x /= static_cast<double>(per_rep.size());
  return out;
}

double total(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0);
}

json kpi_json(const KpiSummary& s) {
  json rows = json::array();
  for (size_t k = 0; k < s.defs.size(); ++k) {
    const KpiDef& d = s.defs[k];
    rows.push_back({{"id", d.id},
                    {"label", d.label},
                    {"view", view_name(d.view)},
                    {"unit", d.unit},
                    {"description", d.description},
                    {"mean", num(s.mean[k], 6)},
                    {"sd", num(s.sd[k], 6)},
                    {"ci_low", num(s.ci_low[k], 6)},
                    {"ci_high", num(s.ci_high[k], 6)}});
    // Why the mean is n/a, in the engine's words (KpiSummary::notes).
    if (k < s.notes.size() && !s.notes[k].empty()) rows.back()["note"] = s.notes[k];
  }
  return rows;
}

}  // namespace

json num(double x, int decimals) {
  if (!std::isfinite(x)) return nullptr;
  const double f = std::pow(10.0, decimals);
  return std::round(x * f) / f;
}

json nums(const std::vector<double>& v, int decimals) {
  json a = json::array();
  for (double x : v) a.push_back(num(x, decimals));
  return a;
}

RunShape RunShape::of(const RunResult& run) {
  RunShape s;
  s.days = run.daily.days;
  s.S = run.daily.stages;
  s.G = run.daily.segments;
  s.C = run.daily.channels;
  s.names = run.names;
  return s;
}

void VariantDigest::add(const RunShape& shape, int replicate, const RunResult& run,
                        const KpiTable& run_kpis) {
  VariantDigest& acc = *this;
  const DailySeries& d = run.daily;
  const size_t T = sz(shape.days), S = sz(shape.S), G = sz(shape.G), C = sz(shape.C);
  if (acc.replicates.empty()) {
    acc.stage_counts.assign((T + 1) * S * G, 0.0);
    acc.spend.assign(T * C, 0.0);
    acc.exposed.assign(T * C, 0.0);
    acc.eligible.assign(T * C, 0.0);
    acc.revenue.assign(T * G, 0.0);
    acc.margin.assign(T * G, 0.0);
    acc.purchases.assign(T * G, 0.0);
    acc.first_purchases.assign(T * G, 0.0);
    acc.flows.assign(S * S, 0.0);
    acc.km.assign(G + 1, RetentionCounts{std::vector<std::uint64_t>(T + 1, 0),
                                         std::vector<std::uint64_t>(T + 1, 0)});
    acc.first_hist.assign(G, std::vector<std::uint64_t>(T + 1, 0));
    acc.segment_customers.assign(G, 0);
    acc.customers_total = run.customers_total;
  }
  acc.replicates.push_back(replicate);
  acc.seeds.push_back(run.seed);
  for (size_t k = 0; k < acc.stage_counts.size(); ++k)
    acc.stage_counts[k] += static_cast<double>(d.stage_counts[k]);
  for (size_t k = 0; k < T * C; ++k) {
    acc.spend[k] += d.spend[k];
    acc.exposed[k] += static_cast<double>(d.exposed[k]);
    acc.eligible[k] += static_cast<double>(d.eligible[k]);
  }
  std::vector<double> day_revenue(T, 0.0), day_spend(T, 0.0), day_profit(T, 0.0);
  for (size_t t = 0; t < T; ++t) {
    double day_margin = 0;
    for (size_t g = 0; g < G; ++g) {
      const size_t k = t * G + g;
      acc.revenue[k] += d.revenue[k];
      acc.margin[k] += d.margin[k];
      acc.purchases[k] += static_cast<double>(d.purchases[k]);
      acc.first_purchases[k] += static_cast<double>(d.first_purchases[k]);
      day_revenue[t] += d.revenue[k];
      day_margin += d.margin[k];
    }
    for (size_t c = 0; c < C; ++c) day_spend[t] += d.spend[t * C + c];
    day_profit[t] = day_margin - day_spend[t];
  }
  acc.daily_revenue.push_back(std::move(day_revenue));
  acc.daily_spend.push_back(std::move(day_spend));
  acc.daily_profit.push_back(std::move(day_profit));
  for (size_t g = 0; g < G; ++g)
    for (size_t k = 0; k < S * S; ++k)
      acc.flows[k] += static_cast<double>(run.flows[g * S * S + k]);
  acc.kpis.push_back(run_kpis);

  const CustomerTable& c = run.customers;
  if (c.size() == 0) {
    acc.customers = false;
    return;
  }
  const bool first_replicate = acc.replicates.size() == 1;
  for (size_t i = 0; i < c.size(); ++i) {
    const size_t g = c.segment[i];
    if (g >= G) continue;
    ++acc.segment_customers[g];
    const std::int32_t f = c.first_purchase_day[i];
    if (first_replicate) {
      const int score = journey_score(c, i, run.names);
      if (score > acc.story_score) {
        acc.story_score = score;
        acc.story_customer = static_cast<std::int64_t>(i);
      }
    }
    if (f < 0 || f >= shape.days) continue;
    ++acc.first_hist[g][static_cast<size_t>(f) + 1];
  }
  // Retention by the KPIs' own counting (kpi.hpp's retention_counts), per segment; index G
  // pools the segments.
  for (size_t g = 0; g < G; ++g) {
    const RetentionCounts counts = retention_counts(c, shape.days, static_cast<int>(g));
    for (size_t k = 0; k <= T; ++k) {
      acc.km[g].events[k] += counts.events[k];
      acc.km[g].censored[k] += counts.censored[k];
      acc.km[G].events[k] += counts.events[k];
      acc.km[G].censored[k] += counts.censored[k];
    }
  }
}

json names_json(const RunShape& shape, const ScenarioDef* def0,
                std::vector<std::string>* stage_labels) {
  auto label_of = [](const std::string& label, const std::string& name) {
    return label.empty() ? name : label;
  };
  json stages = json::array(), segments = json::array(), channels = json::array();
  for (size_t s = 0; s < sz(shape.S); ++s) {
    const std::string& name = shape.names.stages[s];
    std::string label = name;
    if (const StageDef* d = def0 ? find_named(def0->stages, name) : nullptr)
      label = label_of(d->label, name);
    if (stage_labels) stage_labels->push_back(label);
    stages.push_back({{"name", name},
                      {"label", label},
                      {"role", role_name(shape.names.stage_roles[s])},
                      {"advocate", shape.names.stage_advocates[s] != 0}});
  }
  for (size_t g = 0; g < sz(shape.G); ++g) {
    const std::string& name = shape.names.segments[g];
    json seg{{"name", name}, {"label", name}, {"share", nullptr}};
    if (const SegmentDef* d = def0 ? find_named(def0->segments, name) : nullptr) {
      seg["label"] = label_of(d->label, name);
      seg["share"] = d->share;
    }
    segments.push_back(std::move(seg));
  }
  for (size_t c = 0; c < sz(shape.C); ++c) {
    const std::string& name = shape.names.channels[c];
    json ch{{"name", name}, {"label", name}, {"cost", nullptr}};
    if (const ChannelDef* d = def0 ? find_named(def0->channels, name) : nullptr) {
      ch["label"] = label_of(d->label, name);
      ch["cost"] = d->cost;
    }
    channels.push_back(std::move(ch));
  }
  return {{"stages", std::move(stages)},
          {"segments", std::move(segments)},
          {"channels", std::move(channels)}};
}

json variant_json(const VariantDigest& acc, const RunShape& shape, const ScenarioDef* def,
                  const std::optional<KpiSummary>& stored) {
  const int reps = acc.reps();
  const size_t T = sz(shape.days), S = sz(shape.S), G = sz(shape.G), C = sz(shape.C);
  json v;
  v["name"] = acc.name;
  v["description"] = acc.description;
  v["replicates"] = reps;
  v["customers"] = acc.customers_total;

  // Occupancy [segment][stage][day_start], mean over replicates.
  const auto counts = mean_of(acc.stage_counts, reps);
  json occ = json::array();
  for (size_t g = 0; g < G; ++g) {
    json by_stage = json::array();
    for (size_t s = 0; s < S; ++s) {
      std::vector<double> series(T + 1);
      for (size_t t = 0; t <= T; ++t) series[t] = counts[(t * S + s) * G + g];
      by_stage.push_back(nums(series, 1));
    }
    occ.push_back(std::move(by_stage));
  }
  v["occupancy"] = std::move(occ);

  // Per channel [channel][day], means.
  const auto spend = mean_of(acc.spend, reps), exposed = mean_of(acc.exposed, reps),
             eligible = mean_of(acc.eligible, reps);
  json ch_spend = json::array(), ch_exposed = json::array(), ch_eligible = json::array();
  for (size_t c = 0; c < C; ++c) {
    std::vector<double> a(T), b(T), e(T);
    for (size_t t = 0; t < T; ++t) {
      a[t] = spend[t * C + c];
      b[t] = exposed[t * C + c];
      e[t] = eligible[t * C + c];
    }
    ch_spend.push_back(nums(a, 2));
    ch_exposed.push_back(nums(b, 1));
    ch_eligible.push_back(nums(e, 1));
  }
  json budgets = json::array();
  if (def) {
    for (const std::string& name : shape.names.channels) {
      json flights = json::array();
      if (const ChannelDef* ch = find_named(def->channels, name))
        for (const FlightDef& f : ch->flights)
          flights.push_back({{"from", f.from}, {"to", f.to}, {"amount", f.amount}});
      budgets.push_back(std::move(flights));
    }
  }
  v["channels"] = {{"spend", std::move(ch_spend)},
                   {"exposed", std::move(ch_exposed)},
                   {"eligible", std::move(ch_eligible)},
                   {"flights", std::move(budgets)}};

  // Daily money and purchases summed over segments, means.
  std::vector<double> revenue(T, 0), margin(T, 0), purchases(T, 0), first(T, 0);
  const auto mean_revenue = mean_of(acc.revenue, reps), mean_margin = mean_of(acc.margin, reps),
             mean_purchases = mean_of(acc.purchases, reps),
             mean_first = mean_of(acc.first_purchases, reps);
  for (size_t t = 0; t < T; ++t)
    for (size_t g = 0; g < G; ++g) {
      revenue[t] += mean_revenue[t * G + g];
      margin[t] += mean_margin[t * G + g];
      purchases[t] += mean_purchases[t * G + g];
      first[t] += mean_first[t * G + g];
    }
  std::vector<double> day_spend(T, 0);
  for (size_t t = 0; t < T; ++t)
    for (size_t c = 0; c < C; ++c) day_spend[t] += spend[t * C + c];
  v["daily"] = {{"revenue", nums(revenue, 2)},
                {"margin", nums(margin, 2)},
                {"spend", nums(day_spend, 2)},
                {"purchases", nums(purchases, 2)},
                {"first_purchases", nums(first, 2)}};

  // Totals over the horizon, mean and 95% CI over replicates.
  auto totals = [&](const std::vector<std::vector<double>>& per_rep) {
    std::vector<double> sums;
    for (const auto& r : per_rep) sums.push_back(total(r));
    const Estimate m = estimate_mean(sums);
    return json{{"mean", num(m.mean, 2)}, {"half_width", num(m.half_width(), 2)}};
  };
  v["totals"] = {{"revenue", totals(acc.daily_revenue)},
                 {"spend", totals(acc.daily_spend)},
                 {"profit", totals(acc.daily_profit)}};

  // Flows [from][to], summed over segments, mean over replicates.
  const auto flows = mean_of(acc.flows, reps);
  json fl = json::array();
  for (size_t a = 0; a < S; ++a) {
    std::vector<double> row(flows.begin() + static_cast<std::ptrdiff_t>(a * S),
                            flows.begin() + static_cast<std::ptrdiff_t>((a + 1) * S));
    fl.push_back(nums(row, 1));
  }
  v["flows"] = std::move(fl);

  // KPIs: the stored summary over replicates, or one computed from the runs' KPI tables.
  std::optional<KpiSummary> summary = stored;
  v["kpi_source"] = summary ? "kpi_summary" : "runs";
  if (!summary) summary = summarize(acc.kpis);
  v["kpis"] = kpi_json(*summary);
  v["kpi_replicates"] = summary->replicates;

  // Retention after the first purchase and time to first purchase, pooled over replicates. A
  // world where nobody who bought can be lost has no retention curve (its KPIs say so in their
  // note, "undefined: ..."): the Kaplan-Meier curve would be a flat 100% that means nothing.
  std::string retention_undefined;
  for (size_t k = 0; k < summary->defs.size() && k < summary->notes.size(); ++k) {
    if (summary->defs[k].id == "retention.30" && summary->notes[k].starts_with("undefined")) {
      retention_undefined = summary->notes[k];
    }
  }
  if (!retention_undefined.empty()) v["retention_undefined"] = retention_undefined;
  if (acc.customers) {
    json km = json::array();
    for (size_t g = 0; g <= G; ++g) {
      std::uint64_t n = 0;
      for (size_t k = 0; k <= T; ++k) n += acc.km[g].events[k] + acc.km[g].censored[k];
      km.push_back({{"curve", nums(kaplan_meier(acc.km[g].events, acc.km[g].censored), 5)},
                    {"customers", n}});
    }
    // index G: every segment
    v["retention"] = retention_undefined.empty() ? std::move(km) : json(nullptr);
    json ttfp = json::array();
    for (size_t g = 0; g < G; ++g) {
      json hist = json::array();
      for (std::uint64_t x : acc.first_hist[g]) hist.push_back(x);
      ttfp.push_back({{"histogram", std::move(hist)}, {"customers", acc.segment_customers[g]}});
    }
    v["first_purchase"] = std::move(ttfp);
  } else {
    v["retention"] = nullptr;
    v["first_purchase"] = nullptr;
  }
  return v;
}

// The pair of runs on the comparison chart, with the day the second overtakes the first.
json compare_json(const VariantDigest& a_digest, const VariantDigest& b_digest,
                  const std::string& reason) {
  const VariantDigest* a = &a_digest;
  const VariantDigest* b = &b_digest;
  auto cum = [](const VariantDigest& v) {
    return json{{"revenue", nums(cumulative_sum(mean_series(v.daily_revenue)), 2)},
                {"spend", nums(cumulative_sum(mean_series(v.daily_spend)), 2)},
                {"profit", nums(cumulative_sum(mean_series(v.daily_profit)), 2)}};
  };
  // The 95% interval over replicates of each day's running total: where the mean line could
  // be. Null with one replicate.
  auto band = [](const std::vector<std::vector<double>>& per_rep) -> json {
    if (per_rep.size() < 2) return nullptr;
    std::vector<std::vector<double>> cums;
    for (const auto& r : per_rep) cums.push_back(cumulative_sum(r));
    const size_t T = cums.front().size();
    std::vector<double> low(T), high(T), day(cums.size());
    for (size_t t = 0; t < T; ++t) {
      for (size_t r = 0; r < cums.size(); ++r) day[r] = cums[r][t];
      const Estimate m = estimate_mean(day);
      low[t] = m.ci_low;
      high[t] = m.ci_high;
    }
    return json{{"low", nums(low, 2)}, {"high", nums(high, 2)}};
  };
  auto bands = [&](const VariantDigest& v) {
    return json{{"revenue", band(v.daily_revenue)},
                {"spend", band(v.daily_spend)},
                {"profit", band(v.daily_profit)}};
  };
  // B's lead over A, replicate by replicate (common random numbers pair them).
  auto lead_band = [&]() -> json {
    const size_t n = std::min(a->daily_profit.size(), b->daily_profit.size());
    if (n < 2) return nullptr;
    std::vector<std::vector<double>> diffs;
    for (size_t r = 0; r < n; ++r) {
      std::vector<double> d(a->daily_profit[r].size());
      for (size_t t = 0; t < d.size(); ++t) d[t] = b->daily_profit[r][t] - a->daily_profit[r][t];
      diffs.push_back(std::move(d));
    }
    return band(diffs);
  };
  const auto pa = cumulative_sum(mean_series(a->daily_profit));
  const auto pb = cumulative_sum(mean_series(b->daily_profit));
  const Crossover x = find_crossover(pa, pb);
  json out{{"a", a->name},
           {"b", b->name},
           {"reason", reason},
           {"a_curves", cum(*a)},
           {"b_curves", cum(*b)},
           {"a_bands", bands(*a)},
           {"b_bands", bands(*b)},
           {"lead_band", lead_band()},
           {"status", x.status},
           {"day", x.day ? json(*x.day) : json(nullptr)},
           {"final_profit_a", num(pa.empty() ? kNaN : pa.back(), 2)},
           {"final_profit_b", num(pb.empty() ? kNaN : pb.back(), 2)}};

  // Replicate by replicate (common random numbers: same replicate numbers): how sure the day is.
  json per_rep = json::array();
  std::vector<double> days;
  int never = 0, ahead = 0;
  for (size_t i = 0; i < std::min(a->daily_profit.size(), b->daily_profit.size()); ++i) {
    const Crossover r =
        find_crossover(cumulative_sum(a->daily_profit[i]), cumulative_sum(b->daily_profit[i]));
    per_rep.push_back({{"replicate", a->replicates[i]},
                       {"status", r.status},
                       {"day", r.day ? json(*r.day) : json(nullptr)}});
    if (r.day) days.push_back(*r.day);
    if (r.status == "never") ++never;
    if (r.status == "ahead_throughout") ++ahead;
  }
  out["replicates"] = std::move(per_rep);
  const Estimate m = estimate_mean(days);
  out["replicate_days"] = {{"n", m.n},
                           {"mean", num(m.mean, 1)},
                           {"half_width", num(m.half_width(), 1)},
                           {"never", never},
                           {"ahead_throughout", ahead}};
  return out;
}

}  // namespace cjsim::cli
