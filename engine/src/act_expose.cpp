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

#include "act_drift.hpp"
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

  // Rejection or scan, by a cost model in rough instructions: a rejection draw (Philox word,
  // multiply, two checks) ~45; the shared scan ~3 per customer once, plus ~4 per eligible and a
  // draw per shuffled position for each channel it serves. Channels whose rejection costs more
  // than their share of the scan go to the scan, if together they save more than its base
  // cost. Both ways give a uniform k-subset; the choice depends only on (k, e, n), never on
  // threads, and each channel draws from its own stream, so the order of channels is free.
  constexpr double kDraw = 45, kScanPerCustomer = 3, kScanPerEligible = 4;
  std::uint32_t scan = 0;
  double saving = 0;
  for (std::uint32_t left = active; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
    const std::uint32_t e = block.eligible[static_cast<std::size_t>(c)];
    const double reject = 2 * k > e ? 1e300 : kDraw * k * n / static_cast<double>(e - k + 1);
    const double scanned = kScanPerEligible * e + kDraw * std::min(k, e - k);
    if (scanned < reject) {
      scan |= 1u << c;
      saving += std::min(reject, 1e12) - scanned;
    }
  }
  if (saving < kScanPerCustomer * n) {
    for (std::uint32_t left = scan; left != 0; left &= left - 1) {
      const int c = std::countr_zero(left);
      const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
      if (2 * k <= block.eligible[static_cast<std::size_t>(c)]) scan &= ~(1u << c);
    }
  }
  for (std::uint32_t left = active & ~scan; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint32_t bit = 1u << c;
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
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
