// cjsim bench: the reference world of docs/bench.md (scenarios/bench.toml) at several sizes and
// thread counts; simulated customer-days per second for the simulation alone and for the whole
// run with its HDF5 file, peak memory, 2-thread scaling. Prints a table and writes it to
// results/bench/<machine>.csv, so figures of each machine kind live in the repository.
//
// Each case runs --repeat times and the table keeps the fastest run: on a shared or virtual
// machine noise only ever adds time. The thread counts of one size take turns (1, 2, 1, 2, ...)
// so that a slow spell of the machine hits both sides of the 2T/1T ratio alike, and the spread
// column shows how far the slowest run was from the fastest.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/version.hpp"
#include "commands/bench_measure.hpp"
#include "commands/commands.hpp"
#include "common/kpi_table.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "common/run_output.hpp"

namespace cjsim::cli {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  }
  return "unknown-cpu";
}

// "AMD EPYC" on 2 cores -> "amd-epyc-2cores": a file name for the machine kind.
std::string machine_slug(const std::string& cpu, unsigned cores) {
  std::string slug;
  for (const char ch : cpu) {
    if (std::isalnum(static_cast<unsigned char>(ch))) {
      slug += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  for (const char* noise : {"-processor", "-with-radeon-graphics", "-cpu"}) {
    const auto at = slug.find(noise);
    if (at != std::string::npos) slug.erase(at, std::string(noise).size());
  }
  return fmt::format("{}-{}cores", slug.empty() ? "machine" : slug, cores);
}

std::string default_scenario() {
  if (std::filesystem::exists("scenarios/bench.toml")) return "scenarios/bench.toml";
  return CJSIM_SOURCE_DIR "/scenarios/bench.toml";
}

std::vector<std::uint64_t> parse_sizes(const std::string& text, const std::string& option) {
  std::vector<std::uint64_t> sizes;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::erase(item, '_');
    std::uint64_t scale = 1;
    if (!item.empty() && (item.back() == 'k' || item.back() == 'M')) {
      scale = item.back() == 'k' ? 1000 : 1000000;
      item.pop_back();
    }
    std::size_t used = 0;
    unsigned long long n = 0;
    try {
      n = std::stoull(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || n == 0) {
      throw InputError({"--" + option, 0, 0}, option, fmt::format("'{}' is not a size", text),
                       fmt::format("give sizes such as --{0} 100000,1M or --{0} 100k", option));
    }
    sizes.push_back(n * scale);
  }
  return sizes;
}

std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> threads;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    int t = 0;
    try {
      std::size_t used = 0;
      t = std::stoi(item, &used);
      if (used != item.size()) t = 0;
    } catch (const std::exception&) {
      t = 0;
    }
    if (t < 1 || t > kMaxThreads) {
      throw InputError({"--threads", 0, 0}, "threads",
                       fmt::format("'{}' is not a thread list", text),
                       "give thread counts such as --threads 1,2");
    }
    threads.push_back(t);
  }
  return threads;
}

struct Row {
  BenchResult r;       // the fastest of the repeats (simulation time), run time its own fastest
  double scaling = 0;  // simulation rate against the same size on one thread; 0: not measured
  int repeats = 1;
  double spread = 0;  // slowest simulation time of the repeats against the fastest, minus 1
  double sim_rate() const { return r.customer_days() / r.sim_seconds; }
  double run_seconds_per_run() const { return r.run_seconds / r.runs; }
  double run_rate() const { return r.customer_days() / r.run_seconds; }
  double peak_per_customer() const {
    return static_cast<double>(r.peak_rss_bytes) / static_cast<double>(r.customers);
  }
};

void print_header() {
  fmt::print("{:>12} {:>7} {:>8} {:>14} {:>8} {:>14} {:>9} {:>9} {:>8} {:>7}\n", "customers",
             "threads", "sim s", "sim c-days/s", "run s", "run c-days/s", "peak MB", "peak B/c",
             "2T/1T", "spread");
}

