#include "common/run_output.hpp"

#include "common/number_format.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "common/kpi_table.hpp"

namespace cjsim::cli {

std::string default_output(const std::string& scenario_path, const std::string& suffix) {
  const std::filesystem::path dir = "results";
  std::filesystem::create_directories(dir);
  return (dir / (std::filesystem::path(scenario_path).stem().string() + suffix)).string();
}

std::string run_summary(const RunResult& r) {
  const double cd = static_cast<double>(r.customers_total) * r.daily.days;
  return fmt::format(
      "{} customers x {} days, {}",
      format_value(static_cast<double>(r.customers_total), "customers"), r.daily.days,
      rate_in_words(r.profile.total > 0 ? cd / r.profile.total : 0.0, "customer-days"));
}

void print_profile(const Profile& p, double customer_days) {
  const struct {
    const char* name;
    double s;
  } rows[] = {{"init", p.init},         {"plan", p.plan},       {"act", p.act},
              {"exchange", p.exchange}, {"account", p.account}, {"finish", p.finish}};
  fmt::print("\n{:<10} {:>10} {:>7} {:>16}\n", "phase", "seconds", "share", "ns/customer-day");
  for (const auto& r : rows) {
    fmt::print("{:<10} {:>10.4f} {:>6.1f}% {:>16.2f}\n", r.name, r.s,
               p.total > 0 ? 100 * r.s / p.total : 0.0,
               customer_days > 0 ? 1e9 * r.s / customer_days : 0.0);
  }
  fmt::print("{:<10} {:>10.4f} {:>6.1f}% {:>16.2f}\n", "total", p.total, 100.0,
             customer_days > 0 ? 1e9 * p.total / customer_days : 0.0);
}

}  // namespace cjsim::cli
