// The subcommands of cjsim. Each lives in its own cmd_<name>.cpp and returns the exit code:
// 0 ok, 1 bad input, 2 runtime failure (errors are thrown; main() maps them to codes).
#pragma once

#include <string>
#include <vector>

namespace cjsim::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

struct Command {
  const char* name;
  const char* summary;  // one line for `cjsim --help`
  int (*run)(const Args& args, const std::string& command_line);
};

int cmd_run(const Args& args, const std::string& command_line);
int cmd_sweep(const Args& args, const std::string& command_line);
int cmd_compare(const Args& args, const std::string& command_line);
int cmd_validate(const Args& args, const std::string& command_line);
int cmd_trace(const Args& args, const std::string& command_line);
int cmd_report(const Args& args, const std::string& command_line);
int cmd_bench(const Args& args, const std::string& command_line);
int cmd_value(const Args& args, const std::string& command_line);
int cmd_attribute(const Args& args, const std::string& command_line);
int cmd_export(const Args& args, const std::string& command_line);
int cmd_optimize(const Args& args, const std::string& command_line);
int cmd_calibrate(const Args& args, const std::string& command_line);
int cmd_forecast(const Args& args, const std::string& command_line);
int cmd_serve(const Args& args, const std::string& command_line);

// All subcommands, in the order `cjsim --help` lists them.
const std::vector<Command>& commands();

}  // namespace cjsim::cli
