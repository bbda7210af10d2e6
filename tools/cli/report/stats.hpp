// Small pure functions of cjsim report: the day one cumulative curve overtakes another for good,
// and running sums. Unit-tested in tests/report/test_report.cpp;
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

}  // namespace cjsim::cli
