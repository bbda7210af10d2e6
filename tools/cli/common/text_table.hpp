// The one aligned text table of the terminal (value, attribute, optimize, sweep and compare
// results): a header row, body rows, each column right-aligned unless marked left; widths count
// UTF-8 code points, trailing blanks are trimmed.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "cjsim/statistics.hpp"

namespace cjsim::cli {

struct TextTable {
  std::vector<std::string> header;
  std::vector<bool> left;                      // per column; missing = right-aligned
  std::vector<std::vector<std::string>> rows;  // one cell in a wider table: a section title
  bool rule = false;                           // a line of dashes under the header

  void print(std::FILE* out) const;
};

// A number as a column shows it: integers grouped by thousands (50,000), others with up to six
// significant digits (0.0035).
std::string format_number(double v);

// "1,234 ± 56" (unit as kpi_table's format_value); just the mean when there is no interval
// (one replicate); "n/a" when undefined.
std::string estimate_cell(const Estimate& e, const std::string& unit);

}  // namespace cjsim::cli
