// cjsim optimize: share a total budget across channels (optionally per quarter) to maximise
// profit, revenue, new customers or LTV within bounds, on common random numbers; report the
// allocation, its KPI with a confidence interval, response curves and the marginal-return check.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "cjsim/optimize.hpp"
#include "cjsim/scenario_io.hpp"
#include "commands/commands.hpp"
#include "common/kpi_table.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/text_table.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

// Parses "name=amount" for --min/--max; InputError naming the option otherwise.
std::pair<std::string, double> parse_channel_amount(const std::string& text,
                                                    const std::string& option) {
  const auto eq = text.find('=');
  double amount = 0;
  std::size_t used = 0;
  bool ok = eq != std::string::npos && eq > 0;
  if (ok) {
    try {
      amount = std::stod(text.substr(eq + 1), &used);
      ok = used == text.size() - eq - 1 && std::isfinite(amount) && amount >= 0;
    } catch (const std::exception&) {
      ok = false;
    }
  }
  if (!ok) {
    throw InputError({option, 0, 0}, option.substr(2),
                     fmt::format("expected CHANNEL=AMOUNT with an amount >= 0, got '{}'", text),
                     fmt::format("write e.g. {} search=50000", option));
  }
  return {text.substr(0, eq), amount};
}

std::string objective_unit(Objective o) {
  return o == Objective::new_customers ? "customers" : "currency";
}

}  // namespace

