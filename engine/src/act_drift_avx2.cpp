// The drift kernel for x86-64-v3 (AVX2), four customers per step; chosen at run time when the
// CPU has it. The same operations in the same order as the scalar drift_loop (IEEE add, mul,
// div and conversions, no fused multiply-add: -ffp-contract=off), so both paths produce the same
// bits and results do not depend on the machine. Written with intrinsics because GCC 12 will not
// if-convert the scalar loop (it sinks the division and stores into a branch).
#include <immintrin.h>

#include <cstring>

#include "act_drift_impl.hpp"

namespace cjsim {

namespace {

// Four mask bits to four bytes of 0 or 1.
constexpr std::uint32_t spread_bits(std::uint32_t m) {
  return (m & 1u) | ((m & 2u) << 7) | ((m & 4u) << 14) | ((m & 8u) << 21);
}

// The four todo bytes for (special bits, event bits), by table: one load per four customers.
struct TodoTable {
  std::uint32_t word[16][16];
  constexpr TodoTable() : word{} {
    for (std::uint32_t s = 0; s < 16; ++s) {
      for (std::uint32_t e = 0; e < 16; ++e) {
        word[s][e] = spread_bits(s) * kTodoSpecial + spread_bits(e & ~s) * kTodoEvent;
      }
    }
  }
};
constexpr TodoTable kTodo;

// A full-mask gather: the plain _mm256_i32gather_pd trips GCC 12's -Wmaybe-uninitialized.
__m256d gather(const double* table, __m128i index) {
  const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), table, index, all, 8);
}

}  // namespace

