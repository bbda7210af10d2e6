#include "commands/posterior_decisions.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "cjsim/calibrate.hpp"
#include "cjsim/ensemble.hpp"
#include "cjsim/files.hpp"
#include "common/progress.hpp"
#include "common/table.hpp"
#include "common/table_files.hpp"
#include "common/table_output.hpp"
#include "common/text_table.hpp"
#include "report/page.hpp"

namespace cjsim::cli {

namespace {

std::string interval(double median, double lo, double hi) {
  if (std::isnan(median)) return "n/a";
  return fmt::format("{} ({} .. {})", format_number(median), format_number(lo), format_number(hi));
}

std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.10g}", v) : "";
}

}  // namespace

bool is_hdf5_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[8] = {};
  in.read(head, 8);
  return in.gcount() == 8 && std::string(head, 8) == std::string("\x89HDF\r\n\x1a\n", 8);
}

// The posterior value table for Excel: a row per channel and measure, its quantiles over draws.
Table posterior_value_sheet(const PosteriorValue& v) {
  Table t;
  t.name = "Posterior value";
  t.title = fmt::format("Channel value over {} posterior draws, {} paired replicates per draw",
                        v.draws, v.replicates);
  t.columns = {TableColumn::words("Channel"),
               TableColumn::words("Measure"),
               TableColumn::numbers("Mean over draws", Quantity::number),
               TableColumn::numbers("5%", Quantity::number),
               TableColumn::numbers("Median", Quantity::number),
               TableColumn::numbers("95%", Quantity::number),
               TableColumn::numbers("Noise alone (95% CI half-width)", Quantity::number),
               TableColumn::numbers("Draws", Quantity::count)};
  for (const PosteriorMeasure& m : v.rows) {
    t.rows.push_back({TableCell::words(m.channel), TableCell::words(m.measure),
                      TableCell::number(m.mean), TableCell::number(m.p05), TableCell::number(m.p50),
                      TableCell::number(m.p95), TableCell::number(m.noise),
                      TableCell::number(static_cast<double>(m.draws))});
  }
  t.notes = {
      "5% .. 95%: a 90% credible interval over the posterior draws (parameter uncertainty); "
      "noise alone: the mean half-width of one draw's 95% confidence interval"};
  return t;
}

// The posterior allocation for CSV and Excel: a row per budget unit, its best split over draws.
Table posterior_allocation_sheet(const PosteriorAllocation& a, const OptimizeOptions& options) {
  Table t;
  t.name = "Posterior allocation";
  t.title = fmt::format("Budget {} shared to maximise {} in {} posterior draws' worlds",
                        format_number(options.total), objective_name(options.objective), a.draws);
  t.columns = {
      TableColumn::words("Unit"), TableColumn::numbers("Posterior-median world", Quantity::money),
      TableColumn::numbers("5%", Quantity::money), TableColumn::numbers("Median", Quantity::money),
      TableColumn::numbers("95%", Quantity::money)};
  for (std::size_t u = 0; u < a.units.size(); ++u) {
    t.rows.push_back({TableCell::words(a.units[u]), TableCell::number(a.median_world[u]),
                      TableCell::number(a.p05[u]), TableCell::number(a.p50[u]),
                      TableCell::number(a.p95[u])});
  }
  t.notes = {fmt::format(
      "5% .. 95%: where each draw's best split puts the unit's budget (a 90% credible interval "
      "over the posterior draws); {} at the best split: median {}, 90% {} .. {}",
      objective_name(options.objective), format_number(a.objective_p50),
      format_number(a.objective_p05), format_number(a.objective_p95))};
  return t;
}

