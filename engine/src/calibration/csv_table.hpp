// A CSV file read whole, safely: a regular file of at most 16 MiB (checked before reading),
// parsed by libcsv (Debian libcsv-dev) into rows of fields, each row with the line it starts on.
// Observed data (observed.cpp) reads every file through this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cjsim/observed.hpp"  // format_date

namespace cjsim {

inline constexpr std::uint64_t kMaxInputBytes = 16ull << 20;  // 16 MiB

struct CsvRow {
  int line = 0;  // 1-based line the row starts on
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string path;
  std::vector<CsvRow> rows;  // the header included; blank lines left out
};

// Throws InputError naming the file (and the line, for malformed CSV) with a fix: missing,
// unreadable, not a regular file (a folder, FIFO or device), larger than 16 MiB, not valid CSV.
// `what` names the file's role in messages ("observed data").
CsvTable read_csv_table(const std::string& path, const std::string& what);

// The date of text "YYYY-MM-DD" (optionally followed by a time, "T14:03" or " 14:03:00"), as
// days since 1970-01-01; false when it is not a real date.
bool parse_date_prefix(const std::string& text, std::int32_t& days, bool allow_time);

}  // namespace cjsim
