// cjsim forecast: the calibrated world run beyond the observed periods, once per posterior draw,
// with predictive bands per target; compared with later observations when given (the error of
// each target's median forecast beside carrying the last 13 periods' mean forward).
#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "cjsim/calibrate.hpp"
#include "cjsim/files.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/text_table.hpp"
#include "report/page.hpp"

namespace cjsim::cli {

namespace {

std::string band(double median, double lo, double hi) {
  if (std::isnan(median)) return "n/a";
  return fmt::format("{} ({} .. {})", format_number(median), format_number(lo), format_number(hi));
}

std::string csv_number(double v) {
  return std::isfinite(v) ? fmt::format("{:.10g}", v) : "";
}

std::string forecast_csv(const Forecast& f) {
  std::string out = "target,date,days,p05,p25,p50,p75,p95,observed\n";
  for (const PredictiveTarget& t : f.targets) {
    for (std::size_t p = 0; p < f.periods.size(); ++p) {
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", t.name,
                         format_date(f.day0 + f.periods[p].first), f.periods[p].days,
                         csv_number(t.p05[p]), csv_number(t.p25[p]), csv_number(t.p50[p]),
                         csv_number(t.p75[p]), csv_number(t.p95[p]), csv_number(t.observed[p]));
    }
  }
  return out;
}

// `out`: standard output, or standard error when the CSV goes to standard output (--csv -).
void print_forecast(std::FILE* out, const Forecast& f, std::size_t max_targets) {
  TextTable t;
  t.header = {"period"};
  t.left = {true};
  const std::size_t K = std::min(max_targets, f.targets.size());
  for (std::size_t k = 0; k < K; ++k) t.header.push_back(f.targets[k].name);
  const bool later = std::any_of(f.targets.begin(), f.targets.end(), [](const PredictiveTarget& x) {
    return std::any_of(x.observed.begin(), x.observed.end(),
                       [](double v) { return !std::isnan(v); });
  });
  for (std::size_t p = 0; p < f.periods.size(); ++p) {
    std::vector<std::string> row{format_date(f.day0 + f.periods[p].first)};
    for (std::size_t k = 0; k < K; ++k) {
      const PredictiveTarget& x = f.targets[k];
      std::string cell = band(x.p50[p], x.p05[p], x.p95[p]);
      if (later && !std::isnan(x.observed[p])) cell += "  obs " + format_number(x.observed[p]);
      row.push_back(cell);
    }
    t.rows.push_back(std::move(row));
  }
  fmt::print(out,
             "Forecast over {} posterior draws (median and 90% band per period, market scale)\n\n",
             f.draws);
  t.print(out);
  if (f.targets.size() > K) {
    fmt::print(out, "({} more targets in --csv)\n", f.targets.size() - K);
  }
  if (f.errors.empty()) return;
  TextTable e{{"target", "periods", "forecast bias", "forecast error", "inside 90% band",
               "naive bias", "naive error"},
              {true},
              {}};
  const auto pct = [](double v) {
    return std::isnan(v) ? std::string("n/a") : fmt::format("{:+.1f}%", 100 * v);
  };
  const auto abs_pct = [](double v) {
    return std::isnan(v) ? std::string("n/a") : fmt::format("{:.1f}%", 100 * v);
  };
  for (const ForecastError& x : f.errors) {
    e.rows.push_back({x.target, std::to_string(x.periods), pct(x.bias), abs_pct(x.mape),
                      abs_pct(x.coverage90), pct(x.naive_bias), abs_pct(x.naive_mape)});
  }
  fmt::print(
      out,
      "\nAgainst the later observations: bias = (forecast total - observed total) / observed "
      "total;\nerror = mean |forecast - observed| / observed per period; naive = the last 13 "
      "periods' mean carried forward\n\n");
  e.print(out);
}

}  // namespace

