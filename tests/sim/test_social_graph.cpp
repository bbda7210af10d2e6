// sim/social_graph: who can hear whom. The graphs against what their generators promise, computed
// here: a small world without rewiring is the ring lattice itself; with rewiring its links stay
// n k / 2 and each is rewired (to a customer beyond the lattice window) with probability p; a
// scale-free network has the PLOD degree law P(degree >= k) = floor((beta / k)^(1/alpha)) / n with
// alpha = 1 / (exponent - 1), and the mean degree the scenario asks for. Statistical checks at a
// family-wise false-alarm rate of 1e-6, each stating the smallest error it detects.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>

#include "random/rng.hpp"
#include "sim/social_graph.hpp"
#include "stat_checks.hpp"

using namespace cjsim;
using namespace cjsim::test;

namespace {

std::multiset<std::uint32_t> contacts(const SocialGraph& g, std::uint32_t i) {
  const std::vector<std::uint32_t> c = g.contacts(i);
  REQUIRE(c.size() == g.degree(i));
  return {c.begin(), c.end()};
}

std::uint32_t ring_distance(std::uint32_t a, std::uint32_t b, std::uint32_t n) {
  const std::uint32_t d = a > b ? a - b : b - a;
  return std::min(d, n - d);
}

NetworkDef small_world(int degree, double rewire) {
  NetworkDef d;
  d.kind = NetworkKind::small_world;
  d.degree = degree;
  d.rewire = rewire;
  return d;
}

}  // namespace

TEST_CASE("social graph: a small world without rewiring is the ring lattice", "[graph]") {
  const std::uint32_t n = 1000;
  const Streams streams(3, 0);
  const SocialGraph g(small_world(6, 0.0), n, streams);
  REQUIRE(!g.mixed());
  CHECK(g.edge_count() == std::uint64_t{n} * 6);
  for (const std::uint32_t i : {0u, 1u, 2u, 500u, 997u, 999u}) {
    INFO("customer " << i);
    REQUIRE(g.degree(i) == 6);
    const std::multiset<std::uint32_t> c = contacts(g, i);
    std::multiset<std::uint32_t> ring;
    for (std::uint32_t d = 1; d <= 3; ++d) {
      ring.insert((i + d) % n);
      ring.insert((i + n - d) % n);
    }
    CHECK(c == ring);
  }
}

TEST_CASE("social graph: rewiring keeps n k / 2 links and rewires each with probability p",
          "[graph]") {
  const std::uint32_t n = 20'000;
  const int k = 10;
  Family family;
  for (const double p : {0.05, 0.3}) {
    const SocialGraph g(small_world(k, p), n, Streams(11, 0));
    // Every lattice link is kept or moved, never dropped: the mean degree is exactly k.
    CHECK(g.edge_count() == std::uint64_t{n} * static_cast<std::uint64_t>(k));
    // A rewired link goes beyond the window of k/2 on either side of its first end; a kept one
    // stays inside it. Count links (each seen from both ends) longer than k/2 on the ring.
    std::uint64_t long_ends = 0, self = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      for (const std::uint32_t j : contacts(g, i)) {
        self += j == i;
        long_ends += ring_distance(i, j, n) > static_cast<std::uint32_t>(k / 2);
      }
    }
    CHECK(self == 0);
    // Boost's generator emits its first link (0, 1) before drawing, so n k / 2 - 1 links are
    // each rewired independently with probability p: Binomial.
    const double links = static_cast<double>(n) * k / 2 - 1;
    family.add("rewired links at p = " + std::to_string(p), static_cast<double>(long_ends) / 2,
               links * p, std::sqrt(links * p * (1 - p)));
  }
  CHECK(family.check() == 0);
}

TEST_CASE("social graph: a scale-free network has the PLOD degree law and the asked mean",
          "[graph]") {
  const std::uint32_t n = 200'000;
  NetworkDef def;
  def.kind = NetworkKind::scale_free;
  def.degree = 8;
  def.exponent = 2.5;
  const SocialGraph g(def, n, Streams(5, 0));
  std::vector<std::uint64_t> degree(n);
  double total = 0;
  for (std::uint32_t i = 0; i < n; ++i) total += static_cast<double>(degree[i] = g.degree(i));
  // Each customer draws x uniform in 0 .. n-1 and gets max(1, floor(beta x^-alpha)) link ends
  // (x = 0: one); every end is used (the last customer holding ends may lose a few). So
  // P(degree >= m) = #{x in 1 .. n-1 : beta x^-alpha >= m} / n for m >= 2, and the expected mean
  // degree is the average of the credits over x. beta is whatever makes that mean `degree`
  // (docs: "mean number of contacts"); the law then fixes the tail.
  const double alpha = 1 / (def.exponent - 1);
  auto credits = [&](double beta, double x) {
    return x == 0 ? 1.0 : std::clamp(std::floor(beta * std::pow(x, -alpha)), 1.0, n - 1.0);
  };
  auto mean_for = [&](double beta) {
    double s = 0;
    for (std::uint32_t x = 0; x < n; ++x) s += credits(beta, x);
    return s / n;
  };
  double lo = 0, hi = 1e9;  // the beta whose expected mean degree is def.degree
  for (int i = 0; i < 100; ++i) ((mean_for((lo + hi) / 2) < def.degree) ? lo : hi) = (lo + hi) / 2;
  const double beta = (lo + hi) / 2;
  double var = 0;
  for (std::uint32_t x = 0; x < n; ++x) var += std::pow(credits(beta, x) - def.degree, 2) / n;
  Family family;
  // The mean degree of n customers whose credits are independent draws (sd sqrt(var / n)); the
  // ends a last customer may lose are at most a few per network.
  family.add("mean degree", total / n, def.degree, std::sqrt(var / n));
  for (const double m : {2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0}) {
    const double want = std::min<double>(std::floor(std::pow(beta / m, 1 / alpha)), n - 1) / n;
    double have = 0;
    for (const std::uint64_t d : degree) have += static_cast<double>(d) >= m;
    family.add("customers with degree >= " + std::to_string(static_cast<int>(m)), have, n * want,
               std::sqrt(n * want * (1 - want)), m >= 64 ? 0.0 : -1.0);  // few hubs: no power claim
  }
  CHECK(family.check() == 0);
}

TEST_CASE("social graph: the same seed and replicate give the same graph, others another",
          "[graph]") {
  const NetworkDef def = small_world(4, 0.5);
  const SocialGraph a(def, 3000, Streams(9, 1)), b(def, 3000, Streams(9, 1)),
      c(def, 3000, Streams(9, 2));
  bool differs = false;
  for (std::uint32_t i = 0; i < 3000; ++i) {
    REQUIRE(contacts(a, i) == contacts(b, i));
    differs |= contacts(a, i) != contacts(c, i);
  }
  CHECK(differs);
  // Fully mixed: no graph, everyone is everyone's contact.
  const SocialGraph mixed(NetworkDef{}, 3000, Streams(9, 1));
  CHECK(mixed.mixed());
  CHECK(mixed.degree(7) == 2999);
}
