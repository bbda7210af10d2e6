#include "common/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace cjsim::cli {

namespace {

std::atomic<int> g_signal{0};  // the first stop signal received, 0 for none

extern "C" void on_stop_signal(int sig) {
  if (g_signal.exchange(sig) != 0) std::_Exit(128 + sig);  // asked twice: leave now
}

std::string duration(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  const int m = static_cast<int>(s / 60);
  if (m < 60) return fmt::format("{}m{:02d}s", m, static_cast<int>(s) % 60);
  return fmt::format("{}h{:02d}m", m / 60, m % 60);
}

}  // namespace

bool Progress::is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string task, bool quiet)
    : task_(std::move(task)),
      tty_(is_terminal()),
      quiet_(quiet),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

void Progress::update(double fraction, const std::string& detail) {
  if (!tty_ || quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && fraction < 1.0) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(fraction * kWidth + 0.5);
  std::string bar;
  for (int i = 0; i < kWidth; ++i) bar += i < filled ? "\u2588" : "\u2591";
  const std::string eta =
      fraction > 0.02 ? "  ETA " + duration(elapsed * (1 - fraction) / fraction) : std::string();
  fmt::print(stderr, "\r\033[K{} {} {:3.0f}%  {}  {}{}", task_, bar, fraction * 100, detail,
             duration(elapsed), eta);
  std::fflush(stderr);
}

void Progress::done(const std::string& summary) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (tty_ && !quiet_) fmt::print(stderr, "\r\033[K");
  if (!quiet_) fmt::print(stderr, "{}: {} ({})\n", task_, summary, duration(elapsed));
  start_ = std::chrono::steady_clock::now();
}

void install_interrupt_handler() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SIGTERM is what kill, systemd and batch schedulers send at a time limit; SIGHUP a closed
  // terminal. A signal the parent set to be ignored stays ignored (nohup, background jobs).
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
}

void throw_if_interrupted() {
  if (g_signal.load(std::memory_order_relaxed) != 0) throw Interrupted();
}

bool interrupt_requested() {
  return g_signal.load(std::memory_order_relaxed) != 0;
}

int interrupt_signal() {
  return g_signal.load(std::memory_order_relaxed);
}

}  // namespace cjsim::cli