int cmd_forecast(const Args& args, const std::string& command_line) {
  static_cast<void>(command_line);
  std::string input, csv;
  std::vector<std::string> later_files;
  int periods = 0, draws = 0, threads = 0, show = 4;
  bool quiet = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "periods", po::value(&periods)->value_name("N"),
      "future periods to forecast (of the data's frequency: weeks or months)")(
      "observed", po::value(&later_files)->composing()->value_name("FILE"),
      "later observations: their spend drives the forecast, their outcomes are compared with "
      "it (the periods right after the fitted window)")(
      "draws", po::value(&draws)->default_value(0)->value_name("N"),
      "posterior draws to run (0: every draw the file keeps)")(
      "csv", po::value(&csv)->value_name("FILE"),
      "write every target's bands per period as CSV (- for standard output; the table then goes "
      "to standard error)")("show", po::value(&show)->default_value(4)->value_name("K"),
                            "targets in the printed table")(
      "threads", po::value(&threads)->default_value(0)->value_name("N"),
      "threads (0 = every core); results are the same for any N")(
      "quiet,q", po::bool_switch(&quiet), "no progress");
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, input, true, vm, "cjsim forecast CALIBRATION.h5 [--periods N] [options]",
          "  cjsim forecast results/shop_calibration.h5 --periods 26\n"
          "  cjsim forecast results/shop_calibration.h5 --observed data/2026_h1.csv --csv "
          "forecast.csv\n")) {
    return 0;
  }
  check_threads(threads);
  if (later_files.empty() && (periods < 1 || periods > 520)) {
    throw InputError({"--periods", 0, 0}, "periods",
                     periods == 0 ? std::string("how many periods to forecast?")
                                  : fmt::format("must be 1 to 520, got {}", periods),
                     "give --periods N (e.g. 26 weeks), or --observed FILE with the later periods");
  }
  if (draws < 0) {
    throw InputError({"--draws", 0, 0}, "draws", "must be >= 0", "e.g. --draws 100");
  }
  // Claimed before any work (common/output_path.hpp): the folder, no device or FIFO, a
  // symlink's target, one writer; "-" is standard output, and the printed text goes to stderr.
  OutputClaim csv_out;
  if (vm.count("csv")) csv_out = claim_output(csv, "--csv", true);
  std::FILE* const text = csv_out.to_stdout() ? stderr : stdout;
  const CalibrationFile file = read_calibration_file(input);
  const FitProblem problem = fit_problem_from(file);
  ForecastOptions fo;
  fo.periods = periods;
  fo.draws = draws;
  fo.threads = threads;
  if (!later_files.empty()) {
    const ScenarioDef def = problem.world(file.result.median);
    ObservedOptions oo;
    for (const ChannelDef& c : def.channels) oo.channels.push_back(c.name);
    for (const StageDef& s : def.stages) {
      oo.stages.push_back(s.name);
      if (s.role == Role::purchase) oo.purchase_stages.push_back(s.name);
    }
    oo.day0 = file.observed.day0;
    ObservedData later = read_observed(later_files, oo);
    for (const std::string& note : later.notes) fmt::print(text, "note: {}\n", note);
    fo.later = std::move(later);
  }
  install_interrupt_handler();
  Progress progress("forecast", quiet);
  fo.progress = [&](int done, int total) {
    throw_if_interrupted();
    progress.update(static_cast<double>(done) / total, fmt::format("draw {}/{}", done, total));
  };
  const Forecast f = forecast(problem, file.result, fo);
  progress.done(fmt::format("{} draws x {} periods", f.draws, f.periods.size()));
  if (csv_out.claimed()) write_claimed(csv_out, forecast_csv(f));
  print_forecast(text, f, static_cast<std::size_t>(std::max(show, 1)));
  if (csv_out.claimed() && !csv_out.to_stdout()) fmt::print(text, "\ntable: {}\n", csv);
  return 0;
}

}  // namespace cjsim::cli
