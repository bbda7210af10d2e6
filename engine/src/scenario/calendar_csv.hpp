// Reading a calendar series (scenarios/README.md "calendar", `file = ...`): a CSV file of
// date,factor rows, parsed by libcsv. The file did not come from cjsim, so it is read as hostile:
// its size is bounded before anything is allocated, every field is checked, and every problem
// is reported with the file's line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cjsim/errors.hpp"

namespace cjsim {

// Files larger than this are refused unread: a daily series for a century is about 2 MB.
inline constexpr std::uintmax_t kMaxCalendarFileBytes = std::uintmax_t{16} << 20;
// At most this many dates (a century of days is 36,525).
inline constexpr std::size_t kMaxCalendarRows = 100'000;
// A factor above this is refused (the scenario's multiplier limit).
inline constexpr double kMaxCalendarFactor = 1e3;

struct CalendarSeries {
  std::vector<std::pair<std::int32_t, double>> rows;  // (days since 1970-01-01, factor), file order
  std::vector<Diagnostic> problems;                   // empty when the file is good
};

// Reads `path`; `key` names the scenario key that points at it (for the diagnostics' key).
// A first line whose first field is not a date is a header and is skipped.
CalendarSeries read_calendar_csv(const std::string& path, const std::string& key);

}  // namespace cjsim
