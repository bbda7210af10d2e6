// The drift kernel's body, included by act_drift.cpp (baseline x86-64) and act_drift_avx2.cpp
// (x86-64-v3, AVX2). Internal linkage on purpose: each translation unit gets its own copy,
// compiled and inlined for its own instruction set (GCC will not inline across target
// attributes, which is why this is not a target_clones function).
#pragma once

#include <cmath>

#include "act_drift.hpp"
#include "model.hpp"
#include "population.hpp"

namespace cjsim {
namespace {

// Drift over customers [begin, end), branch-free so the loop vectorizes. Every value is computed
// for every customer and selected at the end; -ffp-contract=off keeps IEEE semantics, so the scalar
// and vector builds compute the same bits. The arrays are restrict parameters (GCC trusts restrict
// on parameters, not on locals): the byte stores to todo could otherwise alias every other array
// and block vectorization.
template <class Power>
inline void drift_loop(std::uint32_t first, std::uint32_t n, const std::uint8_t* __restrict stage,
                       const std::uint8_t* __restrict segment, const std::uint8_t* __restrict flags,
                       const float* __restrict satisfaction, float* __restrict salience,
                       double* __restrict clock, const std::uint32_t* __restrict exposed,
                       std::uint8_t* __restrict todo, const double* __restrict c0,
                       const double* __restrict c1, const double* __restrict c2,
                       const std::uint32_t* __restrict cell_flags, const DriftArgs& a,
                       Power power) {
  const int segments = a.segments;
  const float decay = a.decay;
  const float complain_below = a.complain_below;
  const double beta = a.beta;
  const double half_pow = a.half_pow;
  const std::uint32_t forced = a.forced;
  for (std::uint32_t j = first; j < n; ++j) {
    const int cell = stage[j] * segments + segment[j];
    const unsigned cf = cell_flags[cell];
    const float s = satisfaction[j];
    // Nonzero for anything the per-customer pass must handle; kept in 32-bit lanes (a bool
    // chain made of byte loads would not vectorize).
    const std::uint32_t complainer = (cf & kCellComplainer) & (s < complain_below ? ~0u : 0u);
    const std::uint32_t reasons = exposed[j] | (flags[j] & std::uint32_t{kFlagReferred}) |
                                  (cf & (kCellSlow | kCellTalker)) | complainer |
                                  (j == forced ? 1u : 0u);
    const bool special = reasons != 0;
    const float salience0 = salience[j];
    const float salience1 = salience0 * decay;
    const double x = static_cast<double>(salience1);
    const double xk = power(x < 0.0 ? -x : x);
    const double base = xk + half_pow;
    const double boosted = base + beta * xk;
    // One division, operands selected: a division in each arm would be a branch (it may trap).
    const bool negative = salience1 < 0.0f;
    const double hill = (negative ? base : boosted) / (negative ? boosted : base);
    const double h = c0[cell] + c1[cell] * static_cast<double>(s) + c2[cell] * hill;
    const double clock0 = clock[j];
    const double clock1 = clock0 - h;
    const bool event = (h > 0.0) & (clock1 <= 0.0);
    salience[j] = special ? salience0 : salience1;
    clock[j] = special ? clock0 : clock1;
    todo[j] = special ? kTodoSpecial : (event ? kTodoEvent : std::uint8_t{0});
  }
}

// Customers begin + first .. end - 1 (block-local indices first .. end - begin - 1).
template <class Power>
inline void drift_range(const DriftArgs& a, std::uint32_t begin, std::uint32_t end, Power power,
                        std::uint32_t first = 0) {
  drift_loop(first, end - begin, a.stage + begin, a.segment + begin, a.flags + begin,
             a.satisfaction + begin, a.salience + begin, a.clock + begin, a.exposed, a.todo, a.c0,
             a.c1, a.c2, a.cell_flags, a, power);
}

inline void reach_masks_impl(std::uint32_t first, std::uint32_t n,
                             const std::uint8_t* __restrict stage,
                             const std::uint8_t* __restrict segment,
                             const std::uint32_t* __restrict reach, int segments,
                             std::uint32_t active, std::uint32_t* __restrict mask) {
  for (std::uint32_t j = first; j < n; ++j) {
    mask[j] = reach[stage[j] * segments + segment[j]] & active;
  }
}

inline void drift_square_impl(const DriftArgs& a, std::uint32_t begin, std::uint32_t end) {
  drift_range(a, begin, end, [](double x) { return x * x; });
}

}  // namespace
}  // namespace cjsim
