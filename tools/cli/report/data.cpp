#include "report/data.hpp"

#include "report/attribution.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/statistics.hpp"
#include "cjsim/version.hpp"
#include "common/number_format.hpp"
#include "common/progress.hpp"
#include "common/story.hpp"
#include "report/stats.hpp"
#include "report/sweep.hpp"

namespace cjsim::cli {

namespace {

using nlohmann::json;
using std::size_t;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Numbers for the page: rounded so the JSON stays small; NaN becomes null.
json num(double x, int decimals = 2) {
  if (!std::isfinite(x)) return nullptr;
  const double f = std::pow(10.0, decimals);
  return std::round(x * f) / f;
}

json nums(const std::vector<double>& v, int decimals = 2) {
  json a = json::array();
  for (double x : v) a.push_back(num(x, decimals));
  return a;
}

size_t sz(int n) {
  return static_cast<size_t>(n);
}

// Everything summed over the runs (replicates) of one variant; divided by `reps` for means.
struct VariantAcc {
  std::string name, description;
  std::vector<int> replicates;  // in file order
  std::vector<std::uint64_t> seeds;
  std::vector<double> stage_counts;                                 // (days+1) x S x G
  std::vector<double> spend, exposed, eligible;                     // days x C
  std::vector<double> revenue, margin, purchases, first_purchases;  // days x G
  std::vector<double> flows;                                        // S x S (segments summed)
  std::vector<std::vector<double>> daily_revenue, daily_spend, daily_profit;  // per replicate
  std::vector<KpiTable> kpis;
  // Per-customer reductions pooled over replicates; index G of km is every segment.
  bool customers = true;
  std::vector<RetentionCounts> km;                     // G + 1, each days + 1 (kpi.hpp)
  std::vector<std::vector<std::uint64_t>> first_hist;  // G x (days+1)
  std::vector<std::uint64_t> segment_customers;        // G
  // A customer with a rich journey in the first stored replicate (for the story).
  std::int64_t story_customer = -1;
  int story_score = -1;
  std::uint64_t customers_total = 0;

