// The day's invariants, recomputed (validate.hpp).
#include "sim/validate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace cjsim {

namespace {

[[noreturn]] void broken(int day, const std::string& what) {
  throw std::logic_error(fmt::format("cjsim validation, day {}: {}", day, what));
}

}  // namespace

void validate_day(const Model& m, const Population& pop, const DailySeries& d, int day) {
  const auto S = static_cast<std::size_t>(m.stages), G = static_cast<std::size_t>(m.segments);
  // Conservation, and the counts are the customers' stages.
  std::vector<std::uint64_t> recount(S * G, 0);
  for (std::size_t i = 0; i < pop.size(); ++i) {
    const std::size_t s = pop.stage[i], g = pop.segment[i];
    if (s >= S || g >= G) broken(day, fmt::format("customer {} in stage {} segment {}", i, s, g));
    ++recount[s * G + g];
    const float q = pop.satisfaction[i];
    if (!(q >= 0.0f && q <= 1.0f)) broken(day, fmt::format("customer {}: satisfaction {}", i, q));
    if (!std::isfinite(pop.salience[i])) {
      broken(day, fmt::format("customer {}: salience {}", i, pop.salience[i]));
    }
    if (!(std::isfinite(pop.clock[i]) && pop.clock[i] >= 0)) {
      broken(day, fmt::format("customer {}: clock {}", i, pop.clock[i]));
    }
  }
  std::uint64_t total = 0;
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t g = 0; g < G; ++g) {
      const std::uint64_t c =
          d.stage_counts[d.at_stage(day + 1, static_cast<int>(s), static_cast<int>(g))];
      total += c;
      if (c != recount[s * G + g]) {
        broken(day, fmt::format("stage {} segment {}: counted {}, customers there {}", s, g, c,
                                recount[s * G + g]));
      }
    }
  }
  if (total != m.customers)
    broken(day, fmt::format("{} customers in stages of {}", total, m.customers));
  // The budget rule.
  for (int c = 0; c < m.channels; ++c) {
    const auto cu = static_cast<std::size_t>(c);
    const std::uint64_t k = d.exposed[d.at_channel(day, c)];
    if (k > d.eligible[d.at_channel(day, c)]) {
      broken(day, fmt::format("channel {} exposed {} of {} eligible", c, k,
                              d.eligible[d.at_channel(day, c)]));
    }
    const double cost = static_cast<double>(m.cost[cu]) / kMicrosPerUnit;
    if (std::fabs(d.spend[d.at_channel(day, c)] - static_cast<double>(k) * cost) >
        1e-9 * (1 + static_cast<double>(k) * cost)) {
      broken(day, fmt::format("channel {} spent {} for {} contacts at {}", c,
                              d.spend[d.at_channel(day, c)], k, cost));
    }
    for (const Flight& f : m.flights[cu]) {
      if (day < f.from || day > f.to) continue;
      double spent = 0;
      for (int t = f.from; t <= day; ++t) spent += d.spend[d.at_channel(t, c)];
      const double budget = static_cast<double>(f.amount) / kMicrosPerUnit;
      if (spent > budget * (1 + 1e-12) + 1e-9) {
        broken(day, fmt::format("channel {} spent {} of a flight of {}", c, spent, budget));
      }
    }
  }
  // Money and purchases.
  for (std::size_t g = 0; g < G; ++g) {
    const std::size_t at = d.at_segment(day, static_cast<int>(g));
    if (d.first_purchases[at] > d.purchases[at]) {
      broken(day, fmt::format("segment {}: {} first purchases of {} purchases", g,
                              d.first_purchases[at], d.purchases[at]));
    }
    const double revenue = d.revenue[at], margin = d.margin[at];
    if (!(std::isfinite(revenue) && revenue >= 0 && std::isfinite(margin) && margin >= 0) ||
        std::fabs(margin - revenue * m.margin) > 1e-9 * (1 + revenue)) {
      broken(day, fmt::format("segment {}: revenue {}, margin {} (share {})", g, revenue, margin,
                              m.margin));
    }
  }
}

}  // namespace cjsim