void print_row(const Row& row) {
  fmt::print("{:>12} {:>7} {:>8.2f} {:>14.3g} {:>8.2f} {:>14.3g} {:>9.0f} {:>9.1f} {:>8} {:>7}\n",
             format_value(static_cast<double>(row.r.customers), "customers"), row.r.threads,
             row.r.sim_seconds, row.sim_rate(), row.r.run_seconds, row.run_rate(),
             static_cast<double>(row.r.peak_rss_bytes) / 1e6, row.peak_per_customer(),
             row.scaling > 0 ? fmt::format("{:.2f}x", row.scaling) : std::string("-"),
             row.repeats > 1 ? fmt::format("{:.0f}%", 100 * row.spread) : std::string("-"));
  std::fflush(stdout);
}

void print_small_header(const BenchResult& r) {
  fmt::print(
      "\nmany small runs: {} runs of {} customers x {} days through the ensemble layer, each run "
      "on one thread;\nset-up, simulation and KPIs of every run and their summary, no file\n",
      r.runs, format_value(static_cast<double>(r.customers), "customers"), r.days);
  fmt::print("{:>7} {:>10} {:>7} {:>8} {:>10} {:>14} {:>9} {:>8} {:>7}\n", "runs", "customers",
             "threads", "s", "runs/min", "c-days/s", "peak MB", "2T/1T", "spread");
}

void print_small_row(const Row& row) {
  fmt::print("{:>7} {:>10} {:>7} {:>8.2f} {:>10.0f} {:>14.3g} {:>9.0f} {:>8} {:>7}\n", row.r.runs,
             format_value(static_cast<double>(row.r.customers), "customers"), row.r.threads,
             row.r.run_seconds, row.r.runs_per_minute(), row.run_rate(),
             static_cast<double>(row.r.peak_rss_bytes) / 1e6,
             row.scaling > 0 ? fmt::format("{:.2f}x", row.scaling) : std::string("-"),
             row.repeats > 1 ? fmt::format("{:.0f}%", 100 * row.spread) : std::string("-"));
  std::fflush(stdout);
}

// Written next to its final name and renamed, like every cjsim output (cjsim/files.hpp).
void write_csv(const std::string& path, const std::vector<Row>& rows, const std::string& machine,
               const std::string& cpu, unsigned cores) {
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::string out =
      "machine,cpu,cores,date,engine_version,customers,days,threads,sim_seconds,"
      "sim_customer_days_per_s,run_seconds,run_customer_days_per_s,peak_rss_bytes,"
      "peak_bytes_per_customer,hot_state_bytes_per_customer,scaling_vs_1_thread,repeats,"
      "sim_seconds_spread,runs,runs_per_minute\n";
  for (const Row& row : rows) {
    out += fmt::format(
        "{},\"{}\",{},{},{},{},{},{},{:.6f},{:.4g},{:.6f},{:.4g},{},{:.1f},{},{},{},{:.3f},{},{:."
        "4g}\n",
        machine, cpu, cores, date, engine_version(), row.r.customers, row.r.days, row.r.threads,
        row.r.sim_seconds, row.sim_rate(), row.r.run_seconds, row.run_rate(), row.r.peak_rss_bytes,
        row.peak_per_customer(), hot_bytes_per_customer(),
        row.scaling > 0 ? fmt::format("{:.3f}", row.scaling) : std::string(), row.repeats,
        row.spread, row.r.runs, row.r.runs_per_minute());
  }
  write_file_atomically(path, out);
}

