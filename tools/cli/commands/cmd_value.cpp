// cjsim value: what each channel is really worth. The same world re-run without each channel
// and with its budget -10% / +10%, on common random numbers, gives incremental customers,
// purchases, revenue, profit, ROAS and marginal ROAS with 95% confidence intervals.
#include <fmt/format.h>

#include <cstdio>
#include <mutex>

#include "cjsim/files.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/value.hpp"
#include "commands/commands.hpp"
#include "commands/posterior_decisions.hpp"
#include "common/key_words.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/run_output.hpp"
#include "common/table_output.hpp"
#include "common/text_table.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

TableCell estimate(const Estimate& e) {
  return TableCell::estimate(e.mean, e.ci_low, e.ci_high);
}

TableColumn measure_column(const std::string& header, Quantity q, bool signed_values,
                           const std::string& unit = {}) {
  TableColumn c = TableColumn::numbers(header, q, true, unit);
  c.signed_values = signed_values;
  return c;
}

// The printed tables: a row per channel with its incremental value, and new customers by segment.
std::vector<Table> value_tables(const ChannelValue& v, const ScenarioDef& def) {
  const std::string step = fmt::format("{:.0f}%", v.step * 100);
  Table main;
  main.name = "Channel value";
  main.title = fmt::format(
      "Channel value: the baseline minus the world without the channel (marginal: -{} and +{} "
      "of its budget)",
      step, step);
  main.columns = {TableColumn::words("Channel"),
                  TableColumn::words("Channel id", true),
                  measure_column("Spend", Quantity::money, false),
                  measure_column("Incremental new customers", Quantity::count, true, "customers"),
                  measure_column("Incremental purchases", Quantity::count, true, "purchases"),
                  measure_column("Incremental revenue", Quantity::money, true),
                  measure_column("Incremental profit", Quantity::money, true),
                  measure_column("ROAS", Quantity::ratio, false),
                  measure_column("Marginal ROAS", Quantity::ratio, false)};
  const char* const measures[] = {"spend",
                                  "incremental.new_customers",
                                  "incremental.purchases",
                                  "incremental.revenue",
                                  "incremental.profit",
                                  "roas",
                                  "marginal_roas"};
  for (const std::string& c : v.channels) {
    std::vector<TableCell> row{TableCell::words(channel_words(c, &def)), TableCell::words(c)};
    for (const char* m : measures) {
      const ChannelValueRow* r = v.find(c, m);
      row.push_back(r ? estimate(r->estimate) : TableCell::number(TableCell::kNaN));
    }
    main.rows.push_back(std::move(row));
  }
  main.notes = {
      fmt::format("mean ± half-width of the 95% confidence interval over {} paired replicates "
                  "(common random numbers).",
                  v.replicates),
      fmt::format("ROAS = incremental revenue / the channel's spend; marginal ROAS = change in "
                  "revenue / change in spend between -{} and +{} of its budget",
                  step, step),
      "(n/a: the channel is free, or its spend did not move)."};

  Table segments;
  segments.name = "By segment";
  segments.title = "Incremental new customers by segment";
  segments.columns = {TableColumn::words("Channel"), TableColumn::words("Channel id", true)};
  for (const std::string& g : v.segments)
    segments.columns.push_back(
        measure_column(segment_words(g, &def), Quantity::count, true, "customers"));
  for (const std::string& c : v.channels) {
    std::vector<TableCell> row{TableCell::words(channel_words(c, &def)), TableCell::words(c)};
    for (const std::string& g : v.segments) {
      const ChannelValueRow* r = v.find(c, "incremental.new_customers", g);
      row.push_back(r ? estimate(r->estimate) : TableCell::number(TableCell::kNaN));
    }
    segments.rows.push_back(std::move(row));
  }
  return {main, segments};
}

// What a measure counts, for the long table's units.
Quantity measure_quantity(const std::string& measure) {
  if (measure.find("roas") != std::string::npos) return Quantity::ratio;
  if (measure.rfind("marginal.", 0) == 0) return Quantity::number;  // per unit of spend
  if (measure.find("revenue") != std::string::npos || measure.find("margin") != std::string::npos ||
      measure.find("spend") != std::string::npos || measure.find("profit") != std::string::npos)
    return Quantity::money;
  return Quantity::count;
}

