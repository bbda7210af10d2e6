// The report's "who gets the credit" section: attribution models from the touch paths of a
// variant beside its ground truth (tools/report/README.md, section 8).
#pragma once

#include <nlohmann/json.hpp>

#include "cjsim/hdf5_io.hpp"

namespace cjsim::cli {

// The first variant whose every run holds touch paths and which holds the channel value (a file
// from cjsim value -o F --touch-paths): {variant, replicates, half_life_days, channels,
// truth: {conversions, conversions_low, conversions_high}, models: [{model, conversions,
// share_error}]}; null when no variant has both.
nlohmann::json attribution_json(const ResultFile& file);

}  // namespace cjsim::cli
