// The act phase's vectorized kernels (AVX2, chosen at run time) against the portable scalar
// loops they replace: the same bits for every customer, so results never depend on the machine.
// (The drift tables themselves are checked against the definition in tests/model/test_model.cpp.)
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <random>
#include <vector>

#include "random/rng_lanes.hpp"
#include "sim/simd/act_drift_impl.hpp"
#include "skip.hpp"

namespace {

constexpr int kStages = 7, kSegments = 3, kSlots = 3;
constexpr int kSegmentBits = 2, kCellBits = 5;  // 7 stages in 3 bits, 3 segments in 2

// Random words with about `density` of their bits set.
std::vector<std::uint64_t> random_bits(std::size_t words, double density, std::mt19937_64& g) {
  std::bernoulli_distribution on(density);
  std::vector<std::uint64_t> bits(words, 0);
  for (auto& w : bits) {
    for (int b = 0; b < 64; ++b) w |= static_cast<std::uint64_t>(on(g)) << b;
  }
  return bits;
}

struct World {
  std::vector<std::uint8_t> stage, segment, flags, exposure, last_touch;
  std::vector<float> satisfaction, salience;
  std::vector<double> clock;
  std::vector<cjsim::DriftEntry> table;
  std::vector<std::uint64_t> forced, special, event, talker;

  World(std::uint32_t n, std::uint32_t seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const std::size_t entries = std::size_t{1} << (kCellBits + kSlots);
    for (std::size_t t = 0; t < entries; ++t) {
      // Zero hazards, tiny and large ones, gains of both signs and -0 (nothing gained); a few
      // cells flagged slow, talker or complainer.
      const std::size_t cell = t % (std::size_t{1} << kCellBits);
      table.push_back({t % 5 == 0 ? 0.0 : u(g) * 0.05, t % 4 == 0 ? -0.01 * u(g) : 0.02 * u(g),
                       t % 3 == 0 ? 0.0 : 0.1 * u(g),
                       t < (std::size_t{1} << kCellBits) ? -0.0f : static_cast<float>(u(g) - 0.2),
                       (cell % 7 == 1   ? cjsim::kCellSlow
                        : cell % 7 == 2 ? cjsim::kCellTalker
                        : cell % 7 == 3 ? cjsim::kCellComplainer
                                        : 0u) |
                           // Exposed entries name a last touch (channel 0 to 31).
                           (t < (std::size_t{1} << kCellBits)
                                ? 0u
                                : static_cast<std::uint32_t>(1 + g() % 32) << cjsim::kTouchShift)});
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      stage.push_back(static_cast<std::uint8_t>(g() % kStages));
      segment.push_back(static_cast<std::uint8_t>(g() % kSegments));
      flags.push_back(g() % 10 == 0 ? cjsim::kFlagReferred : 0);
      exposure.push_back(g() % 4 == 0 ? static_cast<std::uint8_t>(g() % (1u << kSlots)) : 0);
      last_touch.push_back(static_cast<std::uint8_t>(g()));
      satisfaction.push_back(static_cast<float>(u(g)));
      // Salience of both signs, exact zeros, and values far beyond the half-saturation point.
      const double r = u(g);
      salience.push_back(r < 0.1 ? 0.0f
                                 : static_cast<float>((u(g) - 0.3) * (r < 0.5 ? 3.0 : 400.0)));
      clock.push_back(u(g) < 0.3 ? 0.01 * u(g) : -std::log(u(g)));
    }
    forced = random_bits(cjsim::kBlockWords, 0.01, g);
    // Stale verdicts from an earlier block: the kernel must overwrite or clear every bit.
    special = random_bits(cjsim::kBlockWords, 0.5, g);
    event = random_bits(cjsim::kBlockWords, 0.5, g);
    talker = random_bits(cjsim::kBlockWords, 0.5, g);
  }

  cjsim::DriftArgs args() {
    return {stage.data(),
            segment.data(),
            flags.data(),
            satisfaction.data(),
            salience.data(),
            clock.data(),
            last_touch.data(),
            exposure.data(),
            forced.data(),
            special.data(),
            event.data(),
            talker.data(),
            table.data(),
            kSegmentBits,
            kCellBits,
            0.93f,
            0.4f,
            1.7,
            2.25,
            2.0};
  }
};

bool same_bits(const World& a, const World& b, std::uint32_t n) {
  const std::size_t words = (n + 63) / 64;
  return std::equal(a.special.begin(), a.special.begin() + static_cast<std::ptrdiff_t>(words),
                    b.special.begin()) &&
         std::equal(a.talker.begin(), a.talker.begin() + static_cast<std::ptrdiff_t>(words),
                    b.talker.begin()) &&
         std::equal(a.event.begin(), a.event.begin() + static_cast<std::ptrdiff_t>(words),
                    b.event.begin()) &&
         a.last_touch == b.last_touch &&
         std::memcmp(a.salience.data(), b.salience.data(), n * sizeof(float)) == 0 &&
         std::memcmp(a.clock.data(), b.clock.data(), n * sizeof(double)) == 0;
}

bool bit(const std::vector<std::uint64_t>& bits, std::size_t j) {
  return (bits[j / 64] >> (j % 64)) & 1u;
}

}  // namespace

