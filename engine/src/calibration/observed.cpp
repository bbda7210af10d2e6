// Observed data: the period aggregates file and the event log (cjsim/observed.hpp), read through
// csv_table (bounded, libcsv) into periods and columns; every problem with file:line and a fix.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

#include "base/did_you_mean.hpp"
#include "calibration/csv_table.hpp"
#include "cjsim/observed.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t kMaxProblems = 20;
const char* const kWhat = "observed data";

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool is_missing(const std::string& s) {
  const std::string t = lower(trim(s));
  return t.empty() || t == "na" || t == "nan" || t == "null";
}

bool parse_number(const std::string& text, double& out) {
  const std::string s = trim(text);
  const char* end = s.data() + s.size();
  const auto r = std::from_chars(s.data(), end, out);
  return !s.empty() && r.ec == std::errc() && r.ptr == end && std::isfinite(out);
}

// Days in the month that starts at `day` (a first of month).
int month_length(std::int32_t day) {
  const std::chrono::year_month_day d{std::chrono::sys_days{std::chrono::days{day}}};
  const std::chrono::year_month_day next = d + std::chrono::months{1};
  return static_cast<int>((std::chrono::sys_days(next) - std::chrono::sys_days(d)).count());
}

bool first_of_month(std::int32_t day) {
  const std::chrono::year_month_day d{std::chrono::sys_days{std::chrono::days{day}}};
  return static_cast<unsigned>(d.day()) == 1;
}

class Problems {
 public:
  explicit Problems(std::vector<Diagnostic>& all) : all_(all) {}
  void add(const std::string& file, int line, std::string key, std::string message,
           std::string fix) {
    if (count_ >= kMaxProblems) return;
    ++count_;
    all_.push_back(
        Diagnostic{SourcePlace{file, line, 0}, std::move(key), std::move(message), std::move(fix)});
  }
  bool full() const { return count_ >= kMaxProblems; }

 private:
  std::vector<Diagnostic>& all_;
  std::size_t count_ = 0;
};

// ---- the period aggregates file ------------------------------------------------------------

struct RawPeriod {
  std::int32_t date = 0;  // days since 1970-01-01
  int days = 0;           // 0: not given
  int line = 0;
  std::vector<double> values;  // per value column
};

struct Aggregates {
  std::vector<std::string> names;  // value columns
  std::vector<SourcePlace> places;
  std::vector<RawPeriod> rows;
  std::string frequency;
};

std::vector<std::string> known_columns(const ObservedOptions& o) {
  std::vector<std::string> k = {"new_customers", "purchases", "repeat_purchases", "revenue",
                                "margin"};
  for (const std::string& c : o.channels) k.push_back("spend." + c);
  for (const std::string& c : o.channels) k.push_back("exposures." + c);
  for (const std::string& s : o.stages) k.push_back("entered." + s);
  for (const std::string& s : o.stages) k.push_back("stock." + s);
  return k;
}

// Why a column name is not one cjsim produces, and the fix.
void unknown_column(Problems& p, const std::string& file, const std::string& name,
                    const ObservedOptions& o) {
  const auto dot = name.find('.');
  const std::string head = name.substr(0, dot);
  const std::string tail = dot == std::string::npos ? "" : name.substr(dot + 1);
  if ((head == "spend" || head == "exposures") && dot != std::string::npos) {
    p.add(file, 1, name, fmt::format("no channel '{}' in the scenario", tail),
          did_you_mean(tail, o.channels,
                       fmt::format("the scenario's channels are {}; rename the column or add "
                                   "the channel to the scenario",
                                   join_names(o.channels))));
    return;
  }
  if ((head == "entered" || head == "stock") && dot != std::string::npos) {
    p.add(file, 1, name, fmt::format("no stage '{}' in the scenario", tail),
          did_you_mean(tail, o.stages,
                       fmt::format("the scenario's stages are {}", join_names(o.stages))));
    return;
  }
  std::vector<std::string> candidates = known_columns(o);
  for (const char* extra : {"date", "week", "first_day", "days"}) candidates.emplace_back(extra);
  p.add(file, 1, name, fmt::format("unknown column '{}'", name),
        did_you_mean(name, candidates,
                     "columns are date, then any of new_customers, purchases, "
                     "repeat_purchases, revenue, margin, spend.<channel>, exposures.<channel>, "
                     "entered.<stage>, stock.<stage> (and week, first_day, days); remove or "
                     "rename it"));
}

