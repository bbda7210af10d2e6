// KPIs from a run's daily series and per-customer table. Definitions: engine/README.md "KPIs".
#include "cjsim/kpi.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
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

// Which stages can be reached from which along the edges ("from -> to"): bit b of reach[a] is
// set when a path of one or more edges leads from a to b.
std::vector<std::uint32_t> reachability(const Names& n) {
  const std::size_t S = n.stages.size();
  std::vector<std::uint32_t> next(S, 0);
  for (const std::string& e : n.edges) {
    const std::size_t arrow = e.find(" -> ");
    if (arrow == std::string::npos) continue;
    const auto from = std::find(n.stages.begin(), n.stages.end(), e.substr(0, arrow));
    const auto to = std::find(n.stages.begin(), n.stages.end(), e.substr(arrow + 4));
    if (from == n.stages.end() || to == n.stages.end()) continue;
    next[static_cast<std::size_t>(from - n.stages.begin())] |=
        1u << static_cast<unsigned>(to - n.stages.begin());
  }
  std::vector<std::uint32_t> reach = next;
  for (bool grew = true; grew;) {
    grew = false;
    for (std::size_t a = 0; a < S; ++a) {
      std::uint32_t r = reach[a];
      for (std::uint32_t m = reach[a]; m != 0; m &= m - 1) {
        r |= next[static_cast<std::size_t>(std::countr_zero(m))];
      }
      if (r != reach[a]) {
        reach[a] = r;
        grew = true;
      }
    }
  }
  return reach;
}

bool before_purchase(Role r) {
  return r == Role::unaware || r == Role::journey;
}

