// KPIs (analysis/kpi.cpp) checked from outside the engine: every formula on a run made by hand,
// with the answers worked out by hand; Kaplan-Meier retention recomputed here from the
// per-customer table; and the KPIs of a simulated loop world against the closed forms of its
// Markov chain (leads, purchases, repeat rate, LTV, back-steps, retention, days to the first
// purchase, advocates), at a family-wise false-alarm rate of 1e-6, each check stating the
// smallest relative error it detects. The summaries over replicates (Student t) by hand too.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>

#include "cjsim/kpi.hpp"
#include "cjsim/simulation.hpp"
#include "stat_checks.hpp"
#include "worlds.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

// Stages u (unaware), a (journey), b (purchase), r (retention, recommends), l (lost); segments x,
// y; channels c1, c2; 40 days; 8 customers whose stories are in the table below.
RunResult hand_made_run() {
  RunResult run;
  Names& n = run.names;
  n.stages = {"u", "a", "b", "r", "l"};
  n.stage_roles = {Role::unaware, Role::journey, Role::purchase, Role::retention, Role::lost};
  n.stage_advocates = {0, 0, 0, 1, 0};
  n.edges = {"u -> a", "a -> b", "b -> r", "r -> b", "r -> l", "b -> l"};
  n.segments = {"x", "y"};
  n.channels = {"c1", "c2"};
  n.sources = {"c1", "c2", "referral", "organic", "existing", "none"};
  DailySeries& d = run.daily;
  d.days = 40;
  d.stages = 5;
  d.segments = 2;
  d.channels = 2;
  d.stage_counts.assign(41 * 5 * 2, 0);
  d.stage_counts[d.at_stage(40, 3, 0)] = 2;  // in r at the end: two of x, one of y
  d.stage_counts[d.at_stage(40, 3, 1)] = 1;
  d.stage_counts[d.at_stage(40, 0, 0)] = 1;  // others elsewhere (not advocates)
  d.spend.assign(40 * 2, 0.0);
  d.spend[d.at_channel(0, 0)] = 10;
  d.spend[d.at_channel(5, 0)] = 20;
  d.spend[d.at_channel(1, 1)] = 5;
  d.exposed.assign(40 * 2, 0);
  d.eligible.assign(40 * 2, 0);
  d.purchases.assign(40 * 2, 0);
  d.first_purchases.assign(40 * 2, 0);
  d.revenue.assign(40 * 2, 0.0);
  d.margin.assign(40 * 2, 0.0);
  auto bought = [&](int day, int g, std::uint64_t purchases, std::uint64_t first, double revenue) {
    d.purchases[d.at_segment(day, g)] += purchases;
    d.first_purchases[d.at_segment(day, g)] += first;
    d.revenue[d.at_segment(day, g)] += revenue;
    d.margin[d.at_segment(day, g)] += 0.3 * revenue;
  };
  bought(0, 0, 2, 1, 30);   // customer 1's two purchases
  bought(5, 0, 1, 1, 10);   // customer 0
  bought(10, 1, 1, 1, 15);  // customer 2
  bought(38, 0, 3, 1, 45);  // customer 4's three
  bought(20, 1, 1, 0, 25);  // customer 5, an existing customer buying again
  d.recommendations.assign(40, 0);
  d.referral_moves.assign(40, 0);
  d.complaints.assign(40, 0);
  CustomerTable& c = run.customers;
  struct Row {
    std::uint8_t segment, final_stage, source;
    std::int32_t first, churn;
    std::uint32_t purchases;
    float revenue;
    std::uint16_t back_steps, referrals;
    std::uint32_t reached;
  };
  constexpr std::uint32_t U = 1, A = 2, B = 4, R = 8, L = 16;
  const Row rows[] = {
      {0, 3, 0, 5, -1, 1, 10, 0, 0, U | A | B | R},      // 0: via c1, still a customer
      {0, 4, 1, 0, 20, 2, 30, 1, 0, U | A | B | R | L},  // 1: via c2 on day 0, lost on day 20
      {1, 4, 2, 10, 12, 1, 15, 0, 0, U | A | B | L},     // 2: referred, lost two days later
      {1, 1, 5, -1, -1, 0, 0, 2, 0, U | A},              // 3: never bought
      {0, 3, 3, 38, -1, 3, 45, 0, 4, U | A | B | R},     // 4: organic, near the end
      {1, 3, 4, -1, -1, 1, 25, 1, 0, R | B},             // 5: existing, bought again
      {0, 0, 5, -1, -1, 0, 0, 0, 0, U},                  // 6: never moved
      {1, 4, 4, -1, -1, 0, 0, 0, 0, L},                  // 7: existing, lost from the start
  };
  for (const Row& r : rows) {
    c.segment.push_back(r.segment);
    c.final_stage.push_back(r.final_stage);
    c.source.push_back(r.source);
    c.first_purchase_day.push_back(r.first);
    c.churn_day.push_back(r.churn);
    c.purchases.push_back(r.purchases);
    c.revenue.push_back(r.revenue);
    c.back_steps.push_back(r.back_steps);
    c.referrals.push_back(r.referrals);
    c.stages_reached.push_back(r.reached);
  }
  run.customers_total = 8;
  // First entries in the order they happened (the engine counts them as it runs; the stories
  // above give them): in u before ever in a: 0-4 and 6; first entry into a after u: 0-4; in a
  // before b: 0-4; into b after a: 0, 1, 2, 4 (customer 5 was in r first); and so on.
  run.stage_firsts.before_next = {6, 5, 4, 4, 3};
  run.stage_firsts.after_previous = {0, 5, 4, 3, 1};
  return run;
}

}  // namespace