std::string measure_unit(const std::string& measure, const Money& money) {
  switch (measure_quantity(measure)) {
    case Quantity::ratio:
      return "ratio";
    case Quantity::money:
      return money.unit_words();
    case Quantity::count:
      return measure.find("purchases") != std::string::npos ? "purchases" : "customers";
    default:
      return measure.find("new_customers") != std::string::npos
                 ? fmt::format("customers per {}", money.unit_words())
                 : fmt::format("{} per {}", money.unit_words(), money.unit_words());
  }
}

// Every measure, by segment and stage too: a row each (files only; results/README.md).
Table all_measures(const ChannelValue& v, const Money& money) {
  Table t;
  t.name = "all_measures";
  t.title =
      "Every measure of cjsim value (one row per channel, counterfactual, measure, segment "
      "and stage)";
  t.columns = {TableColumn::words("channel"),
               TableColumn::words("counterfactual"),
               TableColumn::words("measure"),
               TableColumn::words("segment"),
               TableColumn::words("stage"),
               TableColumn::words("unit"),
               TableColumn::numbers("mean", Quantity::number, true),
               TableColumn::numbers("sd", Quantity::number),
               TableColumn::numbers("replicates", Quantity::number)};
  for (const ChannelValueRow& r : v.rows) {
    t.row_quantity.push_back(measure_quantity(r.measure));
    t.row_unit.push_back(measure_unit(r.measure, money));
    t.rows.push_back({TableCell::words(r.channel), TableCell::words(r.counterfactual),
                      TableCell::words(r.measure), TableCell::words(r.segment),
                      TableCell::words(r.stage), TableCell::words(t.row_unit.back()),
                      estimate(r.estimate), TableCell::number(r.estimate.sd),
                      TableCell::number(r.estimate.n)});
  }
  t.columns[8].own_convention = true;  // a count beside amounts
  return t;
}

}  // namespace

