// Pass 1 of the act phase: which of a block's eligible customers each channel exposes today.
//
// The plan phase gave the block k of its e eligible customers (an exact hypergeometric share of
// the day's k). When few are drawn from many eligible, by rejection: random positions in the
// block until k distinct eligible ones are found, each accepted draw uniform over the eligible
// not yet chosen, so the k form a uniform k-subset, at a cost proportional to the exposures.
// Otherwise (many exposures, or eligible customers rare in the block) by listing the eligible
// and a partial Fisher-Yates shuffle. Eligibility and exposures are bitmaps (act_drift.hpp):
// a block's fit in the first-level cache, whatever the number of channels.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "random/rng_lanes.hpp"
#include "sim/act_drift.hpp"
#include "sim/engine.hpp"

namespace cjsim {

namespace {

// Uniform in [0, n) from 32-bit draws: Lemire's multiply-shift with rejection (exact).
[[gnu::always_inline]] inline std::uint32_t uniform_below(LaneUrng& rng, std::uint32_t n) {
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

bool test_bit(const std::uint64_t* bits, std::uint32_t j) {
  return (bits[j / 64] >> (j % 64)) & 1u;
}

void set_bit(std::uint64_t* bits, std::uint32_t j) {
  bits[j / 64] |= std::uint64_t{1} << (j % 64);
}

void clear_bit(std::uint64_t* bits, std::uint32_t j) {
  bits[j / 64] &= ~(std::uint64_t{1} << (j % 64));
}

// Set bits of x, inline: std::popcount is a library call on baseline x86-64 (no POPCNT).
std::uint32_t ones(std::uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<std::uint32_t>((x * 0x0101010101010101ull) >> 56);
}

// For each byte value, the position of its q-th set bit (q = 0..7).
struct SelectInByte {
  std::uint8_t at[256][8];
  constexpr SelectInByte() : at{} {
    for (unsigned b = 0; b < 256; ++b) {
      unsigned q = 0;
      for (unsigned bit = 0; bit < 8; ++bit) {
        if (b & (1u << bit)) at[b][q++] = static_cast<std::uint8_t>(bit);
      }
    }
  }
};
constexpr SelectInByte kSelectInByte;

// Position of the q-th set bit (0-based) of x, which has more than q. Branch-free: running
// per-byte counts in one multiply, the byte found by a bytewise compare, the bit by table.
std::uint32_t select_in_word(std::uint64_t x, std::uint32_t q) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  std::uint64_t s = x - ((x >> 1) & 0x5555555555555555ull);
  s = (s & 0x3333333333333333ull) + ((s >> 2) & 0x3333333333333333ull);
  s = (s + (s >> 4)) & 0x0f0f0f0f0f0f0f0full;
  const std::uint64_t running = s * kOnes;  // byte b: set bits in bytes 0..b (at most 64)
  // Bytes whose running count is <= q: the q-th set bit lies in the first byte after them.
  const std::uint64_t at_most_q = ((q * kOnes | kHigh) - running) & kHigh;
  const auto b = static_cast<std::uint32_t>(((at_most_q >> 7) * kOnes) >> 56);  // bytes set
  const auto before = static_cast<std::uint32_t>(((running << 8) >> (8 * b)) & 0xff);
  return 8 * b + kSelectInByte.at[(x >> (8 * b)) & 0xff][q - before];
}

// The eligible positions of a bitmap in increasing order, as a list a partial Fisher-Yates
// shuffle can swap entries of, without listing them: entry i is the i-th set bit (found by
// prefix counts and a search) until set() writes it. A shuffle of m steps costs O(m log words)
// instead of O(eligible), and draws exactly what a shuffle of the written-out list would.
class EligibleList {
 public:
  EligibleList(const std::uint64_t* bits, std::uint32_t words, std::uint32_t* values,
               std::uint64_t* written)
      : bits_(bits), words_(words), values_(values), written_(written) {
    prefix_[0] = 0;
    for (std::uint32_t w = 0; w < words; ++w) {
      prefix_[w + 1] = prefix_[w] + ones(bits[w]);
    }
  }
  std::uint32_t size() const { return prefix_[words_]; }
  std::uint32_t get(std::uint32_t i) const {
    if (test_bit(written_, i)) return values_[i];
    // The word holding the i-th set bit: the last w with prefix_[w] <= i, by a binary search
    // whose steps depend only on the word count (conditional moves, no mispredictions).
    std::uint32_t w = 0;
    for (std::uint32_t len = words_ + 1; len > 1; len -= len / 2) {
      w = prefix_[w + len / 2] <= i ? w + len / 2 : w;
    }
    return 64 * w + select_in_word(bits_[w], i - prefix_[w]);
  }
  void set(std::uint32_t i, std::uint32_t value) {
    values_[i] = value;
    set_bit(written_, i);
  }
  void clear() { std::memset(written_, 0, (size() + 63) / 64 * 8); }

