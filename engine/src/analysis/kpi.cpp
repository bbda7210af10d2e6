// KPIs from a run's daily series and per-customer table. Definitions: engine/README.md "KPIs".
#include "cjsim/kpi.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(double a, double b) {
  return b != 0 ? a / b : kNaN;
}

struct Builder {
  KpiTable table;
  void add(std::string id, std::string label, KpiView view, std::string unit,
           std::string description, double value) {
    table.defs.push_back(
        {std::move(id), std::move(label), view, std::move(unit), std::move(description)});
    table.values.push_back(value);
  }
};

}  // namespace

const char* view_name(KpiView v) {
  switch (v) {
    case KpiView::funnel:
      return "funnel";
    case KpiView::loop:
      return "loop";
    case KpiView::money:
      return "money";
    case KpiView::nonlinearity:
      return "nonlinearity";
  }
  return "?";
}

double KpiTable::value(const std::string& id) const {
  for (std::size_t k = 0; k < defs.size(); ++k) {
    if (defs[k].id == id) return values[k];
  }
  throw std::out_of_range("no KPI named '" + id + "'");
}

RetentionCounts retention_counts(const CustomerTable& table, int days, int segment) {
  const auto T = static_cast<std::size_t>(std::max(days, 0));
  RetentionCounts counts;
  counts.events.assign(T + 1, 0);
  counts.censored.assign(T + 1, 0);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const std::int32_t first = table.first_purchase_day[i];
    if (first < 0 || first >= days) continue;
    if (segment >= 0 && table.segment[i] != segment) continue;
    // Lost k days after the first purchase, or still with us: censored at the horizon's last day.
    const std::int32_t churn = table.churn_day[i];
    const bool lost = churn >= first;
    const auto k = static_cast<std::size_t>(lost ? churn - first : days - 1 - first);
    if (k > T) continue;  // a damaged file's day beyond the horizon: not counted at all
    ++(lost ? counts.events : counts.censored)[k];
  }
  return counts;
}