int cmd_value(const Args& args, const std::string& command_line) {
  std::string scenario_path, output, only_variant;
  TableOutput files;
  RunSettings rs;
  int replicates = 10, draws = 20;
  double step = 0.10;
  bool quiet = false, touch_paths = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "replicates,r", po::value(&replicates)->default_value(10)->value_name("R"),
      "paired replicates (at least 2)")("variant", po::value(&only_variant)->value_name("NAME"),
                                        "which variant's world (default: the first)")(
      "step", po::value(&step)->default_value(0.10, "0.1")->value_name("S"),
      "budget change of the marginal counterfactuals (0.10 = -10% and +10%)")(
      "output,o", po::value(&output)->value_name("FILE"),
      "also write an HDF5 file: the baseline runs and the value table (/runs/<v>/channel_value)")(
      "touch-paths", po::bool_switch(&touch_paths),
      "store the baseline runs' touch paths in --output (for cjsim attribute)")(
      "draws", po::value(&draws)->default_value(20)->value_name("N"),
      "given a calibration file: posterior draws to value the channels in")(
      "quiet,q", po::bool_switch(&quiet), "no progress, only the tables");
  files.add_options(opts,
                    "the tables and every measure (by segment and stage too: "
                    "FILE-all_measures.csv, a sheet)");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, true, vm, "cjsim value SCENARIO|CALIBRATION.h5 [options]",
          "  cjsim value scenarios/car_dealership.toml --replicates 20\n"
          "  cjsim value scenarios/flower_delivery.toml --set simulation.customers=20000 "
          "--replicates 8 --csv results/flowers_value.csv --xlsx results/flowers_value.xlsx\n"
          "  cjsim value scenarios/funnel_vs_loop.toml --variant loop_minded -o "
          "results/loop_value.h5 --touch-paths\n"
          "  cjsim value results/shop_calibration.h5 --draws 20 --replicates 4   # over the "
          "posterior\n")) {
    return 0;
  }
  check_threads(rs.threads);
  OutputClaim file_out;
  if (!output.empty()) file_out = claim_output(output, "-o");
  files.check(vm);  // before any work
  if (replicates < 2 || replicates > 10000) {
    throw InputError({"--replicates", 0, 0}, "replicates",
                     fmt::format("must be 2 to 10000, got {}", replicates),
                     "confidence intervals need at least two replicates: e.g. --replicates 10");
  }
  if (!(step > 0 && step < 1)) {
    throw InputError({"--step", 0, 0}, "step", fmt::format("must be between 0 and 1, got {}", step),
                     "give a budget change such as --step 0.1 (10%)");
  }
  if (touch_paths && output.empty()) {
    throw InputError({"--touch-paths", 0, 0}, "touch-paths",
                     "touch paths are stored in the --output file, and none was given",
                     "add -o FILE.h5");
  }
  if (is_hdf5_file(scenario_path)) {
    for (const char* option : {"set", "variant", "output", "touch-paths", "seed"}) {
      if (vm.count(option) && !vm[option].defaulted()) {
        throw InputError({fmt::format("--{}", option), 0, 0}, option,
                         "a calibration file holds its own world: this option does not apply",
                         "leave it out (cjsim value CALIBRATION.h5 [--draws N] [--replicates R])");
      }
    }
    if (draws < 1 || draws > 10000) {
      throw InputError({"--draws", 0, 0}, "draws", fmt::format("must be 1 to 10000, got {}", draws),
                       "e.g. --draws 20");
    }
    ValueOptions vo;
    vo.replicates = replicates;
    vo.step = step;
    vo.run.threads = rs.threads;
    vo.run.customer_table = false;
    return value_over_posterior(scenario_path, draws, vo, files, command_line, quiet);
  }
  const Scenario scenario = load_scenario(scenario_path, rs.overrides);
  print_warnings(scenario.warnings);
  const Variant& variant = pick_variant(scenario, only_variant);

  const FileMeta meta = run_file_meta(scenario, variant.def, command_line, rs.seed);
  std::optional<ResultWriter> writer;
  if (!output.empty()) {
    writer.emplace(file_out.path(), meta);  // fails now if the folder is unwritable
  }
  install_interrupt_handler();
  Progress progress("value", quiet);
  ValueOptions vo;
  vo.replicates = replicates;
  vo.step = step;
  vo.run.threads = rs.threads;
  vo.run.seed = rs.seed;
  vo.run.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    if (!p.finished) return;
    progress.update(static_cast<double>(p.runs_done) / static_cast<double>(p.runs_total),
                    fmt::format("run {}/{}", p.runs_done, p.runs_total));
  };
  // Baseline runs arrive in any order; the file wants them by replicate.
  std::vector<std::optional<RunResult>> baselines;
  std::vector<DailySeries> baseline_daily(static_cast<std::size_t>(replicates));
  if (writer) baselines.resize(static_cast<std::size_t>(replicates));
  vo.baseline = [&](int r, RunResult&& run) {
    baseline_daily[static_cast<std::size_t>(r)] = run.daily;
    if (writer) baselines[static_cast<std::size_t>(r)] = std::move(run);
  };
  vo.baseline_touch_paths = writer && touch_paths;
  const ChannelValue value = channel_value(variant.def, vo);
  progress.done(fmt::format("{} channels x {} replicates", value.channels.size(), replicates));
  if (writer) {
    std::vector<KpiTable> tables;
    for (const auto& run : baselines) {
      tables.push_back(compute_kpis(*run));
      writer->write_run(variant.name, variant.description, *run, tables.back());
    }
    writer->write_summary(variant.name, summarize(tables));
    writer->write_channel_value(variant.name, value);
    writer->commit();
  }
  const Money money = Money::of(variant.def.simulation.currency);
  std::vector<Table> tables = value_tables(value, variant.def);
  if (files.print_tables()) {
    for (std::size_t k = 0; k < tables.size(); ++k) {
      fmt::print("{}", k ? "\n" : "");
      print_table(stdout, tables[k], money);
    }
  }
  tables.push_back(all_measures(value, money));
  if (writer) fmt::print(files.text(), "\nresults: {}\n", output);
  files.write(tables, table_source(meta, output, command_line), money);
  std::fflush(files.text());
  std::vector<const DailySeries*> series;
  for (const DailySeries& d : baseline_daily) series.push_back(&d);
  std::vector<std::string> underspent;
  for (const Underspend& u : find_underspend(variant.def, series)) {
    underspent.push_back(describe(u) +
                         " (the baseline runs; a channel's value is measured at "
                         "what it really spent)");
  }
  print_warnings(underspent);
  return 0;
}

}  // namespace cjsim::cli
