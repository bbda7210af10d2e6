// Budgets a channel could not spend: measured after runs (find_underspend), and bounded before
// them (unspendable_budgets). engine/README.md "Budgets that cannot be spent".
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cjsim/value.hpp"

namespace cjsim {

namespace {

// The share of a budget that must be spent when enough customers are eligible (the engine's
// pacing guarantee, tested by tests/sim/test_plan.cpp).
constexpr double kSpentShare = 0.99;

std::string money(double v) {
  const std::string digits = fmt::format("{:.0f}", std::fabs(v));
  std::string out = v < 0 ? "-" : "";
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out;
}

// The flight days of a channel within the horizon, as a per-day flag.
std::vector<bool> flight_days(const ChannelDef& c, int days) {
  std::vector<bool> on(static_cast<std::size_t>(std::max(days, 0)), false);
  for (const FlightDef& f : c.flights) {
    if (f.amount <= 0) continue;
    for (int t = std::max(f.from, 0); t <= f.to && t < days; ++t)
      on[static_cast<std::size_t>(t)] = true;
  }
  return on;
}

}  // namespace

std::vector<Underspend> find_underspend(const ScenarioDef& def,
                                        const std::vector<const DailySeries*>& runs) {
  std::vector<Underspend> out;
  if (runs.empty()) return out;
  const auto R = static_cast<double>(runs.size());
  for (std::size_t c = 0; c < def.channels.size(); ++c) {
    const ChannelDef& ch = def.channels[c];
    const double budget = channel_budget(ch);
    if (ch.cost <= 0 || budget <= 0) continue;
    Underspend u;
    u.channel = ch.name;
    u.budget = budget;
    double exhausted = 0, eligible = 0;
    for (const DailySeries* run : runs) {
      const DailySeries& d = *run;
      if (static_cast<std::size_t>(d.channels) != def.channels.size()) continue;
      const std::vector<bool> on = flight_days(ch, d.days);
      for (int t = 0; t < d.days; ++t) {
        const std::size_t at = d.at_channel(t, static_cast<int>(c));
        u.spent += d.spend[at] / R;
        if (!on[static_cast<std::size_t>(t)]) continue;
        const auto e = static_cast<double>(d.eligible[at]);
        eligible += e;
        u.most += e * ch.cost / R;
        if (d.exposed[at] >= d.eligible[at]) exhausted += 1;
      }
    }
    const std::vector<bool> on = flight_days(ch, runs.front()->days);
    u.flight_days = static_cast<int>(std::count(on.begin(), on.end(), true));
    u.eligible_a_day = u.flight_days > 0 ? eligible / R / u.flight_days : 0;
    u.exhausted_days = static_cast<int>(std::lround(exhausted / R));
    // Less than one contact short is the rounding of whole contacts, not a shortage.
    if (u.spent < kSpentShare * budget && u.left() >= ch.cost) out.push_back(u);
  }
  return out;
}

std::vector<Underspend> find_underspend(const ScenarioDef& def,
                                        const std::vector<double>& spend_per_channel) {
  std::vector<Underspend> out;
  for (std::size_t c = 0; c < def.channels.size() && c < spend_per_channel.size(); ++c) {
    const ChannelDef& ch = def.channels[c];
    const double budget = channel_budget(ch);
    if (ch.cost <= 0 || budget <= 0 || !(spend_per_channel[c] < kSpentShare * budget) ||
        budget - spend_per_channel[c] < ch.cost) {
      continue;
    }
    Underspend u;
    u.channel = ch.name;
    u.budget = budget;
    u.spent = spend_per_channel[c];
    u.most = -1;  // not measured
    out.push_back(u);
  }
  return out;
}

std::string describe(const Underspend& u) {
  std::string text =
      fmt::format("channel '{}' spent {} of its budget of {} ({} left, {:.0f}%)", u.channel,
                  money(u.spent), money(u.budget), money(u.left()), 100 * u.left() / u.budget);
  if (u.most < 0) {
    return text +
           ": too few customers were eligible at its cost per contact (it spends at least 99% "
           "whenever enough are; widen its reaches or segments, or lower its budget)";
  }
  if (u.most < kSpentShare * u.budget) {
    return text + fmt::format(
                      ": too few customers are eligible at its cost per contact (about {} a "
                      "flight day in its stages and segments): exposing every one of them on "
                      "every flight day would cost only {}. Widen its reaches or segments, or "
                      "lower its budget",
                      money(u.eligible_a_day), money(u.most));
  }
  return text + fmt::format(
                    ": it ran out of eligible customers on the days its money was there (it "
                    "exposed every eligible customer on {} of its {} flight days, about {} a "
                    "day); spread its flights over more days, widen its reaches, or lower its "
                    "budget",
                    u.exhausted_days, u.flight_days, money(u.eligible_a_day));
}

std::vector<std::string> unspendable_budgets(const ScenarioDef& def) {
  std::vector<std::string> out;
  const auto customers = static_cast<double>(def.simulation.customers);
  // Stages nobody enters after the start: no edge and no recommendation leads into them.
  auto entered = [&](const std::string& stage) {
    for (const EdgeDef& e : def.edges) {
      if (e.to == stage) return true;
    }
    return def.word_of_mouth.moves_to == stage;
  };
  for (const ChannelDef& ch : def.channels) {
    const double budget = channel_budget(ch);
    if (ch.cost <= 0 || budget <= 0) continue;
    double segments = 0;
    for (const SegmentDef& g : def.segments) {
      if (ch.segments.empty() ||
          std::find(ch.segments.begin(), ch.segments.end(), g.name) != ch.segments.end()) {
        segments += g.share;
      }
    }
    // Customers it may ever find in its stages on one day: all of its segments, or, when every
    // stage it reaches is only ever left, at most those who start there.
    bool only_left = !ch.reaches.empty();
    double start = 0;
    for (const std::string& name : ch.reaches) {
      for (const StageDef& s : def.stages) {
        if (s.name != name) continue;
        start += s.start;
        only_left = only_left && !entered(s.name);
      }
    }
    const double eligible = customers * segments * (only_left ? std::min(start, 1.0) : 1.0);
    const std::vector<bool> on = flight_days(ch, def.simulation.days);
    const auto days = static_cast<double>(std::count(on.begin(), on.end(), true));
    const double most = eligible * days * ch.cost;
    if (most < kSpentShare * budget) {
      out.push_back(fmt::format(
          "channels.{}: its budget of {} cannot be spent: even exposing {} customers{} on each "
          "of its {:.0f} flight days at {} per contact costs only {}; the rest stays unspent "
          "(widen its reaches or segments, or lower its budget)",
          ch.name, money(budget), money(eligible),
          only_left ? " (all who start in its stages, which nobody enters later)"
                    : " (every customer of its segments)",
          days, fmt::format("{:g}", ch.cost), money(most)));
    }
  }
  return out;
}

}  // namespace cjsim
