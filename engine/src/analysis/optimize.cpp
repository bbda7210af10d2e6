// Budget allocation on common random numbers (optimize.hpp; engine/README.md "Budget
// optimizer").
#include "cjsim/optimize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "cjsim/errors.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Column = std::vector<double>;

double mean(const Column& c) {
  return c.empty() ? kNaN
                   : std::accumulate(c.begin(), c.end(), 0.0) / static_cast<double>(c.size());
}

// One allocation over the replicates.
struct Evaluation {
  Column objective, revenue, spend;
  std::vector<Column> unit_spend;  // replicate x unit: what each unit's channel really spent
  double value() const { return mean(objective); }
};

struct Problem {
  const ScenarioDef& def;
  const OptimizeOptions& o;
  std::vector<std::size_t> channels;      // optimized channels (cost > 0), declared order
  std::vector<std::size_t> unit_channel;  // index into `channels`
  std::vector<int> unit_quarter;          // -1 without quarters
  std::vector<double> lo, hi;             // per optimized channel
  // Per optimized channel: the most it was seen to spend when it could not spend its budget
  // (infinity until then). Money above it stays unspent, so the projection keeps the channel's
  // budget at or below it and gives the rest to channels that can spend it.
  std::vector<double> cap;
  int evaluations = 0;

  std::size_t units() const { return unit_channel.size(); }

  std::pair<int, int> quarter_days(int q) const {
    const int days = def.simulation.days;
    return {q * days / 4, (q + 1) * days / 4 - 1};
  }

  ScenarioDef apply(const std::vector<double>& x) const {
    ScenarioDef d = def;
    for (std::size_t u = 0; u < units(); ++u) {
      const std::size_t ch = channels[unit_channel[u]];
      if (unit_quarter[u] < 0) {
        set_channel_budget(d, ch, x[u]);
        continue;
      }
      if (unit_quarter[u] == 0) d.channels[ch].flights.clear();
      const auto [from, to] = quarter_days(unit_quarter[u]);
      d.channels[ch].flights.push_back(FlightDef{from, to, x[u]});
    }
    return d;
  }

  std::vector<Evaluation> evaluate(const std::vector<std::vector<double>>& allocations) {
    std::vector<ScenarioDef> defs;
    for (const auto& x : allocations) defs.push_back(apply(x));
    const auto R = static_cast<std::size_t>(o.replicates);
    std::vector<Evaluation> out(defs.size());
    for (Evaluation& e : out) {
      e.objective.assign(R, 0.0);
      e.revenue.assign(R, 0.0);
      e.spend.assign(R, 0.0);
      e.unit_spend.assign(R, Column(units(), 0.0));
    }
    EnsembleOptions run = o.run;
    run.customer_table = o.objective == Objective::ltv;
    run_ensemble(
        replicate_plans(defs, o.replicates), run, [&](const RunPlan& p, RunResult&& result) {
          const std::size_t d = p.id;
          const auto k = static_cast<std::size_t>(p.replicate);
          out[d].objective[k] = objective_value(o.objective, result);
          out[d].revenue[k] =
              std::accumulate(result.daily.revenue.begin(), result.daily.revenue.end(), 0.0);
          out[d].spend[k] =
              std::accumulate(result.daily.spend.begin(), result.daily.spend.end(), 0.0);
          const DailySeries& daily = result.daily;
          for (std::size_t u = 0; u < units(); ++u) {
            const auto [from, to] =
                unit_quarter[u] < 0 ? std::pair{0, daily.days - 1} : quarter_days(unit_quarter[u]);
            const auto ch = static_cast<int>(channels[unit_channel[u]]);
            for (int t = from; t <= to; ++t)
              out[d].unit_spend[k][u] += daily.spend[daily.at_channel(t, ch)];
          }
        });
    evaluations += static_cast<int>(defs.size());
    return out;
  }

  std::vector<double> channel_totals(const std::vector<double>& x) const {
    std::vector<double> t(channels.size(), 0.0);
    for (std::size_t u = 0; u < units(); ++u) t[unit_channel[u]] += x[u];
    return t;
  }

