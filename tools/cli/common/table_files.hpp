// Tables to files a planner takes to a meeting: CSV for any tool, an Excel workbook for people.
//
// CSV: one file per table, a header row with units ("Revenue (RUB)", "Retention (share)"),
// every digit of every number (shortest text that reads back to the same double), an empty
// field for n/a, a confidence interval as two columns ("... 95% CI low", "... 95% CI high").
// Text fields are quoted by libcsv. Excel (libxlsxwriter): a sheet per table with numbers as
// numbers and number formats (the terminal's convention: "₽ 1.23M", "45.2%"), units in the
// headers, the header row frozen, and an "About" sheet with the scenario and the command line.
//
// Both are written to a temporary file beside the target and renamed over it when complete; a
// failure leaves whatever was there before. The paths are checked before any work by
// claim_output (common/output_path.hpp), the one rule of every cjsim output.
#pragma once

#include <string>
#include <vector>

#include "common/table.hpp"

namespace cjsim::cli {

// The CSV text of one table.
std::string table_csv(const Table& table, const Money& money);

// Writes `tables` as CSV to `path`: the first table there, each other one beside it as
// "<stem>-<table name>.csv" (in lower case, "_" for spaces: kpis-by_segment.csv). `path` "-" writes
// them all to standard output, one after another with a blank line between. Returns the paths
// written (empty for standard output).
std::vector<std::string> write_csv_tables(const std::string& path, const std::vector<Table>& tables,
                                          const Money& money);

// Writes the workbook: a sheet per table (in order), then "About". The caller claims `path`
// first (common/output_path.hpp: no "-", no device, a symlink's target).
void write_xlsx(const std::string& path, const std::vector<Table>& tables,
                const TableSource& source, const Money& money);

}  // namespace cjsim::cli
