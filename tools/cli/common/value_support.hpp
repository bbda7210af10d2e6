// Pieces the value, attribute, export and optimize commands share: picking a variant, and
// rebuilding the scenario a file was run from. (Their tables: common/table.hpp.)
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"

namespace cjsim::cli {

// The variant named `name` (empty: the first); InputError naming `option` and the choices.
const Variant& pick_variant(const Scenario& scenario, const std::string& name,
                            const std::string& option = "--variant");

// The variant of a result file (empty: the first stored) and its replicates, in order.
std::string pick_file_variant(const ResultFile& file, const std::string& name);
std::vector<int> file_replicates(const ResultFile& file, const std::string& variant);

// The scenario a result file was run from: /scenario with the stored command line's --set
// overrides, accepted only when it reproduces /scenario_effective (else InputError: re-running
// it would simulate another world).
Scenario stored_scenario(const ResultFile& file);

// Parses "name=amount" for --min/--max; InputError naming the option otherwise.
std::pair<std::string, double> parse_channel_amount(const std::string& text,
                                                    const std::string& option);

}  // namespace cjsim::cli