  // The bounds of channel k as the projection uses them: its maximum lowered to what it can
  // spend (cap), its minimum no higher than that.
  double upper(std::size_t k) const { return std::min(hi[k], cap[k]); }
  double lower(std::size_t k) const { return std::min(lo[k], upper(k)); }

  // Channels that spent less than 99% of their budget at x (the engine spends at least that
  // whenever enough customers are eligible): what they spent is all they can.
  bool learn_caps(const std::vector<double>& x, const Evaluation& e) {
    const std::vector<double> totals = channel_totals(x);
    std::vector<double> spent(channels.size(), 0.0);
    const auto R = static_cast<double>(e.unit_spend.size());
    for (const Column& replicate : e.unit_spend) {
      for (std::size_t u = 0; u < units(); ++u) spent[unit_channel[u]] += replicate[u] / R;
    }
    bool changed = false;
    for (std::size_t k = 0; k < channels.size(); ++k) {
      if (spent[k] < 0.99 * totals[k] && spent[k] < cap[k]) {
        cap[k] = spent[k];
        changed = true;
      }
    }
    return changed;
  }

  // A feasible allocation near x: channel totals shifted by one common amount and clamped to
  // their bounds so they sum to the total (the Euclidean projection onto that set), then each
  // channel's total shared over its quarters in proportion to x. When the channels cannot spend
  // the total (every one at what it can spend), they sum to less: the rest is unspendable.
  std::vector<double> project(std::vector<double> x) const {
    for (double& v : x) v = std::max(v, 0.0);
    const std::vector<double> y = channel_totals(x);
    auto sum_at = [&](double shift) {
      double s = 0;
      for (std::size_t k = 0; k < y.size(); ++k) s += std::clamp(y[k] + shift, lower(k), upper(k));
      return s;
    };
    double a = 0, b = 0;
    for (std::size_t k = 0; k < y.size(); ++k) {
      a = std::min(a, lower(k) - y[k]);
      b = std::max(b, upper(k) - y[k]);
    }
    for (int i = 0; i < 200; ++i) {
      const double m = (a + b) / 2;
      (sum_at(m) < o.total ? a : b) = m;
    }
    const double shift = (a + b) / 2;
    std::vector<double> count(y.size(), 0.0);
    for (std::size_t u = 0; u < units(); ++u) count[unit_channel[u]] += 1;
    for (std::size_t u = 0; u < units(); ++u) {
      const std::size_t k = unit_channel[u];
      const double target = std::clamp(y[k] + shift, lower(k), upper(k));
      x[u] = y[k] > 0 ? x[u] * target / y[k] : target / count[k];
    }
    return x;
  }
};

// The plan's budgets per unit (quarters: each flight's amount shared by its days).
std::vector<double> plan_budgets(const Problem& p) {
  std::vector<double> x(p.units(), 0.0);
  for (std::size_t u = 0; u < p.units(); ++u) {
    const ChannelDef& c = p.def.channels[p.channels[p.unit_channel[u]]];
    if (p.unit_quarter[u] < 0) {
      x[u] = channel_budget(c);
      continue;
    }
    const auto [from, to] = p.quarter_days(p.unit_quarter[u]);
    for (const FlightDef& f : c.flights) {
      const int overlap = std::min(to, f.to) - std::max(from, f.from) + 1;
      if (overlap > 0) x[u] += f.amount * overlap / (f.to - f.from + 1);
    }
  }
  return x;
}

Estimate ratio_estimate(const Column& a_hi, const Column& a_lo, const Column& b_hi,
                        const Column& b_lo) {
  Column q(a_hi.size());
  for (std::size_t r = 0; r < q.size(); ++r) {
    const double den = b_hi[r] - b_lo[r];
    q[r] = den != 0 ? (a_hi[r] - a_lo[r]) / den : kNaN;
  }
  return estimate_mean(q);
}

Column constant(std::size_t n, double v) {
  return Column(n, v);
}

}  // namespace

const char* objective_name(Objective o) {
  switch (o) {
    case Objective::profit:
      return "profit";
    case Objective::revenue:
      return "revenue";
    case Objective::new_customers:
      return "new_customers";
    case Objective::ltv:
      return "ltv";
  }
  return "profit";
}