TEST_CASE("kpi: every formula on a run made by hand", "[kpi]") {
  const KpiTable k = compute_kpis(hand_made_run());
  // Funnel: who ever reached each stage; conversion along the declared stages up to the first
  // purchase stage, of those who were in the earlier stage first (customer 3 never reached b,
  // customer 5 was in b only after r); new customers from the daily first purchases; CAC =
  // spend / new customers.
  CHECK(k.value("leads.u") == 6);
  CHECK(k.value("leads.a") == 5);
  CHECK(k.value("leads.b") == 5);
  CHECK(k.value("leads.r") == 4);
  CHECK(k.value("leads.l") == 3);
  CHECK(k.value("conversion.a") == Approx(5.0 / 6));
  CHECK(k.value("conversion.b") == Approx(4.0 / 5));
  CHECK_THROWS_AS(k.value("conversion.r"), std::out_of_range);  // beyond the purchase stage
  CHECK(k.value("new_customers") == 4);
  CHECK(k.value("cac") == Approx(35.0 / 4));
  // Loop: totals from the daily series; LTV and repeat rate over the acquired customers (the
  // existing customer's repeat purchase counts in revenue, not in LTV).
  CHECK(k.value("revenue") == Approx(125));
  CHECK(k.value("margin") == Approx(37.5));
  CHECK(k.value("purchases") == 8);
  CHECK(k.value("ltv") == Approx((10.0 + 30 + 15 + 45) / 4));
  CHECK(k.value("repeat_rate") == Approx(2.0 / 4));
  // Kaplan-Meier over the acquired: churned 20 days (customer 1) and 2 days (customer 2) after
  // the first purchase; followed 34 days (customer 0: days 5..39) and 1 day (customer 4) without
  // churning. At day 2, three are at risk (customer 4 left at day 1): S = 2/3; at day 20, two:
  // S = 2/3 x 1/2 = 1/3, still 1/3 at day 30. Nobody is followed 90 days: undefined.
  CHECK(k.value("retention.30") == Approx(1.0 / 3));
  CHECK(std::isnan(k.value("retention.90")));
  CHECK(std::isnan(k.value("retention.365")));
  CHECK(k.value("advocates") == 3);
  CHECK(k.value("referral_share") == Approx(1.0 / 4));
  CHECK(k.value("profit") == Approx(37.5 - 35));
  CHECK(k.value("romi") == Approx(2.5 / 35));
  // Money and nonlinearity.
  CHECK(k.value("spend") == Approx(35));
  CHECK(k.value("spend.c1") == Approx(30));
  CHECK(k.value("spend.c2") == Approx(5));
  CHECK(k.value("back_steps") == Approx(4.0 / 8));
  CHECK(k.value("days_to_first_purchase.x") == Approx((6.0 + 1 + 39) / 3));
  CHECK(k.value("days_to_first_purchase.y") == Approx(11));
  // Every KPI has a definition and a unit, and the ids are unique.
  std::map<std::string, int> seen;
  for (const KpiDef& def : k.defs) {
    CHECK(!def.label.empty());
    CHECK(!def.unit.empty());
    CHECK(!def.description.empty());
    CHECK(++seen[def.id] == 1);
  }
}

