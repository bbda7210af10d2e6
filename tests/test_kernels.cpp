// The act phase's vectorized drift kernel (AVX2, chosen at run time) against the portable scalar
// loop it replaces: the same bits for every customer, so results never depend on the machine.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <vector>

#include "act_drift_impl.hpp"

namespace {

struct World {
  std::vector<std::uint8_t> stage, segment, flags, todo;
  std::vector<float> satisfaction, salience;
  std::vector<double> clock, c0, c1, c2;
  std::vector<std::uint32_t> exposed, cell_flags;
  int stages = 7, segments = 3;

  explicit World(std::uint32_t n, std::uint32_t seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const auto cells = static_cast<std::size_t>(stages * segments);
    for (std::size_t c = 0; c < cells; ++c) {
      // Zero hazards, tiny and large ones; a few cells flagged slow, talker or complainer.
      c0.push_back(c % 5 == 0 ? 0.0 : u(g) * 0.05);
      c1.push_back(c % 4 == 0 ? -0.01 * u(g) : 0.02 * u(g));
      c2.push_back(c % 3 == 0 ? 0.0 : 0.1 * u(g));
      cell_flags.push_back(c % 7 == 1   ? cjsim::kCellSlow
                           : c % 7 == 2 ? cjsim::kCellTalker
                           : c % 7 == 3 ? cjsim::kCellComplainer
                                        : 0u);
    }
    for (std::uint32_t i = 0; i < n; ++i) {
      stage.push_back(static_cast<std::uint8_t>(g() % static_cast<unsigned>(stages)));
      segment.push_back(static_cast<std::uint8_t>(g() % static_cast<unsigned>(segments)));
      flags.push_back(g() % 10 == 0 ? cjsim::kFlagReferred : 0);
      satisfaction.push_back(static_cast<float>(u(g)));
      // Salience of both signs, exact zeros, and values far beyond the half-saturation point.
      const double r = u(g);
      salience.push_back(r < 0.1 ? 0.0f
                                 : static_cast<float>((u(g) - 0.3) * (r < 0.5 ? 3.0 : 400.0)));
      clock.push_back(u(g) < 0.3 ? 0.01 * u(g) : -std::log(u(g)));
      exposed.push_back(g() % 8 == 0 ? static_cast<std::uint32_t>(1u << (g() % 5)) : 0u);
    }
    todo.assign(n, 0xff);
  }

  cjsim::DriftArgs args(std::uint32_t forced) {
    return {stage.data(),
            segment.data(),
            flags.data(),
            satisfaction.data(),
            salience.data(),
            clock.data(),
            exposed.data(),
            todo.data(),
            c0.data(),
            c1.data(),
            c2.data(),
            cell_flags.data(),
            segments,
            0.93f,
            0.4f,
            1.7,
            2.25,
            2.0,
            forced};
  }
};

bool same_bits(const World& a, const World& b) {
  return a.todo == b.todo &&
         std::memcmp(a.salience.data(), b.salience.data(), a.salience.size() * sizeof(float)) ==
             0 &&
         std::memcmp(a.clock.data(), b.clock.data(), a.clock.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("drift: the dispatched kernel gives the scalar loop's bits", "[kernels]") {
  // Block sizes that are and are not multiples of the vector width, a traced customer inside
  // and outside the block, and many days in a row so drifted state feeds back in.
  for (const std::uint32_t n : {1u, 3u, 4u, 5u, 64u, 1023u, 4096u}) {
    for (const std::uint32_t forced : {0u, n / 2, 100000u}) {
      World vector_path(n, n * 31 + forced);
      World scalar_path(n, n * 31 + forced);
      for (int day = 0; day < 20; ++day) {
        cjsim::drift(vector_path.args(forced), 0, n);              // AVX2 where the CPU has it
        cjsim::drift_square_impl(scalar_path.args(forced), 0, n);  // the portable loop
        INFO("n=" << n << " forced=" << forced << " day=" << day);
        REQUIRE(same_bits(vector_path, scalar_path));
      }
    }
  }
}

TEST_CASE("drift: marks exactly the customers the per-customer pass must see", "[kernels]") {
  World w(2000, 7);
  World before = w;
  const std::uint32_t forced = 17;
  cjsim::drift(w.args(forced), 0, 2000);
  for (std::uint32_t j = 0; j < 2000; ++j) {
    const int cell = before.stage[j] * before.segments + before.segment[j];
    const std::uint32_t cf = before.cell_flags[static_cast<std::size_t>(cell)];
    const bool special = before.exposed[j] != 0 || (before.flags[j] & cjsim::kFlagReferred) ||
                         (cf & (cjsim::kCellSlow | cjsim::kCellTalker)) ||
                         ((cf & cjsim::kCellComplainer) && before.satisfaction[j] < 0.4f) ||
                         j == forced;
    INFO("customer " << j);
    if (special) {
      REQUIRE(w.todo[j] == cjsim::kTodoSpecial);
      REQUIRE(w.clock[j] == before.clock[j]);  // untouched: the per-customer pass owns them
      REQUIRE(w.salience[j] == before.salience[j]);
    } else {
      REQUIRE(w.salience[j] == before.salience[j] * 0.93f);
      // Clocks start positive, so the clock ran out iff it reached zero with a positive hazard.
      const bool ran_out = w.clock[j] <= 0.0 && w.clock[j] < before.clock[j];
      REQUIRE(w.todo[j] == (ran_out ? cjsim::kTodoEvent : 0));
    }
  }
}
