// Pass 1 of the act phase: which of a block's eligible customers each channel exposes today.
//
// The plan phase gave the block k of its e eligible customers (an exact hypergeometric share of
// the day's k). When few are drawn from many eligible, by rejection: random positions in the
// block until k distinct eligible ones are found, each accepted draw uniform over the eligible
// not yet chosen, so the k form a uniform k-subset, at a cost proportional to the exposures.
// Otherwise (many exposures, or eligible customers rare in the block) by a scan that lists the
// eligible and a partial Fisher-Yates shuffle.
#include <algorithm>
#include <bit>
#include <cstdint>

#include "engine.hpp"

namespace cjsim {

namespace {

// Uniform in [0, n) from 32-bit draws: Lemire's multiply-shift with rejection (exact).
std::uint32_t uniform_below(MicroRng& rng, std::uint32_t n) {
  std::uint64_t m = static_cast<std::uint64_t>(rng()) * n;
  auto low = static_cast<std::uint32_t>(m);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;
    while (low < threshold) {
      m = static_cast<std::uint64_t>(rng()) * n;
      low = static_cast<std::uint32_t>(m);
    }
  }
  return static_cast<std::uint32_t>(m >> 32);
}

// Restrict parameters: GCC honours them there, and the u32 stores could otherwise alias reach.
void reach_masks(std::uint32_t n, const std::uint8_t* __restrict stage,
                 const std::uint8_t* __restrict segment, const std::uint32_t* __restrict reach,
                 int segments, std::uint32_t active, std::uint32_t* __restrict mask) {
  for (std::uint32_t j = 0; j < n; ++j) mask[j] = reach[stage[j] * segments + segment[j]] & active;
}

}  // namespace

void Engine::select_exposures(BlockScratch& block, int day) {
  const std::uint32_t n = block.end - block.begin;
  std::uint32_t active = 0;
  for (int c = 0; c < m_.channels; ++c) {
    if (block.exposed[static_cast<std::size_t>(c)] > 0) active |= 1u << c;
  }
  if (active == 0) return;

  ExposeScratch& scratch = expose_scratch_.local();
  if (scratch.mask.empty()) {
    scratch.mask.assign(kBlockSize, 0);
    scratch.pool.assign(static_cast<std::size_t>(m_.channels) * kBlockSize, 0);
  }
  // One pass: which of today's channels may expose each customer (by the stage at the start of
  // the day). Vectorizes; every channel's choice below reads it instead of the stage.
  std::uint32_t* mask = scratch.mask.data();
  reach_masks(n, pop_.stage.data() + block.begin, pop_.segment.data() + block.begin,
              m_.reach_mask.data(), m_.segments, active, mask);
  std::uint32_t* expo = block.expo.data();
  auto mark = [&](std::uint32_t j, std::uint32_t bit) {
    if (expo[j] == 0) block.touched.push_back(j);
    expo[j] |= bit;
  };
  auto stream = [&](int channel) {
    return streams_.urng(block.begin / kBlockSize, static_cast<std::uint32_t>(day),
                         static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::expose) +
                                              static_cast<std::uint32_t>(channel)));
  };

  // Rejection where it is cheap: about k n / (e - k) position draws. The rest share one scan.
  // Both give a uniform k-subset; which one runs depends only on (k, e, n), never on threads,
  // and each channel draws from its own stream, so the order of channels does not matter.
  std::uint32_t scan = 0;
  for (std::uint32_t left = active; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint32_t bit = 1u << c;
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
    const std::uint32_t e = block.eligible[static_cast<std::size_t>(c)];
    const double rejection_draws = static_cast<double>(k) * n / static_cast<double>(e - k + 1);
    if (2 * k > e || rejection_draws > n / 8.0 + k) {
      scan |= bit;
      continue;
    }
    MicroRng rng = stream(c);
    for (std::uint32_t chosen = 0; chosen < k;) {
      const std::uint32_t j = uniform_below(rng, n);
      if ((mask[j] & bit) && (expo[j] & bit) == 0) {
        mark(j, bit);
        ++chosen;
      }
    }
  }
  if (scan == 0) return;

  // The scan: each channel's eligible positions in block order, then a partial Fisher-Yates
  // shuffle picks the smaller of its exposed and spared sets.
  std::uint32_t* pool = scratch.pool.data();
  std::uint32_t found[32] = {};
  for (std::uint32_t j = 0; j < n; ++j) {
    for (std::uint32_t m = mask[j] & scan; m != 0; m &= m - 1) {
      const auto c = static_cast<std::uint32_t>(std::countr_zero(m));
      pool[c * kBlockSize + found[c]++] = j;
    }
  }
  for (std::uint32_t left = scan; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint32_t bit = 1u << c;
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
    const std::uint32_t e = found[c];  // equals block.eligible[c]
    std::uint32_t* list = pool + static_cast<std::size_t>(c) * kBlockSize;
    MicroRng rng = stream(c);
    const std::uint32_t m = std::min(k, e - k);
    for (std::uint32_t t = 0; t < m; ++t) {
      const std::uint32_t r = t + uniform_below(rng, e - t);
      std::swap(list[t], list[r]);
    }
    const std::uint32_t from = k <= e - k ? 0 : m;
    const std::uint32_t to = k <= e - k ? m : e;
    for (std::uint32_t t = from; t < to; ++t) mark(list[t], bit);
  }
}

}  // namespace cjsim