Aggregates read_aggregates(const CsvTable& t, const ObservedOptions& o, Problems& p) {
  Aggregates a;
  const std::string& file = t.path;
  const CsvRow& header = t.rows.front();
  std::vector<int> column_of(header.fields.size(), -1);  // header cell -> value column
  int date_col = -1, days_col = -1;
  const std::vector<std::string> known = known_columns(o);
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = trim(header.fields[i]);
    if (!seen.emplace(name, static_cast<int>(i)).second) {
      p.add(file, header.line, name, fmt::format("column '{}' appears twice", name),
            "keep one column per series");
      continue;
    }
    if (name == "date") {
      date_col = static_cast<int>(i);
    } else if (name == "days") {
      days_col = static_cast<int>(i);
    } else if (name == "week" || name == "first_day") {
      // written by cjsim export --weekly; the date says the same
    } else if (std::find(known.begin(), known.end(), name) != known.end()) {
      column_of[i] = static_cast<int>(a.names.size());
      a.names.push_back(name);
      a.places.push_back(SourcePlace{file, header.line, static_cast<int>(i) + 1});
    } else {
      unknown_column(p, file, name, o);
    }
  }
  if (date_col < 0) {
    p.add(file, header.line, "date", "no 'date' column",
          "the first period day of each row goes in a column named date (YYYY-MM-DD)");
    return a;
  }
  for (std::size_t r = 1; r < t.rows.size() && !p.full(); ++r) {
    const CsvRow& row = t.rows[r];
    if (row.fields.size() != header.fields.size()) {
      p.add(file, row.line, "",
            fmt::format("this row has {} fields, the header {}", row.fields.size(),
                        header.fields.size()),
            "give every row one field per column (a blank field for a missing value)");
      continue;
    }
    RawPeriod period;
    period.line = row.line;
    const std::string date_text = trim(row.fields[static_cast<std::size_t>(date_col)]);
    if (!parse_date_prefix(date_text, period.date, false)) {
      p.add(file, row.line, "date", fmt::format("'{}' is not a date", date_text.substr(0, 40)),
            "write the period's first day as YYYY-MM-DD, e.g. 2025-03-03");
      continue;
    }
    if (days_col >= 0) {
      double d = 0;
      const std::string& text = row.fields[static_cast<std::size_t>(days_col)];
      if (!parse_number(text, d) || d < 1 || d > 366 || d != std::floor(d)) {
        p.add(file, row.line, "days",
              fmt::format("days '{}' is not a whole number of days", trim(text).substr(0, 40)),
              "give the period's length in days (7 for a week), or drop the days column");
        continue;
      }
      period.days = static_cast<int>(d);
    }
    period.values.assign(a.names.size(), kNaN);
    for (std::size_t i = 0; i < row.fields.size(); ++i) {
      if (column_of[i] < 0) continue;
      const std::string& name = a.names[static_cast<std::size_t>(column_of[i])];
      const std::string& text = row.fields[i];
      if (is_missing(text)) continue;
      double v = 0;
      if (!parse_number(text, v)) {
        p.add(file, row.line, name, fmt::format("'{}' is not a number", trim(text).substr(0, 40)),
              "write a plain number with a '.' decimal point and no thousands separator, or "
              "leave the cell blank when it is not known");
        continue;
      }
      if (v < 0) {
        p.add(file, row.line, name, fmt::format("{} is negative", trim(text)),
              "counts, money and stocks are >= 0; leave the cell blank when it is not known");
        continue;
      }
      period.values[static_cast<std::size_t>(column_of[i])] = v;
    }
    a.rows.push_back(std::move(period));
  }
  if (t.rows.size() < 2) {
    p.add(file, header.line, "", "the file has a header but no periods",
          "add one row per week or month");
  }
  return a;
}

