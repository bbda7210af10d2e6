// Pass 2 of the act phase: the dense, branch-free sweep over a block. For every customer with
// nothing special today (not exposed, not recommended yesterday, not talking, no two-mark
// edge) salience decays and the exponential clock runs down by today's total hazard
//   H = c0 + c1 * satisfaction + c2 * hill(A)      (Model::cell_c*, per stage and segment).
// It writes todo[j] = 1 for customers the per-customer pass must handle from scratch (state
// untouched here) and 2 for those whose clock ran out today (state updated, edge to choose).
#pragma once

#include <cstdint>

namespace cjsim {

inline constexpr std::uint8_t kTodoSpecial = 1;
inline constexpr std::uint8_t kTodoEvent = 2;  // act.cpp tests it as bit 1 of each byte

struct DriftArgs {
  const std::uint8_t* stage;
  const std::uint8_t* segment;
  const std::uint8_t* flags;
  const float* satisfaction;
  float* salience;
  double* clock;
  const std::uint32_t* exposed;  // block-local: channels exposing customer begin + j today
  std::uint8_t* todo;            // block-local output
  const double* c0;
  const double* c1;
  const double* c2;
  const std::uint32_t* cell_flags;
  int segments;
  float decay;
  float complain_below;
  double beta;
  double half_pow;
  double shape;
  std::uint32_t forced;  // block-local index always handled as special (the traced customer)
};

// Customers [begin, end); block-local index j = i - begin.
void drift(const DriftArgs& a, std::uint32_t begin, std::uint32_t end);

// mask[j] = reach[stage[j] * segments + segment[j]] & active for j < n: which of today's
// channels may expose each customer of a block (exposure selection, act_expose.cpp).
void reach_masks(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                 const std::uint32_t* reach, int segments, std::uint32_t active,
                 std::uint32_t* mask);

}  // namespace cjsim
