// cjsim: the command-line program. Dispatches to a subcommand and turns errors into exit codes:
// 0 ok, 1 bad input (the message names file:line:column and the fix), 2 runtime failure,
// 128 + signal when stopped by SIGINT (130), SIGTERM (143) or SIGHUP (129).
#include <fmt/format.h>

#include <boost/program_options/errors.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/version.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"

namespace cjsim::cli {

namespace {

void print_usage(std::FILE* out) {
  fmt::print(out,
             "cjsim {}: agent-based customer journey simulator\n\n"
             "usage: cjsim COMMAND [options]   (cjsim COMMAND --help for its options)\n\n"
             "commands:\n",
             engine_version());
  for (const Command& c : commands()) fmt::print(out, "  {:<10} {}\n", c.name, c.summary);
  fmt::print(out,
             "\nexamples:\n"
             "  cjsim run scenarios/funnel_vs_loop.toml\n"
             "  cjsim run scenarios/bench.toml --set simulation.customers=100000 --threads 2\n"
             "  cjsim sweep scenarios/flower_delivery.toml -o results/flowers_sweep.h5\n"
             "  cjsim compare results/flowers_sweep.h5\n"
             "  cjsim trace scenarios/smartwatch.toml --customer 50\n"
             "  cjsim value scenarios/car_dealership.toml --replicates 20\n"
             "\nexit codes: 0 ok, 1 bad input, 2 runtime failure, 130 interrupted (Ctrl-C),\n"
             "143 stopped by SIGTERM, 129 by SIGHUP\n");
}

// The command line as it could be typed again (stored in every output file).
std::string quoted_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    if (i) s += ' ';
    s += shell_quote(argv[i]);
  }
  return s;
}

}  // namespace

}  // namespace cjsim::cli

int main(int argc, char** argv) {
  using namespace cjsim::cli;
  if (argc < 2) {
    print_usage(stderr);
    return 1;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(stdout);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    fmt::print("cjsim {} (result format {})\n", cjsim::engine_version(), cjsim::kFormatVersion);
    return 0;
  }
  const Command* command = nullptr;
  for (const Command& c : commands()) {
    if (first == c.name) command = &c;
  }
  if (!command) {
    fmt::print(stderr, "cjsim: unknown command '{}'\n\n", first);
    print_usage(stderr);
    return 1;
  }
  // A damaged result file that crashes the HDF5 library ends in "the file is damaged", exit 1.
  cjsim::contain_hdf5_crashes();
  const Args args(argv + 2, argv + argc);
  try {
    return command->run(args, quoted_command_line(argc, argv));
  } catch (const cjsim::InputError& e) {
    print_input_error(e);
    return 1;
  } catch (const boost::program_options::error& e) {
    fmt::print(stderr, "cjsim {}: {}\n  fix: see 'cjsim {} --help'\n", first, e.what(), first);
    return 1;
  } catch (const Interrupted&) {
    const int sig = interrupt_signal();
    fmt::print(stderr,
               "\ninterrupted by {}: nothing was written (a previous file at the output path is "
               "untouched)\n",
               sig == SIGTERM  ? "SIGTERM"
               : sig == SIGHUP ? "SIGHUP"
                               : "Ctrl-C");
    return 128 + (sig != 0 ? sig : SIGINT);
  } catch (const cjsim::RuntimeError& e) {
    fmt::print(stderr, "cjsim {}: error: {}\n", first, e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "cjsim {}: unexpected error: {}\n", first, e.what());
    return 2;
  }
}
