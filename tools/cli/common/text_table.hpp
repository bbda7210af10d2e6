// Plain aligned text tables for the terminal (common/table.hpp draws its tables with them): a
// header row, a rule under it, body rows, each column right-aligned except those marked left;
// widths count UTF-8 code points.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace cjsim::cli {

struct TextTable {
  std::vector<std::string> header;
  std::vector<bool> left;                      // per column; missing = right-aligned
  std::vector<std::vector<std::string>> rows;  // a row with one cell is a section title
};

void print_text_table(std::FILE* out, const TextTable& table);

// A number as a column shows it: integers grouped by thousands (50,000), others with up to six
// significant digits (0.0035).
std::string format_number(double v);

}  // namespace cjsim::cli