TEST_CASE("kpi: what needs the per-customer table or a new customer is undefined without them",
          "[kpi]") {
  RunResult run = hand_made_run();
  run.customers = CustomerTable{};  // a run that kept no table (RunOptions::customer_table)
  const KpiTable k = compute_kpis(run);
  for (const char* id : {"leads.u", "ltv", "repeat_rate", "retention.30", "referral_share",
                         "back_steps", "days_to_first_purchase.x"}) {
    INFO(id);
    CHECK(std::isnan(k.value(id)));
  }
  CHECK(k.value("revenue") == Approx(125));  // from the daily series
  CHECK(k.value("new_customers") == 4);
  RunResult none = hand_made_run();
  std::fill(none.daily.first_purchases.begin(), none.daily.first_purchases.end(), 0);
  CHECK(std::isnan(compute_kpis(none).value("cac")));
}

namespace {

// A loop world without channels or word of mouth, so every customer is an independent Markov
// chain: back-steps before the purchase (aware -> unaware, scaled by curiosity) and after it
// (fan -> own), repeat purchases, churn and win-back, two segments with their own tempo and
// curiosity before the purchase and the same life after it.
ScenarioDef loop_world() {
  ScenarioDef d = default_scenario();
  d.simulation.customers = 100'000;
  d.simulation.days = 120;
  d.simulation.seed = 5;
  d.segments = {segment("quick", 0.3, 2.0), segment("slow", 0.7, 0.7)};
  d.segments[1].curiosity = 2.0;
  d.stages = {stage("unaware", Role::unaware, 0.6),   stage("aware", Role::journey, 0.4),
              stage("buy", Role::purchase),           stage("own", Role::retention),
              stage("fan", Role::retention, 0, true), stage("lost", Role::lost)};
  d.edges = {edge("unaware", "aware", 0.05, true),
             edge("aware", "unaware", 0.03),
             edge("aware", "buy", 0.04, true),
             edge("buy", "own", 1.0),
             edge("own", "buy", 0.03),
             edge("own", "fan", 0.02),
             edge("fan", "own", 0.04),
             edge("own", "lost", 0.01),
             edge("fan", "buy", 0.02),
             edge("lost", "aware", 0.01)};
  d.edges[1].curiosity = true;
  return d;
}

// Kaplan-Meier written here from the textbook, with Greenwood's variance: times are days from
// the first purchase to the first entry into a lost stage, censored at the last day.
struct KaplanMeier {
  double s = 1, greenwood = 0;
};
KaplanMeier kaplan_meier(const CustomerTable& c, int days, int at) {
  std::map<int, std::pair<double, double>> by_time;  // time -> (events, censored)
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.first_purchase_day[i] < 0) continue;
    if (c.churn_day[i] >= 0) {
      by_time[c.churn_day[i] - c.first_purchase_day[i]].first += 1;
    } else {
      by_time[days - 1 - c.first_purchase_day[i]].second += 1;
    }
  }
  double at_risk = 0;
  for (const auto& [time, counts] : by_time) at_risk += counts.first + counts.second;
  KaplanMeier km;
  for (const auto& [time, counts] : by_time) {
    if (time > at) break;
    const double d = counts.first;
    if (d > 0) {
      km.s *= 1 - d / at_risk;
      km.greenwood += d / (at_risk * (at_risk - d));
    }
    at_risk -= counts.first + counts.second;
  }
  return km;
}

}  // namespace

