// The act phase's kernels for x86-64-v3 (AVX2, BMI2), eight customers per step; chosen at run
// time when the CPU has them. The same operations in the same order as the portable loops of
// act_drift_impl.hpp (IEEE add, mul, div and conversions, no fused multiply-add:
// -ffp-contract=off), so both paths produce the same bits and results do not depend on the
// machine. Written with intrinsics because GCC 12 will not if-convert the scalar loop.
#include <immintrin.h>

#include <cstring>

#include "sim/simd/act_drift_impl.hpp"

namespace cjsim {

namespace {

// A full-mask gather: the plain _mm256_i32gather_epi32 trips GCC 12's -Wmaybe-uninitialized.
__m256i gather(const std::uint32_t* table, __m256i index) {
  const auto* base = reinterpret_cast<const int*>(table);
  return _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), base, index, _mm256_set1_epi32(-1), 4);
}

// Eight bytes as eight 32-bit lanes.
__m256i widen(const std::uint8_t* p) {
  std::int64_t v = 0;
  std::memcpy(&v, p, 8);
  return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(v));
}

// Bit i of `bits` as an all-ones or all-zero lane i.
__m256i lanes_of(std::uint32_t bits) {
  const __m256i select = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), select),
                            select);
}

std::uint8_t byte_of(const std::uint64_t* bits, std::uint32_t j) {
  return reinterpret_cast<const std::uint8_t*>(bits)[j / 8];
}

// The drift table entries of four customers, as columns: c0, c1, c2 and (gain, flags) pairs.
// Two 16-byte loads per entry and four unpacks: cheaper than four gathers.
struct Columns {
  __m256d c0, c1, c2, gain_flags;
};
inline Columns columns(const DriftEntry* e0, const DriftEntry* e1, const DriftEntry* e2,
                       const DriftEntry* e3) {
  const __m256d a = _mm256_loadu2_m128d(&e2->c0, &e0->c0);  // e0.c0 e0.c1 | e2.c0 e2.c1
  const __m256d b = _mm256_loadu2_m128d(&e3->c0, &e1->c0);  // e1.c0 e1.c1 | e3.c0 e3.c1
  const __m256d c = _mm256_loadu2_m128d(&e2->c2, &e0->c2);  // e0.c2 e0.gf | e2.c2 e2.gf
  const __m256d d = _mm256_loadu2_m128d(&e3->c2, &e1->c2);
  return {_mm256_unpacklo_pd(a, b), _mm256_unpackhi_pd(a, b), _mm256_unpacklo_pd(c, d),
          _mm256_unpackhi_pd(c, d)};
}

// Hazard and clock of four customers; `keep` lanes (special) keep their clock.
inline std::uint32_t run_clocks(__m128 salience1, const Columns& e, const float* satisfaction,
                                double* clock, __m256d keep, __m256d half_pow, __m256d beta) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d x = _mm256_cvtps_pd(salience1);
  const __m256d xk = _mm256_mul_pd(x, x);  // |x|^2: the sign does not matter
  const __m256d base = _mm256_add_pd(xk, half_pow);
  const __m256d boosted = _mm256_add_pd(base, _mm256_mul_pd(beta, xk));
  const __m256d negative = _mm256_cmp_pd(x, zero, _CMP_LT_OQ);
  const __m256d hill = _mm256_div_pd(_mm256_blendv_pd(boosted, base, negative),
                                     _mm256_blendv_pd(base, boosted, negative));
  const __m256d s = _mm256_cvtps_pd(_mm_loadu_ps(satisfaction));
  const __m256d h =
      _mm256_add_pd(_mm256_add_pd(e.c0, _mm256_mul_pd(e.c1, s)), _mm256_mul_pd(e.c2, hill));
  const __m256d clock0 = _mm256_loadu_pd(clock);
  const __m256d clock1 = _mm256_sub_pd(clock0, h);
  const __m256d event =
      _mm256_and_pd(_mm256_cmp_pd(h, zero, _CMP_GT_OQ), _mm256_cmp_pd(clock1, zero, _CMP_LE_OQ));
  _mm256_storeu_pd(clock, _mm256_blendv_pd(clock1, clock0, keep));
  return static_cast<std::uint32_t>(_mm256_movemask_pd(event));
}

}  // namespace

