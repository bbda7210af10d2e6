// What a planner observed, as cjsim compares it with simulations: period aggregates (a weekly or
// monthly CSV) and an event log (customer_id, date, event[, value]) aggregated into the same
// periods, plus, from a log, the distribution of purchases per customer and of the time since
// the last purchase. File formats: scenarios/README.md "calibrate".
//
// One aggregation serves both sides: a log's purchases and a simulation's purchases go through
// aggregate_purchases(), so "new customer", "repeat purchase" and "recency" mean the same thing
// for the data and the model.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cjsim/errors.hpp"

namespace cjsim {

// A period of the fit: days [first, first + days) counted from day 0 of the simulation.
struct Period {
  int first = 0;
  int days = 7;
};

// One observed series: a column of the aggregates file, or one a log produced.
struct ObservedColumn {
  std::string name;            // "spend.search", "new_customers", "entered.consideration", ...
  std::vector<double> values;  // per period; NaN = missing (a blank cell)
  SourcePlace place;           // the header cell, or the log file
};

// Customers first buying inside the window (the cohort), by how often they bought in it and by
// how long before the window's end they last bought. Bins: purchase_bin_labels() and
// recency_bin_labels().
struct CustomerHistograms {
  std::vector<double> purchases;  // customers with 1, 2, 3, 4, 5, 6-9, 10+ purchases
  std::vector<double> recency;    // last purchase 0-27, 28-55, 56-90, 91-181, 182-363, 364+ days
                                  // before the window's end
};
const std::vector<std::string>& purchase_bin_labels();
const std::vector<std::string>& recency_bin_labels();

struct ObservedData {
  std::vector<std::string> files;
  std::int32_t day0 = 0;        // the date of day 0, as days since 1970-01-01
  std::vector<Period> periods;  // contiguous and ascending from day 0... (see read_observed)
  std::vector<SourcePlace> period_places;       // the row of each period (aggregates), or the log
  std::string frequency;                        // "weekly", "monthly" or "days"
  std::vector<ObservedColumn> columns;          // in file order, log series after
  std::optional<CustomerHistograms> customers;  // from an event log
  std::vector<std::string> notes;  // what was done with messy input (merged rows, zero values)

  const ObservedColumn* find(std::string_view name) const;
  int end_day() const { return periods.empty() ? 0 : periods.back().first + periods.back().days; }
};

// What the scenario offers to match against, and the window.
struct ObservedOptions {
  std::vector<std::string> channels;         // spend.<channel>, exposures.<channel>
  std::vector<std::string> stages;           // entered.<stage>, stock.<stage>, log events
  std::vector<std::string> purchase_stages;  // log events that are purchases, besides "purchase"
  std::optional<std::int32_t> from, to;      // window (dates, days since 1970-01-01), inclusive
  std::optional<std::int32_t> day0;          // the simulation's day 0 (simulation.start)
  std::string period = "week";               // periods of a log read alone: "week" or "month"
  SourcePlace from_place, to_place, period_place;  // for messages about them
};

// Reads observed files: each is recognised by its header (a `date` column: aggregates; a
// `customer_id` column: an event log). Day 0 is options.day0, else `from`, else the first
// period of the aggregates, else the first day of the log. Rows outside [from, to] are left out
// (an event log's earlier rows still tell which customers already existed). Throws one
// InputError listing every problem (up to 20 per file) with file:line and a fix.
ObservedData read_observed(const std::vector<std::string>& paths, const ObservedOptions& options);

// Purchases of customers as compressed rows: customer i's are [offsets[i], offsets[i + 1]), in
// day order, at most one per day (rows of one day merged, values summed).
struct PurchaseHistories {
  std::vector<std::uint64_t> offsets;  // customers + 1
  std::vector<std::int32_t> day;       // day of the simulation (negative: before day 0)
  std::vector<double> value;           // NaN: the value was not recorded
  std::vector<std::uint8_t> existing;  // per customer: already a customer before day 0
  std::size_t customers() const { return offsets.empty() ? 0 : offsets.size() - 1; }
};

struct PurchaseSeries {
  std::vector<double> new_customers, purchases, repeat_purchases, revenue;  // per period
  CustomerHistograms histograms;
};

// "YYYY-MM-DD" of a day counted from 1970-01-01.
std::string format_date(std::int32_t days_since_epoch);

// Per period: new customers (a customer's first purchase, if the customer is not `existing`),
// purchases, repeat purchases (purchases - new customers) and revenue (NaN when a value is
// missing); the histograms over the cohort of customers whose first purchase is inside the
// periods, counted up to the end of the last period.
PurchaseSeries aggregate_purchases(const PurchaseHistories& h, const std::vector<Period>& periods);

}  // namespace cjsim