TEST_CASE("kpi: a loop world's KPIs agree with the closed forms of its Markov chain",
          "[kpi][slow]") {
  const ScenarioDef d = loop_world();
  RunOptions o;
  o.threads = 2;
  const RunResult run = simulate(d, o);
  const KpiTable k = compute_kpis(run);
  const CustomerTable& c = run.customers;
  const int T = d.simulation.days;
  const auto N = static_cast<double>(d.simulation.customers);
  const std::size_t S = d.stages.size();
  const auto buy = static_cast<std::size_t>(stage_index(d, "buy"));
  const auto lost = static_cast<std::size_t>(stage_index(d, "lost"));
  const std::vector<double> pi0 = start_shares(d);
  auto into = [](std::size_t target) {
    return [target](std::size_t, std::size_t to) { return to == target; };
  };
  auto nothing = [](std::size_t) { return 0; };
  // A back-step: to a stage declared earlier within the same phase (before or after the first
  // purchase; purchase and lost stages are in neither): engine/README.md "Back-steps".
  auto phase = [&](std::size_t s) {
    const Role r = d.stages[s].role;
    return r == Role::unaware || r == Role::journey ? 0 : r == Role::retention ? 1 : -1;
  };
  auto back = [&](std::size_t from, std::size_t to) {
    return phase(from) >= 0 && phase(from) == phase(to) && to < from;
  };

  // Per segment: the chain's answers. Each customer draws a segment, a start stage and a path
  // independently, so population totals are sums of independent customers.
  std::vector<double> ever(S, 0.0);  // P(reached stage s), mixed over segments
  double acquired = 0, repeaters = 0, purchases = 0, back_steps = 0, advocates = 0;
  std::vector<double> first_day_mean(d.segments.size());
  // Conversion unaware -> aware: of the customers in unaware before they were ever in aware (all
  // who start in unaware: aware starters reach unaware only after aware), those who then reach
  // aware within the horizon.
  const auto unaware = static_cast<std::size_t>(stage_index(d, "unaware"));
  const auto aware = static_cast<std::size_t>(stage_index(d, "aware"));
  double reach_aware_from_unaware = 0;
  for (std::size_t g = 0; g < d.segments.size(); ++g) {
    const Matrix p = daily_matrix(d, g);
    const double share = d.segments[g].share;
    std::vector<double> from_unaware(S, 0.0);
    from_unaware[unaware] = 1;
    reach_aware_from_unaware +=
        share * (1 - count_distribution(p, from_unaware, T, into(aware), nothing, 1)[0]);
    for (std::size_t s = 0; s < S; ++s) {
      const auto none = count_distribution(
          p, pi0, T, into(s), [s](std::size_t at) { return at == s ? 1 : 0; }, 1);
      ever[s] += share * (1 - none[0]);
    }
    const auto bought = count_distribution(p, pi0, T, into(buy), nothing, 2);
    acquired += share * (1 - bought[0]);
    repeaters += share * bought[2];
    purchases += share * expected_count(p, pi0, T, into(buy));
    back_steps += share * expected_count(p, pi0, T, back);
    std::vector<double> pi = pi0;
    for (int t = 0; t < T; ++t) pi = step(pi, p);
    advocates += share * pi[static_cast<std::size_t>(stage_index(d, "fan"))];
    // Days to the first purchase: E[t + 1 | first purchase on day t < T].
    double sum = 0, prev = 0;
    for (int t = 0; t < T; ++t) {
      const double by_t = 1 - count_distribution(p, pi0, t + 1, into(buy), nothing, 1)[0];
      sum += (t + 1) * (by_t - prev);
      prev = by_t;
    }
    first_day_mean[g] = sum / prev;
  }
  // Retention: from the day of the purchase, P(not yet lost k days later), the chain started in
  // "buy" with "lost" absorbing. After the purchase no edge depends on the segment, so every new
  // customer has the same survival curve and Kaplan-Meier's censoring (by the day of the first
  // purchase) is independent of it.
  for (std::size_t g = 1; g < d.segments.size(); ++g) {
    const Matrix p0 = daily_matrix(d, 0), pg = daily_matrix(d, g);
    for (std::size_t i = buy; i < S; ++i) {
      for (std::size_t j = 0; j < S; ++j) REQUIRE(pg(i, j) == p0(i, j));
    }
  }
  auto survival = [&](int days) {
    Matrix p = daily_matrix(d, 0);
    for (std::size_t j = 0; j < S; ++j) p(lost, j) = j == lost ? 1.0 : 0.0;
    std::vector<double> pi(S, 0.0);
    pi[buy] = 1;
    for (int t = 0; t < days; ++t) pi = step(pi, p);
    return 1 - pi[lost];
  };

  Family family;
  // Counts of customers: binomial (each customer independent).
  auto binomial = [&](const std::string& name, double count, double p) {
    family.add(name, count, N * p, std::sqrt(N * p * (1 - p)));
  };
  for (std::size_t s = 0; s < S; ++s) {
    binomial("leads." + d.stages[s].name, k.value("leads." + d.stages[s].name), ever[s]);
  }
  binomial("new customers", k.value("new_customers"), acquired);
  double repeat_count = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    repeat_count += c.first_purchase_day[i] >= 0 && c.purchases[i] >= 2;
  }
  binomial("customers with two or more purchases", repeat_count, repeaters);
  binomial("advocates (fan at the end)", k.value("advocates"), advocates);
  // Sums over customers: the per-customer sample variance.
  const MeanSe per_purchases = mean_se(c.purchases);
  family.add("purchases per customer", k.value("purchases") / N, purchases, per_purchases.se);
  const MeanSe per_back = mean_se(c.back_steps);
  family.add("back-steps per customer", k.value("back_steps"), back_steps, per_back.se);
  // LTV = revenue of the acquired / new customers, a ratio of two sums: delta-method standard
  // error from the per-customer residuals revenue_i - LTV x acquired_i. Expected: every purchase
  // here is an acquired customer's, at mean order value 50.
  const double ltv = k.value("ltv");
  std::vector<double> residual(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    const bool a = c.first_purchase_day[i] >= 0;
    residual[i] = static_cast<double>(c.revenue[i]) - ltv * (a ? 1.0 : 0.0);
  }
  family.add("ltv", ltv, 50 * purchases / acquired,
             mean_se(residual).se * N / k.value("new_customers"));
  // Repeat rate = repeaters / new customers; the same KPI from the table.
  CHECK(k.value("repeat_rate") == Approx(repeat_count / k.value("new_customers")));
  // Retention: the KPI is Kaplan-Meier (the same number as the textbook estimator here), which
  // must estimate the chain's survival (Greenwood's standard error).
  for (const int days : {30, 90}) {
    const KaplanMeier km = kaplan_meier(c, T, days);
    const std::string id = "retention." + std::to_string(days);
    CHECK(k.value(id) == Approx(km.s).epsilon(1e-12));
    family.add(id, k.value(id), survival(days), km.s * std::sqrt(km.greenwood));
  }
  CHECK(std::isnan(k.value("retention.365")));  // beyond the horizon: nobody followed that long
  // Days to the first purchase, per segment: the mean over that segment's new customers.
  for (std::size_t g = 0; g < d.segments.size(); ++g) {
    std::vector<double> days;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (c.segment[i] == g && c.first_purchase_day[i] >= 0)
        days.push_back(c.first_purchase_day[i] + 1);
    }
    const std::string id = "days_to_first_purchase." + d.segments[g].name;
    family.add(id, k.value(id), first_day_mean[g], mean_se(days).se);
  }
  // Conversion: a share of the unaware starters (binomial given their number).
  const double unaware_starters = N * pi0[unaware];
  family.add(
      "conversion.aware", k.value("conversion.aware"), reach_aware_from_unaware,
      std::sqrt(reach_aware_from_unaware * (1 - reach_aware_from_unaware) / unaware_starters));
  // aware -> buy: buy is entered first only from aware, so of everyone ever in aware, those
  // who bought; the ratio of two leads checked above, here against the chain's ratio.
  const double conversion_buy = acquired / ever[aware];
  family.add("conversion.buy", k.value("conversion.buy"), conversion_buy,
             std::sqrt(conversion_buy * (1 - conversion_buy) / (N * ever[aware])));
  CHECK(family.check() == 0);
}