void drift_square_avx2(const DriftArgs& a, std::uint32_t n) {
  const __m256i referred = _mm256_set1_epi32(kFlagReferred);
  const __m256i slow = _mm256_set1_epi32(kCellSlow);
  const __m256i talker_bit = _mm256_set1_epi32(kCellTalker);
  const __m256i complainer_bit = _mm256_set1_epi32(kCellComplainer);
  const __m256 complain_below = _mm256_set1_ps(a.complain_below);
  const __m256 decay = _mm256_set1_ps(a.decay);
  const __m256d half_pow = _mm256_set1_pd(a.half_pow);
  const __m256d beta = _mm256_set1_pd(a.beta);
  const __m128i segment_shift = _mm_cvtsi32_si128(a.segment_bits);
  const __m128i cell_shift = _mm_cvtsi32_si128(a.cell_bits);
  const DriftEntry* table = a.table;
  auto* special_out = reinterpret_cast<std::uint8_t*>(a.special);
  auto* event_out = reinterpret_cast<std::uint8_t*>(a.event);
  auto* talker_out = reinterpret_cast<std::uint8_t*>(a.talker);

  std::uint32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i cell =
        _mm256_or_si256(_mm256_sll_epi32(widen(a.stage + j), segment_shift), widen(a.segment + j));
    const __m256i t = _mm256_or_si256(_mm256_sll_epi32(widen(a.exposure + j), cell_shift), cell);
    alignas(32) std::uint32_t index[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(index), t);
    const Columns low =
        columns(table + index[0], table + index[1], table + index[2], table + index[3]);
    const Columns high =
        columns(table + index[4], table + index[5], table + index[6], table + index[7]);
    // (gain, flags) pairs of eight customers into eight gains and eight flags, in order.
    const __m256 gf_low = _mm256_castpd_ps(low.gain_flags),
                 gf_high = _mm256_castpd_ps(high.gain_flags);
    const __m256 gain = _mm256_castpd_ps(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(gf_low, gf_high, _MM_SHUFFLE(2, 0, 2, 0))), 0xd8));
    const __m256i cf = _mm256_castpd_si256(_mm256_permute4x64_pd(
        _mm256_castps_pd(_mm256_shuffle_ps(gf_low, gf_high, _MM_SHUFFLE(3, 1, 3, 1))), 0xd8));
    const __m256 s = _mm256_loadu_ps(a.satisfaction + j);

    // reasons = forced | referred | slow | complaining, as in drift_loop.
    const __m256i unhappy = _mm256_castps_si256(_mm256_cmp_ps(s, complain_below, _CMP_LT_OQ));
    __m256i reasons = _mm256_and_si256(widen(a.flags + j), referred);
    reasons = _mm256_or_si256(reasons, _mm256_and_si256(cf, slow));
    reasons =
        _mm256_or_si256(reasons, _mm256_and_si256(_mm256_and_si256(cf, complainer_bit), unhappy));
    const __m256i ordinary = _mm256_cmpeq_epi32(reasons, _mm256_setzero_si256());
    const auto special = static_cast<std::uint32_t>(
        (_mm256_movemask_ps(_mm256_castsi256_ps(ordinary)) ^ 0xff) | byte_of(a.forced, j));
    const __m256i keep = lanes_of(special);

    // Exposed customers' last touch: the entry's code - 1 where the code is not 0.
    const __m256i touch = _mm256_srli_epi32(cf, kTouchShift);
    const __m256i write = _mm256_andnot_si256(
        _mm256_or_si256(keep, _mm256_cmpeq_epi32(touch, _mm256_setzero_si256())),
        _mm256_set1_epi32(-1));
    const __m256i touch32 = _mm256_blendv_epi8(
        widen(a.last_touch + j), _mm256_sub_epi32(touch, _mm256_set1_epi32(1)), write);
    const __m128i touch16 =
        _mm_packus_epi32(_mm256_castsi256_si128(touch32), _mm256_extracti128_si256(touch32, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(a.last_touch + j),
                     _mm_packus_epi16(touch16, touch16));

    const __m256 salience0 = _mm256_loadu_ps(a.salience + j);
    const __m256 salience1 = _mm256_add_ps(_mm256_mul_ps(salience0, decay), gain);
    _mm256_storeu_ps(a.salience + j,
                     _mm256_blendv_ps(salience1, salience0, _mm256_castsi256_ps(keep)));

    const std::uint32_t events =
        run_clocks(_mm256_castps256_ps128(salience1), low, a.satisfaction + j, a.clock + j,
                   _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(keep))),
                   half_pow, beta) |
        run_clocks(_mm256_extractf128_ps(salience1, 1), high, a.satisfaction + j + 4,
                   a.clock + j + 4,
                   _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(keep, 1))),
                   half_pow, beta)
            << 4;
    special_out[j / 8] = static_cast<std::uint8_t>(special);
    event_out[j / 8] = static_cast<std::uint8_t>(events & ~special);
    const auto silent = static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(cf, talker_bit), _mm256_setzero_si256()))));
    talker_out[j / 8] = static_cast<std::uint8_t>(~silent & ~special);
  }
  drift_loop(a, j, n, [](double v) { return v * v; });  // the last n % 8
}

