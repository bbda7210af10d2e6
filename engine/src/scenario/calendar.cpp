// Calendar demand: what one [calendar.NAME] entry multiplies an edge's rate by on each day of a
// run (scenarios/README.md "calendar"; the formulas in engine/README.md "Calendar demand").
#include <algorithm>
#include <cmath>

#include "cjsim/scenario.hpp"

namespace cjsim {

std::int32_t days_since_epoch(const std::chrono::year_month_day& date) {
  return static_cast<std::int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
}

std::chrono::year_month_day date_of(std::int32_t days) {
  return std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(days)));
}

namespace {

// The weight of an occasion `offset` days after its date (negative: before it), 0 outside.
double occasion_weight(const CalendarDef& c, int offset) {
  if (offset < -c.before || offset > c.after) return 0.0;
  if (c.shape == OccasionShape::flat) return 1.0;
  // Ramp: 1 on the date, falling linearly to 0 one day beyond each end of the window.
  return offset < 0 ? 1.0 - static_cast<double>(-offset) / (c.before + 1)
                    : 1.0 - static_cast<double>(offset) / (c.after + 1);
}

}  // namespace

std::vector<double> calendar_factors(const CalendarDef& c, const std::chrono::year_month_day& start,
                                     int days) {
  using namespace std::chrono;
  std::vector<double> f(static_cast<std::size_t>(std::max(days, 0)), 1.0);
  const std::int32_t day0 = days_since_epoch(start);
  switch (c.kind) {
    case CalendarKind::occasion: {
      // Every occurrence whose window [date - before, date + after] can touch the horizon.
      std::vector<std::int32_t> dates;
      if (c.year != 0) {
        const year_month_day d{year(c.year), month(static_cast<unsigned>(c.month)),
                               day(static_cast<unsigned>(c.day))};
        if (d.ok()) dates.push_back(days_since_epoch(d));
      } else {
        const int first = static_cast<int>(date_of(day0 - c.after).year());
        const int last = static_cast<int>(date_of(day0 + days + c.before).year());
        for (int y = first; y <= last; ++y) {
          const year_month_day d{year(y), month(static_cast<unsigned>(c.month)),
                                 day(static_cast<unsigned>(c.day))};
          if (d.ok()) dates.push_back(days_since_epoch(d));  // 29 February: leap years only
        }
      }
      // Windows of one entry never overlap (before and after are at most 180 days).
      for (const std::int32_t date : dates) {
        for (int offset = -c.before; offset <= c.after; ++offset) {
          const std::int64_t t = static_cast<std::int64_t>(date) + offset - day0;
          if (t < 0 || t >= days) continue;
          f[static_cast<std::size_t>(t)] = 1.0 + (c.peak - 1.0) * occasion_weight(c, offset);
        }
      }
      break;
    }
    case CalendarKind::weekly:
      for (int t = 0; t < days; ++t) {
        // Monday = 0 ... Sunday = 6 (ISO order).
        const unsigned wd = weekday(sys_days(std::chrono::days(day0 + t))).iso_encoding();
        f[static_cast<std::size_t>(t)] = c.factors.size() == 7 ? c.factors[wd - 1] : 1.0;
      }
      break;
    case CalendarKind::monthly:
      for (int t = 0; t < days; ++t) {
        const unsigned m = static_cast<unsigned>(date_of(day0 + t).month());
        f[static_cast<std::size_t>(t)] = c.factors.size() == 12 ? c.factors[m - 1] : 1.0;
      }
      break;
    case CalendarKind::series:
      for (const auto& [date, factor] : c.series) {
        const std::int64_t t = static_cast<std::int64_t>(date) - day0;
        if (t < 0 || t >= days) continue;
        f[static_cast<std::size_t>(t)] = c.strength == 1.0 ? factor : std::pow(factor, c.strength);
      }
      break;
  }
  return f;
}

}  // namespace cjsim