KpiTable compute_kpis(const RunResult& run) {
  const Names& n = run.names;
  const DailySeries& d = run.daily;
  const CustomerTable& c = run.customers;
  const bool have_table = c.size() == run.customers_total && c.size() > 0;
  const auto S = static_cast<std::size_t>(d.stages), G = static_cast<std::size_t>(d.segments);
  const auto T = static_cast<std::size_t>(d.days);

  // Sums over the horizon.
  double spend = std::accumulate(d.spend.begin(), d.spend.end(), 0.0);
  const double revenue = std::accumulate(d.revenue.begin(), d.revenue.end(), 0.0);
  const double margin = std::accumulate(d.margin.begin(), d.margin.end(), 0.0);
  const auto new_customers = static_cast<double>(
      std::accumulate(d.first_purchases.begin(), d.first_purchases.end(), std::uint64_t{0}));
  const auto purchases = static_cast<double>(
      std::accumulate(d.purchases.begin(), d.purchases.end(), std::uint64_t{0}));

  // Per-customer reductions.
  std::vector<double> leads(S, kNaN);
  double acquired_revenue = kNaN, repeaters = kNaN, referred = kNaN, back_steps = kNaN;
  std::vector<double> days_to_first(G, kNaN);
  std::vector<double> retention(T + 1, kNaN);
  if (have_table) {
    std::fill(leads.begin(), leads.end(), 0.0);
    acquired_revenue = repeaters = referred = back_steps = 0;
    std::vector<double> first_sum(G, 0), first_n(G, 0);
    for (std::size_t i = 0; i < c.size(); ++i) {
      for (std::uint32_t m = c.stages_reached[i]; m != 0; m &= m - 1) {
        leads[static_cast<std::size_t>(__builtin_ctz(m))] += 1;
      }
      back_steps += c.back_steps[i];
      if (c.first_purchase_day[i] < 0) continue;
      acquired_revenue += static_cast<double>(c.revenue[i]);
      if (c.purchases[i] >= 2) repeaters += 1;
      if (c.source[i] == n.source_referral()) referred += 1;
      first_sum[c.segment[i]] += c.first_purchase_day[i] + 1;
      first_n[c.segment[i]] += 1;
    }
    for (std::size_t g = 0; g < G; ++g) days_to_first[g] = ratio(first_sum[g], first_n[g]);
    back_steps /= static_cast<double>(c.size());
    const RetentionCounts counts = retention_counts(c, d.days);
    retention = kaplan_meier(counts.events, counts.censored);
  }

  Builder b;
  // Funnel view.
  for (std::size_t s = 0; s < S; ++s) {
    b.add("leads." + n.stages[s], "Reached " + n.stages[s], KpiView::funnel, "customers",
          "customers who were in this stage at least once (including at the start)", leads[s]);
  }
  // Conversion along the declared stages up to the first purchase stage.
  for (std::size_t s = 1; s < S; ++s) {
    b.add("conversion." + n.stages[s], n.stages[s - 1] + " -> " + n.stages[s], KpiView::funnel,
          "share", "leads reaching this stage / leads reaching the previous declared stage",
          ratio(leads[s], leads[s - 1]));
    if (n.stage_roles[s] == Role::purchase) break;
  }
  b.add("new_customers", "New customers", KpiView::funnel, "customers",
        "customers whose first purchase fell in the horizon", new_customers);
  b.add("cac", "CAC", KpiView::funnel, "currency/customer", "total spend / new customers",
        ratio(spend, new_customers));

  // Loop view.
  b.add("revenue", "Revenue", KpiView::loop, "currency", "all purchases in the horizon", revenue);
  b.add("margin", "Margin", KpiView::loop, "currency", "revenue x margin share", margin);
  b.add("purchases", "Purchases", KpiView::loop, "purchases", "all purchases in the horizon",
        purchases);
  b.add("ltv", "LTV per new customer", KpiView::loop, "currency/customer",
        "revenue from new customers over the horizon / new customers",
        ratio(acquired_revenue, new_customers));
  b.add("repeat_rate", "Repeat-purchase rate", KpiView::loop, "share",
        "new customers with two or more purchases / new customers",
        ratio(repeaters, new_customers));
  for (const int k : {30, 90, 365}) {
    b.add("retention." + std::to_string(k), "Retention " + std::to_string(k) + " d", KpiView::loop,
          "share",
          "Kaplan-Meier share of new customers not yet lost " + std::to_string(k) +
              " days after the first purchase (censored at the horizon)",
          static_cast<std::size_t>(k) < retention.size() ? retention[static_cast<std::size_t>(k)]
                                                         : kNaN);
  }
  // Advocates at the end of the horizon: customers in stages that recommend.
  double advocates = 0;
  for (std::size_t s = 0; s < S && s < n.stage_advocates.size(); ++s) {
    if (!n.stage_advocates[s]) continue;
    for (std::size_t g = 0; g < G; ++g)
      advocates += static_cast<double>(d.stage_counts[(T * S + s) * G + g]);
  }
  b.add("advocates", "Advocates", KpiView::loop, "customers",
        "customers in recommending stages at the end of the horizon", advocates);
  b.add("referral_share", "Referral share", KpiView::loop, "share",
        "new customers whose last influence before buying was a recommendation / new customers",
        ratio(referred, new_customers));
  b.add("profit", "Profit", KpiView::loop, "currency", "margin - spend", margin - spend);
  b.add("romi", "ROMI", KpiView::loop, "ratio", "(margin - spend) / spend",
        ratio(margin - spend, spend));

  // Money.
  b.add("spend", "Spend", KpiView::money, "currency", "all channels over the horizon", spend);
  for (std::size_t ch = 0; ch < n.channels.size(); ++ch) {
    double s = 0;
    for (std::size_t t = 0; t < T; ++t) s += d.spend[t * n.channels.size() + ch];
    b.add("spend." + n.channels[ch], "Spend " + n.channels[ch], KpiView::money, "currency",
          "this channel over the horizon", s);
  }

  // Nonlinearity.
  b.add("back_steps", "Back-steps per customer", KpiView::nonlinearity, "transitions/customer",
        "backward transitions (e.g. consideration -> aware) per customer", back_steps);
  for (std::size_t g = 0; g < G; ++g) {
    b.add("days_to_first_purchase." + n.segments[g], "Days to first purchase, " + n.segments[g],
          KpiView::nonlinearity, "days",
          "mean (first purchase day + 1) of this segment's new customers", days_to_first[g]);
  }
  return std::move(b.table);
}

KpiSummary summarize(const std::vector<KpiTable>& replicates, double confidence) {
  KpiSummary out;
  if (replicates.empty()) return out;
  out.defs = replicates.front().defs;
  out.replicates = static_cast<int>(replicates.size());
  const std::size_t K = out.defs.size();
  const auto n = static_cast<double>(replicates.size());
  out.mean.assign(K, kNaN);
  out.sd.assign(K, kNaN);
  out.ci_low.assign(K, kNaN);
  out.ci_high.assign(K, kNaN);
  const double t_quantile = student_t_quantile(replicates.size(), confidence);
  for (std::size_t k = 0; k < K; ++k) {
    double sum = 0;
    for (const KpiTable& r : replicates) sum += r.values[k];
    const double mean = sum / n;
    out.mean[k] = mean;
    if (replicates.size() < 2) continue;
    double ss = 0;
    for (const KpiTable& r : replicates) ss += (r.values[k] - mean) * (r.values[k] - mean);
    const double sd = std::sqrt(ss / (n - 1));
    out.sd[k] = sd;
    out.ci_low[k] = mean - t_quantile * sd / std::sqrt(n);
    out.ci_high[k] = mean + t_quantile * sd / std::sqrt(n);
  }
  return out;
}

}  // namespace cjsim
