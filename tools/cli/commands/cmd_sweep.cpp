// cjsim sweep: a scenario at many points, every point run R times with common random numbers,
// one HDF5 file with the sweep table (layout: results/README.md, "Sweep files"). On one machine
// the runs spread over oneTBB threads; under mpirun or srun over the ranks (tools/SWEEP.md).
#include <fmt/format.h>
#include <tbb/info.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <optional>
#include <thread>

#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/sweep.hpp"
#include "cjsim/sweep_io.hpp"
#include "cjsim/value.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/run_output.hpp"
#include "common/table_output.hpp"
#include "sweep/mpi.hpp"
#include "sweep/print.hpp"
#include "sweep/run.hpp"

namespace cjsim::cli {

namespace {

const char* const kUsage = "cjsim sweep SCENARIO [--vary KEY=VALUES]... [options]";

const char* const kExamples =
    "  cjsim sweep scenarios/flower_delivery.toml -o results/flowers_sweep.h5\n"
    "  cjsim sweep scenarios/bench.toml --set simulation.customers=20000 \\\n"
    "      --vary channels.search.budget=0:300000:7 --vary channels.service.budget=0,50000,100000 "
    "--replicates 20\n"
    "  cjsim sweep scenarios/bench.toml --vary channels.search.budget=0:300000 \\\n"
    "      --vary 'edges.consideration -> purchase.rate=0.02:0.06' --design lhs --points 200\n"
    "  cjsim sweep scenarios/flower_delivery.toml -o results/flowers_sweep.h5 --resume\n"
    "  cjsim sweep scenarios/flower_delivery.toml --csv results/flowers_sweep.csv --xlsx "
    "results/flowers_sweep.xlsx\n"
    "  mpirun -np 64 cjsim sweep scenarios/bench.toml --vary ... -o results/big.h5\n"
    "\n"
    "What is varied: --vary KEY=v1,v2,... (a list) or KEY=from:to:steps (steps values from 'from'\n"
    "to 'to', both included), by the dotted key paths --set takes; several --vary make a grid of\n"
    "every combination. Without --vary, the scenario's [sweep] section is used. --design lhs\n"
    "draws --points points of a Latin hypercube instead (a range may then be from:to).\n"
    "\n"
    "Replicate r of every point uses the same random streams (common random numbers), so points\n"
    "differ only by what was varied; cjsim compare FILE shows each point against a baseline.\n"
    "\n"
    "Finished points are saved in OUTPUT.partial/ as they complete: after a crash, kill or\n"
    "Ctrl-C, the same command with --resume computes only the missing points. The result equals\n"
    "an uninterrupted run's, bit for bit, for any --threads and under mpirun.\n";

SweepDesign parse_design(const std::string& text) {
  if (text == "grid") return SweepDesign::grid;
  if (text == "lhs") return SweepDesign::lhs;
  throw InputError({"--design", 0, 0}, "design", fmt::format("unknown design '{}'", text),
                   "use --design grid (every combination) or --design lhs (Latin hypercube)");
}

// Threads of this process. Alone: --threads, or every core. Under MPI the ranks of one node
// share it: its cores divided by its ranks, and never more than this rank may run on (mpirun
// binds each rank to its cores by default).
int process_threads(int asked, const MpiSession* mpi) {
  const int cores = tbb::info::default_concurrency();
  if (asked > 0) return asked;
  if (mpi == nullptr || mpi->size() == 1) return cores;
  const int node = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, std::min(cores, node / std::max(1, mpi->local_size())));
}

// Runs `step` on rank 0 and tells every rank whether it worked (a collective: every rank calls
// it, in the same order). Rank 0 rethrows its exception; the others return false.
template <class Step>
bool on_root_agreed(MpiSession* mpi, int rank, Step&& step) {
  std::exception_ptr error;
  if (rank == 0) {
    try {
      step();
    } catch (...) {
      error = std::current_exception();
    }
  }
  const int ok = mpi ? mpi->broadcast(error ? 0 : 1) : (error ? 0 : 1);
  if (error) std::rethrow_exception(error);
  return ok != 0;
}

std::string resume_command(const std::string& command_line) {
  if (command_line.find(" --resume") != std::string::npos) return command_line;
  return command_line + " --resume";
}

// The finished sweep's table, read back from the file: printed in the planner's words and
// written to --csv / --xlsx; then a warning per channel that left money unspent at some points
// (the sweep table keeps each row's mean spend per channel, spend.<channel>).
void show_table(const std::string& output, const TableOutput& files,
                const std::string& command_line, const SweepPlan& plan) {
  const SweepFile file = SweepFile::open(output);
  const std::unique_ptr<Scenario> scenario = sweep_scenario(file);
  const FileMeta meta = file.meta();
  const Money money = Money::of(meta.currency);
  const SweepTable table = file.table();
  const std::vector<Table> tables{
      sweep_table_model(table, scenario ? &scenario->variants.front().def : nullptr, money)};
  if (files.print_tables()) {
    fmt::print("\n");
    print_table(stdout, tables.front(), money);
  }
  files.write(tables, table_source(meta, output, command_line), money);
  fmt::print(files.text(), "\nresults: {}\n", output);
  std::fflush(files.text());
  struct Worst {
    Underspend u;
    int rows = 0;
    int row = 0;
  };
  std::vector<Worst> worst;
  for (std::size_t r = 0; r < table.rows.size() && r < plan.rows.size(); ++r) {
    const ScenarioDef& def = plan.rows[r].def;
    std::vector<double> spend(def.channels.size(), 0.0);
    for (std::size_t c = 0; c < def.channels.size(); ++c) {
      for (std::size_t k = 0; k < table.kpis.size(); ++k) {
        if (table.kpis[k].id == "spend." + def.channels[c].name) spend[c] = table.rows[r].mean[k];
      }
    }
    for (const Underspend& u : find_underspend(def, spend)) {
      auto it = std::find_if(worst.begin(), worst.end(),
                             [&](const Worst& w) { return w.u.channel == u.channel; });
      if (it == worst.end()) it = worst.insert(worst.end(), Worst{u, 0, static_cast<int>(r)});
      ++it->rows;
      if (u.left() > it->u.left()) {
        it->u = u;
        it->row = static_cast<int>(r);
      }
    }
  }
  std::vector<std::string> warnings;
  for (const Worst& w : worst) {
    warnings.push_back(fmt::format("at {} of {} rows, {} (row {}, the most left)", w.rows,
                                   table.rows.size(), describe(w.u), w.row));
  }
  print_warnings(warnings);
}

struct SweepCommand {
  std::string scenario_path, output, design, variant;
  std::vector<std::string> vary;
  RunSettings rs;
  int replicates = 0, points = 0;
  bool keep_runs = false, resume = false, quiet = false;
  bool has_points = false, has_replicates = false;
  TableOutput tables;  // --csv, --xlsx
};

int sweep(const SweepCommand& c, const std::string& command_line, MpiSession* mpi) {
  const int rank = mpi ? mpi->rank() : 0;
  const bool many = mpi && mpi->size() > 1;

  SweepSettings settings;
  for (const std::string& v : c.vary) settings.vary.push_back(parse_vary(v));
  if (!c.design.empty()) settings.design = parse_design(c.design);
  if (c.has_points) settings.points = c.points;
  if (c.has_replicates) settings.replicates = c.replicates;
  settings.seed = c.rs.seed;
  settings.variant = c.variant;

  // Rank 0 reads the scenario and every rank gets its text: only rank 0 needs the file.
  std::string text;
  if (!on_root_agreed(mpi, rank,
                      [&] { text = ScenarioDocument::from_file(c.scenario_path).text(); }))
    return 1;
  if (many) text = mpi->broadcast(text);
  ScenarioDocument doc = ScenarioDocument::from_string(text, c.scenario_path);
  for (const std::string& o : c.rs.overrides) doc.set(o);
  const SweepPlan plan = plan_sweep(doc, settings);  // the same on every rank, errors too
  if (rank == 0) print_warnings(plan.warnings);

  // Only rank 0 writes (default_output creates results/ in the working folder).
  const std::string output = rank != 0          ? std::string()
                             : c.output.empty() ? default_output(c.scenario_path, "_sweep.h5")
                                                : c.output;
  FileMeta meta;
  meta.scenario_name = plan.rows.front().def.simulation.name;
  meta.scenario_source = c.scenario_path;
  meta.scenario_text = text;
  meta.effective_toml = doc.effective_toml();
  meta.overrides = doc.overrides();
  meta.command_line = command_line;
  const SweepManifest manifest = make_manifest(plan, meta, c.rs.overrides, c.keep_runs);

  std::optional<SweepStore> store;
  // One writer per output (and no device replaced, a symlink's target written): rank 0 claims it.
  OutputClaim claim;
  if (!on_root_agreed(mpi, rank, [&] {
        claim = claim_output(output, "-o");
        store.emplace(claim.path(), manifest, c.resume);
      }))
    return 1;
  const int complete = mpi ? mpi->broadcast(rank == 0 && store->already_complete() ? 1 : 0)
                           : (store->already_complete() ? 1 : 0);
  if (complete) {
    if (rank != 0) return 0;
    fmt::print(stderr, "nothing to resume: {} already holds this sweep, complete\n", output);
    show_table(output, c.tables, command_line, plan);
    return 0;
  }

  const int threads = process_threads(c.rs.threads, mpi);
  SweepRunOptions ro;
  ro.keep_runs = c.keep_runs;
  ro.quiet = c.quiet || rank != 0;
  if (many) {
    ro.slots = threads;  // rows keep coming, so one simulation per thread
  } else {
    const std::size_t tasks =
        store->missing_rows().size() * static_cast<std::size_t>(plan.replicates);
    ro.slots =
        static_cast<int>(std::clamp<std::size_t>(tasks, 1, static_cast<std::size_t>(threads)));
    ro.inner = std::max(1, threads / ro.slots);  // few runs: each gets several threads
  }
  install_interrupt_handler();  // Ctrl-C, and the SIGTERM of mpirun or a Slurm time limit
  if (rank != 0) {
    mpi->work(plan, ro);
    return 0;
  }

  const int runs = static_cast<int>(plan.rows.size()) * plan.replicates;
  if (!c.quiet) {
    fmt::print(stderr, "sweep: {} point{} x {} variant{} x {} replicate{} = {} runs ({} over {}), ",
               plan.points.size(), plan.points.size() == 1 ? "" : "s", plan.variants.size(),
               plan.variants.size() == 1 ? "" : "s", plan.replicates,
               plan.replicates == 1 ? "" : "s", runs, design_name(plan.design),
               fmt::join(plan.axes, ", "));
    if (many) {
      fmt::print(stderr, "{} ranks\n", mpi->size());
    } else {
      fmt::print(stderr, "{} thread{}\n", threads, threads == 1 ? "" : "s");
    }
    if (store->found_partial()) {
      fmt::print(stderr, "resuming: {} of {} rows already saved in {}; running the other {}\n",
                 store->done_count(), store->rows(), store->folder(),
                 store->rows() - store->done_count());
    } else if (c.resume) {
      fmt::print(stderr, "resuming: no saved rows found; running all {}\n", store->rows());
    }
    if (store->discarded() > 0) {
      fmt::print(stderr, "note: {} unreadable row file{} removed; {} computed again\n",
                 store->discarded(), store->discarded() == 1 ? "" : "s",
                 store->discarded() == 1 ? "it is" : "they are");
    }
  }
  std::unique_ptr<Peers> peers = many ? mpi->root_peers() : std::make_unique<Peers>();
  struct Release {  // the other ranks leave when this one is done with the output, or fails
    Peers& peers;
    ~Release() { peers.release(); }
  } release{*peers};
  SweepOutcome outcome;
  try {
    outcome = run_rows(plan, *store, ro, *peers);
    if (!outcome.interrupted) store->finish();
  } catch (const cjsim::RuntimeError& e) {
    // A full disk or a lost folder: what is saved stays saved, and the user learns how to use it.
    if (store->done_count() == 0) throw;
    throw cjsim::RuntimeError(
        fmt::format("{}\n  {} of {} rows are saved in {}; once that is fixed, finish with: {}{}",
                    e.what(), store->done_count(), store->rows(), store->folder(),
                    many ? "mpirun [as before] " : "", resume_command(command_line)));
  }
  if (outcome.interrupted) {
    if (store->done_count() == 0) {
      fmt::print(stderr, "\ninterrupted before any row finished: nothing was saved\n");
    } else {
      fmt::print(stderr, "\ninterrupted: {} of {} rows are saved in {}\n  finish with: {}{}\n",
                 store->done_count(), store->rows(), store->folder(),
                 many ? "mpirun [as before] " : "", resume_command(command_line));
    }
    return 128 + (interrupt_signal() != 0 ? interrupt_signal() : SIGINT);
  }
  show_table(output, c.tables, command_line, plan);
  return 0;
}

}  // namespace

