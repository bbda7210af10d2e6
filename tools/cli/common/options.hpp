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

// The shape most commands have: the visible options and one positional argument (SCENARIO,
// RESULT.h5), stored in `argument` and named as the usage line names it when it is missing.
bool parse_with_argument(const Args& args, const po::options_description& visible,
                         std::string& argument, bool required, po::variables_map& vm,
                         const char* usage, const char* examples);

// --set KEY=VALUE (repeatable), --threads N, --seed S.
struct RunSettings {
  std::vector<std::string> overrides;
  int threads = 0;
  std::optional<std::uint64_t> seed;
};
void add_run_settings(po::options_description& d, RunSettings& s);
// --seed's text: a whole number from 0 to 2^63 - 1, like simulation.seed (InputError otherwise).
std::uint64_t parse_seed(const std::string& text);
// A whole number from 0 to 2^63 - 1 given to `option` ("--customer"); InputError naming the
// option otherwise ("-1" is refused, never read as 2^64 - 1).
std::uint64_t parse_whole_number(const std::string& text, const std::string& option,
                                 const std::string& example);
// Checks --threads after parsing: 0 (every core) to kMaxThreads; above the core count with a
// note that the cores will be shared.
void check_threads(int threads);

// "warning: ..." on stderr, one line each (what the user should know but did not get wrong).
void print_warnings(const std::vector<std::string>& warnings);

// One word as a POSIX shell reads it back: plain words as they are, anything else in single
// quotes ('\'' for a quote inside). What every output file's command line is made of.
std::string shell_quote(const std::string& word);

// "file:line:col: key: message / fix" for every diagnostic, on stderr.
void print_input_error(const std::exception& e);

}  // namespace cjsim::cli
