// Synthetic runs for the HDF5 tests and the sample file the Python client reads: every value is
// a different, easily recomputed number, so a transposed axis or a swapped field shows up.
#pragma once

#include <cjsim/kpi.hpp>
#include <cjsim/results.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace cjsim::testing {

struct SyntheticShape {
  int stages = 3;
  int segments = 2;
  int channels = 2;
  int days = 5;
  std::size_t customers = 1000;
};

// `salt` makes runs of one shape differ (use the replicate and variant).
inline RunResult synthetic_run(const SyntheticShape& shape, int replicate, std::uint64_t salt) {
  RunResult run;
  const std::size_t S = static_cast<std::size_t>(shape.stages);
  const std::size_t G = static_cast<std::size_t>(shape.segments);
  const std::size_t C = static_cast<std::size_t>(shape.channels);
  const std::size_t D = static_cast<std::size_t>(shape.days);
  const auto k = static_cast<double>(salt);
  const std::vector<std::string> stage_pool = {"unaware",  "aware", "consideration",
                                               "customer", "loyal", "lost"};
  const std::vector<Role> role_pool = {Role::unaware,  Role::journey,   Role::journey,
                                       Role::purchase, Role::retention, Role::lost};
  for (std::size_t s = 0; s < S; ++s) {
    run.names.stages.push_back(s < stage_pool.size() ? stage_pool[s] : "stage" + std::to_string(s));
    run.names.stage_roles.push_back(role_pool[s % role_pool.size()]);
    run.names.stage_advocates.push_back(s % 2 == 1 ? 1 : 0);
  }
  const std::vector<std::string> segment_pool = {"students", "families", "retirees"};
  const std::vector<std::string> channel_pool = {"search", "social", "tv"};
  for (std::size_t g = 0; g < G; ++g) {
    run.names.segments.push_back(g < segment_pool.size() ? segment_pool[g]
                                                         : "segment" + std::to_string(g));
  }
  for (std::size_t c = 0; c < C; ++c) {
    run.names.channels.push_back(c < channel_pool.size() ? channel_pool[c]
                                                         : "channel" + std::to_string(c));
  }
  run.names.sources = run.names.channels;
  for (const char* s : {"referral", "organic", "existing", "none"}) run.names.sources.push_back(s);
  for (std::size_t s = 0; s + 1 < S; ++s) {
    run.names.edges.push_back(run.names.stages[s] + " -> " + run.names.stages[s + 1]);
  }

  DailySeries& d = run.daily;
  d.days = shape.days;
  d.stages = shape.stages;
  d.segments = shape.segments;
  d.channels = shape.channels;
  d.stage_counts.resize((D + 1) * S * G);
  for (std::size_t i = 0; i < d.stage_counts.size(); ++i) d.stage_counts[i] = 1000 * salt + i;
  d.entered.resize(D * S);
  for (std::size_t i = 0; i < d.entered.size(); ++i) d.entered[i] = 5 * i + salt;
  d.spend.resize(D * C);
  d.exposed.resize(D * C);
  d.eligible.resize(D * C);
  for (std::size_t i = 0; i < D * C; ++i) {
    d.spend[i] = 10.25 * static_cast<double>(i) + k;
    d.exposed[i] = 7 * i + salt;
    d.eligible[i] = 100 + 11 * i;
  }
  d.purchases.resize(D * G);
  d.first_purchases.resize(D * G);
  d.revenue.resize(D * G);
  d.margin.resize(D * G);
  for (std::size_t i = 0; i < D * G; ++i) {
    d.purchases[i] = 3 * i + salt;
    d.first_purchases[i] = i;
    d.revenue[i] = 49.5 * static_cast<double>(i) + 0.125 * k;
    d.margin[i] = 0.3 * d.revenue[i];
  }
  for (std::size_t t = 0; t < D; ++t) {
    d.recommendations.push_back(5 * t + salt);
    d.referral_moves.push_back(2 * t);
    d.complaints.push_back(t % 3);
  }
  run.flows.resize(G * S * S);
  for (std::size_t i = 0; i < run.flows.size(); ++i) run.flows[i] = 13 * i + salt;

  CustomerTable& c = run.customers;
  for (std::size_t i = 0; i < shape.customers; ++i) {
    c.segment.push_back(static_cast<std::uint8_t>(i % G));
    c.final_stage.push_back(static_cast<std::uint8_t>((i / 3) % S));
    c.source.push_back(static_cast<std::uint8_t>(i % run.names.sources.size()));
    c.first_purchase_day.push_back(i % 4 == 0 ? -1 : static_cast<std::int32_t>(i % D));
    c.churn_day.push_back(i % 5 == 0 ? static_cast<std::int32_t>(i % D) : -1);
    c.purchases.push_back(static_cast<std::uint32_t>(i % 7));
    c.revenue.push_back(static_cast<float>(i % 101) * 1.5f + static_cast<float>(salt));
    c.back_steps.push_back(static_cast<std::uint16_t>(i % 3));
    c.referrals.push_back(static_cast<std::uint16_t>(i % 65536));
    c.stages_reached.push_back(static_cast<std::uint32_t>((1u << ((i / 3) % S)) | 1u));
  }

  run.profile = Profile{0.5, 0.25, 2.0, 0.125, 0.0625, 0.03125, 3.0};
  run.seed = 42 + salt;
  run.replicate = replicate;
  run.threads = 4;
  run.customers_total = shape.customers;
  run.peak_rss_bytes = 123456789;
  return run;
}

inline std::vector<KpiDef> synthetic_kpi_defs() {
  return {
      {"new_customers", "New customers", KpiView::funnel, "customers", "first purchases"},
      {"cac", "CAC", KpiView::money, "currency", "spend per new customer"},
      {"repeat_rate", "Repeat-purchase rate", KpiView::loop, "share", ""},
      {"back_steps", "Backward transitions per customer", KpiView::nonlinearity, "ratio",
       "ünïcödé label check"},
  };
}

inline KpiTable synthetic_kpis(std::uint64_t salt) {
  KpiTable t;
  t.defs = synthetic_kpi_defs();
  t.values = {100.0 + static_cast<double>(salt), std::numeric_limits<double>::quiet_NaN(), 0.25,
              1.0 / 3.0};
  return t;
}

inline KpiSummary synthetic_summary() {
  KpiSummary s;
  s.defs = synthetic_kpi_defs();
  s.mean = {101.5, 12.0, 0.25, 0.5};
  s.sd = {0.5, 1.0, 0.0, 0.125};
  s.ci_low = {100.0, 10.0, 0.25, 0.25};
  s.ci_high = {103.0, 14.0, 0.25, 0.75};
  s.replicates = 2;
  return s;
}

}  // namespace cjsim::testing
