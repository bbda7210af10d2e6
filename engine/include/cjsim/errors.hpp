// Errors the engine throws. Two kinds, because users act on them differently:
//   InputError   - the scenario, an override or an input file is wrong; the user fixes it (exit 1).
//   RuntimeError - the input was fine but the run could not finish (disk full, out of memory,
//                  unwritable output); retrying elsewhere may help (exit 2).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace cjsim {

// Where in a source something is: a scenario file, or a command-line override such as
// "--set channels.search.budget=-1" (file = "--set", column counts within the argument).
struct SourcePlace {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
};

// One problem with the input: where, which key, what is wrong and how to fix it.
struct Diagnostic {
  SourcePlace place;
  std::string key;      // dotted path, e.g. "channels.search.budget"
  std::string message;  // what is wrong, e.g. "budget must be >= 0, got -1"
  std::string fix;      // what to do, e.g. "set a non-negative amount, or 0 to switch it off"
};

// "file:line:column: key: message\n  fix: ..." - the one format every tool prints.
std::string format_diagnostic(const Diagnostic& d);

class InputError : public std::runtime_error {
 public:
  explicit InputError(std::vector<Diagnostic> diagnostics);
  InputError(SourcePlace place, std::string key, std::string message, std::string fix);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cjsim
