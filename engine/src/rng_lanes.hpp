// Philox4x32-10 (rng.hpp) for eight counters at once: the same function as Random123's, so the
// same words, computed with AVX2 where the CPU has it (rng_lanes_avx2.cpp). For the act phase's
// many small independent draws, e.g. whether each advocate of a block speaks today.
#pragma once

#include <cstdint>

#include "rng.hpp"

namespace cjsim {

// Eight counters in, lane by lane (word w of counter l is x[w][l]); their Philox words out, in
// the same places.
struct PhiloxLanes {
  alignas(32) std::uint32_t x[4][8];
};

void philox_lanes(const Philox::key_type& key, PhiloxLanes& lanes);

// The portable version, Random123's Philox lane by lane.
void philox_lanes_scalar(const Philox::key_type& key, PhiloxLanes& lanes);

}  // namespace cjsim