std::optional<Objective> parse_objective(std::string_view text) {
  for (Objective o :
       {Objective::profit, Objective::revenue, Objective::new_customers, Objective::ltv}) {
    if (text == objective_name(o)) return o;
  }
  return std::nullopt;
}

double objective_value(Objective o, const RunResult& run) {
  const DailySeries& d = run.daily;
  switch (o) {
    case Objective::profit:
      return std::accumulate(d.margin.begin(), d.margin.end(), 0.0) -
             std::accumulate(d.spend.begin(), d.spend.end(), 0.0);
    case Objective::revenue:
      return std::accumulate(d.revenue.begin(), d.revenue.end(), 0.0);
    case Objective::new_customers:
      return static_cast<double>(
          std::accumulate(d.first_purchases.begin(), d.first_purchases.end(), std::uint64_t{0}));
    case Objective::ltv: {
      double acquired = 0;
      const CustomerTable& c = run.customers;
      for (std::size_t i = 0; i < c.size(); ++i) {
        if (c.first_purchase_day[i] >= 0) acquired += static_cast<double>(c.revenue[i]);
      }
      return acquired;
    }
  }
  return kNaN;
}

OptimizeResult optimize_budget(const ScenarioDef& def, const OptimizeOptions& o) {
  const std::size_t C = def.channels.size();
  auto bad = [](std::string key, std::string message, std::string fix) {
    throw InputError(SourcePlace{"--" + key, 0, 0}, key, std::move(message), std::move(fix));
  };
  if (!(o.total > 0) || !std::isfinite(o.total)) {
    bad("total", fmt::format("the total must be a positive amount, got {}", o.total),
        "give the budget to share, e.g. --total 600000");
  }
  if (o.replicates < 2) {
    bad("replicates", fmt::format("needs at least 2 replicates, got {}", o.replicates),
        "give --replicates 4 or more (confidence intervals need two)");
  }
  if (o.quarters && def.simulation.days < 4) {
    bad("flights", "quarters need a horizon of at least 4 days", "drop --flights quarters");
  }
  Problem p{def, o, {}, {}, {}, {}, {}, {}, 0};
  OptimizeResult out;
  out.objective = o.objective;
  for (std::size_t c = 0; c < C; ++c) {
    if (def.channels[c].cost <= 0.0) continue;  // free channels: money buys them nothing
    const double lo = c < o.min.size() ? o.min[c] : 0.0;
    const double hi = c < o.max.size() ? o.max[c] : o.total;
    if (lo > hi) {
      bad("min",
          fmt::format("channel '{}' has minimum {} above its maximum {}", def.channels[c].name, lo,
                      hi),
          "lower --min or raise --max for it");
    }
    p.channels.push_back(c);
    p.lo.push_back(lo);
    p.hi.push_back(std::min(hi, o.total));
    p.cap.push_back(std::numeric_limits<double>::infinity());
    out.channels.push_back(def.channels[c].name);
    for (int q = o.quarters ? 0 : -1; q < (o.quarters ? 4 : 0); ++q) {
      p.unit_channel.push_back(p.channels.size() - 1);
      p.unit_quarter.push_back(q);
      out.units.push_back(q < 0 ? def.channels[c].name
                                : fmt::format("{}@q{}", def.channels[c].name, q + 1));
      out.unit_channel.push_back(c);
    }
  }
  if (p.channels.empty()) {
    bad("total", "no channel costs money: there is nothing to allocate",
        "give a channel a cost per contact above 0");
  }
  const double sum_lo = std::accumulate(p.lo.begin(), p.lo.end(), 0.0);
  const double sum_hi = std::accumulate(p.hi.begin(), p.hi.end(), 0.0);
  if (sum_lo > o.total * (1 + 1e-12)) {
    bad("min", fmt::format("the minimums add up to {}, more than the total {}", sum_lo, o.total),
        "lower some --min or raise --total");
  }
  if (sum_hi < o.total * (1 - 1e-12)) {
    bad("max", fmt::format("the maximums add up to {}, less than the total {}", sum_hi, o.total),
        "raise some --max, drop one, or lower --total");
  }
  out.channel_min = p.lo;
  out.channel_max = p.hi;

  // Start: the plan scaled to the total (equal shares when the plan spends nothing), made
  // feasible.
  std::vector<double> x = plan_budgets(p);
  const double planned = std::accumulate(x.begin(), x.end(), 0.0);
  for (double& v : x)
    v = planned > 0 ? v * o.total / planned : o.total / static_cast<double>(x.size());
  x = p.project(x);
  out.start = x;
  const Evaluation start = p.evaluate({x}).front();
  Evaluation current = start;
  // A channel that cannot spend its share at the start gives the rest to the others.
  if (p.learn_caps(x, current)) {
    x = p.project(x);
    current = p.evaluate({x}).front();
  }

  const std::size_t U = p.units();
  const double floor_step = o.tolerance * o.total;
  double delta = o.total / (2.0 * static_cast<double>(U));
  std::vector<double> g(U, 0.0);
  bool stale = true;  // the gradient belongs to another point
  int round = 0;
  for (; round < o.max_rounds && delta >= floor_step; ++round) {
    if (stale) {
      const double h = std::max(delta / 2, floor_step);
      std::vector<std::vector<double>> probes;
      std::vector<double> span(U);
      for (std::size_t u = 0; u < U; ++u) {
        std::vector<double> up = x, down = x;
        up[u] += h;
        down[u] -= std::min(h, x[u]);
        span[u] = h + std::min(h, x[u]);
        probes.push_back(std::move(up));
        probes.push_back(std::move(down));
      }
      const std::vector<Evaluation> e = p.evaluate(probes);
      for (std::size_t u = 0; u < U; ++u) {
        g[u] = (e[2 * u].value() - e[2 * u + 1].value()) / span[u];
      }
      stale = false;
    }
    const std::vector<double> totals = p.channel_totals(x);
    // Candidate 1: along the gradient less its mean (the direction that keeps the total).
    const double gbar = std::accumulate(g.begin(), g.end(), 0.0) / static_cast<double>(U);
    double reach = 0;
    for (const double v : g) reach = std::max(reach, std::fabs(v - gbar));
    std::vector<std::vector<double>> candidates;
    if (reach > 0) {
      std::vector<double> y = x;
      for (std::size_t u = 0; u < U; ++u) y[u] += delta * (g[u] - gbar) / reach;
      candidates.push_back(p.project(y));
    }
    // Candidate 2: money from the lowest marginal return to the highest.
    std::size_t from = U, to = U;
    for (std::size_t u = 0; u < U; ++u) {
      const std::size_t k = p.unit_channel[u];
      if (x[u] > 0 && totals[k] > p.lo[k] && (from == U || g[u] < g[from])) from = u;
      if (totals[k] < p.hi[k] && (to == U || g[u] > g[to])) to = u;
    }
    if (from < U && to < U && from != to && g[to] > g[from]) {
      const std::size_t kf = p.unit_channel[from], kt = p.unit_channel[to];
      double amount = std::min(delta, x[from]);
      if (kf != kt) amount = std::min({amount, totals[kf] - p.lo[kf], p.hi[kt] - totals[kt]});
      if (amount > 0) {
        std::vector<double> y = x;
        y[from] -= amount;
        y[to] += amount;
        candidates.push_back(std::move(y));
      }
    }
    double best_value = current.value();
    std::size_t best = candidates.size();
    if (!candidates.empty()) {
      const std::vector<Evaluation> e = p.evaluate(candidates);
      for (std::size_t i = 0; i < e.size(); ++i) {
        if (e[i].value() > best_value) {
          best_value = e[i].value();
          best = i;
          current = e[i];
        }
      }
    }
    if (best < candidates.size()) {
      x = candidates[best];
      if (p.learn_caps(x, current)) {
        x = p.project(x);
        current = p.evaluate({x}).front();
      }
      stale = true;
      delta = std::min(delta * 1.5, o.total / 2);
    } else {
      delta /= 2;
    }
    if (o.log) {
      std::string alloc;
      for (std::size_t u = 0; u < U; ++u) {
        alloc += fmt::format("{}{}={:.0f}", u ? " " : "", out.units[u], x[u]);
      }
      o.log(fmt::format("round {:>2}: {} = {:.6g}, step {:.3g} ({})", round + 1,
                        objective_name(o.objective), current.value(), delta, alloc));
    }
  }
  out.rounds = round;
  out.allocation = x;
  out.unspendable = std::max(0.0, o.total - std::accumulate(x.begin(), x.end(), 0.0));
  out.channel_capacity.assign(C, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < p.channels.size(); ++k) {
    if (std::isfinite(p.cap[k])) out.channel_capacity[p.channels[k]] = p.cap[k];
  }
  out.channel_total = std::vector<double>(C, 0.0);
  for (std::size_t u = 0; u < U; ++u) out.channel_total[out.unit_channel[u]] += x[u];
  out.value = estimate_mean(current.objective);
  out.start_value = estimate_mean(start.objective);
  out.improvement = paired_difference(current.objective, start.objective);

  // At the allocation: marginal returns (+-10% of each unit, at least 1% of the total) and the
  // response curves (budget x 0.5, 0.75, 1.25, 1.5; around total/units when the unit is 0).
  const double curve_factors[] = {-0.5, -0.25, 0.25, 0.5};
  std::vector<std::vector<double>> probes;
  std::vector<double> span(U);
  for (std::size_t u = 0; u < U; ++u) {
    const double h = std::max(0.1 * x[u], 0.01 * o.total);
    std::vector<double> up = x, down = x;
    up[u] += h;
    down[u] -= std::min(h, x[u]);
    span[u] = h + std::min(h, x[u]);
    probes.push_back(std::move(up));
    probes.push_back(std::move(down));
    const double scale = x[u] > 0 ? x[u] : o.total / static_cast<double>(U);
    for (const double f : curve_factors) {
      std::vector<double> y = x;
      y[u] = std::max(0.0, x[u] + f * scale);
      probes.push_back(std::move(y));
    }
  }
  const std::vector<Evaluation> e = p.evaluate(probes);
  const std::size_t per = 2 + std::size(curve_factors);
  const double near = 0.5 * floor_step;
  const std::vector<double> totals = p.channel_totals(x);
  for (std::size_t u = 0; u < U; ++u) {
    const Evaluation& hi = e[per * u];
    const Evaluation& lo = e[per * u + 1];
    const auto R = hi.objective.size();
    out.marginal.push_back(
        ratio_estimate(hi.objective, lo.objective, constant(R, span[u]), constant(R, 0.0)));
    out.marginal_roas.push_back(ratio_estimate(hi.revenue, lo.revenue, hi.spend, lo.spend));
    // Saturated: more budget buys no more contacts (everyone it reaches is already exposed).
    double moved = 0;
    for (std::size_t r = 0; r < R; ++r) moved += hi.spend[r] - lo.spend[r];
    out.saturated.push_back(!(moved > 0));
    Column spent(R);
    for (std::size_t r = 0; r < R; ++r) spent[r] = current.unit_spend[r][u];
    out.spent.push_back(estimate_mean(spent));
    std::vector<CurvePoint> curve;
    for (std::size_t i = 0; i < std::size(curve_factors); ++i) {
      curve.push_back(
          CurvePoint{probes[per * u + 2 + i][u],
                     paired_difference(e[per * u + 2 + i].objective, current.objective)});
    }
    out.curves.push_back(std::move(curve));
    const std::size_t k = p.unit_channel[u];
    out.at_bound.push_back(totals[k] <= p.lo[k] + near || totals[k] >= p.hi[k] - near);
  }
  double highest_low = -std::numeric_limits<double>::infinity();
  double lowest_high = std::numeric_limits<double>::infinity();
  for (std::size_t u = 0; u < U; ++u) {
    if (out.at_bound[u] || out.saturated[u]) continue;
    highest_low = std::max(highest_low, out.marginal[u].ci_low);
    lowest_high = std::min(lowest_high, out.marginal[u].ci_high);
  }
  out.marginals_agree = !(highest_low > lowest_high);
  out.evaluations = p.evaluations;
  return out;
}

}  // namespace cjsim
