// The portable bodies of the act phase's kernels, included by act_drift.cpp (baseline x86-64),
// act_drift_avx2.cpp (for the last customers of a block) and the kernel tests. Internal linkage
// on purpose: each translation unit gets its own copy, compiled and inlined for its own
// instruction set. The AVX2 kernels perform the same IEEE operations in the same order
// (-ffp-contract=off), so both give the same bits.
#pragma once

#include <cmath>
#include <cstring>

#include "model/model.hpp"
#include "sim/act_drift.hpp"
#include "sim/population.hpp"

namespace cjsim {
namespace {

inline bool bit_of(const std::uint64_t* bits, std::uint32_t j) {
  return (bits[j / 64] >> (j % 64)) & 1u;
}

inline void put_bit(std::uint64_t* bits, std::uint32_t j, bool on) {
  const std::uint64_t mask = std::uint64_t{1} << (j % 64);
  bits[j / 64] = on ? bits[j / 64] | mask : bits[j / 64] & ~mask;
}

// Clears the bits from n to the end of n's word.
inline void clear_tail(std::uint64_t* bits, std::uint32_t n) {
  if (n % 64 != 0) bits[n / 64] &= (std::uint64_t{1} << (n % 64)) - 1;
}

// Drift of customers first .. n - 1 (block-local), one at a time.
template <class Power>
inline void drift_loop(const DriftArgs& a, std::uint32_t first, std::uint32_t n, Power power) {
  for (std::uint32_t j = first; j < n; ++j) {
    const auto t = static_cast<std::size_t>(
        (static_cast<std::uint32_t>(a.exposure[j]) << a.cell_bits) |
        (static_cast<std::uint32_t>(a.stage[j]) << a.segment_bits) | a.segment[j]);
    const DriftEntry& d = a.table[t];
    const float s = a.satisfaction[j];
    const bool special = bit_of(a.forced, j) || (a.flags[j] & kFlagReferred) ||
                         (d.flags & kCellSlow) ||
                         ((d.flags & kCellComplainer) && s < a.complain_below);
    const float salience1 = a.salience[j] * a.decay + d.gain;
    const double x = static_cast<double>(salience1);
    const double xk = power(x < 0.0 ? -x : x);
    const double base = xk + a.half_pow;
    const double boosted = base + a.beta * xk;
    const bool negative = salience1 < 0.0f;
    const double hill = (negative ? base : boosted) / (negative ? boosted : base);
    const double h = d.c0 + d.c1 * static_cast<double>(s) + d.c2 * hill;
    const double clock1 = a.clock[j] - h;
    const bool event = h > 0.0 && clock1 <= 0.0;
    if (!special) {
      a.salience[j] = salience1;
      a.clock[j] = clock1;
      const std::uint32_t touch = d.flags >> kTouchShift;
      if (touch != 0) a.last_touch[j] = static_cast<std::uint8_t>(touch - 1);
    }
    put_bit(a.special, j, special);
    put_bit(a.event, j, event && !special);
    put_bit(a.talker, j, (d.flags & kCellTalker) && !special);
  }
  clear_tail(a.special, n);
  clear_tail(a.event, n);
  clear_tail(a.talker, n);
}

inline void drift_square_impl(const DriftArgs& a, std::uint32_t n) {
  drift_loop(a, 0, n, [](double x) { return x * x; });
}

// Eligibility bitmaps of customers first .. n - 1; `first` is a multiple of 64 or the bits
// below it in its word are kept.
inline void eligibility_impl(std::uint32_t first, std::uint32_t n, const std::uint8_t* stage,
                             const std::uint8_t* segment, const std::uint32_t* reach,
                             int segment_bits, std::uint32_t active, std::uint64_t* bits) {
  for (std::uint32_t j = first; j < n; ++j) {
    const std::uint32_t r = reach[(stage[j] << segment_bits) | segment[j]];
    for (std::uint32_t left = active; left != 0; left &= left - 1) {
      const auto c = static_cast<std::uint32_t>(__builtin_ctz(left));
      put_bit(bits + static_cast<std::size_t>(c) * kBlockWords, j, (r >> c) & 1u);
    }
  }
  for (std::uint32_t left = active; left != 0; left &= left - 1) {
    clear_tail(bits + static_cast<std::size_t>(__builtin_ctz(left)) * kBlockWords, n);
  }
}

}  // namespace
}  // namespace cjsim
