// What a long task shows while it works: on a terminal, one self-updating line with a bar,
// elapsed time and ETA on stderr; otherwise (CI logs, pipes) one clean line per finished phase.
// Also Ctrl-C: the first SIGINT asks the running task to stop at the next day boundary.
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

// Thrown from progress callbacks when the user pressed Ctrl-C.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// Installs the SIGINT handler (once). After a first Ctrl-C, throw_if_interrupted() throws.
void install_interrupt_handler();
// The same for SIGTERM too (sweeps: mpirun and Slurm stop a job with SIGTERM before SIGKILL).
void install_stop_handlers();
void throw_if_interrupted();
// True after a first Ctrl-C (for loops that stop by themselves rather than by exception).
bool interrupt_requested();

}  // namespace cjsim::cli
