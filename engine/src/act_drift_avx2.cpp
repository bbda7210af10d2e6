// The act phase's kernels for x86-64-v3 (AVX2, BMI2), eight customers per step; chosen at run
// time when the CPU has them. The same operations in the same order as the portable loops of
// act_drift_impl.hpp (IEEE add, mul, div and conversions, no fused multiply-add:
// -ffp-contract=off), so both paths produce the same bits and results do not depend on the
// machine. Written with intrinsics because GCC 12 will not if-convert the scalar loop.
#include <immintrin.h>

#include <cstring>

#include "act_drift_impl.hpp"

namespace cjsim {

namespace {

// A full-mask gather: the plain _mm256_i32gather_pd trips GCC 12's -Wmaybe-uninitialized.
__m256d gather(const double* table, __m128i index) {
  const __m256d all = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  return _mm256_mask_i32gather_pd(_mm256_setzero_pd(), table, index, all, 8);
}

__m256 gather(const float* table, __m256i index) {
  const __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
  return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), table, index, all, 4);
}

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

struct Half {
  __m256d clock;  // new clock
  __m256d event;  // lanes whose clock ran out today
};

// Hazard and clock of four customers.
inline Half hazard(__m256 salience1, int half, __m128i t, const float* satisfaction,
                   const double* clock, const DriftArgs& a, __m256d half_pow, __m256d beta) {
  const __m256d zero = _mm256_setzero_pd();
  const __m128 s1 =
      half == 0 ? _mm256_castps256_ps128(salience1) : _mm256_extractf128_ps(salience1, 1);
  const __m256d x = _mm256_cvtps_pd(s1);
  const __m256d xk = _mm256_mul_pd(x, x);  // |x|^2: the sign does not matter
  const __m256d base = _mm256_add_pd(xk, half_pow);
  const __m256d boosted = _mm256_add_pd(base, _mm256_mul_pd(beta, xk));
  const __m256d negative = _mm256_cmp_pd(x, zero, _CMP_LT_OQ);
  const __m256d hill = _mm256_div_pd(_mm256_blendv_pd(boosted, base, negative),
                                     _mm256_blendv_pd(base, boosted, negative));
  const __m256d s = _mm256_cvtps_pd(_mm_loadu_ps(satisfaction));
  const __m256d h = _mm256_add_pd(_mm256_add_pd(gather(a.c0, t), _mm256_mul_pd(gather(a.c1, t), s)),
                                  _mm256_mul_pd(gather(a.c2, t), hill));
  const __m256d clock1 = _mm256_sub_pd(_mm256_loadu_pd(clock), h);
  const __m256d event =
      _mm256_and_pd(_mm256_cmp_pd(h, zero, _CMP_GT_OQ), _mm256_cmp_pd(clock1, zero, _CMP_LE_OQ));
  return {clock1, event};
}

}  // namespace

void drift_square_avx2(const DriftArgs& a, std::uint32_t n) {
  const __m256i referred = _mm256_set1_epi32(kFlagReferred);
  const __m256i slow_or_talker = _mm256_set1_epi32(kCellSlow | kCellTalker);
  const __m256i complainer_bit = _mm256_set1_epi32(kCellComplainer);
  const __m256 complain_below = _mm256_set1_ps(a.complain_below);
  const __m256 decay = _mm256_set1_ps(a.decay);
  const __m256d half_pow = _mm256_set1_pd(a.half_pow);
  const __m256d beta = _mm256_set1_pd(a.beta);
  const __m128i segment_shift = _mm_cvtsi32_si128(a.segment_bits);
  const __m128i cell_shift = _mm_cvtsi32_si128(a.cell_bits);
  auto* special_out = reinterpret_cast<std::uint8_t*>(a.special);
  auto* event_out = reinterpret_cast<std::uint8_t*>(a.event);

  std::uint32_t j = 0;
  for (; j + 8 <= n; j += 8) {
    // Today's exposures m of each customer, one slot bitmap byte at a time.
    std::uint64_t m8 = 0;
    for (int k = 0; k < a.slots; ++k) {
      const std::uint8_t b = byte_of(a.slot_bits + static_cast<std::size_t>(k) * kBlockWords, j);
      m8 |= _pdep_u64(b, 0x0101010101010101ull) << k;
    }
    const __m256i cell =
        _mm256_or_si256(_mm256_sll_epi32(widen(a.stage + j), segment_shift), widen(a.segment + j));
    const __m256i t = _mm256_or_si256(
        _mm256_sll_epi32(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<std::int64_t>(m8))),
                         cell_shift),
        cell);
    const __m256i cf = gather(a.cell_flags, t);
    const __m256 s = _mm256_loadu_ps(a.satisfaction + j);

    // reasons = forced | referred | slow/talker | complaining, as in drift_loop.
    const __m256i unhappy = _mm256_castps_si256(_mm256_cmp_ps(s, complain_below, _CMP_LT_OQ));
    __m256i reasons = _mm256_and_si256(widen(a.flags + j), referred);
    reasons = _mm256_or_si256(reasons, _mm256_and_si256(cf, slow_or_talker));
    reasons =
        _mm256_or_si256(reasons, _mm256_and_si256(_mm256_and_si256(cf, complainer_bit), unhappy));
    const __m256i ordinary = _mm256_cmpeq_epi32(reasons, _mm256_setzero_si256());
    const auto special = static_cast<std::uint32_t>(
        (_mm256_movemask_ps(_mm256_castsi256_ps(ordinary)) ^ 0xff) | byte_of(a.forced, j));
    const __m256 keep = _mm256_castsi256_ps(lanes_of(special));

    const __m256 salience0 = _mm256_loadu_ps(a.salience + j);
    const __m256 salience1 = _mm256_add_ps(_mm256_mul_ps(salience0, decay), gather(a.gain, t));
    _mm256_storeu_ps(a.salience + j, _mm256_blendv_ps(salience1, salience0, keep));

    std::uint32_t events = 0;
    for (int half = 0; half < 2; ++half) {
      const std::uint32_t jh = j + 4 * static_cast<std::uint32_t>(half);
      const __m128i th = half == 0 ? _mm256_castsi256_si128(t) : _mm256_extracti128_si256(t, 1);
      const Half r =
          hazard(salience1, half, th, a.satisfaction + jh, a.clock + jh, a, half_pow, beta);
      const __m256d keep64 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
          half == 0 ? _mm256_castsi256_si128(_mm256_castps_si256(keep))
                    : _mm256_extracti128_si256(_mm256_castps_si256(keep), 1)));
      _mm256_storeu_pd(a.clock + jh,
                       _mm256_blendv_pd(r.clock, _mm256_loadu_pd(a.clock + jh), keep64));
      events |= static_cast<std::uint32_t>(_mm256_movemask_pd(r.event)) << (4 * half);
    }
    special_out[j / 8] = static_cast<std::uint8_t>(special);
    event_out[j / 8] = static_cast<std::uint8_t>(events & ~special);
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
