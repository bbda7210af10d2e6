// cjsim optimize: share a total budget across channels (optionally per quarter) to maximise
// profit, revenue, new customers or LTV within bounds, on common random numbers; report the
// allocation, its KPI with a confidence interval, response curves and the marginal-return check.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "cjsim/calibrate.hpp"
#include "cjsim/optimize.hpp"
#include "cjsim/scenario_io.hpp"
#include "commands/commands.hpp"
#include "commands/posterior_decisions.hpp"
#include "common/key_words.hpp"
#include "common/kpi_table.hpp"
#include "common/number_format.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/table_output.hpp"
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

Quantity objective_quantity(Objective o) {
  return o == Objective::new_customers ? Quantity::count : Quantity::money;
}

std::string objective_words(Objective o) {
  switch (o) {
    case Objective::profit:
      return "Profit";
    case Objective::revenue:
      return "Revenue";
    case Objective::new_customers:
      return "New customers";
    case Objective::ltv:
      return "LTV";
  }
  return objective_name(o);
}

TableCell estimate(const Estimate& e) {
  return TableCell::estimate(e.mean, e.ci_low, e.ci_high);
}

// "search" -> "Search", "search@q2" -> "Search, Q2"
std::string unit_words(const std::string& unit, const ScenarioDef& def) {
  const std::size_t at = unit.find('@');
  if (at == std::string::npos) return channel_words(unit, &def);
  std::string quarter = unit.substr(at + 1);
  for (char& c : quarter)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return fmt::format("{}, {}", channel_words(unit.substr(0, at), &def), quarter);
}

}  // namespace