namespace {

using Kernel = void (*)(const cjsim::DriftArgs&, std::uint32_t);

// Many days in a row (drifted state feeds back in), block sizes that are and are not multiples
// of the vector width and of a bitmap word.
void same_bits_as_scalar(const char* name, Kernel kernel) {
  for (const std::uint32_t n : {1u, 3u, 8u, 13u, 64u, 100u, 1023u, 4096u, 8192u}) {
    World vector_path(n, n * 31);
    World scalar_path(n, n * 31);
    for (int day = 0; day < 20; ++day) {
      kernel(vector_path.args(), n);
      cjsim::drift_square_impl(scalar_path.args(), n);  // the portable loop
      INFO(name << " n=" << n << " day=" << day);
      REQUIRE(same_bits(vector_path, scalar_path, n));
    }
  }
}

}  // namespace

// One case per instruction set, each skipped visibly (and failing under CJSIM_NO_SKIPS=1) on a CPU
// that lacks it: otherwise the dispatched kernel would be the scalar loop compared with itself.
TEST_CASE("drift: the AVX2 kernel gives the scalar loop's bits", "[kernels]") {
  if (!cjsim::has_avx2()) CJSIM_SKIP("this CPU has no AVX2: the AVX2 drift kernel cannot run");
  same_bits_as_scalar("avx2", cjsim::drift_square_avx2);
}

TEST_CASE("drift: the AVX-512 kernel gives the scalar loop's bits", "[kernels]") {
  if (!cjsim::has_avx512()) {
    CJSIM_SKIP("this CPU has no AVX-512: the AVX-512 drift kernel cannot run");
  }
  same_bits_as_scalar("avx512", cjsim::drift_square_avx512);
}

TEST_CASE("drift: the dispatched kernel is the best this CPU runs, and gives the scalar bits",
          "[kernels]") {
  if (!cjsim::has_avx2()) {
    CJSIM_SKIP("this CPU has no AVX2: the dispatched drift kernel is the scalar loop itself");
  }
  same_bits_as_scalar("dispatched", cjsim::drift);
}

TEST_CASE("drift: exposed customers take their tables' entry; special ones are left alone",
          "[kernels]") {
  const std::uint32_t n = 2000;
  World w(n, 7);
  const World before = w;
  cjsim::drift(w.args(), n);
  for (std::uint32_t j = 0; j < n; ++j) {
    const std::size_t t = (std::size_t{before.exposure[j]} << kCellBits) |
                          (std::size_t{before.stage[j]} << kSegmentBits) | before.segment[j];
    const cjsim::DriftEntry& d = before.table[t];
    const std::uint32_t cf = d.flags;
    const bool special = bit(before.forced, j) || (before.flags[j] & cjsim::kFlagReferred) ||
                         (cf & cjsim::kCellSlow) ||
                         ((cf & cjsim::kCellComplainer) && before.satisfaction[j] < 0.4f);
    INFO("customer " << j);
    REQUIRE(bit(w.special, j) == special);
    REQUIRE(bit(w.talker, j) == (!special && (cf & cjsim::kCellTalker)));  // advocates drift too
    if (special) {
      REQUIRE(!bit(w.event, j));
      REQUIRE(w.clock[j] == before.clock[j]);  // untouched: the per-customer pass owns them
      REQUIRE(w.salience[j] == before.salience[j]);
      REQUIRE(w.last_touch[j] == before.last_touch[j]);  // the per-customer pass sets it
    } else {
      const std::uint32_t touch = d.flags >> cjsim::kTouchShift;
      REQUIRE(w.last_touch[j] == (touch == 0 ? before.last_touch[j] : touch - 1));
      const float a = before.salience[j] * 0.93f + d.gain;
      REQUIRE(w.salience[j] == a);
      const double x = static_cast<double>(a) * static_cast<double>(a);
      const double hill =
          a < 0 ? (x + 2.25) / (x + 2.25 + 1.7 * x) : (x + 2.25 + 1.7 * x) / (x + 2.25);
      const double h = d.c0 + d.c1 * static_cast<double>(before.satisfaction[j]) + d.c2 * hill;
      REQUIRE(w.clock[j] == before.clock[j] - h);
      REQUIRE(bit(w.event, j) == (h > 0 && w.clock[j] <= 0));
    }
  }
  for (std::uint32_t j = n; j < 2048; ++j) {  // beyond the block: cleared
    REQUIRE(!bit(w.special, j));
    REQUIRE(!bit(w.event, j));
    REQUIRE(!bit(w.talker, j));
  }
}

