// cjsim run: simulate a scenario (every variant, every replicate), write one HDF5 file, print
// the KPI table in the funnel and loop views.
#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "cjsim/ensemble.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/version.hpp"
#include "commands/commands.hpp"
#include "common/kpi_table.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/run_support.hpp"
#include "common/table_files.hpp"

namespace cjsim::cli {

int cmd_run(const Args& args, const std::string& command_line) {
  std::string scenario_path, output, only_variant, csv, xlsx;
  RunSettings rs;
  int replicates = 0;
  bool quiet = false, profile = false, no_customers = false, touch_paths = false;
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
      "csv", po::value(&csv)->value_name("FILE"),
      "also write the KPI table as CSV (every digit, units in the header); - writes it to "
      "standard output instead of the printed table")(
      "xlsx", po::value(&xlsx)->value_name("FILE"),
      "also write the KPI table as an Excel workbook (numbers with formats, a sheet on the "
      "scenario and the command)")("quiet,q", po::bool_switch(&quiet),
                                   "no progress, only the KPI table");
  add_run_settings(opts, rs);
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&scenario_path)->required());
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!parse(args, opts, hidden, pos, vm, "cjsim run SCENARIO [options]",
             "  cjsim run scenarios/flower_delivery.toml -o results/flowers.h5 --threads 2\n"
             "  cjsim run scenarios/bench.toml --set simulation.customers=100000 "
             "--set channels.search.budget=0\n"
             "  cjsim run scenarios/funnel_vs_loop.toml --replicates 5\n"
             "  cjsim run scenarios/flower_delivery.toml --touch-paths -o results/flowers.h5\n"
             "  cjsim run scenarios/flower_delivery.toml --csv results/flowers.csv --xlsx "
             "results/flowers.xlsx\n")) {
    return 0;
  }
  check_threads(rs.threads);
  // Table outputs are checked before any work: a typo costs nothing.
  if (vm.count("csv")) check_table_output(csv, "--csv", true);
  if (vm.count("xlsx")) check_table_output(xlsx, "--xlsx", false);
  if (vm.count("replicates") && (replicates < 1 || replicates > 10000)) {
    throw InputError({"--replicates", 0, 0}, "replicates",
                     fmt::format("must be 1 to 10000, got {}", replicates),
                     "give a replicate count such as --replicates 10");
  }

  const Scenario scenario = load_scenario(scenario_path, rs.overrides);
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

  const ScenarioDef& first = variants.front()->def;
  const FileMeta meta = run_file_meta(scenario, first, command_line, rs.seed);
  // Before the temporary file exists: a stop signal from here on lets the writer remove it.
  install_interrupt_handler();
  ResultWriter writer(output, meta);  // fails now, before any work, if the folder is unwritable

  std::vector<VariantRuns> runs;
  for (const Variant* v : variants) {
    runs.push_back({v->name, v->description, &v->def,
                    replicates > 0 ? replicates : v->def.simulation.replicates, touch_paths});
  }
  EnsembleOptions eo;
  eo.threads = rs.threads;
  eo.threads_per_run = 0;  // one run at a time on every thread: the file gets them in order
  eo.seed = rs.seed;
  eo.customer_table = !no_customers;
  std::optional<Progress> bar;  // the running run's
  eo.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    if (p.finished) return;
    if (p.day == 0) {
      const VariantRuns& v = runs[p.plan.id];
      bar.emplace(v.replicates > 1
                      ? fmt::format("{} {}/{}", v.name, p.plan.replicate + 1, v.replicates)
                      : v.name,
                  quiet);
    }
    bar->update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
  };
  const std::vector<KpiSummary> summaries = run_variants(
      runs, eo, &writer, [&](const RunPlan&, const RunResult& result, const KpiTable&) {
        bar->done(run_summary(result));
        if (profile) {
          print_profile(result.profile,
                        static_cast<double>(result.customers_total) * result.daily.days);
        }
      });
  std::vector<KpiColumn> columns;
  for (std::size_t k = 0; k < runs.size(); ++k) columns.push_back({runs[k].name, summaries[k]});
  writer.commit();
  const Money money = Money::of(first.simulation.currency);
  // "--csv -": standard output carries the CSV alone (for a pipe); the rest goes to stderr.
  std::FILE* text = csv == "-" ? stderr : stdout;
  if (csv != "-") print_kpi_table(stdout, columns, money);
  const std::vector<Table> tables{kpi_table_model(columns, money)};
  std::vector<std::string> written;
  if (!csv.empty()) written = write_csv_tables(csv, tables, money);
  if (!xlsx.empty()) {
    TableSource source;
    source.command_line = command_line;
    source.scenario_name = first.simulation.name;
    source.scenario_source = scenario.source_name;
    source.scenario_text = scenario.effective_toml;
    source.result_file = output;
    source.currency = first.simulation.currency;
    source.engine_version = engine_version();
    source.seed = std::to_string(meta.seed);
    write_xlsx(xlsx, tables, source, money);
    written.push_back(xlsx);
  }
  fmt::print(text, "\nresults: {}\n", output);
  for (const std::string& w : written) fmt::print(text, "table: {}\n", w);
  return 0;
}

}  // namespace cjsim::cli
