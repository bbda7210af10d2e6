// Small pure functions of cjsim report: the day one cumulative curve overtakes another for good,
// Kaplan-Meier retention from event counts, a Student-t interval, and the --set overrides of a
// stored command line. Unit-tested in tests/report/test_report.cpp.
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

// Kaplan-Meier survival from counts by time since the origin: events[k] subjects had the event
// k days after it, censored[k] were last seen k days after it (the engine's retention_curve
// convention, engine/src/analysis/kpi.cpp). S[k] = P(no event within k days); NaN where nobody was
// followed that long. Sizes must match.
std::vector<double> kaplan_meier(const std::vector<std::uint64_t>& events,
                                 const std::vector<std::uint64_t>& censored);

// Mean and the half-width of its 95% Student-t confidence interval (0 for fewer than 2 values).
struct MeanCi {
  double mean = 0;
  double half_width = 0;
  std::size_t n = 0;
};
MeanCi mean_ci95(const std::vector<double>& values);

// Words of a command line as cjsim stores it (main.cpp quotes POSIX-style: '...' with '\''
// for a quote inside); double quotes and backslashes are read the way a shell reads them.
std::vector<std::string> split_command_line(const std::string& line);

// The --set assignments of a stored command line, in order ("--set K=V" and "--set=K=V").
std::vector<std::string> stored_overrides(const std::string& command_line);

}  // namespace cjsim::cli
