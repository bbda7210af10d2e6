// Exact hypergeometric variates: how many of a block's eligible customers fall into a day's
// uniformly chosen exposures. Splitting k exposures over the blocks one block at a time with
// these draws yields exactly a uniform k-subset of all eligible customers, without a global
// shuffle (Sanders et al., "Efficient parallel random sampling", 2018).
#pragma once

#include <cstdint>

#include "random/rng.hpp"

namespace cjsim {

// Number of "good" items in a uniform sample of `sample` items drawn without replacement from
// `good + bad` items. Requires sample <= good + bad.
std::int64_t hypergeometric(MicroRng& rng, std::int64_t good, std::int64_t bad,
                            std::int64_t sample);

}  // namespace cjsim
