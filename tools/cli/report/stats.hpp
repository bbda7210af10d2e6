// Small pure functions of cjsim report: the day one cumulative curve overtakes another for good,
// and the --set overrides of a stored command line. Unit-tested in tests/report/test_report.cpp;
// the statistics the report shows come from the engine (cjsim/statistics.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cjsim::cli {

// Where curve `b` stands against curve `a` (same length, one value per day).
struct Crossover {
  // "overtakes": b <= a on some day and b > a on every day from `day` to the end;
  // "ahead_throughout": b > a on every day; "never": b <= a on the last day; "empty": no days.
  std::string status;
  std::optional<int> day;  // set when status == "overtakes"
};
Crossover find_crossover(const std::vector<double>& a, const std::vector<double>& b);

// Running sum: out[t] = x[0] + ... + x[t].
std::vector<double> cumulative_sum(const std::vector<double>& x);

// Words of a command line as cjsim stores it (main.cpp quotes POSIX-style: '...' with '\''
// for a quote inside); double quotes and backslashes are read the way a shell reads them.
std::vector<std::string> split_command_line(const std::string& line);

// The --set assignments of a stored command line, in order ("--set K=V" and "--set=K=V").
std::vector<std::string> stored_overrides(const std::string& command_line);

}  // namespace cjsim::cli
