// Picking a variant by name, the one way every command does it: from a scenario (run, trace,
// value, optimize) or from a result file (attribute, export, compare). An unknown name is an
// InputError naming the option and listing the choices.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"

namespace cjsim::cli {

// The variant named `name` of the scenario; empty: the first.
const Variant& pick_variant(const Scenario& scenario, const std::string& name,
                            const std::string& option = "--variant");

// The variants of a result file, in the order their first runs were written. InputError when
// the file holds no runs.
std::vector<std::string> file_variants(const ResultFile& file);

// The variant of a result file named `name`; empty: the `fallback`-th stored one (the last when
// the file holds fewer).
std::string pick_file_variant(const ResultFile& file, const std::string& name,
                              const std::string& option = "--variant", std::size_t fallback = 0);

// The replicate numbers stored for a variant, ascending.
std::vector<int> file_replicates(const ResultFile& file, const std::string& variant);

}  // namespace cjsim::cli
