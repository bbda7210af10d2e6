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

#include "cjsim/ensemble.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"
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

// The many-small-runs case: c.runs replicates through run_variants (one run per thread), each
// run's KPIs computed as it ends (on the thread that ran it), then their summary; timed as a
// whole, set-up included.
void run_many(const BenchCase& c, const ScenarioDef& def, Wire& w) {
  Progress progress(fmt::format("{} runs of {} customers, {} thread{}", c.runs, c.customers,
                                c.threads, c.threads == 1 ? "" : "s"),
                    !c.show_progress);
  const auto start = std::chrono::steady_clock::now();
  EnsembleOptions options;
  options.threads = c.threads;
  options.progress = [&](const EnsembleProgress& p) {
    throw_if_interrupted();
    if (!p.finished) return;
    progress.update(static_cast<double>(p.runs_done) / static_cast<double>(p.runs_total),
                    fmt::format("run {}/{}", p.runs_done, p.runs_total));
  };
  const std::vector<KpiSummary> summary =
      run_variants({{"bench", "", &def, c.runs, false}}, options, nullptr);
  if (summary.front().mean.empty()) throw RuntimeError("bench: the runs gave no KPIs");
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
      run_many(c, def, w);
      w.ok = 1;
      return w;
    }
    Progress progress(
        fmt::format("{} customers, {} thread{}", c.customers, c.threads, c.threads == 1 ? "" : "s"),
        !c.show_progress);
    const auto start = std::chrono::steady_clock::now();
    EnsembleOptions eo;
    eo.threads = c.threads;
    eo.threads_per_run = 0;
    eo.progress = [&](const EnsembleProgress& p) {
      throw_if_interrupted();
      if (!p.finished) {
        progress.update(static_cast<double>(p.day) / p.days,
                        fmt::format("day {}/{}", p.day, p.days));
      }
    };
    ResultWriter writer(c.output, run_file_meta(scenario, def, "cjsim bench"));
    run_variants({{scenario.variants.front().name, "", &def, 1, false}}, eo, &writer,
                 [&](const RunPlan&, const RunResult& result, const KpiTable&) {
                   w.sim_seconds = result.profile.total;
                   w.profile = result.profile;
                 });
    writer.commit();
    w.run_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