 private:
  const std::uint64_t* bits_;
  std::uint32_t words_;
  std::uint32_t* values_;
  std::uint64_t* written_;  // kept all zero between lists
  std::uint32_t prefix_[kBlockWords + 1];
};

// A partial Fisher-Yates shuffle of a block's eligible list picks the smaller of the k exposed
// and the e - k spared; returns how many it shuffled (entries 0 .. shuffled - 1 of the list).
// Inlined: out of line, the on-target scan (the hot loop of choosing exposures) runs 1% slower.
[[gnu::always_inline]] inline std::uint32_t shuffle_pick(EligibleList& list, std::uint32_t k,
                                                         LaneUrng& rng) {
  const std::uint32_t e = list.size();
  const std::uint32_t shuffled = std::min(k, e - k);
  for (std::uint32_t t = 0; t < shuffled; ++t) {
    const std::uint32_t r = t + uniform_below(rng, e - t);
    const std::uint32_t at_t = list.get(t);
    list.set(t, list.get(r));
    list.set(r, at_t);
  }
  return shuffled;
}

}  // namespace

void Engine::select_exposures(BlockScratch& block, int day, DayScratch& x) {
  const std::uint32_t n = block.end - block.begin;
  std::uint32_t active = 0;
  for (int c = 0; c < m_.channels; ++c) {
    if (block.exposed[static_cast<std::size_t>(c)] > 0) active |= 1u << c;
  }
  // Channels whose misjudged contacts land in this block today (none without misses).
  std::uint32_t missing = 0;
  for (std::uint32_t left = m_.miss_channels; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    if (block.exposed_off[static_cast<std::size_t>(c)] > 0) missing |= 1u << c;
  }
  x.active = active | missing;
  std::memset(x.exposure.data(), 0, n);
  if (missing != 0) select_misses(block, day, x, missing);
  if (active == 0) return;

  // One pass: which of today's channels may expose each customer (by the stage at the start of
  // the day). Vectorizes; every channel's choice below reads it instead of the stage.
  eligibility(n, pop_.stage.data() + block.begin, pop_.segment.data() + block.begin,
              m_.drift_reach.data(), m_.segment_bits, m_.cell_bits, active, x.eligible.data());
  auto bitmap = [](std::vector<std::uint64_t>& v, int c) {
    return v.data() + static_cast<std::size_t>(c) * kBlockWords;
  };
  for (std::uint32_t left = active & m_.holdout_channels; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    if (holdout_active(c, day)) mask_held(block, c, bitmap(x.eligible, c));
  }
  for (std::uint32_t left = active & ~missing; left != 0; left &= left - 1) {
    std::memset(bitmap(x.exposed, std::countr_zero(left)), 0, kBlockWords * 8);
  }
  // Each channel's stream: streams_.urng(block, day, expose + channel), its words made eight
  // counters at a time.
  auto stream = [&](int channel) {
    return LaneUrng(
        streams_.counter_of(block.begin / kBlockSize, static_cast<std::uint32_t>(day),
                            static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::expose) +
                                                 static_cast<std::uint32_t>(channel))),
        streams_.key());
  };

  // Rejection or the scan, by a cost model in rough instructions: a rejection draw (Philox
  // word, multiply, two checks) ~45; the shared scan ~3 per customer once, plus ~4 per eligible
  // and a draw per shuffled position for each channel it serves. Channels whose rejection costs
  // more than their share of the scan go to the scan, if together they save more than its base
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
  // Today's m of each customer (act_drift.hpp) is set as exposures are chosen: the bit of the
  // channel's slot, none for a channel without one.
  std::uint8_t* m = x.exposure.data();
  auto slot_bit = [&](int c) {
    const std::int8_t slot = m_.channel_slot[static_cast<std::size_t>(c)];
    return static_cast<std::uint8_t>(slot < 0 ? 0u : 1u << slot);
  };
  for (std::uint32_t left = active & ~scan; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint64_t* eligible = bitmap(x.eligible, c);
    std::uint64_t* exposed = bitmap(x.exposed, c);
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];
    const std::uint8_t bit = slot_bit(c);
    LaneUrng rng = stream(c);
    for (std::uint32_t chosen = 0; chosen < k;) {
      const std::uint32_t j = uniform_below(rng, n);
      if (test_bit(eligible, j) && !test_bit(exposed, j)) {
        set_bit(exposed, j);
        m[j] |= bit;
        ++chosen;
      }
    }
  }

  // The scan: a channel's eligible positions in block order, then a partial Fisher-Yates
  // shuffle picks the smaller of its exposed and spared sets. The list is never written out:
  // entry i is the i-th eligible customer until a swap puts another there (EligibleList).
  for (std::uint32_t left = scan; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    std::uint64_t* exposed = bitmap(x.exposed, c);
    EligibleList list(bitmap(x.eligible, c), (n + 63) / 64, x.pool.data(), x.listed.data());
    const std::uint32_t e = list.size();                                 // block.eligible[c]
    const std::uint32_t k = block.exposed[static_cast<std::size_t>(c)];  // 0 < k <= e
    LaneUrng rng = stream(c);
    const std::uint32_t shuffled = shuffle_pick(list, k, rng);
    const std::uint8_t bit = slot_bit(c);
    if (k <= e - k) {
      for (std::uint32_t t = 0; t < shuffled; ++t) {
        const std::uint32_t j = list.get(t);
        set_bit(exposed, j);
        m[j] |= bit;
      }
    } else {  // all eligible but the `shuffled` spared (beside any misjudged contacts)
      const std::uint64_t* eligible = bitmap(x.eligible, c);
      for (std::uint32_t w = 0; w < (n + 63) / 64; ++w) exposed[w] |= eligible[w];
      for (std::uint32_t t = 0; t < shuffled; ++t) clear_bit(exposed, list.get(t));
      for (std::uint32_t w = 0; w < (n + 63) / 64; ++w) {
        for (std::uint64_t bits = exposed[w]; bits != 0; bits &= bits - 1) {
          m[64 * w + static_cast<std::uint32_t>(std::countr_zero(bits))] |= bit;
        }
      }
    }
    list.clear();
  }
}