  int reps() const { return static_cast<int>(replicates.size()); }
};

struct Shape {
  int days = 0, S = 0, G = 0, C = 0;
  Names names;
};

// Story material: how interesting a customer's row is (loops, back-steps, referrals).
int story_score(const CustomerTable& c, size_t i, const Names& names) {
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

void check_same_shape(const ResultFile& file, const Shape& shape, const StoredRun& r) {
  const RunResult& run = r.run;
  const auto where = fmt::format("/runs/{}/replicate_{}", r.variant, r.replicate);
  auto bad = [&](const std::string& what) {
    throw InputError(SourcePlace{file.path(), 0, 0}, where,
                     fmt::format("{} differ from the file's first run, so its runs cannot be "
                                 "drawn on shared axes",
                                 what),
                     "report files written by one cjsim run or sweep command");
  };
  if (run.daily.days != shape.days) bad("the days");
  if (run.names.stages != shape.names.stages) bad("the stages");
  if (run.names.segments != shape.names.segments) bad("the segments");
  if (run.names.channels != shape.names.channels) bad("the channels");
}

void accumulate(VariantAcc& acc, const Shape& shape, const StoredRun& stored) {
  const RunResult& run = stored.run;
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
  acc.replicates.push_back(stored.replicate);
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
    double margin = 0;
    for (size_t g = 0; g < G; ++g) {
      const size_t k = t * G + g;
      acc.revenue[k] += d.revenue[k];
      acc.margin[k] += d.margin[k];
      acc.purchases[k] += static_cast<double>(d.purchases[k]);
      acc.first_purchases[k] += static_cast<double>(d.first_purchases[k]);
      day_revenue[t] += d.revenue[k];
      margin += d.margin[k];
    }
    for (size_t c = 0; c < C; ++c) day_spend[t] += d.spend[t * C + c];
    day_profit[t] = margin - day_spend[t];
  }
  acc.daily_revenue.push_back(std::move(day_revenue));
  acc.daily_spend.push_back(std::move(day_spend));
  acc.daily_profit.push_back(std::move(day_profit));
  for (size_t g = 0; g < G; ++g)
    for (size_t k = 0; k < S * S; ++k)
      acc.flows[k] += static_cast<double>(run.flows[g * S * S + k]);
  acc.kpis.push_back(stored.kpis);

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
      const int score = story_score(c, i, run.names);
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

std::string label_of(const std::string& label, const std::string& name) {
  return label.empty() ? name : label;
}

// The definition named `name` (the file's order of names need not be the definition's).
template <class Def>
const Def* find_named(const std::vector<Def>& defs, const std::string& name) {
  for (const Def& d : defs)
    if (d.name == name) return &d;
  return nullptr;
}

// The scenario as run, rebuilt from the file (labels, budgets, and the story's re-run).
struct StoredScenario {
  std::optional<Scenario> scenario;
  std::string problem;  // why it could not be rebuilt (or rebuilt only from the effective text)
  std::string source;   // which text it was rebuilt from
  // False when rebuilt from /scenario_effective, whose order of stages, segments and channels
  // may differ from the run's.
  bool declared_order = true;

  const ScenarioDef* def(const std::string& variant) const {
    if (!scenario) return nullptr;
    for (const Variant& v : scenario->variants)
      if (v.name == variant) return &v.def;
    return nullptr;
  }
};

// The scenario as run. /scenario_effective has every override applied but its tables come out
// in alphabetical order, which renumbers stages, segments and channels (a different model: the
// same seed gives a different run). So the original text (/scenario) is rebuilt with the --set
// overrides of the stored command line, and accepted only when that reproduces
// /scenario_effective exactly; otherwise the effective text is used for labels and budgets
// (looked up by name) and the story is refused unless its order matches the file's.
StoredScenario rebuild_scenario(const ResultFile& file, const FileMeta& meta) {
  StoredScenario out;
  if (meta.scenario_text.empty() && meta.effective_toml.empty()) {
    out.problem = "the file stores no scenario text";
    return out;
  }
  auto problem_of = [](const InputError& e) {
    return e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().front().message;
  };
  if (!meta.scenario_text.empty()) {
    try {
      ScenarioDocument doc =
          ScenarioDocument::from_string(meta.scenario_text, file.path() + ":/scenario");
      for (const std::string& assignment : stored_overrides(meta.command_line)) doc.set(assignment);
      if (meta.effective_toml.empty() || doc.effective_toml() == meta.effective_toml) {
        out.scenario = build_scenario(doc);
        out.source = "/scenario with the --set overrides of its command line";
        return out;
      }
      out.problem =
          "the scenario text with the stored command line's --set overrides does not "
          "give the stored /scenario_effective";
    } catch (const InputError& e) {
      out.problem = problem_of(e);
    }
  }
  if (!meta.effective_toml.empty()) {
    try {
      out.scenario = build_scenario(
          ScenarioDocument::from_string(meta.effective_toml, file.path() + ":/scenario_effective"));
      out.source = "/scenario_effective";
      out.declared_order = false;
    } catch (const InputError& e) {
      out.problem = problem_of(e);
    }
  }
  return out;
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
  }
  return rows;
}

json variant_json(const VariantAcc& acc, const Shape& shape, const ResultFile& file,
                  const StoredScenario& scenario) {
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
  if (const ScenarioDef* def = scenario.def(acc.name)) {
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
  const auto m_rev = mean_of(acc.revenue, reps), m_mar = mean_of(acc.margin, reps),
             m_pur = mean_of(acc.purchases, reps), m_first = mean_of(acc.first_purchases, reps);
  for (size_t t = 0; t < T; ++t)
    for (size_t g = 0; g < G; ++g) {
      revenue[t] += m_rev[t * G + g];
      margin[t] += m_mar[t * G + g];
      purchases[t] += m_pur[t * G + g];
      first[t] += m_first[t * G + g];
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
  std::optional<KpiSummary> summary = file.summary(acc.name);
  v["kpi_source"] = summary ? "kpi_summary" : "runs";
  if (!summary) summary = summarize(acc.kpis);
  v["kpis"] = kpi_json(*summary);
  v["kpi_replicates"] = summary->replicates;

  // Retention after the first purchase and time to first purchase, pooled over replicates.
  if (acc.customers) {
    json km = json::array();
    for (size_t g = 0; g <= G; ++g) {
      std::uint64_t n = 0;
      for (size_t k = 0; k <= T; ++k) n += acc.km[g].events[k] + acc.km[g].censored[k];
      km.push_back({{"curve", nums(kaplan_meier(acc.km[g].events, acc.km[g].censored), 5)},
                    {"customers", n}});
    }
    v["retention"] = std::move(km);  // index G: every segment
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
json compare_json(const std::vector<VariantAcc>& accs, const ReportOptions& opt,
                  const ResultFile& file) {
  auto find = [&](const std::string& name) -> const VariantAcc* {
    for (const VariantAcc& a : accs)
      if (a.name == name) return &a;
    return nullptr;
  };
  const VariantAcc *a = nullptr, *b = nullptr;
  std::string reason;
  if (!opt.compare_a.empty()) {
    a = find(opt.compare_a);
    b = find(opt.compare_b);
    for (const auto& [ptr, name] : {std::pair{a, opt.compare_a}, std::pair{b, opt.compare_b}}) {
      if (ptr) continue;
      std::string names;
      for (const VariantAcc& v : accs) names += (names.empty() ? "" : ", ") + v.name;
      throw InputError(SourcePlace{"--compare", 0, 0}, "compare",
                       fmt::format("{} has no variant named '{}'", file.path(), name),
                       fmt::format("choose two of: {}", names));
    }
    reason = "chosen with --compare";
  } else if (find("funnel_minded") && find("loop_minded")) {
    a = find("funnel_minded");
    b = find("loop_minded");
    reason = "the funnel-minded and the loop-minded strategy of the file";
  } else if (accs.size() >= 2) {
    a = &accs[0];
    b = &accs[1];
    reason = "the first two variants of the file (choose others with --compare A,B)";
  } else {
    return nullptr;
  }

  auto cum = [](const VariantAcc& v) {
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
  auto bands = [&](const VariantAcc& v) {
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

// Whether a definition numbers stages, segments and channels as the stored run does.
template <class Def>
bool same_order(const std::vector<Def>& defs, const std::vector<std::string>& names) {
  if (defs.size() != names.size()) return false;
  for (size_t k = 0; k < defs.size(); ++k)
    if (defs[k].name != names[k]) return false;
  return true;
}

json story_json(const VariantAcc& acc, const StoredScenario& scenario, const ReportOptions& opt,
                const ResultFile& file, const Shape& shape,
                const std::vector<std::string>& stage_labels) {
  json out{{"variant", acc.name}};
  const ScenarioDef* def = scenario.def(acc.name);
  if (!def) {
    out["available"] = false;
    out["reason"] =
        scenario.problem.empty()
            ? fmt::format("the stored scenario has no variant '{}'", acc.name)
            : fmt::format("the stored scenario could not be rebuilt: {}", scenario.problem);
    return out;
  }
  if (!same_order(def->stages, shape.names.stages) ||
      !same_order(def->segments, shape.names.segments) ||
      !same_order(def->channels, shape.names.channels)) {
    out["available"] = false;
    out["reason"] = fmt::format(
        "the scenario rebuilt from {} orders its stages, segments or channels differently from "
        "the stored run, so a re-run would not be the same simulation ({})",
        scenario.source, scenario.problem);
    return out;
  }
  std::uint64_t customer = 0;
  if (opt.story_customer) {
    customer = *opt.story_customer;
    if (customer >= acc.customers_total) {
      throw InputError(
          SourcePlace{"--customer", 0, 0}, "customer",
          fmt::format("customer {} does not exist: '{}' has {} customers (0 to {})", customer,
                      acc.name, acc.customers_total, acc.customers_total - 1),
          "give a customer number below the population size");
    }
  } else if (acc.story_customer >= 0) {
    customer = static_cast<std::uint64_t>(acc.story_customer);
  }
  const int replicate = acc.replicates.front();
  RunOptions ro;
  ro.threads = opt.threads;
  ro.seed = acc.seeds.front();
  ro.replicate = replicate;
  ro.trace_customer = customer;
  ro.customer_table = true;
  Progress progress(fmt::format("report: story of customer {} ({})", customer, acc.name),
                    opt.quiet);
  ro.progress = [&](const cjsim::Progress& p) {
    throw_if_interrupted();
    progress.update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
  };
  const RunResult run = simulate(*def, ro);
  progress.done("re-ran the stored scenario");

  // Does the re-run reproduce the stored run? (Same engine, same seed: it must.)
  const StoredRun stored = file.load(acc.name, replicate, true);
  bool reproduced = true;
  std::string mismatch;
  const auto i = static_cast<size_t>(customer);
  if (stored.run.customers.size() > i && run.customers.size() > i) {
    const CustomerTable &x = stored.run.customers, &y = run.customers;
    reproduced = x.final_stage[i] == y.final_stage[i] && x.purchases[i] == y.purchases[i] &&
                 x.first_purchase_day[i] == y.first_purchase_day[i] && x.revenue[i] == y.revenue[i];
    if (!reproduced)
      mismatch =
          fmt::format("the stored run says {} purchase(s) worth {:.2f}, the re-run {} worth {:.2f}",
                      x.purchases[i], static_cast<double>(x.revenue[i]), y.purchases[i],
                      static_cast<double>(y.revenue[i]));
  }

  json path = json::array(), buys = json::array(), seen = json::array(), talk = json::array();
  for (const TraceEvent& e : run.trace) {
    switch (e.kind) {
      case TraceKind::start:
        path.push_back({{"day", 0}, {"stage", e.a}, {"how", "start"}});
        out["segment"] = e.b;
        break;
      case TraceKind::moved:
        path.push_back({{"day", e.day},
                        {"from", e.a},
                        {"stage", e.b},
                        {"how", e.referral ? "referral" : "move"}});
        break;
      case TraceKind::purchased:
        buys.push_back(
            {{"day", e.day}, {"value", num(e.value, 2)}, {"quality", num(e.quality, 3)}});
        break;
      case TraceKind::exposed:
        seen.push_back({{"day", e.day}, {"channel", e.a}});
        break;
      case TraceKind::recommended:
        talk.push_back({{"day", e.day}, {"kind", "recommended"}, {"count", e.a}});
        break;
      case TraceKind::complained:
        talk.push_back({{"day", e.day}, {"kind", "complained"}, {"count", e.a}});
        break;
      case TraceKind::got_recommendation:
        talk.push_back({{"day", e.day}, {"kind", "heard_recommendation"}});
        break;
      case TraceKind::got_complaint:
        talk.push_back({{"day", e.day}, {"kind", "heard_complaint"}});
        break;
    }
  }
  out["available"] = true;
  out["customer"] = customer;
  out["replicate"] = replicate;
  out["seed"] = ro.seed.value_or(0);
  out["chosen"] = opt.story_customer ? "given with --customer"
                                     : "a customer of the first replicate whose journey loops "
                                       "(repeat purchases, steps back, comes back)";
  out["text"] = tell_story(*def, run, static_cast<std::uint32_t>(customer));
  out["path"] = std::move(path);
  out["purchases"] = std::move(buys);
  out["exposures"] = std::move(seen);
  out["word_of_mouth"] = std::move(talk);
  out["reproduced"] = reproduced;
  out["mismatch"] = mismatch;
  out["stage_labels"] = stage_labels;
  return out;
}

}  // namespace

json currency_json(const std::string& code) {
  if (code.empty()) return nullptr;
  const Money m = Money::of(code);
  return {{"code", m.code},
          {"symbol", m.symbol},
          {"prefix", m.prefix},
          {"name", currency_info(code).name},
          {"digits", m.digits}};
}

json collect_report(const ResultFile& file, const ReportOptions& opt) {
  const FileMeta meta = file.meta();
  if (meta.kind == "sweep") return collect_sweep_report(file.path(), meta, opt);
  if (meta.kind != "run") {
    throw InputError(SourcePlace{file.path(), 0, 0}, "kind",
                     fmt::format("a '{}' file: cjsim reports files written by cjsim run or "
                                 "cjsim sweep",
                                 meta.kind),
                     "pass a .h5 file written by cjsim run or cjsim sweep");
  }
  const auto runs = file.runs();
  if (runs.empty()) {
    throw InputError(SourcePlace{file.path(), 0, 0}, "/runs", "the file holds no runs",
                     "write it with cjsim run");
  }
  const StoredScenario scenario = rebuild_scenario(file, meta);

  // Read every run once, reducing as we go (one run's customer table in memory at a time).
  std::vector<VariantAcc> accs;
  Shape shape;
  {
    Progress progress("report: read", opt.quiet);
    for (size_t k = 0; k < runs.size(); ++k) {
      throw_if_interrupted();
      progress.update(static_cast<double>(k) / static_cast<double>(runs.size()),
                      fmt::format("{} replicate {}", runs[k].first, runs[k].second));
      const StoredRun stored = file.load(runs[k].first, runs[k].second, true);
      if (k == 0) {
        shape.days = stored.run.daily.days;
        shape.S = stored.run.daily.stages;
        shape.G = stored.run.daily.segments;
        shape.C = stored.run.daily.channels;
        shape.names = stored.run.names;
      } else {
        check_same_shape(file, shape, stored);
      }
      auto it = std::find_if(accs.begin(), accs.end(),
                             [&](const VariantAcc& a) { return a.name == stored.variant; });
      if (it == accs.end()) {
        accs.push_back({});
        it = accs.end() - 1;
        it->name = stored.variant;
        it->description = stored.description;
      }
      accumulate(*it, shape, stored);
    }
    progress.done(fmt::format("{} run{} of {} variant{}", runs.size(), runs.size() == 1 ? "" : "s",
                              accs.size(), accs.size() == 1 ? "" : "s"));
  }

  json data;
  const ScenarioDef* def0 = scenario.def(accs.front().name);
  data["meta"] = {{"file", file.path()},
                  {"scenario_name", meta.scenario_name},
                  {"scenario_description", def0 ? def0->simulation.description : ""},
                  {"scenario_source", meta.scenario_source},
                  {"command_line", meta.command_line},
                  {"engine_version", meta.engine_version},
                  {"format", meta.format},
                  {"seed", meta.seed},
                  {"kind", meta.kind},
                  {"currency", currency_json(meta.currency)},
                  {"days", shape.days},
                  {"report_version", engine_version()},
                  {"report_command", opt.command_line},
                  {"scenario_problem", scenario.scenario ? "" : scenario.problem},
                  {"scenario_rebuilt_from", scenario.source}};

  // Names with the labels the scenario gives them.
  std::vector<std::string> stage_labels;
  json stages = json::array(), segments = json::array(), channels = json::array();
  for (size_t s = 0; s < sz(shape.S); ++s) {
    const std::string& name = shape.names.stages[s];
    std::string label = name;
    if (const StageDef* d = def0 ? find_named(def0->stages, name) : nullptr)
      label = label_of(d->label, name);
    stage_labels.push_back(label);
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
  data["stages"] = std::move(stages);
  data["segments"] = std::move(segments);
  data["channels"] = std::move(channels);

  json variants = json::array();
  for (const VariantAcc& acc : accs) variants.push_back(variant_json(acc, shape, file, scenario));
  data["variants"] = std::move(variants);
  data["compare"] = compare_json(accs, opt, file);
  data["sweep"] = nullptr;
  data["attribution"] = attribution_json(file);  // null unless cjsim value -o F --touch-paths

  if (opt.story) {
    std::string story_variant = opt.story_variant;
    if (story_variant.empty())
      story_variant =
          data["compare"].is_null() ? accs.front().name : data["compare"]["b"].get<std::string>();
    const auto it = std::find_if(accs.begin(), accs.end(),
                                 [&](const VariantAcc& a) { return a.name == story_variant; });
    if (it == accs.end()) {
      std::string names;
      for (const VariantAcc& v : accs) names += (names.empty() ? "" : ", ") + v.name;
      throw InputError(SourcePlace{"--story-variant", 0, 0}, "story-variant",
                       fmt::format("{} has no variant named '{}'", file.path(), story_variant),
                       fmt::format("choose one of: {}", names));
    }
    data["story"] = story_json(*it, scenario, opt, file, shape, stage_labels);
  } else {
    data["story"] = {{"available", false}, {"reason", "left out with --no-story"}};
  }
  return data;
}

}  // namespace cjsim::cli
