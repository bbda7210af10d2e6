#include "commands/bench_measure.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/value.hpp"
#include "common/number_format.hpp"
#include "common/progress.hpp"

namespace cjsim::cli {

namespace {

// The child's report: fixed fields, then an error message when ok == 0.
struct Wire {
  int ok = 0;
  int days = 0;
  double sim_seconds = 0;
  double run_seconds = 0;
  Profile profile;
  char error[1024] = {};
};

void write_all(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// The many-small-runs case: c.runs replicates through run_crn, each run's KPIs computed as it
// ends (on the thread that ran it), then their summary; timed as a whole, set-up included.
void run_ensemble(const BenchCase& c, const ScenarioDef& def, Wire& w) {
  Progress progress(fmt::format("{} runs of {} customers, {} thread{}", c.runs, c.customers,
                                c.threads, c.threads == 1 ? "" : "s"),
                    !c.show_progress);
  const auto start = std::chrono::steady_clock::now();
  std::vector<KpiTable> tables(static_cast<std::size_t>(c.runs));
  CrnOptions options;
  options.threads = c.threads;
  options.progress = [&](std::size_t done, std::size_t total) {
    throw_if_interrupted();
    progress.update(static_cast<double>(done) / static_cast<double>(total),
                    fmt::format("run {}/{}", done, total));
  };
  run_crn({def}, c.runs, options, [&](std::size_t, int replicate, RunResult&& run) {
    tables[static_cast<std::size_t>(replicate)] = compute_kpis(run);
  });
  const KpiSummary summary = summarize(tables);
  if (summary.mean.empty()) throw RuntimeError("bench: the runs gave no KPIs");
  w.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  w.sim_seconds = w.run_seconds;
  progress.done(fmt::format("{:.0f} runs a minute", 60.0 * c.runs / w.run_seconds));
}

Wire run_child(const BenchCase& c) {
  Wire w;
  try {
    std::vector<std::string> overrides = c.overrides;
    overrides.push_back(fmt::format("simulation.customers={}", c.customers));
    overrides.push_back("simulation.replicates=1");
    const Scenario scenario = load_scenario(c.scenario_path, overrides);
    const ScenarioDef& def = scenario.variants.front().def;
    w.days = def.simulation.days;
    if (c.runs > 0) {
      run_ensemble(c, def, w);
      w.ok = 1;
      return w;
    }
    Progress progress(
        fmt::format("{} customers, {} thread{}", c.customers, c.threads, c.threads == 1 ? "" : "s"),
        !c.show_progress);
    const auto start = std::chrono::steady_clock::now();
    RunOptions ro;
    ro.threads = c.threads;
    ro.progress = [&](const cjsim::Progress& p) {
      throw_if_interrupted();
      progress.update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
    };
    FileMeta meta;
    meta.scenario_name = def.simulation.name;
    meta.scenario_source = scenario.source_name;
    meta.scenario_text = scenario.text;
    meta.effective_toml = scenario.effective_toml;
    meta.command_line = "cjsim bench";
    meta.seed = def.simulation.seed;
    meta.currency = def.simulation.currency;
    ResultWriter writer(c.output, meta);
    const RunResult result = simulate(def, ro);
    const KpiTable kpis = compute_kpis(result);
    const std::string& name = scenario.variants.front().name;
    writer.write_run(name, "", result, kpis);
    writer.write_summary(name, summarize({kpis}));
    writer.commit();
    w.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    w.sim_seconds = result.profile.total;
    w.profile = result.profile;
    progress.done(
        rate_in_words(static_cast<double>(c.customers) * w.days / w.sim_seconds, "customer-days"));
    w.ok = 1;
  } catch (const std::exception& e) {
    std::snprintf(w.error, sizeof w.error, "%s", e.what());
  }
  return w;
}

}  // namespace

BenchResult measure(const BenchCase& c) {
  int fds[2];
  if (::pipe(fds) != 0) throw RuntimeError(fmt::format("bench: pipe: {}", std::strerror(errno)));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw RuntimeError(fmt::format("bench: fork: {}", std::strerror(errno)));
  if (pid == 0) {
    ::close(fds[0]);
    const Wire w = run_child(c);
    write_all(fds[1], &w, sizeof w);
    std::fflush(nullptr);
    ::_exit(w.ok ? 0 : 1);
  }
  ::close(fds[1]);
  Wire w;
  std::size_t got = 0;
  while (got < sizeof w) {
    const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&w) + got, sizeof w - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  std::error_code ignored;
  std::filesystem::remove(c.output, ignored);
  if (got != sizeof w || !w.ok) {
    const std::string why = got == sizeof w ? std::string(w.error)
                            : WIFSIGNALED(status)
                                ? fmt::format("killed by signal {}", WTERMSIG(status))
                                : "ended without a report";
    throw RuntimeError(
        fmt::format("bench: {} customers on {} threads failed: {}", c.customers, c.threads, why));
  }
  BenchResult r;
  r.customers = c.customers;
  r.days = w.days;
  r.threads = c.threads;
  r.runs = std::max(c.runs, 1);
  r.sim_seconds = w.sim_seconds;
  r.run_seconds = w.run_seconds;
  r.profile = w.profile;
  r.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
  return r;
}

}  // namespace cjsim::cli