// Lengths of the periods: the days column, or the dates' spacing (weekly: 7 days; monthly: each
// a calendar month from the first). Order, duplicates, overlaps and gaps checked.
void period_lengths(Aggregates& a, const std::string& file, Problems& p) {
  auto& rows = a.rows;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].date == rows[i - 1].date) {
      p.add(file, rows[i].line, "date",
            fmt::format("{} is the same period as line {}", format_date(rows[i].date),
                        rows[i - 1].line),
            "keep one row per period");
    } else if (rows[i].date < rows[i - 1].date) {
      p.add(file, rows[i].line, "date",
            fmt::format("{} comes before the previous row's {}: periods out of order",
                        format_date(rows[i].date), format_date(rows[i - 1].date)),
            "sort the rows by date, oldest first");
    }
  }
  if (rows.empty()) return;
  const bool given = rows.front().days > 0;
  bool monthly = std::all_of(rows.begin(), rows.end(),
                             [](const RawPeriod& r) { return first_of_month(r.date); });
  for (std::size_t i = 1; i < rows.size() && monthly; ++i) {
    monthly = rows[i].date == rows[i - 1].date + month_length(rows[i - 1].date);
  }
  if (given) {
    const bool weeks = std::all_of(rows.begin(), rows.end(), [&](const RawPeriod& r) {
      return r.days == 7 || &r == &rows.back();
    });
    a.frequency = weeks ? "weekly" : "days";
  } else if (monthly && rows.size() > 1) {
    a.frequency = "monthly";
    for (RawPeriod& r : rows) r.days = month_length(r.date);
  } else {
    a.frequency = "weekly";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const int gap = i + 1 < rows.size() ? rows[i + 1].date - rows[i].date : 7;
      if (gap != 7 && gap > 0) {
        p.add(file, rows[i + 1].line, "date",
              fmt::format("{} is {} days after the previous period ({}), not a week later",
                          format_date(rows[i + 1].date), gap, format_date(rows[i].date)),
              gap > 7 && gap % 7 == 0
                  ? "add the missing weeks as rows with blank cells (a blank cell is a missing "
                    "value), or give a days column"
                  : "give weekly rows 7 days apart, monthly rows on the 1st of each month, or a "
                    "days column with each period's length");
      }
      rows[i].days = 7;
    }
  }
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    const std::int32_t end = rows[i].date + rows[i].days;
    if (end > rows[i + 1].date) {
      p.add(file, rows[i + 1].line, "date",
            fmt::format("the period of line {} ({} + {} days) overlaps this one ({})", rows[i].line,
                        format_date(rows[i].date), rows[i].days, format_date(rows[i + 1].date)),
            "periods may not overlap: fix the date or the days column");
    } else if (end < rows[i + 1].date && given) {
      p.add(file, rows[i + 1].line, "date",
            fmt::format("{} days between the period of line {} and this one are not covered",
                        rows[i + 1].date - end, rows[i].line),
            "add a row for the missing days (blank cells are missing values)");
    }
  }
}

// ---- the event log -------------------------------------------------------------------------

struct LogEvent {
  std::uint32_t customer = 0;
  std::int32_t date = 0;
  int kind = 0;        // 0 = purchase, s + 1 = entered stage s
  double value = 0.0;  // NaN = not recorded
  int line = 0;
};

struct EventLog {
  std::string file;
  std::vector<LogEvent> events;
  std::uint32_t customers = 0;
  bool has_value = false;
  std::int32_t first = 0, last = 0;
  std::size_t zero_values = 0, merged = 0;
  std::vector<std::string> ignored_columns;
};

