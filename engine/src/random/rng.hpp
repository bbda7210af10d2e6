// Counter-based random numbers: every draw is a pure function of
// (seed, replicate, customer, day, purpose), so results do not depend on thread count, block
// order or machine (docs/model.md "Randomness and reproducibility").
//
// The generator is Philox4x32-10 from Random123 (D. E. Shaw Research; Debian librandom123-dev):
//   key     = the 64-bit scenario seed, as two 32-bit words
//   counter = { customer, day, replicate << 16 | purpose, 0 }
// The last counter word is left at zero for Random123's MicroURNG, which counts in it when a
// Boost.Random distribution needs a variable number of draws from one (customer, day, purpose).
// Every purpose is used in exactly one of the two ways, so the streams never overlap.
#pragma once

// philox.h first: it sets up the feature macros the other Random123 headers rely on.
#include <Random123/philox.h>
// (keep this block after philox.h)
#include <Random123/MicroURNG.hpp>
#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

#include <array>
#include <cmath>
#include <cstdint>

namespace cjsim {

// What a draw is for. Part of the counter: two purposes never share a random number.
enum class Purpose : std::uint32_t {
  init = 1,          // segment, start stage, first clock
  init_quality = 2,  // satisfaction of customers who start as existing customers
  event = 3,         // edge choice and the new stage's clock
  purchase = 4,      // experience quality and order value
  recommend = 5,     // number of recommendations and their recipients (MicroURNG)
  complain = 6,      // number of complaints and their recipients (MicroURNG)
  split = 7,         // a channel's exposures split across blocks (MicroURNG, customer = channel)
  graph = 8,         // seed of the social-graph generator (customer = 0)
  sweep = 9,         // a sweep's Latin hypercube (customer = axis, day = point; replicate 0)
  differences = 10,  // a customer's heterogeneity multipliers (day = group; MicroURNG for Gamma)
  miss = 11,       // a channel's misjudged contacts today and their split across blocks (MicroURNG,
                   //   customer = channel)
  expose = 0x100,  // + channel: which eligible customers of a block are exposed (MicroURNG,
                   //   customer = block)
  holdout = 0x200,      // + channel: whether a customer is held out of the channel (day kInitDay)
  miss_expose = 0x300,  // + channel: which customers of a block a misjudged contact lands on
                        //   (MicroURNG, customer = block)
  // Calibration (engine/src/calibration), keyed by the calibration's seed, customer = the
  // proposal's number, day = the generation or stream; low 16 bits no simulation purpose uses.
  abc_propose = 0xABC0,   // a proposal: prior draw, or ancestor and kernel move (MicroURNG)
  abc_seed = 0xABC1,      // the seed of a simulation (fresh per proposal, shared for CRN)
  abc_resample = 0xABC2,  // resampling posterior draws
};

inline constexpr std::uint32_t kInitDay = 0xffffffffu;  // "day -1": before the horizon

using Philox = r123::Philox4x32;
using MicroRng = r123::MicroURNG<Philox>;

class Streams {
 public:
  Streams(std::uint64_t seed, int replicate)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        replicate_(static_cast<std::uint32_t>(replicate)) {}

  // Four independent 32-bit words for (customer, day, purpose).
  std::array<std::uint32_t, 4> words(std::uint64_t customer, std::uint32_t day,
                                     Purpose purpose) const {
    const Philox::ctr_type out = Philox()(counter(customer, day, purpose), key_);
    return {out[0], out[1], out[2], out[3]};
  }

  // The counter of (customer, day, purpose) and the key, for generators that batch counters.
  Philox::ctr_type counter_of(std::uint64_t customer, std::uint32_t day, Purpose purpose) const {
    return counter(customer, day, purpose);
  }
  const Philox::key_type& key() const { return key_; }

  // A URNG for Boost.Random distributions that need several draws.
  MicroRng urng(std::uint64_t customer, std::uint32_t day, Purpose purpose) const {
    return MicroRng(counter(customer, day, purpose), key_);
  }

 private:
  Philox::ctr_type counter(std::uint64_t customer, std::uint32_t day, Purpose purpose) const {
    return Philox::ctr_type{{static_cast<std::uint32_t>(customer), day,
                             (replicate_ << 16) | static_cast<std::uint32_t>(purpose), 0u}};
  }

  Philox::key_type key_;
  std::uint32_t replicate_;
};

// Uniform in the open interval (0, 1): safe for log().
inline double uniform01(std::uint32_t w) {
  return r123::u01<double>(w);
}

// Exp(1) from one word; never 0 and at most 22.9 (the 2^-33 floor of uniform01).
inline double exponential1(std::uint32_t w) {
  return -std::log(uniform01(w));
}

// Two independent standard normals from four words (Box-Muller on 64-bit uniforms).
inline std::array<double, 2> normal_pair(const std::array<std::uint32_t, 4>& w) {
  const std::uint64_t a = (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
  const std::uint64_t b = (static_cast<std::uint64_t>(w[2]) << 32) | w[3];
  const r123::double2 z = r123::boxmuller(a, b);
  return {z.x, z.y};
}

}  // namespace cjsim