// Contacts that misjudge the stage (ChannelDef::accuracy): the block's share of them land on a
// uniform subset of the customers of the channel's miss stages (same segments, holdout
// respected), drawn from their own stream, streams_.urng(block, day, miss_expose + channel), by
// the scan's partial shuffle. They set the channel's exposure bit and slot like any exposure,
// so the lifts of the customer's own stage (the channel's lifts on its edges) apply. Runs
// before the on-target choice, whose customers are in other stages.
void Engine::select_misses(BlockScratch& block, int day, DayScratch& x, std::uint32_t missing) {
  const std::uint32_t n = block.end - block.begin;
  const std::uint32_t words = (n + 63) / 64;
  std::uint8_t* m = x.exposure.data();
  // One vectorized pass: the customers each channel's misses can land on (its miss stages).
  eligibility(n, pop_.stage.data() + block.begin, pop_.segment.data() + block.begin,
              m_.miss_reach.data(), m_.segment_bits, m_.cell_bits, missing, x.missable.data());
  for (std::uint32_t left = missing; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    std::uint64_t* exposed = x.exposed.data() + static_cast<std::size_t>(c) * kBlockWords;
    std::memset(exposed, 0, kBlockWords * 8);
    std::uint64_t* missable = x.missable.data() + static_cast<std::size_t>(c) * kBlockWords;
    if (holdout_active(c, day)) mask_held(block, c, missable);
    EligibleList list(missable, words, x.pool.data(), x.listed.data());
    const std::uint32_t k = block.exposed_off[static_cast<std::size_t>(c)];  // 0 < k <= e
    LaneUrng rng(
        streams_.counter_of(block.begin / kBlockSize, static_cast<std::uint32_t>(day),
                            static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::miss_expose) +
                                                 static_cast<std::uint32_t>(c))),
        streams_.key());
    const std::uint32_t shuffled = shuffle_pick(list, k, rng);
    const std::int8_t slot = m_.channel_slot[static_cast<std::size_t>(c)];
    const auto bit = static_cast<std::uint8_t>(slot < 0 ? 0u : 1u << slot);
    if (k <= list.size() - k) {
      for (std::uint32_t t = 0; t < shuffled; ++t) set_bit(exposed, list.get(t));
    } else {  // every missable customer but the `shuffled` spared
      std::memcpy(exposed, missable, words * 8);
      for (std::uint32_t t = 0; t < shuffled; ++t) clear_bit(exposed, list.get(t));
    }
    list.clear();
    for (std::uint32_t w = 0; w < words; ++w) {
      for (std::uint64_t bits = exposed[w]; bits != 0; bits &= bits - 1) {
        m[64 * w + static_cast<std::uint32_t>(std::countr_zero(bits))] |= bit;
      }
    }
  }
}

}  // namespace cjsim