EventLog read_event_log(const CsvTable& t, const ObservedOptions& o, Problems& p) {
  EventLog log;
  log.file = t.path;
  const std::string& file = t.path;
  const CsvRow& header = t.rows.front();
  int id_col = -1, date_col = -1, event_col = -1, value_col = -1;
  const std::vector<std::string> required = {"customer_id", "date", "event", "value"};
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = lower(trim(header.fields[i]));
    int* slot = name == "customer_id" ? &id_col
                : name == "date"      ? &date_col
                : name == "event"     ? &event_col
                : name == "value"     ? &value_col
                                      : nullptr;
    if (slot != nullptr) {
      if (*slot >= 0) {
        p.add(file, header.line, name, fmt::format("column '{}' appears twice", name), "keep one");
      }
      *slot = static_cast<int>(i);
    } else if (closest_match(name, required)) {
      p.add(file, header.line, name, fmt::format("unknown column '{}'", trim(header.fields[i])),
            did_you_mean(name, required, ""));
    } else {
      log.ignored_columns.push_back(trim(header.fields[i]));
    }
  }
  for (const auto& [col, name] : {std::pair{id_col, "customer_id"}, std::pair{date_col, "date"},
                                  std::pair{event_col, "event"}}) {
    if (col < 0) {
      p.add(file, header.line, name, fmt::format("the event log has no '{}' column", name),
            "an event log's header is customer_id,date,event[,value]");
    }
  }
  if (id_col < 0 || date_col < 0 || event_col < 0) return log;
  log.has_value = value_col >= 0;
  std::vector<std::string> events = {"purchase"};
  for (const std::string& s : o.stages) events.push_back(s);
  std::unordered_map<std::string, std::uint32_t> ids;
  bool any = false;
  for (std::size_t r = 1; r < t.rows.size() && !p.full(); ++r) {
    const CsvRow& row = t.rows[r];
    if (row.fields.size() != header.fields.size()) {
      p.add(file, row.line, "",
            fmt::format("this row has {} fields, the header {}", row.fields.size(),
                        header.fields.size()),
            "give every row one field per column");
      continue;
    }
    LogEvent e;
    e.line = row.line;
    const std::string id = trim(row.fields[static_cast<std::size_t>(id_col)]);
    if (id.empty()) {
      p.add(file, row.line, "customer_id", "the customer is blank",
            "give every row the customer's id (any text or number)");
      continue;
    }
    const std::string date_text = trim(row.fields[static_cast<std::size_t>(date_col)]);
    if (!parse_date_prefix(date_text, e.date, true)) {
      p.add(file, row.line, "date", fmt::format("'{}' is not a date", date_text.substr(0, 40)),
            "write dates as YYYY-MM-DD (a time after it, 2025-03-08T14:02, is allowed)");
      continue;
    }
    const std::string event = trim(row.fields[static_cast<std::size_t>(event_col)]);
    if (event == "purchase" || std::find(o.purchase_stages.begin(), o.purchase_stages.end(),
                                         event) != o.purchase_stages.end()) {
      e.kind = 0;
    } else if (const auto s = std::find(o.stages.begin(), o.stages.end(), event);
               s != o.stages.end()) {
      e.kind = static_cast<int>(s - o.stages.begin()) + 1;
    } else {
      p.add(file, row.line, "event", fmt::format("unknown event '{}'", event.substr(0, 40)),
            did_you_mean(event, events,
                         fmt::format("events are 'purchase' or a stage of the scenario ({}); "
                                     "rename such rows or remove them",
                                     join_names(o.stages))));
      continue;
    }
    e.value = log.has_value ? kNaN : 0.0;
    if (log.has_value && !is_missing(row.fields[static_cast<std::size_t>(value_col)])) {
      const std::string& text = row.fields[static_cast<std::size_t>(value_col)];
      if (!parse_number(text, e.value)) {
        p.add(file, row.line, "value",
              fmt::format("'{}' is not a number", trim(text).substr(0, 40)),
              "write the order value as a plain number with a '.' decimal point, or leave it "
              "blank when unknown");
        continue;
      }
      if (e.value < 0) {
        p.add(file, row.line, "value", fmt::format("value {} is negative", trim(text)),
              "a refund is not a purchase: remove the row (or net it into the purchase's value)");
        continue;
      }
      if (e.value == 0 && e.kind == 0) ++log.zero_values;
    }
    const auto [it, added] = ids.emplace(id, static_cast<std::uint32_t>(ids.size()));
    e.customer = it->second;
    log.first = any ? std::min(log.first, e.date) : e.date;
    log.last = any ? std::max(log.last, e.date) : e.date;
    any = true;
    log.events.push_back(e);
  }
  log.customers = static_cast<std::uint32_t>(ids.size());
  if (!any && t.rows.size() < 2) {
    p.add(file, header.line, "", "the event log has a header but no events",
          "add one row per purchase or stage event");
  }
  return log;
}