void drift_square_avx2(const DriftArgs& a, std::uint32_t begin, std::uint32_t end) {
  const std::uint32_t n = end - begin;
  const std::uint8_t* stage = a.stage + begin;
  const std::uint8_t* segment = a.segment + begin;
  const std::uint8_t* flags = a.flags + begin;
  const float* satisfaction = a.satisfaction + begin;
  float* salience = a.salience + begin;
  double* clock = a.clock + begin;
  const auto* cell_flags = reinterpret_cast<const int*>(a.cell_flags);
  // Locals, not a.field: the stores below could alias `a`, forcing a reload every step.
  const double* c0_table = a.c0;
  const double* c1_table = a.c1;
  const double* c2_table = a.c2;
  const std::uint32_t* exposed = a.exposed;
  std::uint8_t* todo_out = a.todo;

  const __m128i segments = _mm_set1_epi32(a.segments);
  const __m128i referred = _mm_set1_epi32(kFlagReferred);
  const __m128i slow_or_talker = _mm_set1_epi32(kCellSlow | kCellTalker);
  const __m128i complainer_bit = _mm_set1_epi32(kCellComplainer);
  const __m128i zero_i = _mm_setzero_si128();
  const __m128i forced = _mm_set1_epi32(static_cast<int>(a.forced));
  const __m128 complain_below = _mm_set1_ps(a.complain_below);
  const __m128 decay = _mm_set1_ps(a.decay);
  const __m256d half_pow = _mm256_set1_pd(a.half_pow);
  const __m256d beta = _mm256_set1_pd(a.beta);
  const __m256d zero_d = _mm256_setzero_pd();

  std::uint32_t j = 0;
  for (; j + 4 <= n; j += 4) {
    std::int32_t st = 0;
    std::int32_t sg = 0;
    std::int32_t fl = 0;
    std::memcpy(&st, stage + j, 4);
    std::memcpy(&sg, segment + j, 4);
    std::memcpy(&fl, flags + j, 4);
    const __m128i cell =
        _mm_add_epi32(_mm_mullo_epi32(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(st)), segments),
                      _mm_cvtepu8_epi32(_mm_cvtsi32_si128(sg)));
    const __m128i cf = _mm_i32gather_epi32(cell_flags, cell, 4);
    const __m128 s = _mm_loadu_ps(satisfaction + j);

    // reasons = exposed | referred | slow/talker | complaining | traced, as in drift_loop.
    const __m128i unhappy = _mm_castps_si128(_mm_cmplt_ps(s, complain_below));
    __m128i reasons = _mm_loadu_si128(reinterpret_cast<const __m128i*>(exposed + j));
    reasons =
        _mm_or_si128(reasons, _mm_and_si128(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(fl)), referred));
    reasons = _mm_or_si128(reasons, _mm_and_si128(cf, slow_or_talker));
    reasons = _mm_or_si128(reasons, _mm_and_si128(_mm_and_si128(cf, complainer_bit), unhappy));
    const __m128i index =
        _mm_add_epi32(_mm_set1_epi32(static_cast<int>(j)), _mm_setr_epi32(0, 1, 2, 3));
    reasons = _mm_or_si128(reasons, _mm_cmpeq_epi32(index, forced));
    const __m128i special32 = _mm_xor_si128(_mm_cmpeq_epi32(reasons, zero_i), _mm_set1_epi32(-1));
    const __m256d special64 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(special32));

    const __m128 salience0 = _mm_loadu_ps(salience + j);
    const __m128 salience1 = _mm_mul_ps(salience0, decay);
    const __m256d x = _mm256_cvtps_pd(salience1);
    const __m256d xk = _mm256_mul_pd(x, x);  // |x|^2: the sign does not matter
    const __m256d base = _mm256_add_pd(xk, half_pow);
    const __m256d boosted = _mm256_add_pd(base, _mm256_mul_pd(beta, xk));
    const __m256d negative = _mm256_cmp_pd(x, zero_d, _CMP_LT_OQ);
    const __m256d hill = _mm256_div_pd(_mm256_blendv_pd(boosted, base, negative),
                                       _mm256_blendv_pd(base, boosted, negative));
    const __m256d c0 = gather(c0_table, cell);
    const __m256d c1 = gather(c1_table, cell);
    const __m256d c2 = gather(c2_table, cell);
    const __m256d h = _mm256_add_pd(_mm256_add_pd(c0, _mm256_mul_pd(c1, _mm256_cvtps_pd(s))),
                                    _mm256_mul_pd(c2, hill));
    const __m256d clock0 = _mm256_loadu_pd(clock + j);
    const __m256d clock1 = _mm256_sub_pd(clock0, h);
    const __m256d event = _mm256_and_pd(_mm256_cmp_pd(h, zero_d, _CMP_GT_OQ),
                                        _mm256_cmp_pd(clock1, zero_d, _CMP_LE_OQ));

    _mm_storeu_ps(salience + j, _mm_blendv_ps(salience1, salience0, _mm_castsi128_ps(special32)));
    _mm256_storeu_pd(clock + j, _mm256_blendv_pd(clock1, clock0, special64));
    const auto special_bits = static_cast<std::uint32_t>(_mm256_movemask_pd(special64));
    const auto event_bits = static_cast<std::uint32_t>(_mm256_movemask_pd(event));
    std::memcpy(todo_out + j, &kTodo.word[special_bits][event_bits], 4);
  }
  drift_range(
      a, begin, end, [](double v) { return v * v; }, j);  // the last n % 4
}

void reach_masks_avx2(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                      const std::uint32_t* reach, int segments, std::uint32_t active,
                      std::uint32_t* mask) {
  const __m256i g = _mm256_set1_epi32(segments);
  const __m256i keep = _mm256_set1_epi32(static_cast<int>(active));
  const auto* table = reinterpret_cast<const int*>(reach);
  std::uint32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    std::int64_t st = 0;
    std::int64_t sg = 0;
    std::memcpy(&st, stage + j, 8);
    std::memcpy(&sg, segment + j, 8);
    const __m256i cell =
        _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(st)), g),
                         _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(sg)));
    const __m256i all = _mm256_set1_epi32(-1);
    const __m256i m = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), table, cell, all, 4);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(mask + j), _mm256_and_si256(m, keep));
  }
  reach_masks_impl(j, n, stage, segment, reach, segments, active, mask);
}

}  // namespace cjsim
