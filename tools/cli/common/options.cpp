#include "common/options.hpp"

#include <fmt/format.h>
#include <tbb/info.h>

#include <cstdio>
#include <iostream>

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
  po::notify(vm);
  return true;
}

void add_run_settings(po::options_description& d, RunSettings& s) {
  d.add_options()("set", po::value(&s.overrides)->composing()->value_name("KEY=VALUE"),
                  "override a scenario key, e.g. --set channels.search.budget=0 (repeatable)")(
      "threads,t", po::value(&s.threads)->default_value(0)->value_name("N"),
      "threads to use: 0 = every core, at most 256 (results are identical for any N)")(
      "seed",
      po::value<std::uint64_t>()->value_name("S")->notifier([&s](std::uint64_t v) { s.seed = v; }),
      "random seed (default: simulation.seed of the scenario)");
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