// Periods of a log read alone: weeks or months from day 0 while they end by `last` (inclusive).
std::vector<Period> log_periods(std::int32_t day0, std::int32_t last, const std::string& unit) {
  std::vector<Period> out;
  std::int32_t at = day0;
  for (;;) {
    const int len = unit == "month" ? month_length(at) : 7;
    if (at + len - 1 > last) break;
    out.push_back(Period{at - day0, len});
    at += len;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& purchase_bin_labels() {
  static const std::vector<std::string> k = {"1", "2", "3", "4", "5", "6-9", "10+"};
  return k;
}

const std::vector<std::string>& recency_bin_labels() {
  static const std::vector<std::string> k = {"0-27", "28-55", "56-90", "91-181", "182-363", "364+"};
  return k;
}

const ObservedColumn* ObservedData::find(std::string_view name) const {
  for (const ObservedColumn& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

PurchaseSeries aggregate_purchases(const PurchaseHistories& h, const std::vector<Period>& periods) {
  PurchaseSeries out;
  const std::size_t P = periods.size();
  out.new_customers.assign(P, 0.0);
  out.purchases.assign(P, 0.0);
  out.revenue.assign(P, 0.0);
  out.histograms.purchases.assign(purchase_bin_labels().size(), 0.0);
  out.histograms.recency.assign(recency_bin_labels().size(), 0.0);
  if (P == 0) return out;
  const int begin = periods.front().first, end = periods.back().first + periods.back().days;
  // Day -> period (periods are ascending and may leave gaps).
  std::vector<int> period_of(static_cast<std::size_t>(end - begin), -1);
  for (std::size_t p = 0; p < P; ++p) {
    for (int d = periods[p].first; d < periods[p].first + periods[p].days; ++d) {
      period_of[static_cast<std::size_t>(d - begin)] = static_cast<int>(p);
    }
  }
  const auto at = [&](std::int32_t day) {
    return day < begin || day >= end ? -1 : period_of[static_cast<std::size_t>(day - begin)];
  };
  for (std::size_t i = 0; i < h.customers(); ++i) {
    const std::uint64_t b = h.offsets[i], e = h.offsets[i + 1];
    if (b == e) continue;
    const bool cohort = !h.existing[i] && at(h.day[b]) >= 0;
    if (!h.existing[i] && at(h.day[b]) >= 0)
      out.new_customers[static_cast<std::size_t>(at(h.day[b]))] += 1;
    int in_window = 0;
    std::int32_t last = 0;
    for (std::uint64_t k = b; k < e; ++k) {
      const int p = at(h.day[k]);
      if (p < 0) continue;
      out.purchases[static_cast<std::size_t>(p)] += 1;
      out.revenue[static_cast<std::size_t>(p)] += h.value[k];  // NaN spreads: revenue unknown
      ++in_window;
      last = h.day[k];
    }
    if (!cohort) continue;
    const int bin = in_window >= 10 ? 6 : in_window >= 6 ? 5 : in_window - 1;
    out.histograms.purchases[static_cast<std::size_t>(bin)] += 1;
    const int ago = end - 1 - last;
    const int r = ago < 28 ? 0 : ago < 56 ? 1 : ago < 91 ? 2 : ago < 182 ? 3 : ago < 364 ? 4 : 5;
    out.histograms.recency[static_cast<std::size_t>(r)] += 1;
  }
  out.repeat_purchases.resize(P);
  for (std::size_t p = 0; p < P; ++p) {
    out.repeat_purchases[p] = out.purchases[p] - out.new_customers[p];
  }
  return out;
}

ObservedData read_observed(const std::vector<std::string>& paths, const ObservedOptions& o) {
  std::vector<Diagnostic> problems;
  std::optional<Aggregates> agg;
  std::string agg_file;
  std::optional<EventLog> log;
  for (const std::string& path : paths) {
    const CsvTable t = read_csv_table(path, kWhat);
    Problems p(problems);
    if (t.rows.empty()) {
      p.add(path, 0, "", "the file is empty",
            "give a CSV file with a header: date,... (period aggregates) or "
            "customer_id,date,event[,value] (an event log)");
      continue;
    }
    bool is_log = false, is_agg = false;
    for (const std::string& f : t.rows.front().fields) {
      is_log = is_log || lower(trim(f)) == "customer_id";
      is_agg = is_agg || trim(f) == "date";
    }
    if (is_log) {
      if (log) {
        p.add(path, 1, "", "a second event log", "merge the logs into one file");
        continue;
      }
      log = read_event_log(t, o, p);
    } else if (is_agg) {
      if (agg) {
        p.add(path, 1, "", "a second file of period aggregates",
              "put every series of the periods in one file, one column each");
        continue;
      }
      agg = read_aggregates(t, o, p);
      agg_file = path;
      period_lengths(*agg, path, p);
    } else {
      p.add(path, t.rows.front().line, "",
            "neither period aggregates (a 'date' column) nor an event log (a 'customer_id' "
            "column)",
            "period aggregates start date,new_customers,...; an event log "
            "customer_id,date,event[,value]");
    }
  }
  if (!problems.empty()) throw InputError(std::move(problems));

  ObservedData out;
  out.files = paths;
  // Day 0 and the window.
  const std::int32_t first_date = agg && !agg->rows.empty() ? agg->rows.front().date
                                  : log                     ? log->first
                                                            : 0;
  out.day0 = o.day0 ? *o.day0 : o.from ? *o.from : first_date;
  const std::int32_t from = o.from.value_or(out.day0);
  const std::int32_t to = o.to.value_or(std::numeric_limits<std::int32_t>::max());
  if (from < out.day0) {
    throw InputError(o.from_place, "calibrate.from",
                     fmt::format("from = {} is before the simulation's day 0 ({})",
                                 format_date(from), format_date(out.day0)),
                     "start the window at or after simulation.start");
  }
  if (agg) {
    out.frequency = agg->frequency;
    std::size_t left_out = 0;
    std::vector<std::size_t> kept;
    for (std::size_t r = 0; r < agg->rows.size(); ++r) {
      const RawPeriod& row = agg->rows[r];
      if (row.date < from || row.date + row.days - 1 > to) {
        ++left_out;
        continue;
      }
      kept.push_back(r);
      out.periods.push_back(Period{row.date - out.day0, row.days});
      out.period_places.push_back(SourcePlace{agg_file, row.line, 0});
    }
    if (left_out > 0) {
      out.notes.push_back(fmt::format("{}: {} period(s) outside the window {} .. {} left out",
                                      agg_file, left_out, format_date(from),
                                      o.to ? format_date(to) : std::string("the end")));
    }
    for (std::size_t c = 0; c < agg->names.size(); ++c) {
      ObservedColumn col{agg->names[c], {}, agg->places[c]};
      for (const std::size_t r : kept) col.values.push_back(agg->rows[r].values[c]);
      out.columns.push_back(std::move(col));
    }
    if (out.periods.empty()) {
      throw InputError(SourcePlace{agg_file, 0, 0}, "",
                       fmt::format("no period of {} lies inside the window {} .. {}", agg_file,
                                   format_date(from), o.to ? format_date(to) : "the end"),
                       "check calibrate.from and calibrate.to against the file's dates");
    }
  }
  if (log) {
    if (!agg) {
      out.frequency = o.period == "month" ? "monthly" : "weekly";
      const std::int32_t last = std::min(to, log->last);
      out.periods = log_periods(from, last, o.period);
      for (std::size_t i = 0; i < out.periods.size(); ++i) {
        out.periods[i].first += from - out.day0;
        out.period_places.push_back(SourcePlace{log->file, 0, 0});
      }
      if (out.periods.empty()) {
        throw InputError(SourcePlace{log->file, 0, 0}, "",
                         fmt::format("the log's events from {} to {} do not fill one {}",
                                     format_date(from), format_date(last), o.period),
                         "give a longer log, or an earlier calibrate.from");
      }
    }
    if (log->first >= from) {
      out.notes.push_back(fmt::format(
          "{}: the log starts on the window's first day, so every customer's first purchase in "
          "it counts as new; a log that starts earlier (calibrate.from after its start) tells "
          "existing customers apart",
          log->file));
    }
    // Purchases by customer, merged per day.
    std::vector<LogEvent>& ev = log->events;
    std::stable_sort(ev.begin(), ev.end(), [](const LogEvent& a, const LogEvent& b) {
      return a.customer != b.customer ? a.customer < b.customer : a.date < b.date;
    });
    PurchaseHistories h;
    h.offsets.assign(log->customers + 1, 0);
    h.existing.assign(log->customers, 0);
    const std::int32_t end_date = out.day0 + out.end_day();
    std::size_t after = 0;
    std::map<int, std::vector<double>> entered;  // stage -> per period
    for (std::size_t k = 0; k < ev.size(); ++k) {
      const LogEvent& e = ev[k];
      if (e.date >= end_date) {
        ++after;
        continue;
      }
      if (e.kind > 0) {
        // Stage entries: one per customer and day.
        const bool same = k > 0 && ev[k - 1].customer == e.customer && ev[k - 1].date == e.date &&
                          ev[k - 1].kind == e.kind;
        if (same) continue;
        auto& series = entered[e.kind - 1];
        series.resize(out.periods.size(), 0.0);
        const int day = e.date - out.day0;
        for (std::size_t p = 0; p < out.periods.size(); ++p) {
          if (day >= out.periods[p].first && day < out.periods[p].first + out.periods[p].days) {
            series[p] += 1;
          }
        }
        continue;
      }
      const int day = e.date - out.day0;
      // Events are sorted by customer, so the last purchase stored is this customer's when it
      // has one.
      if (h.offsets[e.customer + 1] > 0 && h.day.back() == day) {
        h.value.back() += e.value;  // several rows of one day: one purchase
        ++log->merged;
        continue;
      }
      h.day.push_back(day);
      h.value.push_back(e.value);
      ++h.offsets[e.customer + 1];
    }
    for (std::size_t i = 0; i < log->customers; ++i) h.offsets[i + 1] += h.offsets[i];
    for (std::size_t i = 0; i < log->customers; ++i) {
      h.existing[i] = h.offsets[i] < h.offsets[i + 1] && h.day[h.offsets[i]] < from - out.day0;
    }
    const PurchaseSeries s = aggregate_purchases(h, out.periods);
    const SourcePlace place{log->file, 0, 0};
    std::vector<std::pair<std::string, const std::vector<double>*>> series = {
        {"new_customers", &s.new_customers},
        {"purchases", &s.purchases},
        {"repeat_purchases", &s.repeat_purchases}};
    if (log->has_value) series.emplace_back("revenue", &s.revenue);
    for (const auto& [name, values] : series) {
      if (out.find(name) != nullptr) {
        out.notes.push_back(
            fmt::format("{}: {} comes from {}, not from the log", log->file, name, agg_file));
        continue;
      }
      out.columns.push_back(ObservedColumn{name, *values, place});
    }
    for (const auto& [stage, values] : entered) {
      const std::string name = "entered." + o.stages[static_cast<std::size_t>(stage)];
      if (out.find(name) == nullptr) out.columns.push_back(ObservedColumn{name, values, place});
    }
    out.customers = s.histograms;
    if (log->merged > 0) {
      out.notes.push_back(
          fmt::format("{}: {} rows of a customer's purchases on the same day "
                      "merged into one purchase",
                      log->file, log->merged));
    }
    if (log->zero_values > 0) {
      out.notes.push_back(fmt::format("{}: {} purchase rows of value 0 counted as purchases",
                                      log->file, log->zero_values));
    }
    if (after > 0) {
      out.notes.push_back(
          fmt::format("{}: {} rows after the window's end left out", log->file, after));
    }
    if (!log->ignored_columns.empty()) {
      out.notes.push_back(
          fmt::format("{}: columns ignored: {}", log->file, join_names(log->ignored_columns)));
    }
  }
  return out;
}

}  // namespace cjsim
