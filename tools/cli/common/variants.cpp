#include "common/variants.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cjsim/errors.hpp"

namespace cjsim::cli {

namespace {

[[noreturn]] void throw_unknown(const std::string& option, const std::string& message,
                                const std::vector<std::string>& names) {
  const std::string key = option.rfind("--", 0) == 0 ? option.substr(2) : option;
  throw InputError({option, 0, 0}, key, message,
                   fmt::format("choose one of: {}", fmt::join(names, ", ")));
}

}  // namespace

const Variant& pick_variant(const Scenario& scenario, const std::string& name,
                            const std::string& option) {
  if (name.empty()) return scenario.variants.front();
  std::vector<std::string> names;
  for (const Variant& v : scenario.variants) {
    if (v.name == name) return v;
    names.push_back(v.name);
  }
  throw_unknown(option, fmt::format("no variant named '{}'", name), names);
}

std::vector<std::string> file_variants(const ResultFile& file) {
  std::vector<std::string> names;
  for (const auto& [v, r] : file.runs()) {
    if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
  }
  if (names.empty()) {
    throw InputError({file.path(), 0, 0}, "/runs", "the file holds no runs",
                     "write it with cjsim run or cjsim value -o");
  }
  return names;
}

std::string pick_file_variant(const ResultFile& file, const std::string& name,
                              const std::string& option, std::size_t fallback) {
  // A sweep file keeps summaries, not runs ("/runs: missing group" said nothing useful).
  if (file.meta().kind != "run") {
    throw InputError(
        {file.path(), 0, 0}, "kind",
        fmt::format("a {} file, which keeps summaries of its runs, not the runs", file.meta().kind),
        "give a file written by cjsim run or cjsim value -o (a sweep keeps its runs "
        "with --keep-runs, but only for cjsim report); compare sweep points with "
        "cjsim compare SWEEP.h5");
  }
  const std::vector<std::string> names = file_variants(file);
  if (name.empty()) return names[std::min(fallback, names.size() - 1)];
  if (std::find(names.begin(), names.end(), name) != names.end()) return name;
  throw_unknown(option, fmt::format("{} holds no variant named '{}'", file.path(), name), names);
}

std::vector<int> file_replicates(const ResultFile& file, const std::string& variant) {
  std::vector<int> out;
  for (const auto& [v, r] : file.runs()) {
    if (v == variant) out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace cjsim::cli
