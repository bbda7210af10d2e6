// Pass 1 of the act phase: which of a block's eligible customers each channel exposes today.
//
// The plan phase gave the block k of its e eligible customers (an exact hypergeometric share of
// the day's k). When few are drawn from many eligible, by rejection: random positions in the
// block until k distinct eligible ones are found, each accepted draw uniform over the eligible
// not yet chosen, so the k form a uniform k-subset, at a cost proportional to the exposures.
// Otherwise (many exposures, or eligible customers rare in the block) by a scan that lists the
// eligible and a partial Fisher-Yates shuffle.
#include <algorithm>
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

}  // namespace

void Engine::select_exposures(BlockScratch& block, int channel, int day) const {
  const auto cu = static_cast<std::size_t>(channel);
  const std::uint32_t k = block.exposed[cu];
  const std::uint32_t e = block.eligible[cu];
  const std::uint32_t n = block.end - block.begin;
  const std::uint32_t bit = 1u << channel;
  std::uint32_t* expo = block.expo.data();
  const std::uint8_t* stage = pop_.stage.data() + block.begin;
  const std::uint8_t* segment = pop_.segment.data() + block.begin;
  const std::uint32_t* reach = m_.reach_mask.data();
  const int G = m_.segments;
  auto eligible = [&](std::uint32_t j) { return (reach[stage[j] * G + segment[j]] & bit) != 0; };
  auto mark = [&](std::uint32_t j) {
    if (expo[j] == 0) block.touched.push_back(j);
    expo[j] |= bit;
  };
  MicroRng rng = streams_.urng(block.begin / kBlockSize, static_cast<std::uint32_t>(day),
                               static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::expose) +
                                                    static_cast<std::uint32_t>(channel)));
  if (k == 0) return;
  // Rejection costs about k n / (e - k) position draws; a scan costs n cheap checks and k draws.
  // Both give a uniform k-subset; which one runs depends only on (k, e, n), never on threads.
  const double rejection_draws = static_cast<double>(k) * n / static_cast<double>(e - k + 1);
  if (2 * k <= e && rejection_draws <= n / 8.0 + k) {
    for (std::uint32_t chosen = 0; chosen < k;) {
      const std::uint32_t j = uniform_below(rng, n);
      if (eligible(j) && (expo[j] & bit) == 0) {
        mark(j);
        ++chosen;
      }
    }
    return;
  }
  // Scan: list the eligible, then a partial Fisher-Yates shuffle picks the smaller of the
  // exposed and the spared sets.
  std::uint32_t* pool = block.pool.data();
  std::uint32_t found = 0;
  for (std::uint32_t j = 0; j < n; ++j) {
    pool[found] = j;
    found += eligible(j) ? 1u : 0u;
  }
  const std::uint32_t m = std::min(k, e - k);
  for (std::uint32_t t = 0; t < m; ++t) {
    const std::uint32_t r = t + uniform_below(rng, e - t);
    std::swap(pool[t], pool[r]);
  }
  const std::uint32_t from = k <= e - k ? 0 : m;
  const std::uint32_t to = k <= e - k ? m : e;
  for (std::uint32_t t = from; t < to; ++t) mark(pool[t]);
}

}  // namespace cjsim