TEST_CASE("kpi: paired differences and means over replicates, by hand", "[kpi]") {
  // Differences 1, 2, 3: mean 2, sd 1, t(0.975, 2) = 4.302653 -> half-width 4.302653/sqrt(3).
  const Estimate e = paired_difference({11, 22, 33}, {10, 20, 30});
  CHECK(e.mean == Approx(2));
  CHECK(e.sd == Approx(1));
  CHECK(e.half_width() == Approx(4.302652729749464 / std::sqrt(3.0)));
  CHECK_THROWS_AS(paired_difference({1, 2}, {1}), std::invalid_argument);
  CHECK(std::isnan(estimate_mean({5}).ci_low));
  CHECK(std::isnan(estimate_mean({}).mean));
  // summarize: per KPI the mean, the sample sd and the same interval; n = 4, t(0.975, 3) =
  // 3.182446.
  std::vector<KpiTable> reps(4);
  const double values[] = {1, 2, 3, 6};
  for (std::size_t r = 0; r < 4; ++r) {
    reps[r].defs = {KpiDef{"x", "X", KpiView::loop, "share", "test"}};
    reps[r].values = {values[r]};
  }
  const KpiSummary s = summarize(reps);
  REQUIRE(s.replicates == 4);
  CHECK(s.mean[0] == Approx(3));
  CHECK(s.sd[0] == Approx(std::sqrt(14.0 / 3)));
  CHECK(s.ci_high[0] - s.mean[0] == Approx(3.182446305284263 * std::sqrt(14.0 / 3) / 2));
}