void eligibility_avx2(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                      const std::uint32_t* reach, int segment_bits, int cell_bits,
                      std::uint32_t active, std::uint64_t* bits) {
  std::uint32_t j = 0;
  const __m128i segment_shift = _mm_cvtsi32_si128(segment_bits);
  if (cell_bits <= 5 && active < 256) {
    // At most 32 cells and 8 channels: the reach of 32 customers at once, as bytes looked up
    // by shuffles in two 16-entry tables; then one bit per customer per channel.
    alignas(32) std::uint8_t table[32] = {};
    for (std::uint32_t cell = 0; cell < (1u << cell_bits); ++cell) {
      table[cell] = static_cast<std::uint8_t>(reach[cell] & active);
    }
    const __m256i low =
        _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(table)));
    const __m256i high =
        _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(table + 16)));
    for (; j + 32 <= n; j += 32) {
      // Cells fit in five bits, so the 16-bit shifts carry nothing across bytes.
      const __m256i st = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(stage + j));
      const __m256i sg = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(segment + j));
      const __m256i cell = _mm256_or_si256(_mm256_sll_epi16(st, segment_shift), sg);
      const __m256i r =
          _mm256_blendv_epi8(_mm256_shuffle_epi8(low, cell), _mm256_shuffle_epi8(high, cell),
                             _mm256_slli_epi16(cell, 3));  // bit 4 picks the table
      for (std::uint32_t left = active; left != 0; left &= left - 1) {
        const int c = __builtin_ctz(left);
        // Bit c of each byte into its top bit (bit 7 - c of the byte below lands lower).
        const auto b = static_cast<std::uint32_t>(
            _mm256_movemask_epi8(_mm256_sll_epi16(r, _mm_cvtsi32_si128(7 - c))));
        std::memcpy(
            reinterpret_cast<std::uint8_t*>(bits + static_cast<std::size_t>(c) * kBlockWords) +
                j / 8,
            &b, 4);
      }
    }
  } else {
    const __m256i keep = _mm256_set1_epi32(static_cast<int>(active));
    for (; j + 8 <= n; j += 8) {
      const __m256i cell =
          _mm256_or_si256(_mm256_sll_epi32(widen(stage + j), segment_shift), widen(segment + j));
      const __m256i r = _mm256_and_si256(gather(reach, cell), keep);
      for (std::uint32_t left = active; left != 0; left &= left - 1) {
        const int c = __builtin_ctz(left);
        // Bit c of each lane into the sign bit, then one bit per lane.
        const __m256i top = _mm256_sll_epi32(r, _mm_cvtsi32_si128(31 - c));
        reinterpret_cast<std::uint8_t*>(bits + static_cast<std::size_t>(c) * kBlockWords)[j / 8] =
            static_cast<std::uint8_t>(_mm256_movemask_ps(_mm256_castsi256_ps(top)));
      }
    }
  }
  eligibility_impl(j, n, stage, segment, reach, segment_bits, active, bits);
}

}  // namespace cjsim
