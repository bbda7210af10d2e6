// Ground-truth channel value by counterfactual (value.hpp; engine/README.md "Channel value").
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>

#include "cjsim/value.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One run reduced to what the value table needs.
struct Metrics {
  double new_customers = 0, purchases = 0, revenue = 0, margin = 0, spend = 0;
  std::vector<double> channel_spend;                 // channel
  std::vector<double> segment_new, segment_revenue;  // segment
  std::vector<double> leads;                         // stage x segment: customers who reached it
};

Metrics reduce(const RunResult& run) {
  const DailySeries& d = run.daily;
  Metrics m;
  m.new_customers = static_cast<double>(
      std::accumulate(d.first_purchases.begin(), d.first_purchases.end(), std::uint64_t{0}));
  m.purchases = static_cast<double>(
      std::accumulate(d.purchases.begin(), d.purchases.end(), std::uint64_t{0}));
  m.revenue = std::accumulate(d.revenue.begin(), d.revenue.end(), 0.0);
  m.margin = std::accumulate(d.margin.begin(), d.margin.end(), 0.0);
  m.spend = std::accumulate(d.spend.begin(), d.spend.end(), 0.0);
  const auto C = static_cast<std::size_t>(d.channels), G = static_cast<std::size_t>(d.segments),
             S = static_cast<std::size_t>(d.stages), T = static_cast<std::size_t>(d.days);
  m.channel_spend.assign(C, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t c = 0; c < C; ++c) m.channel_spend[c] += d.spend[t * C + c];
  }
  m.segment_new.assign(G, 0.0);
  m.segment_revenue.assign(G, 0.0);
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t g = 0; g < G; ++g) {
      m.segment_new[g] += static_cast<double>(d.first_purchases[t * G + g]);
      m.segment_revenue[g] += d.revenue[t * G + g];
    }
  }
  m.leads.assign(S * G, 0.0);
  const CustomerTable& c = run.customers;
  for (std::size_t i = 0; i < c.size(); ++i) {
    for (std::uint32_t bits = c.stages_reached[i]; bits != 0; bits &= bits - 1) {
      m.leads[static_cast<std::size_t>(__builtin_ctz(bits)) * G + c.segment[i]] += 1;
    }
  }
  return m;
}

// A column of one metric over replicates.
using Column = std::vector<double>;

template <class Get>
Column column(const std::vector<Metrics>& runs, Get get) {
  Column out;
  out.reserve(runs.size());
  for (const Metrics& m : runs) out.push_back(get(m));
  return out;
}

// Per-replicate ratios a[r] / b[r] (NaN where b[r] == 0), then their mean and interval.
Estimate ratio_estimate(const Column& a, const Column& b) {
  Column q(a.size());
  for (std::size_t r = 0; r < a.size(); ++r) q[r] = b[r] != 0.0 ? a[r] / b[r] : kNaN;
  return estimate_mean(q);
}

Column difference(const Column& a, const Column& b) {
  Column d(a.size());
  for (std::size_t r = 0; r < a.size(); ++r) d[r] = a[r] - b[r];
  return d;
}

}  // namespace

const ChannelValueRow* ChannelValue::find(const std::string& channel, const std::string& measure,
                                          const std::string& segment,
                                          const std::string& stage) const {
  for (const ChannelValueRow& row : rows) {
    if (row.channel == channel && row.measure == measure && row.segment == segment &&
        row.stage == stage) {
      return &row;
    }
  }
  return nullptr;
}

