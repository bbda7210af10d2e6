// cjsim calibrate: fit a scenario's [calibrate] priors to observed data by ABC-SMC, after a
// sensitivity screen, and write the posterior, its predictions and checks to an HDF5 file.
// The method: engine/README.md "Calibration"; the keys: scenarios/README.md "calibrate".
#include <fmt/format.h>
#include <tbb/info.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "cjsim/calibrate.hpp"
#include "cjsim/files.hpp"
#include "cjsim/scenario_io.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/run_output.hpp"
#include "common/text_table.hpp"
#include "report/page.hpp"

namespace cjsim::cli {

namespace {

std::string g4(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "n/a" : (v > 0 ? "inf" : "-inf");
  return fmt::format("{:.4g}", v);
}

// FNV-1a over the text of everything a calibration's result depends on, except its stopping
// rules (budget, generations, min_acceptance), which a resume may raise.
std::string fingerprint(const ScenarioDocument& doc, const std::vector<std::string>& overrides,
                        const FitProblem& problem) {
  std::string text = doc.text();
  for (const std::string& o : overrides) text += "\n--set " + o;
  text += "\nvariant " + problem.variant();
  const ObservedData& o = problem.observed();
  text += fmt::format("\nday0 {}", o.day0);
  for (const Period& p : o.periods) text += fmt::format(" {}+{}", p.first, p.days);
  for (const ObservedColumn& c : o.columns) {
    text += "\n" + c.name;
    for (const double v : c.values) text += fmt::format(" {:.17g}", v);
  }
  if (o.customers) {
    for (const double v : o.customers->purchases) text += fmt::format(" {:.17g}", v);
    for (const double v : o.customers->recency) text += fmt::format(" {:.17g}", v);
  }
  const CalibrateSettings& s = problem.spec().settings;
  text += fmt::format(
      "\nscale {:.17g} particles {} quantile {:.17g} batch {} seed {} draws {} screen {} "
      "summaries {} forecast {} value {}",
      s.scale, s.smc.particles, s.smc.quantile, s.smc.batch, s.smc.seed, s.draws,
      s.screen_replicates, s.smc.projection, s.forecast, s.value_draws);
  std::uint64_t h = 1469598103934665603ull;
  for (const char ch : text) {
    h ^= static_cast<unsigned char>(ch);
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

std::string checkpoint_path(const std::string& output) {
  const std::filesystem::path p(output);
  return (p.parent_path() / fmt::format(".{}.calibrate-checkpoint", p.filename().string()))
      .string();
}

void print_screen(const Screen& s) {
  TextTable t;
  t.header = {"parameter"};
  t.left = {true};
  for (const std::string& target : s.targets) t.header.push_back(target);
  const std::size_t K = s.targets.size();
  for (std::size_t i = 0; i < s.parameters.size(); ++i) {
    std::vector<std::string> row{s.parameters[i] + (s.flat[i] ? "  (flat)" : "")};
    for (std::size_t k = 0; k < K; ++k) row.push_back(fmt::format("{:.1f}", s.effect[i * K + k]));
    t.rows.push_back(std::move(row));
  }
  fmt::print(
      "Sensitivity screen ({} simulations on common random numbers): how far each target moves, "
      "in units of its noise,\nwhen a parameter goes from its prior's 10% to its 90% quantile "
      "(the others at their medians)\n\n",
      s.simulations);
  t.print(stdout);
  if (!s.advice.empty()) {
    fmt::print("\n");
    for (const std::string& a : s.advice) fmt::print("  ! {}\n", a);
  }
  fmt::print("\n");
}

void print_result(const CalibrationResult& r) {
  TextTable g{{"generation", "epsilon", "simulations", "acceptance", "ESS"}, {}, {}};
  for (std::size_t t = 0; t < r.abc.history.size(); ++t) {
    const AbcGeneration& h = r.abc.history[t];
    g.rows.push_back({std::to_string(t), g4(h.epsilon),
                      format_number(static_cast<double>(h.simulations)),
                      fmt::format("{:.1f}%", 100 * h.acceptance), fmt::format("{:.0f}", h.ess)});
  }
  const std::string why = r.abc.stopped == "budget" ? "the simulation budget was spent"
                          : r.abc.stopped == "acceptance"
                              ? "the acceptance rate fell below the minimum"
                          : r.abc.stopped == "generations" ? "the last generation was reached"
                          : r.abc.stopped == "epsilon"     ? "epsilon reached its target"
                                                           : r.abc.stopped;
  fmt::print("ABC-SMC: {} generations, {} simulations; stopped because {}\n\n", r.abc.generations,
             format_number(static_cast<double>(r.abc.simulations)), why);
  g.print(stdout);
  TextTable p{{"parameter", "prior", "prior 5% .. 95%", "posterior median", "posterior 5% .. 95%",
               "width kept", ""},
              {true, true},
              {}};
  for (const ParameterSummary& s : r.summary) {
    p.rows.push_back({s.name, s.prior, fmt::format("{} .. {}", g4(s.prior_p05), g4(s.prior_p95)),
                      g4(s.p50), fmt::format("{} .. {}", g4(s.p05), g4(s.p95)),
                      fmt::format("{:.0f}%", 100 * s.shrinkage),
                      s.uninformed ? "the data say little about this" : ""});
  }
  fmt::print(
      "\nPosterior ({} particles; width kept: the 90% interval's width against the prior's)\n\n",
      r.abc.population.size());
  p.print(stdout);
  TextTable c{{"target", "observed values", "inside the 90% band", "check p-value"}, {true}, {}};
  for (const PredictiveTarget& t : r.predictive) {
    std::size_t n = 0;
    for (const double v : t.observed) n += std::isnan(v) ? 0u : 1u;
    c.rows.push_back({t.name, std::to_string(n),
                      std::isnan(t.coverage90) ? "n/a" : fmt::format("{:.0f}%", 100 * t.coverage90),
                      g4(t.ppp)});
  }
  fmt::print(
      "\nPosterior predictive check ({} draws, each simulated with a fresh seed): a p-value near 0 "
      "means the fitted world\ncannot produce data like the observed (chi-square discrepancy of "
      "square roots)\n\n",
      r.draws.size());
  c.print(stdout);
  for (const std::string& w : r.warnings) fmt::print("\n  ! {}\n", w);
}

}  // namespace

int cmd_calibrate(const Args& args, const std::string& command_line) {
  std::string scenario_path, output, only_variant, write_scenario;
  std::vector<std::string> observed_files;
  RunSettings rs;
  bool quiet = false, resume = false;
  std::int64_t budget = 0;
  int particles = 0;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "observed", po::value(&observed_files)->composing()->value_name("FILE"),
      "observed data: period aggregates (date,new_customers,...) or an event log "
      "(customer_id,date,event[,value]); repeat for both (default: calibrate.observed)")(
      "output,o", po::value(&output)->value_name("FILE"),
      "the calibration file (default results/<scenario>_calibration.h5)")(
      "variant", po::value(&only_variant)->value_name("NAME"),
      "which variant's world to fit (default: the first)")(
      "resume", po::bool_switch(&resume),
      "continue an interrupted calibration of the same output from its last finished generation")(
      "budget", po::value(&budget)->value_name("N"),
      "simulations in all (overrides calibrate.budget)")(
      "particles", po::value(&particles)->value_name("N"),
      "particles per generation (overrides calibrate.particles)")(
      "write-scenario", po::value(&write_scenario)->value_name("FILE"),
      "also write the scenario at the posterior median, each fitted value commented")(
      "quiet,q", po::bool_switch(&quiet), "no progress, only the tables");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, true, vm,
          "cjsim calibrate SCENARIO [--observed FILE] [-o FILE.h5] [options]",
          "  cjsim calibrate my_shop.toml --observed data/weekly.csv -o results/shop_cal.h5\n"
          "  cjsim calibrate my_shop.toml --observed data/orders.csv --observed data/weekly.csv "
          "--threads 2\n"
          "  cjsim calibrate my_shop.toml -o results/shop_cal.h5 --resume   # after Ctrl-C\n"
          "  cjsim calibrate my_shop.toml --budget 40000 --write-scenario my_shop_fitted.toml\n"
          "then: cjsim report results/shop_cal.h5; cjsim forecast results/shop_cal.h5 "
          "--periods 26\n")) {
    return 0;
  }
  check_threads(rs.threads);
  if (const char* size = std::getenv("OMPI_COMM_WORLD_SIZE"); size && std::atoi(size) > 1) {
    throw InputError({"mpirun", 0, 0}, "",
                     "cjsim calibrate runs on one machine; under mpirun every rank would run the "
                     "same calibration",
                     "run it without mpirun, with --threads for the machine's cores");
  }
  if (vm.count("budget") && (budget < 10 || budget > 1'000'000'000)) {
    throw InputError({"--budget", 0, 0}, "budget",
                     fmt::format("must be 10 to 10^9, got {}", budget),
                     "give the simulations the fit may run, e.g. --budget 20000");
  }
  if (vm.count("particles") && (particles < 10 || particles > 1'000'000)) {
    throw InputError({"--particles", 0, 0}, "particles",
                     fmt::format("must be 10 to 1,000,000, got {}", particles),
                     "e.g. --particles 300");
  }
  // The outputs, claimed before any work (common/output_path.hpp): the folder, no device or
  // FIFO, a symlink's target, one writer (the lock is held to the end, over the checkpoint too).
  if (output.empty()) output = default_output(scenario_path, "_calibration.h5");
  const OutputClaim out = claim_output(output, "-o");
  OutputClaim scenario_out;
  if (!write_scenario.empty()) scenario_out = claim_output(write_scenario, "--write-scenario");
  ScenarioDocument doc = ScenarioDocument::from_file(scenario_path);
  for (const std::string& o : rs.overrides) doc.set(o);
  CalibrationSpec spec = read_calibrate_section(doc);
  if (vm.count("budget")) spec.settings.smc.budget = budget;
  if (vm.count("particles")) spec.settings.smc.particles = particles;
  if (spec.settings.smc.budget < spec.settings.smc.particles) {
    throw InputError({"--budget", 0, 0}, "budget",
                     fmt::format("budget {} is below the particles {}", spec.settings.smc.budget,
                                 spec.settings.smc.particles),
                     "give a budget of at least 20 times the particles");
  }
  if (rs.seed) spec.settings.smc.seed = *rs.seed;
  const Scenario scenario = build_scenario(doc);
  const Variant* variant = &scenario.variants.front();
  if (!only_variant.empty()) {
    variant = nullptr;
    std::vector<std::string> names;
    for (const Variant& v : scenario.variants) {
      names.push_back(v.name);
      if (v.name == only_variant) variant = &v;
    }
    if (variant == nullptr) {
      throw InputError(
          {"--variant", 0, 0}, "variant",
          fmt::format("the scenario has no variant '{}'", only_variant),
          "the variants are: " + [&] {
            std::string s;
            for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
            return s;
          }());
    }
  }
  ObservedOptions oo;
  for (const ChannelDef& c : variant->def.channels) oo.channels.push_back(c.name);
  for (const StageDef& s : variant->def.stages) {
    oo.stages.push_back(s.name);
    if (s.role == Role::purchase) oo.purchase_stages.push_back(s.name);
  }
  oo.from = spec.settings.from;
  oo.to = spec.settings.to;
  oo.from_place = spec.settings.from_place;
  oo.to_place = spec.settings.to_place;
  oo.period = spec.settings.period;
  const std::vector<std::string> files =
      observed_files.empty() ? spec.settings.observed : observed_files;
  if (files.empty()) {
    throw InputError({"--observed", 0, 0}, "observed", "no observed data to fit",
                     "give --observed FILE.csv, or observed = \"FILE.csv\" in [calibrate]");
  }
  ObservedData observed = read_observed(files, oo);
  const FitProblem problem(doc, variant->name, std::move(spec), std::move(observed));
  const std::string checkpoint = checkpoint_path(out.path());
  const std::string print = fingerprint(doc, rs.overrides, problem);
  std::optional<Screen> screen;
  std::optional<AbcState> state;
  const bool have_checkpoint = std::filesystem::exists(checkpoint);
  if (resume) {
    if (!have_checkpoint) {
      throw InputError(
          {"--resume", 0, 0}, "resume",
          fmt::format("nothing to resume: no interrupted calibration of {} ({} is missing)", output,
                      checkpoint),
          "run without --resume to start one");
    }
    Checkpoint c = read_checkpoint(checkpoint, problem);
    if (c.fingerprint != print) {
      throw InputError({"--resume", 0, 0}, "resume",
                       "the scenario, its overrides, the observed data or the calibration's "
                       "settings changed since the calibration was interrupted",
                       fmt::format("start afresh: delete {} and run without --resume", checkpoint));
    }
    screen = std::move(c.screen);
    if (c.state.generations > 0) {
      if (c.state.stopped == "budget" || c.state.stopped == "generations") c.state.stopped.clear();
      state = std::move(c.state);
    }
  } else if (have_checkpoint) {
    throw InputError(
        {"--output", 0, 0}, "output",
        fmt::format("an interrupted calibration of {} is kept in {}", output, checkpoint),
        "continue it with --resume, or delete the checkpoint to start afresh");
  }
  for (const std::string& note : problem.observed().notes) fmt::print("note: {}\n", note);
  const ObservedData& ob = problem.observed();
  fmt::print("observed: {} {} periods from {} ({} series{}); fitting {} parameters to {} targets\n",
             ob.periods.size(), ob.frequency,
             ob.periods.empty() ? std::string() : format_date(ob.day0 + ob.periods.front().first),
             ob.columns.size(), ob.customers ? ", customer histograms" : "",
             problem.spec().parameters.size(), problem.targets().size());

  install_interrupt_handler();
  Progress progress("calibrate", quiet);
  CalibrateOptions co;
  co.threads = rs.threads;
  co.seed = problem.spec().settings.smc.seed;
  std::string phase;
  co.progress = [&](const CalibrateProgress& p) {
    throw_if_interrupted();
    if (p.phase != phase) {
      if (phase == "screen") progress.done("screen done");
      phase = p.phase;
    }
    if (p.phase == "abc") {
      const AbcProgress& a = p.abc;
      progress.update(std::min(1.0, static_cast<double>(a.total) / static_cast<double>(a.budget)),
                      fmt::format("generation {}  epsilon {}  accepted {}/{}  acceptance {:.1f}%",
                                  a.generation, g4(a.epsilon), a.accepted, a.particles,
                                  100.0 * a.accepted /
                                      std::max<double>(1.0, static_cast<double>(a.simulations))));
    } else {
      progress.update(static_cast<double>(p.done) / std::max(p.total, 1),
                      fmt::format("{} {}/{}", p.phase, p.done, p.total));
    }
  };
  Screen kept_screen;
  int kept_generations = 0;
  co.checkpoint = [&](const AbcState& s, const Screen& sc) {
    kept_screen = sc;
    write_checkpoint(checkpoint, print, problem, sc, s);
    kept_generations = s.generations;
    if (s.generations > 0) {
      const AbcGeneration& g = s.history.back();
      progress.done(fmt::format("generation {}: epsilon {}, acceptance {:.1f}%, ESS {:.0f}",
                                s.generations - 1, g4(g.epsilon), 100 * g.acceptance, g.ess));
    }
  };
  CalibrationResult result;
  try {
    result = calibrate(problem, co, std::move(screen), std::move(state));
  } catch (const Interrupted&) {
    if (std::filesystem::exists(checkpoint)) {
      fmt::print(stderr,
                 "\nthe screen and {} finished generation(s) are kept in {}; continue with "
                 "--resume\n",
                 kept_generations, checkpoint);
    }
    throw;
  }
  progress.done(fmt::format("{} simulations", result.abc.simulations));
  FileMeta meta;
  meta.scenario_name = variant->def.simulation.name;
  meta.scenario_source = scenario_path;
  meta.scenario_text = doc.text();
  meta.effective_toml = problem.document().effective_toml();
  meta.command_line = command_line;
  meta.seed = result.seed;
  std::string fitted;
  if (!write_scenario.empty()) fitted = fitted_scenario_text(doc, result);
  write_calibration_file(out.path(), meta, rs.overrides, problem, result);
  std::filesystem::remove(checkpoint);
  if (scenario_out.claimed()) write_claimed(scenario_out, fitted);
  print_screen(result.screen);
  print_result(result);
  const double share =
      result.seconds_total > 0
          ? 1.0 - result.seconds_simulating /
                      (result.seconds_total *
                       (rs.threads > 0 ? rs.threads : tbb::info::default_concurrency()))
          : 0.0;
  fmt::print(
      "\n{} simulations in {:.1f} s ({:.0f} per minute); simulating {:.0f}% of the threads' time\n",
      format_number(static_cast<double>(result.abc.simulations + result.screen.simulations +
                                        static_cast<std::int64_t>(result.draws.size()))),
      result.seconds_total,
      60.0 * static_cast<double>(result.abc.simulations) / std::max(result.seconds_total, 1e-9),
      100 * (1 - share));
  fmt::print("calibration: {}\n", output);
  if (!write_scenario.empty()) fmt::print("fitted scenario: {}\n", write_scenario);
  return 0;
}

}  // namespace cjsim::cli
