// One table, three outputs: the terminal, CSV and an Excel sheet (table_files.hpp).
//
// A command fills a Table with numbers, not strings; each output writes them its own way. The
// terminal gets one number convention per column (number_format.hpp: the same scale, decimals
// and currency symbol down a column, "mean ± half-width" with the ± signs lined up), drawn by
// the shared TextTable. CSV gets every digit and Excel gets numbers with number formats; both
// put units in the headers and a confidence interval in two columns of its own.
#pragma once

#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "common/number_format.hpp"
#include "common/text_table.hpp"

namespace cjsim::cli {

struct TableColumn {
  std::string header;  // the planner's words: "Search budget", "Revenue", "Strategy"
  Quantity quantity = Quantity::text;
  bool interval = false;    // cells carry a 95% CI: "mean ± half-width"; files: low, high columns
  std::string unit;         // for Quantity::number: "moves per customer" (others derive theirs)
  bool files_only = false;  // machine names (KPI ids, variant names) for CSV and Excel only
  bool signed_values = false;  // differences: "+1.2K" (a positive value carries its sign)
  // In a table of quantities (row_quantity), a column whose numbers get a convention of their
  // own in every row instead of sharing the row's: differences beside the levels they compare
  // (a column of Quantity::number measures the row's quantity; any other keeps its own: a
  // count of replicates beside amounts).
  bool own_convention = false;

  static TableColumn words(std::string header, bool files_only = false) {
    TableColumn c;
    c.header = std::move(header);
    c.files_only = files_only;
    return c;
  }
  static TableColumn numbers(std::string header, Quantity q, bool interval = false,
                             std::string unit = {}) {
    TableColumn c;
    c.header = std::move(header);
    c.quantity = q;
    c.interval = interval;
    c.unit = std::move(unit);
    return c;
  }
};

struct TableCell {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double value = kNaN;  // the mean for an interval column
  double low = kNaN, high = kNaN;
  std::string text;  // text columns
  std::string mark;  // printed after the number ("*": the interval excludes 0); files get it
                     // in a column of its own when the column has any

  static TableCell number(double v) { return TableCell{v, kNaN, kNaN, {}, {}}; }
  static TableCell estimate(double mean, double low, double high) {
    return TableCell{mean, low, high, {}, {}};
  }
  static TableCell words(std::string s) { return TableCell{kNaN, kNaN, kNaN, std::move(s), {}}; }
};

struct Table {
  std::string name;   // the Excel sheet: at most 31 characters, none of []:*?/\ .
  std::string title;  // a line above the table
  std::vector<TableColumn> columns;
  std::vector<std::vector<TableCell>> rows;
  // Row groups (the KPI views): a heading line on the terminal; a first column in the files.
  std::string group_header;         // "View"; empty: no groups
  std::vector<std::string> groups;  // per row, when group_header is set
  // Tables whose rows are quantities (one KPI per row, a column per strategy): the quantity of
  // each row's numeric cells, which then overrides the columns', and its unit for the files.
  std::vector<Quantity> row_quantity;  // empty, or one per row
  std::vector<std::string> row_unit;   // KPI units ("customers", "currency", "share", ...)
  std::vector<std::string> notes;      // lines under the table
  // The terminal shows at most this many rows (the first ones and the last ten); files get all.
  std::size_t terminal_rows = 0;  // 0: all
};

// What every file states besides its tables: where the numbers come from (Excel's "About"
// sheet; CSV leaves it to the HDF5 file and the terminal).
struct TableSource {
  std::string command_line;     // the command that made the tables
  std::string scenario_name;    // simulation.name
  std::string scenario_source;  // path of the scenario file
  std::string scenario_text;    // the scenario as run (TOML)
  std::string result_file;      // the HDF5 file the tables come from, if any
  std::string currency;         // ISO code or ""
  std::string engine_version;
  std::string seed;
};

// The cells one number convention covers: a column, or in a table of quantities a row's cells
// (those of own_convention columns each on their own). The terminal and Excel write a span alike.
struct NumberSpan {
  std::vector<std::pair<std::size_t, std::size_t>> cells;  // (row, column)
  Quantity quantity = Quantity::number;
};
// `with_files_only`: also the columns only the files show.
std::vector<NumberSpan> number_spans(const Table& table, bool with_files_only);

// The convention of a span, chosen from its cells' values and half-widths.
NumberFormat span_format(const Table& table, const NumberSpan& span, const Money& money);

// The unit a header states for a column or row: "RUB", "%", "customers", "days".
std::string unit_label(Quantity q, const std::string& unit, const Money& money);

// A KPI unit (cjsim/kpi.hpp) in words for a header: "RUB per customer", "share", "customers".
std::string kpi_unit_label(const std::string& unit, const Money& money);

// The table as aligned text: title, header, rows (groups as heading lines), notes.
void print_table(std::FILE* out, const Table& table, const Money& money);

// The TextTable print_table draws (for callers that print it their own way).
TextTable to_text_table(const Table& table, const Money& money);

}  // namespace cjsim::cli
