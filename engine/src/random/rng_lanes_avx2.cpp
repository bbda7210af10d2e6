// Philox4x32-10 on eight counters in AVX2 lanes: Random123's rounds (philox.h), the 32x32-bit
// products split into high and low halves with two even/odd multiplies.
#include <immintrin.h>

#include "random/rng_lanes.hpp"

namespace cjsim {

namespace {

struct HiLo {
  __m256i hi, lo;
};

HiLo mulhilo(__m256i x, __m256i m) {
  const __m256i even = _mm256_mul_epu32(x, m);                        // lanes 0, 2, 4, 6
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m);  // lanes 1, 3, 5, 7
  return {_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xaa),
          _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa)};
}

}  // namespace

void philox_lanes_avx2(const Philox::key_type& key, PhiloxLanes& lanes) {
  auto load = [&](int w) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes.x[w]));
  };
  __m256i x0 = load(0), x1 = load(1), x2 = load(2), x3 = load(3);
  __m256i k0 = _mm256_set1_epi32(static_cast<int>(key[0]));
  __m256i k1 = _mm256_set1_epi32(static_cast<int>(key[1]));
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53), m1 = _mm256_set1_epi64x(0xCD9E8D57);
  const __m256i w0 = _mm256_set1_epi32(static_cast<int>(0x9E3779B9u));
  const __m256i w1 = _mm256_set1_epi32(static_cast<int>(0xBB67AE85u));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 = _mm256_add_epi32(k0, w0);
      k1 = _mm256_add_epi32(k1, w1);
    }
    const HiLo p0 = mulhilo(x0, m0), p1 = mulhilo(x2, m1);
    x0 = _mm256_xor_si256(_mm256_xor_si256(p1.hi, x1), k0);
    x1 = p1.lo;
    x2 = _mm256_xor_si256(_mm256_xor_si256(p0.hi, x3), k1);
    x3 = p0.lo;
  }
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes.x[0]), x0);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes.x[1]), x1);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes.x[2]), x2);
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes.x[3]), x3);
}

}  // namespace cjsim