struct Builder {
  KpiTable table;
  void add(std::string id, std::string label, KpiView view, std::string unit,
           std::string description, double value, std::string note = {}) {
    table.defs.push_back(
        {std::move(id), std::move(label), view, std::move(unit), std::move(description)});
    table.values.push_back(value);
    table.notes.push_back(std::isnan(value) ? std::move(note) : std::string());
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

const std::string& KpiTable::note(std::size_t k) const {
  static const std::string none;
  return k < notes.size() ? notes[k] : none;
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

KpiTable compute_kpis(const RunResult& run, const RunResult* zero_spend) {
  const Names& n = run.names;
  const DailySeries& d = run.daily;
  const CustomerTable& c = run.customers;
  const bool have_table = c.size() == run.customers_total && c.size() > 0;
  const std::size_t S = n.stages.size(), G = n.segments.size(), C = n.channels.size();
  const auto T = static_cast<std::size_t>(d.days);
  const std::string no_table = "the run kept no per-customer table (--no-customers)";

  // Sums over the horizon.
  const double spend = std::accumulate(d.spend.begin(), d.spend.end(), 0.0);
  const double revenue = std::accumulate(d.revenue.begin(), d.revenue.end(), 0.0);
  const double margin = std::accumulate(d.margin.begin(), d.margin.end(), 0.0);
  const auto new_customers = static_cast<double>(
      std::accumulate(d.first_purchases.begin(), d.first_purchases.end(), std::uint64_t{0}));
  const auto purchases = static_cast<double>(
      std::accumulate(d.purchases.begin(), d.purchases.end(), std::uint64_t{0}));
  const std::string none_acquired = "no customer made a first purchase in the horizon";
  const std::string nothing_spent = "nothing was spent";
  // Margin share of each segment's revenue (the same for every purchase of a segment).
  std::vector<double> seg_revenue(G, 0.0), seg_margin(G, 0.0);
  for (std::size_t k = 0; k < d.revenue.size() && k < d.margin.size() && G > 0; ++k) {
    seg_revenue[k % G] += d.revenue[k];
    seg_margin[k % G] += d.margin[k];
  }

  // Per-customer reductions.
  std::vector<double> leads(S, kNaN);
  double acquired_revenue = kNaN, acquired_margin = kNaN, repeaters = kNaN, referred = kNaN,
         back_steps = kNaN;
  std::vector<double> days_to_first(G, kNaN);
  std::vector<double> retention;  // Kaplan-Meier, statistics.hpp
  if (have_table) {
    std::fill(leads.begin(), leads.end(), 0.0);
    acquired_revenue = acquired_margin = repeaters = referred = back_steps = 0;
    std::vector<double> first_sum(G, 0), first_n(G, 0), seg_acquired_revenue(G, 0.0);
    for (std::size_t i = 0; i < c.size(); ++i) {
      for (std::uint32_t m = c.stages_reached[i]; m != 0; m &= m - 1) {
        const auto s = static_cast<std::size_t>(std::countr_zero(m));
        if (s < S) leads[s] += 1;
      }
      back_steps += c.back_steps[i];
      if (c.first_purchase_day[i] < 0 || c.segment[i] >= G) continue;
      acquired_revenue += static_cast<double>(c.revenue[i]);
      seg_acquired_revenue[c.segment[i]] += static_cast<double>(c.revenue[i]);
      if (c.purchases[i] >= 2) repeaters += 1;
      if (c.source[i] == n.source_referral()) referred += 1;
      first_sum[c.segment[i]] += c.first_purchase_day[i] + 1;
      first_n[c.segment[i]] += 1;
    }
    for (std::size_t g = 0; g < G; ++g) {
      days_to_first[g] = ratio(first_sum[g], first_n[g]);
      if (seg_revenue[g] > 0)
        acquired_margin += seg_acquired_revenue[g] * seg_margin[g] / seg_revenue[g];
    }
    back_steps /= static_cast<double>(c.size());
    const RetentionCounts counts = retention_counts(c, d.days);
    retention = kaplan_meier(counts.events, counts.censored);
  }
  const bool has_lost =
      std::find(n.stage_roles.begin(), n.stage_roles.end(), Role::lost) != n.stage_roles.end();
  // A lost stage only edges at rate 0 enter is no way to leave either (Names::buyers_can_be_lost).
  const bool can_be_lost = has_lost && n.buyers_can_be_lost.value_or(true);

  Builder b;
  // Funnel view.
  for (std::size_t s = 0; s < S; ++s) {
    b.add("leads." + n.stages[s], "Reached " + n.stages[s], KpiView::funnel, "customers",
          "customers who were in this stage at least once (including at the start)", leads[s],
          no_table);
  }
  // Conversion between consecutive declared stages, up to the first purchase stage, where the
  // edges lead from the first to the second (stages not joined have no conversion): of the
  // customers who were in A before they were ever in B, the share whose first entry into B came
  // after A. Counted by the engine (RunResult::stage_firsts), so it needs no per-customer table;
  // never above 1, since every customer of the numerator is one of the denominator.
  const std::vector<std::uint32_t> reach = reachability(n);
  const StageFirsts& firsts = run.stage_firsts;
  const bool have_firsts = firsts.before_next.size() == S && firsts.after_previous.size() == S;
  for (std::size_t s = 1; s < S; ++s) {
    if ((reach[s - 1] >> s) & 1u) {
      b.add("conversion." + n.stages[s], n.stages[s - 1] + " -> " + n.stages[s], KpiView::funnel,
            "share",
            "customers whose first entry into " + n.stages[s] + " came after they had been in " +
                n.stages[s - 1] + " / customers who were in " + n.stages[s - 1] +
                " before they were ever in " + n.stages[s],
            have_firsts ? ratio(static_cast<double>(firsts.after_previous[s]),
                                static_cast<double>(firsts.before_next[s - 1]))
                        : kNaN,
            have_firsts ? "nobody was in " + n.stages[s - 1] + " before " + n.stages[s]
                        : "counted only while a run is simulated; the kpis table of the file "
                          "keeps the value");
    }
    if (n.stage_roles[s] == Role::purchase) break;
  }
  b.add("new_customers", "New customers", KpiView::funnel, "customers",
        "customers whose first purchase fell in the horizon", new_customers);
  b.add("cac", "Spend per new customer (all channels)", KpiView::funnel, "currency/customer",
        "spend of every channel, after-sales, loyalty and win-back included / new customers",
        ratio(spend, new_customers), none_acquired);
  double acquisition_spend = 0;
  std::string acquisition_note = none_acquired;
  if (n.channel_reaches.size() == C) {
    for (std::size_t ch = 0; ch < C; ++ch) {
      bool acquires = n.channel_reaches[ch] != 0;
      for (std::uint32_t m = n.channel_reaches[ch]; m != 0; m &= m - 1) {
        const auto s = static_cast<std::size_t>(std::countr_zero(m));
        acquires = acquires && s < S && before_purchase(n.stage_roles[s]);
      }
      for (std::size_t t = 0; acquires && t < T && t * C + ch < d.spend.size(); ++t) {
        acquisition_spend += d.spend[t * C + ch];
      }
    }
  } else {
    acquisition_spend = kNaN;
    acquisition_note = "the file does not say which stages each channel reaches";
  }
  b.add("cac.acquisition", "Acquisition CAC", KpiView::funnel, "currency/customer",
        "spend of the channels that reach only stages before a purchase (unaware, journey) / new "
        "customers",
        ratio(acquisition_spend, new_customers), acquisition_note);

  // Loop view.
  b.add("revenue", "Revenue", KpiView::loop, "currency", "all purchases in the horizon", revenue);
  b.add("margin", "Margin", KpiView::loop, "currency", "revenue x margin share", margin);
  b.add("purchases", "Purchases", KpiView::loop, "purchases", "all purchases in the horizon",
        purchases);
  b.add("ltv", "Revenue per new customer (horizon)", KpiView::loop, "currency/customer",
        "revenue of the customers acquired in the horizon, from their first purchase to the end "
        "of the horizon / new customers",
        ratio(acquired_revenue, new_customers), have_table ? none_acquired : no_table);
  b.add("ltv.margin", "Margin per new customer (horizon)", KpiView::loop, "currency/customer",
        "margin of the customers acquired in the horizon, from their first purchase to the end of "
        "the horizon / new customers",
        ratio(acquired_margin, new_customers), have_table ? none_acquired : no_table);
  b.add("repeat_rate", "Repeat-purchase rate", KpiView::loop, "share",
        "new customers with two or more purchases / new customers", ratio(repeaters, new_customers),
        have_table ? none_acquired : no_table);
  for (const int k : {30, 90, 365}) {
    const auto at = static_cast<std::size_t>(k);
    // Past the curve's end (the horizon) it is 0 if it reached 0, else unknown.
    const bool reached_zero = !retention.empty() && retention.back() == 0.0;
    double value = kNaN;
    if (have_table && can_be_lost) {
      value = at < retention.size() ? retention[at] : (reached_zero ? 0.0 : kNaN);
    }
    std::string note;
    if (!have_table) {
      note = no_table;
    } else if (!has_lost) {
      note = "undefined: no stage of this world is a lost stage, so nobody can be lost";
    } else if (!can_be_lost) {
      note =
          "undefined: no edge of positive rate leads a customer who bought to a lost stage, so "
          "nobody can be lost";
    } else if (new_customers == 0) {
      note = none_acquired;
    } else if (std::isnan(value)) {
      note = at > T ? fmt::format(
                          "the horizon ({} days) ends before day {} after every first "
                          "purchase",
                          T, k)
                    : fmt::format(
                          "the horizon ends before day {} after every first purchase "
                          "(nobody was followed {} days)",
                          k, k);
    }
    b.add("retention." + std::to_string(k), "Retention " + std::to_string(k) + " d", KpiView::loop,
          "share",
          "Kaplan-Meier share of new customers not lost within " + std::to_string(k) +
              " days of their first purchase (censored at the horizon; 0 once everyone followed "
              "that long was lost)",
          value, note);
  }
  // Advocates at the end of the horizon: customers in stages that recommend.
  double advocates = 0;
  for (std::size_t s = 0; s < S && s < n.stage_advocates.size(); ++s) {
    if (!n.stage_advocates[s]) continue;
    for (std::size_t g = 0; g < G; ++g) {
      const std::size_t at = (T * S + s) * G + g;
      if (at < d.stage_counts.size()) advocates += static_cast<double>(d.stage_counts[at]);
    }
  }
  b.add("advocates", "Advocates", KpiView::loop, "customers",
        "customers in recommending stages at the end of the horizon", advocates);
  b.add("referral_share", "Referral share", KpiView::loop, "share",
        "new customers whose last influence before buying was a recommendation / new customers",
        ratio(referred, new_customers), have_table ? none_acquired : no_table);
  b.add("profit", "Profit", KpiView::loop, "currency", "margin - spend", margin - spend);
  b.add("romi", "ROMI (all margin, incl. organic)", KpiView::loop, "ratio",
        "(margin - spend) / spend, with the margin of every purchase, also those that would "
        "happen without marketing (romi.incremental counts only what the spend added)",
        ratio(margin - spend, spend), nothing_spent);
  if (zero_spend != nullptr) {
    const DailySeries& z = zero_spend->daily;
    const double margin0 = std::accumulate(z.margin.begin(), z.margin.end(), 0.0);
    const auto new0 = static_cast<double>(
        std::accumulate(z.first_purchases.begin(), z.first_purchases.end(), std::uint64_t{0}));
    b.add("new_customers.incremental", "New customers added by marketing", KpiView::loop,
          "customers",
          "new customers - new customers of the same world with every budget at 0 (same seed "
          "and replicate: common random numbers)",
          new_customers - new0);
    b.add("margin.incremental", "Margin added by marketing", KpiView::loop, "currency",
          "margin - margin of the same world with every budget at 0 (same seed and replicate: "
          "common random numbers)",
          margin - margin0);
    b.add("romi.incremental", "ROMI (incremental)", KpiView::loop, "ratio",
          "(margin added by marketing - spend) / spend: the return of the spend itself",
          ratio(margin - margin0 - spend, spend), nothing_spent);
  }

  // Money.
  b.add("spend", "Spend", KpiView::money, "currency", "all channels over the horizon", spend);
  for (std::size_t ch = 0; ch < C; ++ch) {
    double s = 0;
    for (std::size_t t = 0; t < T && t * C + ch < d.spend.size(); ++t) s += d.spend[t * C + ch];
    b.add("spend." + n.channels[ch], "Spend " + n.channels[ch], KpiView::money, "currency",
          "this channel over the horizon", s);
  }

  // Nonlinearity.
  b.add("back_steps", "Back-steps per customer", KpiView::nonlinearity, "transitions/customer",
        "backward transitions (e.g. consideration -> aware) per customer", back_steps, no_table);
  for (std::size_t g = 0; g < G; ++g) {
    b.add("days_to_first_purchase." + n.segments[g], "Days to first purchase, " + n.segments[g],
          KpiView::nonlinearity, "days",
          "mean (first purchase day + 1) of this segment's new customers", days_to_first[g],
          have_table ? "no customer of this segment made a first purchase" : no_table);
  }
  return std::move(b.table);
}

KpiTable kpi_definitions(const Names& names, int days, bool incremental) {
  RunResult run;
  run.names = names;
  run.daily.days = days;
  run.daily.stages = static_cast<int>(names.stages.size());
  run.daily.segments = static_cast<int>(names.segments.size());
  run.daily.channels = static_cast<int>(names.channels.size());
  KpiTable table = compute_kpis(run, incremental ? &run : nullptr);
  std::fill(table.values.begin(), table.values.end(), kNaN);
  std::fill(table.notes.begin(), table.notes.end(), std::string());
  return table;
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
  out.notes.assign(K, std::string());
  const double t_quantile = student_t_quantile(replicates.size(), confidence);
  for (std::size_t k = 0; k < K; ++k) {
    double sum = 0;
    for (const KpiTable& r : replicates) {
      sum += r.values[k];
      if (std::isnan(r.values[k]) && out.notes[k].empty()) out.notes[k] = r.note(k);
    }
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