int cmd_optimize(const Args& args, const std::string& command_line) {
  TableOutput files;
  std::string scenario_path, only_variant, objective_text = "profit", flights;
  std::vector<std::string> mins, maxs;
  RunSettings rs;
  OptimizeOptions oo;
  bool quiet = false;
  int draws = 10;
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
      "flight shape")("tolerance",
                      po::value(&oo.tolerance)->default_value(0.005, "0.005")->value_name("F"),
                      "stop when the step is below F x total")(
      "variant", po::value(&only_variant)->value_name("NAME"),
      "which variant's world (default: the first)")(
      "draws", po::value(&draws)->default_value(10)->value_name("N"),
      "given a calibration file: posterior draws to optimize in")(
      "quiet,q", po::bool_switch(&quiet), "no progress, only the result");
  files.add_options(opts, "the allocation, the objective and the response curves");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, true, vm,
          "cjsim optimize SCENARIO --total X [--objective NAME] [--min CH=X]... [--max CH=X]... "
          "[options]",
          "  cjsim optimize scenarios/flower_delivery.toml --total 54000000 --objective profit "
          "--min search=4500000 --max social=18000000\n"
          "  cjsim optimize scenarios/car_dealership.toml --total 36000000 --objective "
          "new_customers --replicates 8\n"
          "  cjsim optimize scenarios/flower_delivery.toml --total 19440000 --flights quarters "
          "--set simulation.customers=20000\n"
          "  cjsim optimize scenarios/flower_delivery.toml --total 54000000 --csv "
          "results/split.csv --xlsx results/split.xlsx\n"
          "  cjsim optimize results/shop_calibration.h5 --total 50000 --draws 10   # over the "
          "posterior\n")) {
    return 0;
  }
  check_threads(rs.threads);
  files.check(vm);  // before any work
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
  // The scenario's limit on any amount of money (scenarios/README.md "Limits"): beyond it the
  // flights the optimizer builds would be refused one by one, under names the user never gave.
  constexpr double kMaxMoney = 1e12;
  if (!(oo.total <= kMaxMoney)) {
    throw InputError({"--total", 0, 0}, "total",
                     fmt::format("the total must be at most {:g}, the largest amount a scenario "
                                 "holds, got {:g}",
                                 kMaxMoney, oo.total),
                     "give the money to share, e.g. --total 600000");
  }
  const bool calibrated = is_hdf5_file(scenario_path);
  std::optional<Scenario> scenario;
  std::vector<ChannelDef> defs;
  if (calibrated) {
    for (const char* option : {"set", "variant", "flights", "seed"}) {
      if (vm.count(option) && !vm[option].defaulted()) {
        throw InputError({fmt::format("--{}", option), 0, 0}, option,
                         "a calibration file holds its own world: this option does not apply",
                         "leave it out (cjsim optimize CALIBRATION.h5 --total X [--draws N])");
      }
    }
    if (draws < 1 || draws > 1000) {
      throw InputError({"--draws", 0, 0}, "draws", fmt::format("must be 1 to 1000, got {}", draws),
                       "e.g. --draws 10");
    }
    const CalibrationFile file = read_calibration_file(scenario_path);
    defs = fit_problem_from(file).world(file.result.median).channels;
  } else {
    scenario = load_scenario(scenario_path, rs.overrides);
    print_warnings(scenario->warnings);
    defs = pick_variant(*scenario, only_variant).def.channels;
  }
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
  if (calibrated) {
    oo.run.customer_table = false;
    return optimize_over_posterior(scenario_path, draws, oo, files, command_line, quiet);
  }
  const Variant& variant = pick_variant(*scenario, only_variant);
  install_interrupt_handler();
  Progress progress("optimize", quiet);
  oo.run.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    if (!p.finished) return;
    progress.update(static_cast<double>(p.runs_done) / static_cast<double>(p.runs_total),
                    fmt::format("run {}/{}", p.runs_done, p.runs_total));
  };
  if (!quiet) oo.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  const OptimizeResult r = optimize_budget(variant.def, oo);
  progress.done(fmt::format("{} rounds, {} allocations x {} replicates", r.rounds, r.evaluations,
                            oo.replicates));

  const Money money = Money::of(variant.def.simulation.currency);
  const Quantity oq = objective_quantity(r.objective);
  const std::string goal = objective_words(r.objective);
  // In a sentence: "new customers", "profit", "LTV".
  const std::string goal_words = r.objective == Objective::ltv || goal.empty()
                                     ? goal
                                     : static_cast<char>(goal[0] - 'A' + 'a') + goal.substr(1);
  const std::string per_replicates = fmt::format(
      "mean ± half-width of the 95% confidence interval over {} paired replicates", oo.replicates);

  Table plan;
  plan.name = "Allocation";
  plan.title =
      fmt::format("Budget {} shared to maximise {} ({} replicates on common random numbers)",
                  format_compact(oo.total, Quantity::money, money), goal_words, oo.replicates);
  plan.columns = {TableColumn::words("Unit"),
                  TableColumn::words("Unit id", true),
                  TableColumn::numbers("Plan, scaled", Quantity::money),
                  TableColumn::numbers("Optimum", Quantity::money),
                  TableColumn::numbers("Spent", Quantity::money, true),
                  TableColumn::numbers("Min", Quantity::money),
                  TableColumn::numbers("Max", Quantity::money),
                  TableColumn::numbers(
                      fmt::format("Marginal {} per {}", goal_words,
                                  money.code.empty() ? std::string("unit of budget") : money.code),
                      Quantity::number, true,
                      r.objective == Objective::new_customers
                          ? fmt::format("customers per {}", money.unit_words())
                          : fmt::format("{} per {}", money.unit_words(), money.unit_words())),
                  TableColumn::numbers("Marginal ROAS", Quantity::ratio, true),
                  TableColumn::words("Note")};
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    const std::size_t k = static_cast<std::size_t>(
        std::find(r.channels.begin(), r.channels.end(), defs[r.unit_channel[u]].name) -
        r.channels.begin());
    plan.rows.push_back({TableCell::words(unit_words(r.units[u], variant.def)),
                         TableCell::words(r.units[u]), TableCell::number(r.start[u]),
                         TableCell::number(r.allocation[u]), estimate(r.spent[u]),
                         TableCell::number(r.channel_min[k]), TableCell::number(r.channel_max[k]),
                         estimate(r.marginal[u]), estimate(r.marginal_roas[u]),
                         TableCell::words(r.at_bound[u]    ? "at a bound"
                                          : r.saturated[u] ? "saturated: reaches everyone it can"
                                                           : "")});
  }
  double allocated = 0, spent = 0;
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    allocated += r.allocation[u];
    spent += r.spent[u].mean;
  }
  plan.notes = {
      per_replicates,
      fmt::format("allocated {} of the total {}; spent {}",
                  format_compact(allocated, Quantity::money, money),
                  format_compact(oo.total, Quantity::money, money),
                  format_compact(spent, Quantity::money, money)),
      fmt::format("marginal returns of the units neither at a bound nor saturated {}",
                  r.marginals_agree ? "agree (their 95% intervals share a value): the optimum "
                                      "equalises them"
                                    : "differ beyond their 95% intervals: more replicates or a "
                                      "smaller --tolerance may move the answer")};
  // Money that cannot be spent (too few eligible customers at a channel's cost), said on stderr
  // after the tables.
  std::vector<std::string> warnings;
  if (r.unspendable > 0) {
    std::vector<std::string> full;
    for (std::size_t c = 0; c < r.channel_capacity.size(); ++c) {
      if (std::isfinite(r.channel_capacity[c])) {
        full.push_back(fmt::format("{} at most {}", defs[c].name,
                                   format_compact(r.channel_capacity[c], Quantity::money, money)));
      }
    }
    warnings.push_back(fmt::format(
        "{} of the total cannot be spent: every channel is at its --max or at the most it can "
        "spend ({}); too few customers are eligible at their costs. That money is left "
        "unallocated, not counted as spent",
        format_compact(r.unspendable, Quantity::money, money),
        full.empty() ? std::string("none found") : fmt::format("{}", fmt::join(full, ", "))));
  }
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    if (r.allocation[u] > 0 && r.spent[u].mean < 0.99 * r.allocation[u]) {
      warnings.push_back(fmt::format(
          "{}: allocated {} but spent {} ({} left): too few eligible customers at its cost",
          r.units[u], format_compact(r.allocation[u], Quantity::money, money),
          format_compact(r.spent[u].mean, Quantity::money, money),
          format_compact(r.allocation[u] - r.spent[u].mean, Quantity::money, money)));
    }
  }

  Table result;
  result.name = "Objective";
  result.title = fmt::format("{} of the allocations", goal);
  result.columns = {
      TableColumn::words("Allocation"),
      TableColumn::numbers(goal, oq, true, oq == Quantity::count ? "customers" : std::string())};
  result.rows = {{TableCell::words("The optimum"), estimate(r.value)},
                 {TableCell::words("The plan scaled to the total"), estimate(r.start_value)}};
  TableColumn gain = TableColumn::numbers("Gain over the plan", oq, true,
                                          oq == Quantity::count ? "customers" : std::string());
  gain.signed_values = true;
  result.columns.push_back(gain);
  result.rows[0].push_back(estimate(r.improvement));
  result.rows[1].push_back(TableCell::number(TableCell::kNaN));
  result.notes = {per_replicates};

  Table curves;
  curves.name = "Response curves";
  curves.title = fmt::format(
      "Response curves: change of {} when one unit's budget moves (the others kept)", goal_words);
  curves.columns = {TableColumn::words("Unit"), TableColumn::words("Unit id", true)};
  const std::size_t points = r.curves.empty() ? 0 : r.curves.front().size();
  for (std::size_t i = 0; i < points; ++i) {
    curves.columns.push_back(
        TableColumn::numbers(fmt::format("Budget {}", i + 1), Quantity::money));
    TableColumn change = TableColumn::numbers(fmt::format("Change {}", i + 1), oq, true,
                                              oq == Quantity::count ? "customers" : std::string());
    change.signed_values = true;
    curves.columns.push_back(change);
  }
  for (std::size_t u = 0; u < r.units.size(); ++u) {
    std::vector<TableCell> row{TableCell::words(unit_words(r.units[u], variant.def)),
                               TableCell::words(r.units[u])};
    for (std::size_t i = 0; i < points; ++i) {
      const bool has = i < r.curves[u].size();
      row.push_back(TableCell::number(has ? r.curves[u][i].budget : TableCell::kNaN));
      row.push_back(has ? estimate(r.curves[u][i].change) : TableCell::number(TableCell::kNaN));
    }
    curves.rows.push_back(std::move(row));
  }
  curves.notes = {per_replicates};

  const std::vector<Table> tables{plan, result, curves};
  if (files.print_tables()) {
    for (std::size_t k = 0; k < tables.size(); ++k) {
      fmt::print("{}", k ? "\n" : "");
      print_table(stdout, tables[k], money);
    }
  }
  std::fflush(stdout);
  print_warnings(warnings);
  FileMeta meta;
  meta.scenario_name = variant.def.simulation.name;
  meta.scenario_source = scenario->source_name;
  meta.scenario_text = scenario->text;
  meta.effective_toml = scenario->effective_toml;
  meta.seed = rs.seed.value_or(variant.def.simulation.seed);
  meta.currency = variant.def.simulation.currency;
  files.write(tables, table_source(meta, {}, command_line), money);
  return 0;
}

}  // namespace cjsim::cli
