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
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/run_support.hpp"
#include "common/text_table.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.10g}", v) : "";
}

// The whole table, one row per (channel, measure, segment, stage).
std::string value_csv(const ChannelValue& v) {
  std::string out =
      "channel,counterfactual,measure,segment,stage,mean,sd,ci_low,ci_high,replicates\n";
  for (const ChannelValueRow& r : v.rows) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", r.channel, r.counterfactual, r.measure,
                       r.segment, r.stage, csv_number(r.estimate.mean), csv_number(r.estimate.sd),
                       csv_number(r.estimate.ci_low), csv_number(r.estimate.ci_high), r.estimate.n);
  }
  return out;
}

void print_value(const ChannelValue& v) {
  auto cell = [&](const std::string& channel, const char* measure, const char* unit) {
    const ChannelValueRow* row = v.find(channel, measure);
    return row ? estimate_cell(row->estimate, unit) : std::string("n/a");
  };
  TextTable main{{"channel", "spend", "incr. new customers", "incr. purchases", "incr. revenue",
                  "incr. profit", "ROAS", "marginal ROAS"},
                 {true},
                 {},
                 true};
  for (const std::string& c : v.channels) {
    main.rows.push_back(
        {c, cell(c, "spend", "currency"), cell(c, "incremental.new_customers", "customers"),
         cell(c, "incremental.purchases", "purchases"), cell(c, "incremental.revenue", "currency"),
         cell(c, "incremental.profit", "currency"), cell(c, "roas", "ratio"),
         cell(c, "marginal_roas", "ratio")});
  }
  fmt::print(
      "Channel value: baseline minus the world without the channel (marginal: "
      "+-{:.0f}% of its budget)\n\n",
      v.step * 100);
  main.print(stdout);
  TextTable segments{{"incr. new customers"}, {true}, {}, true};
  for (const std::string& g : v.segments) segments.header.push_back(g);
  for (const std::string& c : v.channels) {
    std::vector<std::string> row{c};
    for (const std::string& g : v.segments) {
      const ChannelValueRow* r = v.find(c, "incremental.new_customers", g);
      row.push_back(r ? estimate_cell(r->estimate, "customers") : "n/a");
    }
    segments.rows.push_back(std::move(row));
  }
  fmt::print("\nBy segment\n\n");
  segments.print(stdout);
  fmt::print(
      "\nmean ± half-width of the 95% confidence interval over {} paired replicates (common "
      "random numbers).\nROAS = incremental revenue / the channel's spend; marginal ROAS = "
      "change in revenue / change in spend\nbetween -{:.0f}% and +{:.0f}% of its budget (n/a: the "
      "channel is free, or its spend did not move).\n",
      v.replicates, v.step * 100, v.step * 100);
}

}  // namespace

int cmd_value(const Args& args, const std::string& command_line) {
  std::string scenario_path, output, only_variant, csv;
  RunSettings rs;
  int replicates = 10;
  double step = 0.10;
  bool quiet = false, touch_paths = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "replicates,r", po::value(&replicates)->default_value(10)->value_name("R"),
      "paired replicates (at least 2)")("variant", po::value(&only_variant)->value_name("NAME"),
                                        "which variant's world (default: the first)")(
      "step", po::value(&step)->default_value(0.10)->value_name("S"),
      "budget change of the marginal counterfactuals (0.10 = -10% and +10%)")(
      "output,o", po::value(&output)->value_name("FILE"),
      "also write an HDF5 file: the baseline runs and the value table (/runs/<v>/channel_value)")(
      "touch-paths", po::bool_switch(&touch_paths),
      "store the baseline runs' touch paths in --output (for cjsim attribute)")(
      "csv", po::value(&csv)->value_name("FILE"),
      "write every measure (by segment and stage too) as CSV")("quiet,q", po::bool_switch(&quiet),
                                                               "no progress, only the tables");
  add_run_settings(opts, rs);
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&scenario_path)->required());
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse(args, opts, hidden, pos, vm, "cjsim value SCENARIO [options]",
             "  cjsim value scenarios/car_dealership.toml --replicates 20\n"
             "  cjsim value scenarios/flower_delivery.toml --set simulation.customers=20000 "
             "--replicates 8 --csv results/flowers_value.csv\n"
             "  cjsim value scenarios/funnel_vs_loop.toml --variant loop_minded -o "
             "results/loop_value.h5 --touch-paths\n")) {
    return 0;
  }
  check_threads(rs.threads);
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
  const Scenario scenario = load_scenario(scenario_path, rs.overrides);
  const Variant& variant = pick_variant(scenario, only_variant);

  std::optional<ResultWriter> writer;
  if (!output.empty()) {
    FileMeta meta;
    meta.scenario_name = variant.def.simulation.name;
    meta.scenario_source = scenario.source_name;
    meta.scenario_text = scenario.text;
    meta.effective_toml = scenario.effective_toml;
    meta.command_line = command_line;
    meta.seed = rs.seed.value_or(variant.def.simulation.seed);
    meta.currency = variant.def.simulation.currency;
    writer.emplace(output, meta);  // fails now if the folder is unwritable
  }
  install_interrupt_handler();
  Progress progress("value", quiet);
  ValueOptions vo;
  vo.replicates = replicates;
  vo.step = step;
  vo.run.threads = rs.threads;
  vo.run.seed = rs.seed;
  vo.run.progress = [&](std::size_t done, std::size_t total) {
    throw_if_interrupted();
    progress.update(static_cast<double>(done) / static_cast<double>(total),
                    fmt::format("run {}/{}", done, total));
  };
  // Baseline runs arrive in any order; the file wants them by replicate.
  std::vector<std::optional<RunResult>> baselines;
  if (writer) {
    baselines.resize(static_cast<std::size_t>(replicates));
    vo.baseline = [&](int r, RunResult&& run) {
      baselines[static_cast<std::size_t>(r)] = std::move(run);
    };
    vo.baseline_touch_paths = touch_paths;
  }
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
  if (!csv.empty()) write_file_atomically(csv, value_csv(value));
  print_value(value);
  if (writer) fmt::print("\nresults: {}\n", output);
  if (!csv.empty()) fmt::print("table: {}\n", csv);
  return 0;
}

}  // namespace cjsim::cli