int cmd_optimize(const Args& args, const std::string& command_line) {
  static_cast<void>(command_line);
  std::string scenario_path, only_variant, objective_text = "profit", flights;
  std::vector<std::string> mins, maxs;
  RunSettings rs;
  OptimizeOptions oo;
  bool quiet = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "total", po::value(&oo.total)->required()->value_name("X"),
      "the budget to share over the horizon (channels that cost money)")(
      "objective", po::value(&objective_text)->default_value("profit")->value_name("NAME"),
      "profit (margin - spend), revenue, new_customers or ltv (revenue of the customers "
      "acquired in the horizon)")("min", po::value(&mins)->composing()->value_name("CH=X"),
                                  "a channel's minimum budget (repeatable)")(
      "max", po::value(&maxs)->composing()->value_name("CH=X"),
      "a channel's maximum budget (repeatable)")(
      "replicates,r", po::value(&oo.replicates)->default_value(4)->value_name("R"),
      "paired replicates per allocation (at least 2)")(
      "flights", po::value(&flights)->value_name("quarters"),
      "allocate per channel and quarter (four flights) instead of keeping each channel's "
      "flight shape")("tolerance", po::value(&oo.tolerance)->default_value(0.005)->value_name("F"),
                      "stop when the step is below F x total")(
      "variant", po::value(&only_variant)->value_name("NAME"),
      "which variant's world (default: the first)")("quiet,q", po::bool_switch(&quiet),
                                                    "no progress, only the result");
  add_run_settings(opts, rs);
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&scenario_path)->required());
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse(args, opts, hidden, pos, vm,
             "cjsim optimize SCENARIO --total X [--objective NAME] [--min CH=X]... [--max CH=X]... "
             "[options]",
             "  cjsim optimize scenarios/flower_delivery.toml --total 600000 --objective profit "
             "--min search=50000 --max social=200000\n"
             "  cjsim optimize scenarios/car_dealership.toml --total 400000 --objective "
             "new_customers --replicates 8\n"
             "  cjsim optimize scenarios/flower_delivery.toml --total 216000 --flights quarters "
             "--set simulation.customers=20000\n")) {
    return 0;
  }
  check_threads(rs.threads);
  const std::optional<Objective> objective = parse_objective(objective_text);
  if (!objective) {
    throw InputError({"--objective", 0, 0}, "objective",
                     fmt::format("unknown objective '{}'", objective_text),
                     "choose one of: profit, revenue, new_customers, ltv");
  }
  oo.objective = *objective;
  if (!flights.empty() && flights != "quarters") {
    throw InputError({"--flights", 0, 0}, "flights", fmt::format("unknown flights '{}'", flights),
                     "the one choice is --flights quarters");
  }
  oo.quarters = flights == "quarters";
  if (oo.replicates < 2 || oo.replicates > 10000) {
    throw InputError({"--replicates", 0, 0}, "replicates",
                     fmt::format("must be 2 to 10000, got {}", oo.replicates),
                     "confidence intervals need at least two replicates: e.g. --replicates 4");
  }
  if (!(oo.tolerance > 0 && oo.tolerance < 0.5)) {
    throw InputError({"--tolerance", 0, 0}, "tolerance",
                     fmt::format("must be between 0 and 0.5, got {}", oo.tolerance),
                     "give e.g. --tolerance 0.005 (half a percent of the total)");
  }
  const Scenario scenario = load_scenario(scenario_path, rs.overrides);
  const Variant& variant = pick_variant(scenario, only_variant);
  const std::vector<ChannelDef>& defs = variant.def.channels;
  oo.min.assign(defs.size(), 0.0);
  oo.max.assign(defs.size(), oo.total);
  std::vector<std::string> names;
  for (const ChannelDef& c : defs) names.push_back(c.name);
  for (const auto& [option, list, bound] :
       {std::tuple{"--min", &mins, &oo.min}, std::tuple{"--max", &maxs, &oo.max}}) {
    for (const std::string& text : *list) {
      const auto [name, amount] = parse_channel_amount(text, option);
      const auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end()) {
        throw InputError({option, 0, 0}, std::string(option + 2),
                         fmt::format("there is no channel '{}'", name),
                         fmt::format("choose one of: {}", fmt::join(names, ", ")));
      }
      const auto c = static_cast<std::size_t>(it - names.begin());
      if (defs[c].cost <= 0) {
        throw InputError({option, 0, 0}, std::string(option + 2),
                         fmt::format("channel '{}' is free (cost 0): money buys it nothing", name),
                         "bound only channels that cost money");
      }
      (*bound)[c] = amount;
    }
  }
  oo.run.threads = rs.threads;
  oo.run.seed = rs.seed;
  install_interrupt_handler();
  Progress progress("optimize", quiet);
  oo.run.progress = [&](std::size_t done, std::size_t total) {
    throw_if_interrupted();
    progress.update(static_cast<double>(done) / static_cast<double>(total),
                    fmt::format("run {}/{}", done, total));
  };
  if (!quiet) oo.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  const OptimizeResult r = optimize_budget(variant.def, oo);
  progress.done(fmt::format("{} rounds, {} allocations x {} replicates", r.rounds, r.evaluations,
                            oo.replicates));

  const std::string unit = objective_unit(r.objective);
  fmt::print("Budget {} shared to maximise {} ({} replicates on common random numbers)\n\n",
             format_value(oo.total, "currency"), objective_name(r.objective), oo.replicates);
  TextTable t{
      {"unit", "plan (scaled)", "optimum", "spent", "min", "max",
       "marginal " + std::string(objective_name(r.objective)) + " / budget", "marginal ROAS", ""},
      {true},
      {},
      true};
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    const std::size_t k = static_cast<std::size_t>(
        std::find(r.channels.begin(), r.channels.end(), defs[r.unit_channel[u]].name) -
        r.channels.begin());
    t.rows.push_back(
        {r.units[u], format_value(r.start[u], "currency"),
         format_value(r.allocation[u], "currency"), estimate_cell(r.spent[u], "currency"),
         format_value(r.channel_min[k], "currency"), format_value(r.channel_max[k], "currency"),
         estimate_cell(r.marginal[u], "ratio"), estimate_cell(r.marginal_roas[u], "ratio"),
         r.at_bound[u]    ? "at a bound"
         : r.saturated[u] ? "saturated: reaches everyone it can"
                          : ""});
  }
  t.print(stdout);
  fmt::print("\n{} at the optimum: {}   (plan scaled to the total: {}; gain {})\n",
             objective_name(r.objective), estimate_cell(r.value, unit),
             estimate_cell(r.start_value, unit), estimate_cell(r.improvement, unit));
  fmt::print("marginal returns of the units neither at a bound nor saturated {}\n",
             r.marginals_agree
                 ? "agree (their 95% intervals share a value): the optimum equalises them"
                 : "differ beyond their 95% intervals: more replicates or a smaller --tolerance "
                   "may move the answer");

  TextTable curves{{"response curve"}, {true}, {}, true};
  for (std::size_t i = 0; i < 4; ++i) curves.header.push_back(fmt::format("budget {}", i + 1));
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    std::vector<std::string> row{r.units[u]};
    for (const CurvePoint& p : r.curves[u]) {
      row.push_back(format_value(p.budget, "currency") + ": " + estimate_cell(p.change, unit));
    }
    curves.rows.push_back(std::move(row));
  }
  fmt::print("\nResponse curves: change of {} when one unit's budget moves (the others kept)\n\n",
             objective_name(r.objective));
  curves.print(stdout);
  fmt::print("\nmean ± half-width of the 95% confidence interval over {} paired replicates.\n",
             oo.replicates);
  return 0;
}

}  // namespace cjsim::cli