int value_over_posterior(const std::string& calibration, int draws, const ValueOptions& options,
                         const TableOutput& files, const std::string& command_line, bool quiet) {
  const CalibrationFile file = read_calibration_file(calibration);
  const FitProblem problem = fit_problem_from(file);
  install_interrupt_handler();
  Progress progress("value", quiet);
  ValueOptions vo = options;
  const int D = std::min<int>(draws, static_cast<int>(file.result.draws.size()));
  int draw = 0;
  vo.run.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    if (!p.finished) return;
    const auto done = static_cast<double>(p.runs_done), total = static_cast<double>(p.runs_total);
    progress.update((draw + done / total) / D,
                    fmt::format("draw {}/{}, run {}/{}", draw + 1, D, p.runs_done, p.runs_total));
    if (p.runs_done == p.runs_total) ++draw;  // the draw's last run
  };
  const PosteriorValue v = posterior_channel_value(problem, file.result, D, vo);
  progress.done(fmt::format("{} posterior draws x {} replicates", v.draws, v.replicates));
  std::vector<std::string> channels;
  for (const PosteriorMeasure& m : v.rows) {
    if (channels.empty() || channels.back() != m.channel) channels.push_back(m.channel);
  }
  TextTable t{{"channel", "spend", "incr. new customers", "incr. revenue", "incr. profit", "ROAS",
               "marginal ROAS", "ROAS noise alone"},
              {true},
              {}};
  for (const std::string& c : channels) {
    std::vector<std::string> row{c};
    for (const char* m : {"spend", "incremental.new_customers", "incremental.revenue",
                          "incremental.profit", "roas", "marginal_roas"}) {
      const PosteriorMeasure* x = v.find(c, m);
      row.push_back(x ? interval(x->p50, x->p05, x->p95) : "n/a");
    }
    const PosteriorMeasure* roas = v.find(c, "roas");
    row.push_back(roas && std::isfinite(roas->noise) ? "± " + format_number(roas->noise) : "n/a");
    t.rows.push_back(std::move(row));
  }
  std::FILE* const text = files.text();  // stderr when the CSV goes to standard output
  if (files.print_tables()) {
    fmt::print(text,
               "Channel value over {} posterior draws of {} (the fitted window, its observed "
               "spend), {} paired replicates per draw\n\n",
               v.draws, calibration, v.replicates);
    t.print(text);
    fmt::print(text,
               "\nmedian (5% .. 95%) over the posterior draws: a 90% credible interval that holds "
               "the parameters' uncertainty;\n'noise alone' is the mean half-width of one draw's "
               "95% confidence interval (simulation noise only).\n");
  }
  if (files.csv_claim().claimed()) {
    std::string out = "channel,measure,mean,p05,p50,p95,noise,draws\n";
    for (const PosteriorMeasure& m : v.rows) {
      out += fmt::format("{},{},{},{},{},{},{},{}\n", m.channel, m.measure, csv_number(m.mean),
                         csv_number(m.p05), csv_number(m.p50), csv_number(m.p95),
                         csv_number(m.noise), m.draws);
    }
    write_claimed(files.csv_claim(), out);
    if (!files.csv_claim().to_stdout()) fmt::print(text, "table: {}\n", files.csv);
  }
  if (files.xlsx_claim().claimed()) {
    TableSource source = table_source(file.meta, calibration, command_line);
    write_xlsx(files.xlsx_claim().path(), {posterior_value_sheet(v)}, source,
               Money::of(file.meta.currency));
    fmt::print(text, "table: {}\n", files.xlsx);
  }
  return 0;
}

int optimize_over_posterior(const std::string& calibration, int draws, OptimizeOptions options,
                            const TableOutput& files, const std::string& command_line, bool quiet) {
  const CalibrationFile file = read_calibration_file(calibration);
  const FitProblem problem = fit_problem_from(file);
  install_interrupt_handler();
  Progress progress("optimize", quiet);
  options.run.progress = [](const EnsembleProgress&) { throw_if_interrupted(); };
  options.log = {};
  const PosteriorAllocation a =
      posterior_optimize(problem, file.result, draws, options, [&](int done, int total) {
        throw_if_interrupted();
        progress.update(static_cast<double>(done) / std::max(total, 1),
                        fmt::format("posterior draw {}/{}", done, total));
      });
  progress.done(fmt::format("{} posterior draws", a.draws));
  TextTable t{
      {"unit", "posterior-median world", "best split over draws (median, 90%)"}, {true}, {}};
  for (std::size_t u = 0; u < a.units.size(); ++u) {
    t.rows.push_back(
        {a.units[u], format_number(a.median_world[u]), interval(a.p50[u], a.p05[u], a.p95[u])});
  }
  std::FILE* const text = files.text();  // stderr when the CSV goes to standard output
  if (files.print_tables()) {
    fmt::print(text,
               "Budget {} shared to maximise {} over the fitted window, in {} posterior draws' "
               "worlds ({} replicates each)\n\n",
               format_number(options.total), objective_name(options.objective), a.draws,
               options.replicates);
    t.print(text);
    fmt::print(text,
               "\n{} at each draw's best split: {}; gain over the plan scaled to the total: {}\n"
               "The interval of a unit's budget is where the best split lies across the draws: a "
               "wide one means the data cannot yet say how much that channel deserves.\n",
               objective_name(options.objective),
               interval(a.objective_p50, a.objective_p05, a.objective_p95),
               interval(a.gain_p50, a.gain_p05, a.gain_p95));
  }
  files.write({posterior_allocation_sheet(a, options)},
              table_source(file.meta, calibration, command_line), Money::of(file.meta.currency));
  return 0;
}

}  // namespace cjsim::cli
