// Command-line parsing shared by subcommands (Boost.Program_options), and the options most
// subcommands take: --set, --threads, --seed.
#pragma once

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands/commands.hpp"

namespace cjsim::cli {

namespace po = boost::program_options;

// Parses `args` against `visible` (plus hidden positional options); prints help and returns
// false when --help was given. Throws po::error for unknown or malformed options.
bool parse(const Args& args, const po::options_description& visible,
           const po::options_description& hidden, const po::positional_options_description& pos,
           po::variables_map& vm, const char* usage, const char* examples);

// --set KEY=VALUE (repeatable), --threads N, --seed S.
struct RunSettings {
  std::vector<std::string> overrides;
  int threads = 0;
  std::optional<std::uint64_t> seed;
};
void add_run_settings(po::options_description& d, RunSettings& s);
// Checks --threads after parsing: 0 (every core) to kMaxThreads; above the core count with a
// note that the cores will be shared.
void check_threads(int threads);

// One word as a POSIX shell reads it back: plain words as they are, anything else in single
// quotes ('\'' for a quote inside). What every output file's command line is made of.
std::string shell_quote(const std::string& word);

// "file:line:col: key: message / fix" for every diagnostic, on stderr.
void print_input_error(const std::exception& e);

}  // namespace cjsim::cli
