// The drift kernel for x86-64-v4 (AVX-512 F/BW/DQ/VL), eight customers per step with their
// doubles in one register and mask registers for the verdicts; chosen at run time when the CPU
// has it. The same IEEE operations in the same order as drift_loop (act_drift_impl.hpp), so the
// same bits as the AVX2 and portable paths. Fewer instructions than AVX2 for the same work:
// masked stores instead of blends, narrowing moves instead of shuffles.
#include <immintrin.h>

#include <cstring>

#include "sim/simd/act_drift_impl.hpp"

// GCC 12's AVX-512 intrinsics pass _mm512_undefined_*() as the unused source of their masked
// builtins, which -Wmaybe-uninitialized reports at every use; nothing here reads such a value.
// (GCC only: clang, which builds the fuzz preset, has no such warning.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace cjsim {

namespace {

// Eight bytes as eight 32-bit lanes.
__m256i widen8(const std::uint8_t* p) {
  std::int64_t v = 0;
  std::memcpy(&v, p, 8);
  return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(v));
}
}  // namespace
void drift_square_avx512(const DriftArgs& a, std::uint32_t n) {
  const __m256i referred = _mm256_set1_epi32(kFlagReferred);
  const __m256i slow = _mm256_set1_epi32(kCellSlow);
  const __m256i talker_bit = _mm256_set1_epi32(kCellTalker);
  const __m256i complainer_bit = _mm256_set1_epi32(kCellComplainer);
  const __m256 complain_below = _mm256_set1_ps(a.complain_below);
  const __m256 decay = _mm256_set1_ps(a.decay);
  const __m512d half_pow = _mm512_set1_pd(a.half_pow);
  const __m512d beta = _mm512_set1_pd(a.beta);
  const __m512d zero = _mm512_setzero_pd();
  const __m128i segment_shift = _mm_cvtsi32_si128(a.segment_bits);
  const __m128i cell_shift = _mm_cvtsi32_si128(a.cell_bits);
  const __m256i one = _mm256_set1_epi32(1);
  const DriftEntry* table = a.table;
  auto* special_out = reinterpret_cast<std::uint8_t*>(a.special);
  auto* event_out = reinterpret_cast<std::uint8_t*>(a.event);
  auto* talker_out = reinterpret_cast<std::uint8_t*>(a.talker);
  std::uint32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i cell = _mm256_or_si256(_mm256_sll_epi32(widen8(a.stage + j), segment_shift),
                                         widen8(a.segment + j));
    const __m256i t = _mm256_or_si256(_mm256_sll_epi32(widen8(a.exposure + j), cell_shift), cell);
    alignas(32) std::uint32_t index[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(index), t);
    const DriftEntry* e[8];
    for (int l = 0; l < 8; ++l) e[l] = table + index[l];
    // The table entries as columns: A = (c0, c1) of entries 0, 2, 4, 6 and B of 1, 3, 5, 7, then
    // C and D the (c2, gain and flags) halves; unpacking pairs them up in customer order.
    __m512d A = _mm512_castpd128_pd512(_mm_loadu_pd(&e[0]->c0));
    A = _mm512_insertf64x2(A, _mm_loadu_pd(&e[2]->c0), 1);
    A = _mm512_insertf64x2(A, _mm_loadu_pd(&e[4]->c0), 2);
    A = _mm512_insertf64x2(A, _mm_loadu_pd(&e[6]->c0), 3);
    __m512d B = _mm512_castpd128_pd512(_mm_loadu_pd(&e[1]->c0));
    B = _mm512_insertf64x2(B, _mm_loadu_pd(&e[3]->c0), 1);
    B = _mm512_insertf64x2(B, _mm_loadu_pd(&e[5]->c0), 2);
    B = _mm512_insertf64x2(B, _mm_loadu_pd(&e[7]->c0), 3);
    __m512d C = _mm512_castpd128_pd512(_mm_loadu_pd(&e[0]->c2));
    C = _mm512_insertf64x2(C, _mm_loadu_pd(&e[2]->c2), 1);
    C = _mm512_insertf64x2(C, _mm_loadu_pd(&e[4]->c2), 2);
    C = _mm512_insertf64x2(C, _mm_loadu_pd(&e[6]->c2), 3);
    __m512d D = _mm512_castpd128_pd512(_mm_loadu_pd(&e[1]->c2));
    D = _mm512_insertf64x2(D, _mm_loadu_pd(&e[3]->c2), 1);
    D = _mm512_insertf64x2(D, _mm_loadu_pd(&e[5]->c2), 2);
    D = _mm512_insertf64x2(D, _mm_loadu_pd(&e[7]->c2), 3);
    const __m512d c0 = _mm512_unpacklo_pd(A, B), c1 = _mm512_unpackhi_pd(A, B);
    const __m512d c2 = _mm512_unpacklo_pd(C, D);
    const __m512i gf = _mm512_castpd_si512(_mm512_unpackhi_pd(C, D));
    const __m256 gain = _mm256_castsi256_ps(_mm512_cvtepi64_epi32(gf));
    const __m256i cf = _mm512_cvtepi64_epi32(_mm512_srli_epi64(gf, 32));
    const __m256 s = _mm256_loadu_ps(a.satisfaction + j);
    // special = forced | referred | slow | complaining, as in drift_loop.
    const __mmask8 unhappy = _mm256_cmp_ps_mask(s, complain_below, _CMP_LT_OQ);
    __m256i reasons = _mm256_and_si256(widen8(a.flags + j), referred);
    reasons = _mm256_or_si256(reasons, _mm256_and_si256(cf, slow));
    const __mmask8 special =
        static_cast<__mmask8>(_mm256_test_epi32_mask(reasons, reasons) |
                              _mm256_mask_test_epi32_mask(unhappy, cf, complainer_bit) |
                              reinterpret_cast<const std::uint8_t*>(a.forced)[j / 8]);
    const __mmask8 ordinary = static_cast<__mmask8>(~special);
    // Exposed customers' last touch: the entry's code - 1 where the code is not 0.
    const __m256i touch = _mm256_srli_epi32(cf, kTouchShift);
    const __mmask8 write = _mm256_mask_test_epi32_mask(ordinary, touch, touch);
    _mm_mask_storeu_epi8(a.last_touch + j, write,
                         _mm256_cvtepi32_epi8(_mm256_sub_epi32(touch, one)));
    const __m256 salience1 =
        _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(a.salience + j), decay), gain);
    _mm256_mask_storeu_ps(a.salience + j, ordinary, salience1);
    const __m512d x = _mm512_cvtps_pd(salience1);
    const __m512d xk = _mm512_mul_pd(x, x);  // |x|^2: the sign does not matter
    const __m512d base = _mm512_add_pd(xk, half_pow);
    const __m512d boosted = _mm512_add_pd(base, _mm512_mul_pd(beta, xk));
    const __mmask8 negative = _mm512_cmp_pd_mask(x, zero, _CMP_LT_OQ);
    const __m512d hill = _mm512_div_pd(_mm512_mask_blend_pd(negative, boosted, base),
                                       _mm512_mask_blend_pd(negative, base, boosted));
    const __m512d h = _mm512_add_pd(_mm512_add_pd(c0, _mm512_mul_pd(c1, _mm512_cvtps_pd(s))),
                                    _mm512_mul_pd(c2, hill));
    const __m512d clock1 = _mm512_sub_pd(_mm512_loadu_pd(a.clock + j), h);
    const __mmask8 event =
        _mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(h, zero, _CMP_GT_OQ), clock1, zero, _CMP_LE_OQ);
    _mm512_mask_storeu_pd(a.clock + j, ordinary, clock1);
    special_out[j / 8] = special;
    event_out[j / 8] = static_cast<std::uint8_t>(event & ordinary);
    talker_out[j / 8] = _mm256_mask_test_epi32_mask(ordinary, cf, talker_bit);
  }
  drift_loop(a, j, n, [](double v) { return v * v; });  // the last n % 8
}
}  // namespace cjsim
