#include "random/rng_lanes.hpp"

namespace cjsim {

void philox_lanes_avx2(const Philox::key_type& key, PhiloxLanes& lanes);

void philox_lanes_scalar(const Philox::key_type& key, PhiloxLanes& lanes) {
  for (int l = 0; l < 8; ++l) {
    const Philox::ctr_type out =
        Philox()({{lanes.x[0][l], lanes.x[1][l], lanes.x[2][l], lanes.x[3][l]}}, key);
    for (int w = 0; w < 4; ++w) lanes.x[w][l] = out[static_cast<std::size_t>(w)];
  }
}

void philox_lanes(const Philox::key_type& key, PhiloxLanes& lanes) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    philox_lanes_avx2(key, lanes);
  } else {
    philox_lanes_scalar(key, lanes);
  }
}

}  // namespace cjsim