int cmd_sweep(const Args& args, const std::string& command_line) {
  SweepCommand c;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value(&c.output)->value_name("FILE"),
      "HDF5 file to write (default: results/<scenario>_sweep.h5)")(
      "vary", po::value(&c.vary)->composing()->value_name("KEY=VALUES"),
      "vary a numeric key: KEY=v1,v2,... or KEY=from:to:steps (repeatable; replaces [sweep])")(
      "design", po::value(&c.design)->value_name("grid|lhs"),
      "grid: every combination (default); lhs: a Latin hypercube of --points points")(
      "points", po::value(&c.points)->value_name("N"), "points of a Latin hypercube")(
      "replicates,r", po::value(&c.replicates)->value_name("R"),
      "runs per point (default: [sweep] replicates, else simulation.replicates)")(
      "variant", po::value(&c.variant)->value_name("NAME"),
      "sweep only this variant (default: every variant, one row each per point)")(
      "keep-runs", po::bool_switch(&c.keep_runs),
      "also store every run's full group (large: per-customer tables)")(
      "resume", po::bool_switch(&c.resume),
      "finish a sweep that was interrupted: only the missing points run")(
      "quiet,q", po::bool_switch(&c.quiet), "no progress, only the table");
  c.tables.add_options(opts, "the sweep table (every KPI)");
  add_run_settings(opts, c.rs);
  po::variables_map vm;
  if (!parse_with_argument(args, opts, c.scenario_path, true, vm, kUsage, kExamples)) return 0;
  check_threads(c.rs.threads);
  c.tables.check(vm);  // before any work
  c.has_points = vm.count("points") > 0;
  c.has_replicates = vm.count("replicates") > 0;

  const std::unique_ptr<MpiSession> mpi = MpiSession::start_if_launched();
  if (mpi && mpi->rank() != 0) {
    // Every rank meets the same input errors; rank 0 reports them, the others just leave.
    try {
      return sweep(c, command_line, mpi.get());
    } catch (const InputError&) {
      return 1;
    } catch (const std::exception&) {
      return 2;
    }
  }
  return sweep(c, command_line, mpi.get());
}

}  // namespace cjsim::cli