ChannelValue channel_value(const ScenarioDef& def, const ValueOptions& options) {
  const std::size_t C = def.channels.size();
  // Definitions: 0 = baseline; per channel the removed run, and unless the channel is free
  // (cost 0: its budget buys nothing) the -step and +step runs.
  std::vector<ScenarioDef> defs{def};
  std::vector<std::size_t> removed(C), minus(C, 0), plus(C, 0);
  for (std::size_t c = 0; c < C; ++c) {
    removed[c] = defs.size();
    defs.push_back(def);
    scale_channel(defs.back(), c, 0.0);
    if (options.marginal && def.channels[c].cost > 0.0 && channel_budget(def.channels[c]) > 0.0) {
      minus[c] = defs.size();
      defs.push_back(def);
      scale_channel(defs.back(), c, 1.0 - options.step);
      plus[c] = defs.size();
      defs.push_back(def);
      scale_channel(defs.back(), c, 1.0 + options.step);
    }
  }
  const auto R = static_cast<std::size_t>(options.replicates);
  std::vector<std::vector<Metrics>> metrics(defs.size(), std::vector<Metrics>(R));
  std::mutex baseline_mutex;
  std::vector<bool> paths(defs.size(), false);
  paths[0] = options.baseline_touch_paths;
  std::vector<RunPlan> plans = replicate_plans(defs, options.replicates);
  for (RunPlan& p : plans) p.touch_paths = p.id == 0 && options.baseline_touch_paths;
  run_ensemble(plans, options.run, [&](const RunPlan& p, RunResult&& run) {
    metrics[p.id][static_cast<std::size_t>(p.replicate)] = reduce(run);
    if (p.id == 0 && options.baseline) {
      const std::lock_guard<std::mutex> lock(baseline_mutex);
      options.baseline(p.replicate, std::move(run));
    }
  });

  ChannelValue out;
  out.replicates = options.replicates;
  out.step = options.step;
  for (const ChannelDef& c : def.channels) out.channels.push_back(c.name);
  for (const SegmentDef& g : def.segments) out.segments.push_back(g.name);
  for (const StageDef& s : def.stages) out.stages.push_back(s.name);
  const std::size_t G = out.segments.size(), S = out.stages.size();

  const std::vector<Metrics>& base = metrics[0];
  auto total = [](double Metrics::*field) {
    return [field](const Metrics& m) { return m.*field; };
  };
  const std::pair<const char*, double Metrics::*> totals[] = {
      {"new_customers", &Metrics::new_customers},
      {"purchases", &Metrics::purchases},
      {"revenue", &Metrics::revenue},
      {"margin", &Metrics::margin},
      {"spend", &Metrics::spend}};
  auto profit = [](const Metrics& m) { return m.margin - m.spend; };

  for (std::size_t c = 0; c < C; ++c) {
    const std::string& name = out.channels[c];
    auto add = [&](const char* counterfactual, std::string measure, Estimate e,
                   std::string segment = "", std::string stage = "") {
      out.rows.push_back(
          {name, counterfactual, std::move(measure), std::move(segment), std::move(stage), e});
    };
    const Column own_spend = column(base, [c](const Metrics& m) { return m.channel_spend[c]; });
    add("baseline", "spend", estimate_mean(own_spend));

    const std::vector<Metrics>& without = metrics[removed[c]];
    for (const auto& [id, field] : totals) {
      add("removed", std::string("incremental.") + id,
          paired_difference(column(base, total(field)), column(without, total(field))));
    }
    add("removed", "incremental.profit",
        paired_difference(column(base, profit), column(without, profit)));
    add("removed", "roas",
        ratio_estimate(difference(column(base, total(&Metrics::revenue)),
                                  column(without, total(&Metrics::revenue))),
                       own_spend));

    // Marginal returns per unit of spend, by central differences on the +-step runs.
    if (plus[c] != 0) {
      const std::vector<Metrics>& lo = metrics[minus[c]];
      const std::vector<Metrics>& hi = metrics[plus[c]];
      const Column dspend =
          difference(column(hi, total(&Metrics::spend)), column(lo, total(&Metrics::spend)));
      add("plus", "marginal.new_customers",
          ratio_estimate(difference(column(hi, total(&Metrics::new_customers)),
                                    column(lo, total(&Metrics::new_customers))),
                         dspend));
      add("plus", "marginal.revenue",
          ratio_estimate(difference(column(hi, total(&Metrics::revenue)),
                                    column(lo, total(&Metrics::revenue))),
                         dspend));
      add("plus", "marginal.profit",
          ratio_estimate(difference(column(hi, profit), column(lo, profit)), dspend));
      add("plus", "marginal_roas",
          ratio_estimate(difference(column(hi, total(&Metrics::revenue)),
                                    column(lo, total(&Metrics::revenue))),
                         dspend));
    } else {
      const Estimate none{kNaN, kNaN, kNaN, kNaN, options.replicates};
      for (const char* id :
           {"marginal.new_customers", "marginal.revenue", "marginal.profit", "marginal_roas"}) {
        add("plus", id, none);
      }
    }

    for (std::size_t g = 0; g < G; ++g) {
      auto seg_new = [g](const Metrics& m) { return m.segment_new[g]; };
      auto seg_rev = [g](const Metrics& m) { return m.segment_revenue[g]; };
      add("removed", "incremental.new_customers",
          paired_difference(column(base, seg_new), column(without, seg_new)), out.segments[g]);
      add("removed", "incremental.revenue",
          paired_difference(column(base, seg_rev), column(without, seg_rev)), out.segments[g]);
    }
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t g = 0; g < G; ++g) {
        auto leads = [s, g, G](const Metrics& m) { return m.leads[s * G + g]; };
        add("removed", "incremental.leads",
            paired_difference(column(base, leads), column(without, leads)), out.segments[g],
            out.stages[s]);
      }
    }
  }
  return out;
}

}  // namespace cjsim
