// cjsim run: simulate a scenario (every variant, every replicate), write one HDF5 file, print
// the KPI table in the funnel and loop views.
#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "cjsim/ensemble.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/value.hpp"
#include "cjsim/version.hpp"
#include "commands/commands.hpp"
#include "common/kpi_table.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/run_output.hpp"
#include "common/table_files.hpp"

namespace cjsim::cli {

namespace {

// cjsim run --explain: the KPI definitions, for a scenario's names or in general.
int explain_kpis(const std::string& scenario_path, const std::vector<std::string>& overrides,
                 bool incremental) {
  if (!scenario_path.empty()) {
    const Scenario scenario = load_scenario(scenario_path, overrides);
    const ScenarioDef& def = scenario.variants.front().def;
    fmt::print("KPIs of {} ({} days){}:\n", scenario_path, def.simulation.days,
               incremental ? ", with --incremental" : "");
    print_kpi_definitions(stdout, kpi_definitions(run_names(def), def.simulation.days, true));
  } else {
    // A general world: one stage of each role, one segment, one channel.
    Names n;
    n.stages = {"STAGE_A", "STAGE_B", "PURCHASE", "LOYAL", "LOST"};
    n.stage_roles = {Role::unaware, Role::journey, Role::purchase, Role::retention, Role::lost};
    n.stage_advocates = {0, 0, 0, 1, 0};
    n.segments = {"SEGMENT"};
    n.channels = {"CHANNEL"};
    n.channel_reaches = {1u};
    n.sources = {"CHANNEL", "referral", "organic", "existing", "none"};
    n.edges = {"STAGE_A -> STAGE_B", "STAGE_B -> PURCHASE", "PURCHASE -> LOYAL", "LOYAL -> LOST"};
    fmt::print(
        "KPIs of a run (names in capitals stand for a scenario's stages, segments and "
        "channels; cjsim run SCENARIO --explain lists a scenario's own):\n");
    print_kpi_definitions(stdout, kpi_definitions(n, 365, true));
  }
  fmt::print(
      "\nEvery value is per run; the table shows the mean and the 95% confidence interval over "
      "the replicates.\nKPIs marked .incremental need --incremental. n/a means undefined; a "
      "footnote under the table says why.\n");
  return 0;
}

}  // namespace

int cmd_run(const Args& args, const std::string& command_line) {
  std::string scenario_path, output, only_variant, csv, xlsx;
  RunSettings rs;
  int replicates = 0;
  bool quiet = false, profile = false, no_customers = false, touch_paths = false, explain = false,
       incremental = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value(&output)->value_name("FILE"),
      "HDF5 file to write (default: results/<scenario>.h5)")(
      "variant", po::value(&only_variant)->value_name("NAME"), "run only this variant")(
      "replicates,r", po::value(&replicates)->value_name("R"),
      "replicates per variant (default: simulation.replicates)")(
      "no-customers", po::bool_switch(&no_customers), "do not store the per-customer table")(
      "touch-paths", po::bool_switch(&touch_paths),
      "store every customer's exposures and purchases in order (for cjsim attribute and "
      "cjsim export --paths)")("profile", po::bool_switch(&profile),
                               "print the time spent in each phase of the day")(
      "incremental", po::bool_switch(&incremental),
      "also run each replicate with every budget at 0 on the same random numbers, and report "
      "what marketing added: new customers, margin and incremental ROMI (twice the runs)")(
      "explain", po::bool_switch(&explain),
      "print every KPI's definition and formula (for SCENARIO's stages and channels, or in "
      "general without one) and run nothing")(
      "csv", po::value(&csv)->value_name("FILE"),
      "also write the KPI table as CSV (every digit, units in the header); - writes it to "
      "standard output instead of the printed table")(
      "xlsx", po::value(&xlsx)->value_name("FILE"),
      "also write the KPI table as an Excel workbook (numbers with formats, a sheet on the "
      "scenario and the command)")("quiet,q", po::bool_switch(&quiet),
                                   "no progress, only the KPI table");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, false, vm, "cjsim run SCENARIO [options]",
          "  cjsim run scenarios/flower_delivery.toml -o results/flowers.h5 --threads 2\n"
          "  cjsim run scenarios/bench.toml --set simulation.customers=100000 "
          "--set channels.search.budget=0\n"
          "  cjsim run scenarios/funnel_vs_loop.toml --replicates 5\n"
          "  cjsim run scenarios/flower_delivery.toml --touch-paths -o results/flowers.h5\n"
          "  cjsim run scenarios/flower_delivery.toml --csv results/flowers.csv --xlsx "
          "results/flowers.xlsx\n"
          "  cjsim run scenarios/flower_delivery.toml --incremental --replicates 4\n"
          "  cjsim run scenarios/bench.toml --explain      # every KPI's formula\n")) {
    return 0;
  }
  if (explain) return explain_kpis(scenario_path, rs.overrides, incremental);
  if (scenario_path.empty()) {
    throw InputError({"cjsim run", 0, 0}, "", "missing the SCENARIO argument",
                     "usage: cjsim run SCENARIO [options] ('cjsim run --help' shows examples)");
  }
  check_threads(rs.threads);
  // Table outputs are claimed before any work (common/output_path.hpp): a typo costs nothing.
  OutputClaim csv_out, xlsx_out;
  if (vm.count("csv")) csv_out = claim_output(csv, "--csv", true);
  if (vm.count("xlsx")) xlsx_out = claim_output(xlsx, "--xlsx");
  if (vm.count("replicates") && (replicates < 1 || replicates > 10000)) {
    throw InputError({"--replicates", 0, 0}, "replicates",
                     fmt::format("must be 1 to 10000, got {}", replicates),
                     "give a replicate count such as --replicates 10");
  }

  const Scenario scenario = load_scenario(scenario_path, rs.overrides);

  print_warnings(scenario.warnings);
  std::vector<const Variant*> variants;
  for (const Variant& v : scenario.variants) {
    if (only_variant.empty() || v.name == only_variant) variants.push_back(&v);
  }
  if (variants.empty()) {
    std::string names;
    for (const Variant& v : scenario.variants) names += (names.empty() ? "" : ", ") + v.name;
    throw InputError({"--variant", 0, 0}, "variant",
                     fmt::format("no variant named '{}'", only_variant),
                     fmt::format("choose one of: {}", names));
  }
  if (output.empty()) output = default_output(scenario_path);
  const OutputClaim out = claim_output(output, "-o");

  const ScenarioDef& first = variants.front()->def;
  const FileMeta meta = run_file_meta(scenario, first, command_line, rs.seed);
  // Before the temporary file exists: a stop signal from here on lets the writer remove it.
  install_interrupt_handler();
  ResultWriter writer(out.path(), meta);  // fails now, before any work, if the folder is unwritable

  // --incremental: each variant's world with every budget at 0, run on the same random numbers.
  std::vector<ScenarioDef> zero_spend;
  zero_spend.reserve(variants.size());  // runs point into it
  std::vector<VariantRuns> runs;
  for (const Variant* v : variants) {
    const ScenarioDef* zero = nullptr;
    if (incremental) {
      ScenarioDef& z = zero_spend.emplace_back(v->def);
      for (std::size_t c = 0; c < z.channels.size(); ++c) scale_channel(z, c, 0.0);
      zero = &z;
    }
    runs.push_back({v->name, v->description, &v->def,
                    replicates > 0 ? replicates : v->def.simulation.replicates, touch_paths, zero});
  }
  EnsembleOptions eo;
  eo.threads = rs.threads;
  eo.threads_per_run = 0;  // one run at a time on every thread: the file gets them in order
  eo.seed = rs.seed;
  eo.customer_table = !no_customers;
  std::optional<Progress> bar;  // the running run's
  eo.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    // Plans with an id past the variants are --incremental's zero-spend twins.
    const bool twin = p.plan.id >= runs.size();
    if (p.finished) {
      if (twin && bar) bar->done("every budget at 0, for the incremental KPIs");
      return;
    }
    if (p.day == 0) {
      const VariantRuns& v = runs[p.plan.id % runs.size()];
      const std::string name = twin ? v.name + " (budgets at 0)" : v.name;
      bar.emplace(v.replicates > 1
                      ? fmt::format("{} {}/{}", name, p.plan.replicate + 1, v.replicates)
                      : name,
                  quiet);
    }
    bar->update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
  };
  std::vector<std::vector<DailySeries>> daily(runs.size());  // for the underspend check
  const std::vector<KpiSummary> summaries = run_variants(
      runs, eo, &writer, [&](const RunPlan& plan, const RunResult& result, const KpiTable&) {
        daily[plan.id].push_back(result.daily);
        bar->done(run_summary(result));
        if (profile) {
          print_profile(result.profile,
                        static_cast<double>(result.customers_total) * result.daily.days);
        }
      });
  std::vector<KpiColumn> columns;
  std::vector<std::string> underspent;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    columns.push_back({runs[k].name, summaries[k]});
    std::vector<const DailySeries*> series;
    for (const DailySeries& d : daily[k]) series.push_back(&d);
    for (const Underspend& u : find_underspend(*runs[k].def, series)) {
      underspent.push_back(
          fmt::format("{}{}", runs.size() > 1 ? runs[k].name + ": " : "", describe(u)));
    }
  }
  writer.commit();
  const Money money = Money::of(first.simulation.currency);
  // "--csv -": standard output carries the CSV alone (for a pipe); the rest goes to stderr.
  std::FILE* text = csv == "-" ? stderr : stdout;
  if (csv != "-") print_kpi_table(stdout, columns, money);
  const std::vector<Table> tables{kpi_table_model(columns, money)};
  std::vector<std::string> written;
  if (csv_out.claimed()) {
    written = write_csv_tables(csv_out.to_stdout() ? "-" : csv_out.path(), tables, money);
  }
  if (xlsx_out.claimed()) {
    TableSource source;
    source.command_line = command_line;
    source.scenario_name = first.simulation.name;
    source.scenario_source = scenario.source_name;
    source.scenario_text = scenario.effective_toml;
    source.result_file = output;
    source.currency = first.simulation.currency;
    source.engine_version = engine_version();
    source.seed = std::to_string(meta.seed);
    write_xlsx(xlsx_out.path(), tables, source, money);
    written.push_back(xlsx);
  }
  std::fflush(stdout);
  print_warnings(underspent);
  fmt::print(text, "\nresults: {}\n", output);
  for (const std::string& w : written) fmt::print(text, "table: {}\n", w);
  return 0;
}

}  // namespace cjsim::cli
