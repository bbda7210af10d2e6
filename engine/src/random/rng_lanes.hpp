// Philox4x32-10 (rng.hpp) for eight counters at once: the same function as Random123's, so the
// same words, computed with AVX2 where the CPU has it (rng_lanes_avx2.cpp). For the act phase's
// many small independent draws, e.g. whether each advocate of a block speaks today.
#pragma once

#include <cstdint>

#include "random/rng.hpp"

namespace cjsim {

// Eight counters in, lane by lane (word w of counter l is x[w][l]); their Philox words out, in
// the same places.
struct PhiloxLanes {
  alignas(32) std::uint32_t x[4][8];
};

void philox_lanes(const Philox::key_type& key, PhiloxLanes& lanes);

// The portable version, Random123's Philox lane by lane.
void philox_lanes_scalar(const Philox::key_type& key, PhiloxLanes& lanes);

// The words of MicroRng (rng.hpp: Random123's MicroURNG) for a counter, in the same order, made
// 32 at a time: counter n = 0, 1, 2, ... in the last word, each counter's words last first.
class LaneUrng {
 public:
  using result_type = std::uint32_t;
  LaneUrng(const Philox::ctr_type& counter, const Philox::key_type& key)
      : key_(key), counter_(counter) {}
  std::uint32_t operator()() {
    if (next_ == 32) refill();
    const std::uint32_t lane = next_ / 4, word = 3 - next_ % 4;
    ++next_;
    return words_.x[word][lane];
  }

 private:
  void refill() {
    for (std::uint32_t l = 0; l < 8; ++l) {
      for (std::size_t w = 0; w < 3; ++w) words_.x[w][l] = counter_[w];
      words_.x[3][l] = counter_[3] | (n_ + l);
    }
    n_ += 8;
    philox_lanes(key_, words_);
    next_ = 0;
  }

  Philox::key_type key_;
  Philox::ctr_type counter_;
  std::uint32_t n_ = 0;
  std::uint32_t next_ = 32;
  PhiloxLanes words_;
};

}  // namespace cjsim
