// Plan phase: budget pacing per channel, and which blocks expose how many customers today.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <boost/random/binomial_distribution.hpp>

#include "base/parallel.hpp"
#include "random/hypergeometric.hpp"
#include "sim/engine.hpp"

namespace cjsim {

namespace {

// Customers of the cells the mask gives the channel (Model::reach_mask, or miss_mask).
std::uint32_t eligible_in(const std::vector<std::uint32_t>& mask,
                          const std::vector<std::uint32_t>& counts, int channel) {
  std::uint32_t n = 0;
  const std::uint32_t bit = 1u << channel;
  for (std::size_t cell = 0; cell < counts.size(); ++cell) {
    if (mask[cell] & bit) n += counts[cell];
  }
  return n;
}

}  // namespace

// docs/bench.md rule 2: k = min(eligible, floor(remaining / (days_left * cost))), in whole contacts
// and integer micro-units, so spend can never exceed a flight's budget and unspent allowance
// carries over to the remaining days.
void Engine::plan(int day) {
  follow_calendar(m_, day);  // today's rates, before anything reads them
  DailySeries& d = out_.daily;
  active_channels_ = 0;
  std::vector<std::uint32_t> todays(static_cast<std::size_t>(m_.channels), 0);
  for (int c = 0; c < m_.channels; ++c) {
    const auto cu = static_cast<std::size_t>(c);
    const std::vector<Flight>& flights = m_.flights[cu];
    std::size_t& f = flight_[cu];
    while (f < flights.size() && flights[f].to < day) {
      ++f;
      spent_[cu] = 0;
    }
    std::uint64_t eligible = 0;
    for (int s = 0; s < m_.stages; ++s) {
      for (int g = 0; g < m_.segments; ++g) {
        if (m_.reach_mask[m_.sg(s, g)] & (1u << c))
          eligible += d.stage_counts[d.at_stage(day, s, g)];
      }
    }
    if (holdout_active(c, day)) {
      for (const BlockScratch& b : blocks_) eligible -= held_in(b, c);
    }
    // A channel that misjudges the stage can also land on the customers of its miss stages.
    if ((m_.miss_channels >> c) & 1u) {
      for (int s = 0; s < m_.stages; ++s) {
        for (int g = 0; g < m_.segments; ++g) {
          if (m_.miss_mask[m_.sg(s, g)] & (1u << c))
            eligible += d.stage_counts[d.at_stage(day, s, g)];
        }
      }
      if (holdout_active(c, day)) {
        for (const BlockScratch& b : blocks_) eligible -= held_in(b, c, m_.miss_mask);
      }
    }
    std::uint64_t k = 0;
    if (f < flights.size() && flights[f].from <= day) {
      const auto days_left = static_cast<std::int64_t>(flights[f].to - day + 1);
      const std::int64_t remaining = flights[f].amount - spent_[cu];
      const std::int64_t cost = m_.cost[cu];
      const std::uint64_t affordable =
          cost == 0
              ? eligible
              : static_cast<std::uint64_t>(std::max<std::int64_t>(0, remaining / cost / days_left));
      k = std::min(eligible, affordable);
      spent_[cu] += static_cast<std::int64_t>(k) * cost;
    }
    d.eligible[d.at_channel(day, c)] = eligible;
    d.exposed[d.at_channel(day, c)] = k;
    d.spend[d.at_channel(day, c)] =
        static_cast<double>(static_cast<std::int64_t>(k) * m_.cost[cu]) / kMicrosPerUnit;
    todays[cu] = static_cast<std::uint32_t>(k);
    if (k > 0) active_channels_ |= 1u << c;
  }
  cjsim::parallel_for(0, m_.channels,
                      [&](int c) { split_exposures(c, todays[static_cast<std::size_t>(c)], day); });
}

namespace {

// One block's column of a channel: its eligible customers, or its miss-stage customers.
using BlockColumn = std::vector<std::uint32_t> BlockScratch::*;

// Deals k contacts over the blocks, in block order, with successive hypergeometric draws: block
// b gets Hypergeometric(good = contacts left, bad = eligible left - contacts left, sample = its
// `eligible`), written to its `dealt`. `eligible_total` is the sum of the blocks' `eligible`.
void deal_over_blocks(MicroRng& rng, std::int64_t k, std::int64_t eligible_total,
                      std::vector<BlockScratch>& blocks, std::size_t channel, BlockColumn eligible,
                      BlockColumn dealt) {
  for (BlockScratch& b : blocks) {
    const std::int64_t e = (b.*eligible)[channel];
    const std::int64_t kb = hypergeometric(rng, k, eligible_total - k, e);
    (b.*dealt)[channel] = static_cast<std::uint32_t>(kb);
    k -= kb;
    eligible_total -= e;
  }
}

}  // namespace

// Splits k exposures over the blocks (deal_over_blocks). A channel that misjudges the stage first
// draws how many of its k contacts miss, Binomial(k, 1 - accuracy), each landing on a customer of
// its miss stages instead (fewer if either side has too few customers: the contacts bought are all
// made), and splits those the same way over the blocks' miss-stage customers.
void Engine::split_exposures(int channel, std::uint32_t k, int day) {
  const auto cu = static_cast<std::size_t>(channel);
  const bool misses = (m_.miss_channels >> channel) & 1u;
  if (k == 0) {
    for (BlockScratch& b : blocks_) b.exposed[cu] = 0;
    if (misses) {
      for (BlockScratch& b : blocks_) b.exposed_off[cu] = 0;
    }
    return;
  }
  MicroRng rng = streams_.urng(static_cast<std::uint64_t>(channel), static_cast<std::uint32_t>(day),
                               Purpose::split);
  std::int64_t left_k = k;
  std::int64_t left_eligible = 0;
  const bool held = holdout_active(channel, day);
  for (BlockScratch& b : blocks_) {
    b.eligible[cu] =
        eligible_in(m_.reach_mask, b.counts, channel) - (held ? held_in(b, channel) : 0u);
    left_eligible += b.eligible[cu];
  }
  if (misses) {
    MicroRng aim = streams_.urng(static_cast<std::uint64_t>(channel),
                                 static_cast<std::uint32_t>(day), Purpose::miss);
    std::int64_t left_off = 0;
    for (BlockScratch& b : blocks_) {
      b.eligible_off[cu] = eligible_in(m_.miss_mask, b.counts, channel) -
                           (held ? held_in(b, channel, m_.miss_mask) : 0u);
      left_off += b.eligible_off[cu];
    }
    boost::random::binomial_distribution<std::int64_t> missed(k, m_.miss_share[cu]);
    std::int64_t k_off = std::min<std::int64_t>(missed(aim), left_off);
    if (static_cast<std::int64_t>(k) - k_off > left_eligible) k_off = k - left_eligible;
    left_k = k - k_off;
    deal_over_blocks(aim, k_off, left_off, blocks_, cu, &BlockScratch::eligible_off,
                     &BlockScratch::exposed_off);
  }
  deal_over_blocks(rng, left_k, left_eligible, blocks_, cu, &BlockScratch::eligible,
                   &BlockScratch::exposed);
}

}  // namespace cjsim
