// What a long task shows while it works: on a terminal, one self-updating line with a bar,
// elapsed time and ETA on stderr; otherwise (CI logs, pipes) one clean line per finished phase.
// Also Ctrl-C: the first SIGINT (or SIGTERM, SIGHUP) asks the running task to stop at the next
// day boundary.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace cjsim::cli {

class Progress {
 public:
  explicit Progress(std::string task, bool quiet = false);
  // fraction in [0,1]; `detail` e.g. "day 120/365". Throttled: cheap to call every day.
  void update(double fraction, const std::string& detail);
  // Ends the current phase: clears the bar, prints "task: summary (1.23 s)".
  void done(const std::string& summary);

  static bool is_terminal();

 private:
  std::string task_;
  bool tty_;
  bool quiet_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Thrown from progress callbacks when the user pressed Ctrl-C or the process was told to stop.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// Installs the handler of SIGINT, SIGTERM and SIGHUP (once). After a first signal,
// throw_if_interrupted() throws; a second one ends the process at once (exit 128 + signal).
void install_interrupt_handler();
void throw_if_interrupted();
// True after a first stop signal (for loops that stop by themselves rather than by exception).
bool interrupt_requested();
// The signal that interrupted the task (SIGINT, SIGTERM, SIGHUP), 0 when none did.
int interrupt_signal();

}  // namespace cjsim::cli
