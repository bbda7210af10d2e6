#include "scenario/calendar_csv.hpp"

#include <csv.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "cjsim/scenario.hpp"

namespace cjsim {

namespace {

constexpr std::size_t kMaxProblems = 20;  // then the reader stops: one fix usually fixes them all

// "YYYY-MM-DD", strictly (ten characters, digits and dashes, a real date).
bool parse_date(const std::string& s, std::int32_t& out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0, m = 0, d = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    if (i == 4 || i == 7) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::from_chars(s.data(), s.data() + 4, y);
  std::from_chars(s.data() + 5, s.data() + 7, m);
  std::from_chars(s.data() + 8, s.data() + 10, d);
  const std::chrono::year_month_day date{std::chrono::year(y),
                                         std::chrono::month(static_cast<unsigned>(m)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return false;
  out = days_since_epoch(date);
  return true;
}

bool parse_number(const std::string& s, double& out) {
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  return r.ec == std::errc() && r.ptr == end && !s.empty();
}

struct Reader {
  std::string path, key;
  CalendarSeries out;
  std::set<std::int32_t> seen;
  std::vector<std::string> fields;
  int line = 1;       // the line the current record started on
  int next_line = 1;  // the line after the current record's end
  bool first = true;  // no record seen yet (a header may come)
  bool stopped = false;

  void problem(std::string message, std::string fix) {
    if (out.problems.size() >= kMaxProblems) {
      stopped = true;
      return;
    }
    out.problems.push_back(
        Diagnostic{SourcePlace{path, line, 1}, key, std::move(message), std::move(fix)});
  }

  void record() {
    if (fields.empty() || stopped) return;  // a blank line
    const bool was_first = first;
    first = false;
    std::int32_t date = 0;
    if (!parse_date(fields[0], date)) {
      if (was_first) return;  // a header such as "date,factor"
      problem(fmt::format("'{}' is not a date", fields[0].substr(0, 40)),
              "write dates as YYYY-MM-DD, e.g. 2025-03-08");
      return;
    }
    if (fields.size() != 2) {
      problem(fmt::format("a row has {} fields, not 2", fields.size()),
              "write one date and one factor per line: 2025-03-08,3.5");
      return;
    }
    double factor = 0;
    if (!parse_number(fields[1], factor) || !std::isfinite(factor)) {
      problem(fmt::format("'{}' is not a number", fields[1].substr(0, 40)),
              "write the factor as a plain number, e.g. 1.5 (1 = an ordinary day)");
      return;
    }
    if (factor < 0 || factor > kMaxCalendarFactor) {
      problem(fmt::format("factor {} is outside 0 ... {}", factor, kMaxCalendarFactor),
              "give a multiplier from 0 (nobody moves that day) to 1000; 1 = an ordinary day");
      return;
    }
    if (!seen.insert(date).second) {
      problem(fmt::format("{} is listed twice", fields[0]), "keep one line per date");
      return;
    }
    if (out.rows.size() >= kMaxCalendarRows) {
      problem(fmt::format("more than {} dates", kMaxCalendarRows),
              "keep the dates of the horizon only");
      stopped = true;
      return;
    }
    out.rows.emplace_back(date, factor);
  }

  static void on_field(void* s, std::size_t n, void* self) {
    auto* r = static_cast<Reader*>(self);
    r->fields.emplace_back(static_cast<const char*>(s), n);
  }
  static void on_record(int c, void* self) {
    auto* r = static_cast<Reader*>(self);
    r->record();
    r->fields.clear();
    // With CSV_REPALL_NL every line feed ends a record (a blank one after "\r"), so lines are
    // counted by line feeds.
    if (c == '\n') ++r->next_line;
    r->line = r->next_line;
  }
};

}  // namespace

CalendarSeries read_calendar_csv(const std::string& path, const std::string& key) {
  Reader r;
  r.path = path;
  r.key = key;
  auto fail = [&](std::string message, std::string fix) {
    r.out.problems.push_back(
        Diagnostic{SourcePlace{path, 0, 0}, key, std::move(message), std::move(fix)});
    return std::move(r.out);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail(fmt::format("cannot read calendar file '{}': it is a folder", path),
                "give the path of a CSV file (relative to the scenario file)");
  }
  // Devices and pipes (/dev/stdin, a FIFO) could block or never end: regular files only.
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return fail(fmt::format("cannot read calendar file '{}': not a regular file", path),
                "give the path of a CSV file (relative to the scenario file)");
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return fail(fmt::format("cannot read calendar file '{}': {}", path, std::strerror(errno)),
                "check the path: it is relative to the scenario file");
  }
  // Bounded before anything is allocated: read at most one byte more than allowed.
  std::string text;
  char buffer[65536];
  std::size_t got = 0;
  bool too_big = false;
  while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) {
    if (text.size() + got > kMaxCalendarFileBytes) {
      too_big = true;
      break;
    }
    text.append(buffer, got);
  }
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (too_big) {
    return fail(
        fmt::format("calendar file '{}' is larger than {} MiB", path, kMaxCalendarFileBytes >> 20),
        "keep one line per date of the horizon (date,factor)");
  }
  if (failed) {
    return fail(fmt::format("cannot read calendar file '{}': {}", path, std::strerror(err)),
                "check the file");
  }
  csv_parser parser{};
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0) {
    return fail("cannot start the CSV parser", "retry; the machine may be out of memory");
  }
  // Fields cannot outgrow the file, which is bounded above.
  const std::size_t used =
      csv_parse(&parser, text.data(), text.size(), Reader::on_field, Reader::on_record, &r);
  int status = csv_error(&parser);
  if (used == text.size() && status == CSV_SUCCESS) {
    status = csv_fini(&parser, Reader::on_field, Reader::on_record, &r) == 0 ? CSV_SUCCESS
                                                                             : csv_error(&parser);
  }
  csv_free(&parser);
  if (status != CSV_SUCCESS) {
    r.out.problems.push_back(Diagnostic{
        SourcePlace{path, r.line, 1}, key, fmt::format("not valid CSV: {}", csv_strerror(status)),
        "check the quotes on this line: a field is \"quoted\" only as a whole"});
  }
  if (r.out.problems.empty() && r.out.rows.empty()) {
    r.out.problems.push_back(Diagnostic{SourcePlace{path, 0, 0}, key,
                                        fmt::format("calendar file '{}' has no dates", path),
                                        "write one line per date: 2025-03-08,3.5"});
  }
  return std::move(r.out);
}

}  // namespace cjsim
