// cjsim trace: one customer's journey, day by day, told as a story (for teaching).
#include <fmt/format.h>

#include <cstdio>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/story.hpp"

namespace cjsim::cli {

int cmd_trace(const Args& args, const std::string&) {
  std::string scenario_path, only_variant;
  RunSettings rs;
  std::uint64_t customer = 0;
  std::string customer_text;
  int replicate = 0;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "customer,c", po::value(&customer_text)->required()->value_name("ID"),
      "the customer to follow (0 to customers-1; the same id as in the HDF5 table)")(
      "variant", po::value(&only_variant)->value_name("NAME"),
      "which variant's world (default: the first)")(
      "replicate", po::value(&replicate)->default_value(0)->value_name("R"), "which replicate");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, true, vm, "cjsim trace SCENARIO --customer ID [options]",
          "  cjsim trace scenarios/smartwatch.toml --customer 50\n"
          "  cjsim trace scenarios/funnel_vs_loop.toml --customer 12 --variant loop_minded\n")) {
    return 0;
  }
  check_threads(rs.threads);
  customer = parse_whole_number(customer_text, "--customer", "7");
  const Scenario scenario = load_scenario(scenario_path, rs.overrides);
  print_warnings(scenario.warnings);
  const Variant* variant = &scenario.variants.front();
  for (const Variant& v : scenario.variants) {
    if (v.name == only_variant) variant = &v;
  }
  if (!only_variant.empty() && variant->name != only_variant) {
    throw InputError({"--variant", 0, 0}, "variant",
                     fmt::format("no variant named '{}'", only_variant),
                     "see the [variants] of the scenario");
  }
  RunOptions ro;
  ro.threads = rs.threads;
  ro.seed = rs.seed;
  ro.replicate = replicate;
  ro.trace_customer = customer;
  ro.customer_table = true;
  install_interrupt_handler();
  Progress progress("trace", !Progress::is_terminal());
  ro.progress = [&](const cjsim::Progress& p) {
    throw_if_interrupted();
    progress.update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
  };
  const RunResult result = simulate(variant->def, ro);
  progress.done("simulated");
  fmt::print("{}", tell_story(variant->def, result, static_cast<std::uint32_t>(customer)));
  return 0;
}

}  // namespace cjsim::cli
