// What a cjsim report shows, gathered from a result file into one JSON document that the page
// (tools/report/report.js) draws. Everything comes from the file; only the customer story re-runs
// the stored scenario (/scenario_effective) for one customer, because traces are not stored.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cjsim/hdf5_io.hpp"

namespace cjsim::cli {

struct ReportOptions {
  // The two runs compared on one chart. Empty: funnel_minded vs loop_minded when the file has
  // them, else its first two variants.
  std::string compare_a, compare_b;
  bool story = true;                            // re-run the scenario for one customer's story
  std::string story_variant;                    // empty: the second variant of the comparison
  std::optional<std::uint64_t> story_customer;  // empty: a customer with a rich journey
  int threads = 0;
  bool quiet = false;
  std::string command_line;  // of the report command, shown in the page footer
};

// Throws InputError when the file (or an option naming something in it) is wrong.
nlohmann::json collect_report(const ResultFile& file, const ReportOptions& options);

// The file's currency as the page writes amounts: {code, symbol, prefix, name, digits}, or null
// when the scenario names none (amounts are then plain numbers).
nlohmann::json currency_json(const std::string& code);

}  // namespace cjsim::cli
