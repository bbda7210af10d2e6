// Holdouts (ChannelDef::holdout): a random share of customers, drawn once per run from their own
// Philox stream, whom a channel never exposes on the holdout's days. The engine keeps, per block,
// how many held-out customers sit in each (stage, segment) cell, so the plan phase's eligible
// counts and the act phase's eligibility bitmaps both leave them out.
#include <bit>

#include "sim/engine.hpp"

namespace cjsim {

namespace {

bool member(const Streams& streams, int channel, std::uint32_t customer, double share) {
  const auto purpose = static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::holdout) +
                                            static_cast<std::uint32_t>(channel));
  return uniform01(streams.words(customer, kInitDay, purpose)[0]) < share;
}

}  // namespace

bool held_out(std::uint64_t seed, int replicate, int channel, std::uint64_t customer,
              double share) {
  return member(Streams(seed, replicate), channel, static_cast<std::uint32_t>(customer), share);
}

// Runs in init's parallel loop: a block's customers are whole 64-bit words of the bitmaps.
void Engine::init_holdouts(BlockScratch& block) {
  const auto S = static_cast<std::size_t>(m_.stages), G = static_cast<std::size_t>(m_.segments);
  for (std::uint32_t left = m_.holdout_channels; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const double share = m_.holdout[static_cast<std::size_t>(c)].share;
    std::vector<std::uint64_t>& bits = held_bits_[static_cast<std::size_t>(c)];
    std::uint32_t* held = block.held.data() + static_cast<std::size_t>(c) * S * G;
    for (std::uint32_t i = block.begin; i < block.end; ++i) {
      if (!member(streams_, c, i, share)) continue;
      bits[i / 64] |= std::uint64_t{1} << (i % 64);
      ++held[m_.sg(pop_.stage[i], pop_.segment[i])];
    }
  }
}

void Engine::move_held(BlockScratch& block, std::uint32_t i, int from, int to, int segment) {
  const auto S = static_cast<std::size_t>(m_.stages), G = static_cast<std::size_t>(m_.segments);
  for (std::uint32_t left = m_.holdout_channels; left != 0; left &= left - 1) {
    const auto c = static_cast<std::size_t>(std::countr_zero(left));
    if (!((held_bits_[c][i / 64] >> (i % 64)) & 1u)) continue;
    std::uint32_t* held = block.held.data() + c * S * G;
    --held[m_.sg(from, segment)];
    ++held[m_.sg(to, segment)];
  }
}

std::uint32_t Engine::held_in(const BlockScratch& block, int channel,
                              const std::vector<std::uint32_t>& mask) const {
  const std::size_t cells =
      static_cast<std::size_t>(m_.stages) * static_cast<std::size_t>(m_.segments);
  const std::uint32_t* held = block.held.data() + static_cast<std::size_t>(channel) * cells;
  std::uint32_t n = 0;
  for (std::size_t cell = 0; cell < cells; ++cell) {
    if (mask[cell] & (1u << channel)) n += held[cell];
  }
  return n;
}

void Engine::mask_held(const BlockScratch& block, int channel, std::uint64_t* eligible) const {
  const std::vector<std::uint64_t>& bits = held_bits_[static_cast<std::size_t>(channel)];
  const std::uint32_t first = block.begin / 64, words = (block.end - block.begin + 63) / 64;
  for (std::uint32_t w = 0; w < words; ++w) eligible[w] &= ~bits[first + w];
}

}  // namespace cjsim