TEST_CASE("philox lanes: eight counters at once give Random123's words", "[kernels]") {
  std::mt19937_64 g(11);
  for (int trial = 0; trial < 1000; ++trial) {
    const cjsim::Philox::key_type key = {
        {static_cast<std::uint32_t>(g()), static_cast<std::uint32_t>(g())}};
    cjsim::PhiloxLanes dispatched{}, scalar{};
    for (auto& word : dispatched.x) {
      for (auto& lane : word) lane = trial % 2 ? static_cast<std::uint32_t>(g()) : 0xffffffffu;
    }
    scalar = dispatched;
    const cjsim::PhiloxLanes counters = dispatched;
    cjsim::philox_lanes(key, dispatched);  // AVX2 where the CPU has it
    cjsim::philox_lanes_scalar(key, scalar);
    for (int l = 0; l < 8; ++l) {
      const cjsim::Philox::ctr_type want = cjsim::Philox()(
          {{counters.x[0][l], counters.x[1][l], counters.x[2][l], counters.x[3][l]}}, key);
      for (int w = 0; w < 4; ++w) {
        REQUIRE(dispatched.x[w][l] == want[static_cast<std::size_t>(w)]);
        REQUIRE(scalar.x[w][l] == want[static_cast<std::size_t>(w)]);
      }
    }
  }
}

TEST_CASE("eligibility: the dispatched kernel gives the scalar loop's bitmaps", "[kernels]") {
  // Both AVX2 paths (byte shuffles for at most 32 cells and 8 channels, gathers otherwise).
  std::mt19937_64 g(3);
  const int stages = 8;
  for (const int segments : {1, 3, 5, 200}) {
    const int segment_bits =
        segments == 1 ? 0 : static_cast<int>(std::bit_width(static_cast<unsigned>(segments - 1)));
    const int cell_bits = 3 + segment_bits;
    for (const int channels : {1, 6, 9, 32}) {
      const std::uint32_t all = channels == 32 ? ~0u : (1u << channels) - 1;
      std::vector<std::uint32_t> reach(std::size_t{1} << cell_bits);
      for (auto& r : reach) r = static_cast<std::uint32_t>(g()) & all;
      for (const std::uint32_t n : {5u, 64u, 1000u, 8192u}) {
        std::vector<std::uint8_t> stage(n), segment(n);
        for (std::uint32_t j = 0; j < n; ++j) {
          stage[j] = static_cast<std::uint8_t>(g() % stages);
          segment[j] = static_cast<std::uint8_t>(g() % static_cast<unsigned>(segments));
        }
        const std::uint32_t active = static_cast<std::uint32_t>(g()) & all;
        auto stale = random_bits(static_cast<std::size_t>(channels) * cjsim::kBlockWords, 0.5, g);
        auto vector_bits = stale, scalar_bits = stale;
        cjsim::eligibility(n, stage.data(), segment.data(), reach.data(), segment_bits, cell_bits,
                           active, vector_bits.data());
        cjsim::eligibility_impl(0, n, stage.data(), segment.data(), reach.data(), segment_bits,
                                active, scalar_bits.data());
        INFO("segments " << segments << " channels " << channels << " n " << n);
        REQUIRE(vector_bits == scalar_bits);
        for (int c = 0; c < channels; ++c) {
          const std::size_t at = static_cast<std::size_t>(c) * cjsim::kBlockWords * 64;  // bits
          for (std::uint32_t j = 0; j < (n + 63) / 64 * 64; ++j) {
            const bool want =
                (active >> c) & 1u
                    ? j < n &&
                          ((reach[(std::size_t{stage[j]} << segment_bits) | segment[j]] >> c) & 1u)
                    : bit(stale, at + j);  // inactive channels are left alone
            REQUIRE(bit(vector_bits, at + j) == want);
          }
        }
      }
    }
  }
}

TEST_CASE("philox lanes: LaneUrng hands out MicroURNG's words in order", "[kernels]") {
  const cjsim::Streams streams(0x1234567890abcdefull, 3);
  for (const std::uint32_t block : {0u, 7u, 121u}) {
    for (const cjsim::Purpose purpose :
         {cjsim::Purpose::recommend, static_cast<cjsim::Purpose>(0x100 + 5)}) {
      cjsim::MicroRng micro = streams.urng(block, 42, purpose);
      cjsim::LaneUrng lanes(streams.counter_of(block, 42, purpose), streams.key());
      for (int k = 0; k < 1000; ++k) REQUIRE(lanes() == micro());  // across many refills
    }
  }
}
