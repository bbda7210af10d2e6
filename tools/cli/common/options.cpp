#include "common/options.hpp"

#include <fmt/format.h>
#include <tbb/info.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <limits>

#include "cjsim/errors.hpp"
#include "cjsim/simulation.hpp"

namespace cjsim::cli {

bool parse(const Args& args, const po::options_description& visible,
           const po::options_description& hidden, const po::positional_options_description& pos,
           po::variables_map& vm, const char* usage, const char* examples) {
  po::options_description all;
  all.add(visible).add(hidden);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: " << usage << "\n\n" << visible << "\nexamples:\n" << examples;
    return false;
  }
  try {
    po::notify(vm);
  } catch (const po::required_option& e) {
    // A missing positional argument is named the way the usage line names it ("SCENARIO",
    // "RESULT.h5"), not by the hidden option behind it, which users never type.
    const std::string missing = e.get_option_name();
    for (const auto& option : hidden.options()) {
      if ("--" + option->long_name() != missing) continue;
      const std::string text = usage;
      const std::size_t first = text.find(' ', text.find(' ') + 1);  // after "cjsim COMMAND"
      const std::size_t end = text.find(' ', first + 1);
      const std::string name = first == std::string::npos ? option->long_name()
                                                          : text.substr(first + 1, end - first - 1);
      const std::string command = text.substr(0, first);
      throw InputError({command, 0, 0}, "", fmt::format("missing the {} argument", name),
                       fmt::format("usage: {} ('{} --help' shows examples)", usage, command));
    }
    throw;
  }
  return true;
}

bool parse_with_argument(const Args& args, const po::options_description& visible,
                         std::string& argument, bool required, po::variables_map& vm,
                         const char* usage, const char* examples) {
  po::options_description hidden;
  if (required)
    hidden.add_options()("argument", po::value(&argument)->required());
  else
    hidden.add_options()("argument", po::value(&argument));
  po::positional_options_description pos;
  pos.add("argument", 1);
  return parse(args, visible, hidden, pos, vm, usage, examples);
}

std::uint64_t parse_whole_number(const std::string& text, const std::string& option,
                                 const std::string& example) {
  const std::string key = option.substr(option.find_first_not_of('-'));
  const std::string fix = fmt::format("write a whole number >= 0, e.g. {} {}", option, example);
  std::int64_t value = -1;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range && !text.empty() && text[0] != '-') {
    throw InputError(
        {option, 0, 0}, key,
        fmt::format("must be at most {}, got {}", std::numeric_limits<std::int64_t>::max(), text),
        fix);
  }
  if (error != std::errc() || ptr != end) {
    throw InputError({option, 0, 0}, key, fmt::format("must be a whole number, got '{}'", text),
                     fix);
  }
  if (value < 0) {
    throw InputError({option, 0, 0}, key, fmt::format("must be >= 0, got {}", value), fix);
  }
  return static_cast<std::uint64_t>(value);
}

std::uint64_t parse_seed(const std::string& text) {
  // The same range as simulation.seed in a scenario file (a TOML integer >= 0).
  return parse_whole_number(text, "--seed", "1");
}

void add_run_settings(po::options_description& d, RunSettings& s) {
  d.add_options()("set", po::value(&s.overrides)->composing()->value_name("KEY=VALUE"),
                  "override a scenario key, e.g. --set channels.search.budget=0 (repeatable)")(
      "threads,t", po::value(&s.threads)->default_value(0)->value_name("N"),
      "threads to use: 0 = every core, at most 256 (results are identical for any N)")(
      "seed", po::value<std::string>()->value_name("S")->notifier([&s](const std::string& v) {
        s.seed = parse_seed(v);
      }),
      "random seed, a whole number >= 0 (default: simulation.seed of the scenario)");
}

void check_threads(int threads) {
  if (threads < 0) {
    throw InputError({"--threads", 0, 0}, "threads",
                     fmt::format("must be 0 or more, got {}", threads),
                     "use --threads 0 for every core, or a positive count");
  }
  if (threads > kMaxThreads) {
    throw InputError({"--threads", 0, 0}, "threads",
                     fmt::format("at most {} threads, got {}", kMaxThreads, threads),
                     "use --threads 0 for every core, or a count up to a few times the cores");
  }
  const int cores = tbb::info::default_concurrency();
  if (threads > cores) {
    fmt::print(stderr,
               "note: {} threads on {} cores: the cores will be shared (results are the same)\n",
               threads, cores);
  }
}

void print_warnings(const std::vector<std::string>& warnings) {
  for (const std::string& w : warnings) fmt::print(stderr, "warning: {}\n", w);
}

std::string shell_quote(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_of(" \t\"'$\\*?;&|<>()") == std::string::npos;
  if (plain) return word;
  std::string q = "'";
  for (char ch : word) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

void print_input_error(const std::exception& e) {
  if (const auto* in = dynamic_cast<const InputError*>(&e)) {
    for (const Diagnostic& d : in->diagnostics()) fmt::print(stderr, "{}\n", format_diagnostic(d));
    if (in->diagnostics().size() > 1) fmt::print(stderr, "{} problems\n", in->diagnostics().size());
    return;
  }
  fmt::print(stderr, "error: {}\n", e.what());
}

}  // namespace cjsim::cli