// The repeats of one case as one row: the fastest simulation and the fastest whole run (each
// timed on its own clock), the highest peak memory, and how far apart the simulation times were.
Row fastest(const std::vector<BenchResult>& runs) {
  const auto by_sim = [](const BenchResult& a, const BenchResult& b) {
    return a.sim_seconds < b.sim_seconds;
  };
  Row row{*std::min_element(runs.begin(), runs.end(), by_sim)};
  row.repeats = static_cast<int>(runs.size());
  const double slowest = std::max_element(runs.begin(), runs.end(), by_sim)->sim_seconds;
  row.spread = slowest / row.r.sim_seconds - 1;
  for (const BenchResult& r : runs) {
    row.r.run_seconds = std::min(row.r.run_seconds, r.run_seconds);
    row.r.peak_rss_bytes = std::max(row.r.peak_rss_bytes, r.peak_rss_bytes);
  }
  return row;
}

}  // namespace

int cmd_bench(const Args& args, const std::string& command_line) {
  (void)command_line;
  std::string sizes_text = "100000,1000000,10000000", threads_text = "1,2", csv, scenario_path;
  std::vector<std::string> overrides;
  int repeats = 3;
  int small_runs = 100;
  std::string small_customers_text = "20k";
  bool profile = false, no_csv = false, quiet = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "customers,n", po::value(&sizes_text)->value_name("LIST"),
      "population sizes, comma-separated; k and M suffixes (default: 100k,1M,10M)")(
      "threads,t", po::value(&threads_text)->value_name("LIST"),
      "thread counts, comma-separated (default: 1,2)")(
      "repeat,r", po::value(&repeats)->value_name("N"),
      "runs of each case; the table keeps the fastest (default: 3)")(
      "small-runs", po::value(&small_runs)->value_name("N"),
      "many small runs: N runs through the ensemble layer, KPIs included, no file (default: "
      "100; 0: none)")("small-customers", po::value(&small_customers_text)->value_name("SIZE"),
                       "customers of each small run (default: 20k)")(
      "profile", po::bool_switch(&profile), "print the time per phase of the day for each case")(
      "set", po::value(&overrides)->composing()->value_name("KEY=VALUE"),
      "change the bench world, as for run (e.g. simulation.days=100)")(
      "scenario", po::value(&scenario_path)->value_name("FILE"),
      "world to run (default: scenarios/bench.toml)")(
      "csv", po::value(&csv)->value_name("FILE"),
      "where the table goes (default: results/bench/<machine>.csv)")(
      "no-csv", po::bool_switch(&no_csv), "print the table only")(
      "quiet,q", po::bool_switch(&quiet), "no progress bars");
  po::variables_map vm;
  if (!parse(args, opts, {}, {}, vm, "cjsim bench [options]",
             "  cjsim bench                                   # 100k, 1M, 10M customers on 1 and 2 "
             "threads\n"
             "  cjsim bench --customers 1M --threads 2 --profile\n"
             "  cjsim bench --customers 1M --repeat 5         # a noisy machine: more runs\n"
             "  cjsim bench --customers 1M --small-runs 200   # and 200 runs of 20k customers\n"
             "  cjsim bench --customers 100k --set simulation.days=100 --no-csv\n")) {
    return 0;
  }
  const std::vector<std::uint64_t> sizes = parse_sizes(sizes_text, "customers");
  const std::vector<int> threads = parse_threads(threads_text);
  const std::vector<std::uint64_t> small_sizes =
      parse_sizes(small_customers_text, "small-customers");
  if (small_sizes.size() != 1) {
    throw InputError({"--small-customers", 0, 0}, "small-customers",
                     fmt::format("'{}' is not one size", small_customers_text),
                     "give one size, such as --small-customers 20k");
  }
  if (small_runs < 0 || small_runs > 100000) {
    throw InputError({"--small-runs", 0, 0}, "small-runs",
                     fmt::format("{} is not a number of runs from 0 to 100,000", small_runs),
                     "give --small-runs 100 (the default), or 0 for no many-small-runs row");
  }
  if (repeats < 1 || repeats > 100) {
    throw InputError(
        {"--repeat", 0, 0}, "repeat",
        fmt::format("{} is not a number of runs from 1 to 100", repeats),
        "give --repeat 1 (a quick look) up to 100; the default 3 steadies the figures");
  }
  if (scenario_path.empty()) scenario_path = default_scenario();
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string cpu = cpu_model();
  const std::string machine = machine_slug(cpu, cores);
  // The default folder is made; a folder given with --csv must exist, as for every output.
  if (csv.empty()) {
    csv = fmt::format("results/bench/{}.csv", machine);
    if (!no_csv) std::filesystem::create_directories("results/bench");
  }
  OutputClaim csv_out;
  if (!no_csv) csv_out = claim_output(csv, "--csv");
  for (const int t : threads) {
    if (static_cast<unsigned>(t) > cores) {
      fmt::print(stderr, "note: {} threads on {} cores measures oversubscription\n", t, cores);
    }
  }
  install_interrupt_handler();

  fmt::print("cjsim {} bench: {} on {} ({} cores); hot state {} bytes per customer\n\n",
             engine_version(), scenario_path, cpu, cores, hot_bytes_per_customer());
  std::vector<Row> rows;
  const std::string scratch = fmt::format(
      "{}/cjsim-bench-{}.h5", std::filesystem::temp_directory_path().string(), ::getpid());
  bool header = false;
  for (const std::uint64_t n : sizes) {
    // Every run of this size, by thread count; the counts take turns within a round.
    std::vector<std::vector<BenchResult>> runs(threads.size());
    for (int round = 0; round < repeats; ++round) {
      for (std::size_t k = 0; k < threads.size(); ++k) {
        runs[k].push_back(measure({scenario_path, overrides, n, threads[k], scratch, !quiet}));
      }
    }
    std::optional<double> one_thread_rate;
    for (std::size_t k = 0; k < threads.size(); ++k) {
      Row row = fastest(runs[k]);
      if (threads[k] == 1 && !one_thread_rate) one_thread_rate = row.sim_rate();
      if (threads[k] != 1 && one_thread_rate) row.scaling = row.sim_rate() / *one_thread_rate;
      if (!header) {
        print_header();
        header = true;
      }
      print_row(row);
      if (profile) {
        print_profile(row.r.profile, row.r.customer_days());
        fmt::print("\n");
        header = false;
      }
      rows.push_back(row);
    }
  }
  if (small_runs > 0) {
    std::vector<std::vector<BenchResult>> runs(threads.size());
    for (int round = 0; round < repeats; ++round) {
      for (std::size_t k = 0; k < threads.size(); ++k) {
        BenchCase c{scenario_path, overrides, small_sizes.front(), threads[k], scratch, !quiet};
        c.runs = small_runs;
        runs[k].push_back(measure(c));
      }
    }
    std::optional<double> one_thread_rate;
    for (std::size_t k = 0; k < threads.size(); ++k) {
      Row row = fastest(runs[k]);
      if (threads[k] == 1 && !one_thread_rate) one_thread_rate = row.run_rate();
      if (threads[k] != 1 && one_thread_rate) row.scaling = row.run_rate() / *one_thread_rate;
      if (k == 0) print_small_header(row.r);
      print_small_row(row);
      rows.push_back(row);
    }
  }
  fmt::print(
      "\nsim: the simulation alone; run: simulation, KPIs and the HDF5 file written; c-days/s: "
      "customer-days per second;\npeak: the whole process's peak resident memory; 2T/1T: "
      "simulation speed against one thread;\n{}",
      repeats > 1 ? fmt::format("fastest of {} runs per case, thread counts in turn; spread: the "
                                "slowest run's simulation time against the fastest.\n",
                                repeats)
                  : std::string("one run per case (--repeat 1).\n"));
  if (!no_csv) {
    write_csv(csv_out.path(), rows, machine, cpu, cores);
    fmt::print("table: {}\n", csv);
  }
  return 0;
}

}  // namespace cjsim::cli
