#include "common/story.hpp"

#include "common/number_format.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <vector>

namespace cjsim::cli {

namespace {

std::string label_or_name(const std::string& label, const std::string& name) {
  return label.empty() ? name : label;
}

struct Teller {
  const ScenarioDef& def;
  Money money() const { return Money::of(def.simulation.currency); }
  const RunResult& run;

  std::string stage(int s) const {
    const StageDef& d = def.stages[static_cast<std::size_t>(s)];
    return label_or_name(d.label, d.name);
  }
  std::string channel(int c) const {
    const ChannelDef& d = def.channels[static_cast<std::size_t>(c)];
    return label_or_name(d.label, d.name);
  }
  Role role(int s) const { return def.stages[static_cast<std::size_t>(s)].role; }

  // "Day  66", or with a start date (simulation.start) "Sat 08 Mar 2025" (days are dates).
  std::string day(int t) const {
    if (!run.daily.start) return fmt::format("Day {:>3}", t);
    static const char* const kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::chrono::sys_days date =
        std::chrono::sys_days(*run.daily.start) + std::chrono::days(t);
    const std::chrono::year_month_day ymd(date);
    return fmt::format("{} {:02} {} {}", kWeekdays[std::chrono::weekday(date).c_encoding()],
                       static_cast<unsigned>(ymd.day()),
                       kMonths[static_cast<unsigned>(ymd.month()) - 1],
                       static_cast<int>(ymd.year()));
  }
  std::string days(int from, int to) const {
    if (from == to) return day(from);
    if (!run.daily.start) return fmt::format("Days {}-{}", from, to);
    return day(from) + " - " + day(to);
  }
  int width() const { return run.daily.start ? 15 : 8; }

  static const char* feeling(double quality) {
    if (quality >= 0.85) return "delighted";
    if (quality >= 0.6) return "satisfied";
    if (quality >= 0.4) return "lukewarm";
    return "disappointed";
  }

  std::string move(const TraceEvent& e) const {
    const std::string arrow = stage(e.a) + " \u2192 " + stage(e.b);
    if (e.referral) return "Acts on a friend's recommendation: " + arrow + ".";
    const Role from = role(e.a), to = role(e.b);
    if (from == Role::lost) return "Comes back (win-back): " + arrow + ".";
    if (to == Role::lost) return "Leaves: " + arrow + " (gone to a competitor, or gave up).";
    if (to == Role::purchase && from == Role::retention) return "Buys again: " + arrow + ".";
    if (to == Role::purchase) return "Decides to buy: " + arrow + ".";
    const bool pre = [](Role r) { return r == Role::unaware || r == Role::journey; }(from);
    const bool same_phase = pre ? (to == Role::unaware || to == Role::journey)
                                : (from == Role::retention && to == Role::retention);
    if (same_phase && e.b < e.a) return "Steps back: " + arrow + ".";
    if (e.b > e.a + 1 && pre && to == Role::journey) return "Skips ahead: " + arrow + ".";
    return "Moves on: " + arrow + ".";
  }

  std::string sentence(const TraceEvent& e) const {
    switch (e.kind) {
      case TraceKind::start:
        return "";
      case TraceKind::exposed:
        // "Ad memory": the model's salience, in the words a planner uses for it.
        return fmt::format("Sees {} (ad memory {:.1f}).", channel(e.a), e.salience);
      case TraceKind::moved:
        return move(e);
      case TraceKind::purchased:
        return fmt::format("Pays {}; the experience leaves them {} (quality {:.2f}).",
                           money().wrap(group_thousands(e.value, money().digits)),
                           feeling(e.quality), e.quality);
      case TraceKind::recommended:
        return fmt::format("Recommends the brand to {} contact{}.", e.a, e.a == 1 ? "" : "s");
      case TraceKind::complained:
        return fmt::format("Complains about the brand to {} contact{}.", e.a, e.a == 1 ? "" : "s");
      case TraceKind::got_recommendation:
        return "Hears a friend recommend the brand.";
      case TraceKind::got_complaint:
        return fmt::format("Hears someone complain (ad memory now {:.1f}).", e.salience);
    }
    return "";
  }
};

}  // namespace

std::string tell_story(const ScenarioDef& def, const RunResult& run, std::uint32_t customer) {
  const Teller t{def, run};
  std::string out;
  if (run.trace.empty()) return "no events recorded for this customer\n";
  const TraceEvent& start = run.trace.front();
  const SegmentDef& seg = def.segments[static_cast<std::size_t>(start.b)];
  out +=
      fmt::format("Customer {} of '{}' (seed {}, replicate {}): a {} customer.\n", customer,
                  def.simulation.name, run.seed, run.replicate, label_or_name(seg.label, seg.name));
  out += fmt::format("{:<{}} Starts in: {}.\n", t.day(0), t.width(), t.stage(start.a));

  // Group by day; runs of days with nothing but ads are summarised in one line.
  std::map<int, std::vector<const TraceEvent*>> by_day;
  for (std::size_t k = 1; k < run.trace.size(); ++k)
    by_day[run.trace[k].day].push_back(&run.trace[k]);
  int quiet_from = -1, quiet_to = -1;
  std::map<int, int> ads;
  auto flush_ads = [&] {
    if (quiet_from < 0) return;
    std::string list;
    int total = 0;
    for (const auto& [c, n] : ads) {
      list += fmt::format("{}{} \u00d7{}", list.empty() ? "" : ", ", t.channel(c), n);
      total += n;
    }
    out += fmt::format("{:<{}} Sees {} ad{}: {}.\n", t.days(quiet_from, quiet_to), t.width(), total,
                       total == 1 ? "" : "s", list);
    quiet_from = -1;
    ads.clear();
  };
  for (const auto& [day, events] : by_day) {
    bool only_ads = true;
    for (const TraceEvent* e : events) only_ads = only_ads && e->kind == TraceKind::exposed;
    if (only_ads) {
      if (quiet_from < 0) quiet_from = day;
      quiet_to = day;
      for (const TraceEvent* e : events) ++ads[e->a];
      continue;
    }
    flush_ads();
    bool first = true;
    for (const TraceEvent* e : events) {
      const std::string s = t.sentence(*e);
      if (s.empty()) continue;
      out += fmt::format("{:<{}} {}\n", first ? t.day(day) : "", t.width(), s);
      first = false;
    }
  }
  flush_ads();

  const CustomerTable& c = run.customers;
  if (customer < c.size()) {
    const std::size_t i = customer;
    std::string first;
    if (c.first_purchase_day[i] >= 0) {
      first = fmt::format("; first purchase on {} (last influence before it: {})",
                          run.daily.start ? t.day(c.first_purchase_day[i])
                                          : fmt::format("day {}", c.first_purchase_day[i]),
                          run.names.sources[c.source[i]]);
    }
    out += fmt::format(
        "\nAfter {} days: {}. {} purchase{} worth {}{}; {} back-step{}; {} recommendation{} "
        "made.\n",
        run.daily.days, t.stage(c.final_stage[i]), c.purchases[i], c.purchases[i] == 1 ? "" : "s",
        t.money().wrap(group_thousands(static_cast<double>(c.revenue[i]), t.money().digits)), first,
        c.back_steps[i], c.back_steps[i] == 1 ? "" : "s", c.referrals[i],
        c.referrals[i] == 1 ? "" : "s");
  }
  return out;
}

}  // namespace cjsim::cli
