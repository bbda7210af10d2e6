// Pass 2 of the act phase: the dense, branch-free sweep over a block. For every customer with
// nothing special today (not recommended yesterday, not complaining, no two-mark edge, not
// exposed by a channel without a slot, not traced) salience moves and the exponential clock
// runs down by today's total hazard, exposed or not:
//   A <- decay * A + gain,   H = c0 + c1 * satisfaction + c2 * hill(A)
// with gain and c* the model's drift table entry at (today's exposures m, stage, segment); an
// exposed customer's last touch becomes the entry's last channel.
// It sets bit j of `special` for customers the per-customer pass must handle from scratch
// (their state untouched here) and bit j of `event` for those whose clock ran out today (state
// updated, edge to choose), and bit j of `talker` for the others who may recommend today
// (advocates: whether they do is drawn after the sweep, Engine::talk).
//
// Bitmaps are block-local: bit j of a bitmap is bit j % 64 of word j / 64, customer begin + j.
#pragma once

#include <cstdint>

#include "model/model.hpp"

namespace cjsim {

// Words of a block-local bitmap: kBlockSize (engine.hpp) bits.
inline constexpr std::uint32_t kBlockWords = 8192 / 64;

struct DriftArgs {
  // The block's customers.
  const std::uint8_t* stage;
  const std::uint8_t* segment;
  const std::uint8_t* flags;
  const float* satisfaction;
  float* salience;
  double* clock;
  std::uint8_t* last_touch;
  const std::uint8_t* exposure;  // today's exposures m of each customer (slots, model.hpp)
  const std::uint64_t* forced;   // customers always handled by the per-customer pass
  // Out.
  std::uint64_t* special;
  std::uint64_t* event;
  std::uint64_t* talker;
  // The model's drift table, indexed by m << cell_bits | stage << segment_bits | segment.
  const DriftEntry* table;
  int segment_bits;
  int cell_bits;
  float decay;
  float complain_below;
  double beta;
  double half_pow;
  double shape;
};

// Customers of a block, block-local 0 .. n - 1 (n <= kBlockSize). Writes the first
// (n + 63) / 64 words of special, event and talker, zero beyond n. Picks the widest kernel the
// CPU runs; all give the same bits.
void drift(const DriftArgs& a, std::uint32_t n);

// The kernels by instruction set (for the tests), and whether this CPU runs them.
void drift_square_avx2(const DriftArgs& a, std::uint32_t n);
void drift_square_avx512(const DriftArgs& a, std::uint32_t n);
bool has_avx2();
bool has_avx512();

// Eligibility bitmaps: for each channel c in `active`, bit j of bits[c * kBlockWords + ...] is
// set iff reach[stage[j] << segment_bits | segment[j]] has bit c, j < n. Words of active
// channels are written up to (n + 63) / 64, zero beyond n; other channels' words are left alone.
void eligibility(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                 const std::uint32_t* reach, int segment_bits, int cell_bits, std::uint32_t active,
                 std::uint64_t* bits);

}  // namespace cjsim
