// Algorithms as in NumPy's random_hypergeometric.c (Warren Weckesser's rewrite, BSD-3): a direct
// urn simulation for small samples and Stadlober's ratio-of-uniforms method HRUA otherwise.
// Boost.Random and the C++ library have no hypergeometric sampler; GSL's is O(sample).
#include "random/hypergeometric.hpp"

#include <algorithm>
#include <array>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>

namespace cjsim {

namespace {

constexpr int kLogFactTable = 126;

const std::array<double, kLogFactTable>& log_factorial_table() {
  static const std::array<double, kLogFactTable> table = [] {
    std::array<double, kLogFactTable> t{};
    t[0] = 0.0;
    for (int k = 1; k < kLogFactTable; ++k)
      t[static_cast<std::size_t>(k)] = t[static_cast<std::size_t>(k - 1)] + std::log(k);
    return t;
  }();
  return table;
}

// log(k!): a table below 126, Stirling's series above (accurate to double precision there).
double log_factorial(std::int64_t k) {
  if (k < kLogFactTable) return log_factorial_table()[static_cast<std::size_t>(k)];
  constexpr double kHalfLn2Pi = 0.9189385332046728;
  const auto x = static_cast<double>(k);
  return (x + 0.5) * std::log(x) - x +
         (kHalfLn2Pi + (1.0 / x) * (1.0 / 12.0 - 1.0 / (360.0 * x * x)));
}

// A double in (0, 1) with 53 bits from two 32-bit draws.
double next_double(MicroRng& rng) {
  const std::uint64_t hi = rng();
  const std::uint64_t lo = rng();
  return r123::u01<double>((hi << 32) | lo);
}

// Draws the sample one item at a time (or its complement, whichever is smaller).
std::int64_t urn_sample(MicroRng& rng, std::int64_t good, std::int64_t bad, std::int64_t sample) {
  const std::int64_t total = good + bad;
  const bool complement = sample > total / 2;
  std::int64_t computed = complement ? total - sample : sample;
  std::int64_t remaining_total = total;
  std::int64_t remaining_good = good;
  while (computed > 0 && remaining_good > 0 && remaining_total > remaining_good) {
    --remaining_total;
    boost::random::uniform_int_distribution<std::int64_t> pick(0, remaining_total);
    if (pick(rng) < remaining_good) --remaining_good;
    --computed;
  }
  if (remaining_total == remaining_good) remaining_good -= computed;  // only good ones left
  return complement ? remaining_good : good - remaining_good;
}

// Stadlober (1989), algorithm HRUA, with Ivan Frohne's correction; names follow the thesis.
std::int64_t hrua(MicroRng& rng, std::int64_t good, std::int64_t bad, std::int64_t sample) {
  constexpr double kD1 = 1.7155277699214135;  // 2 sqrt(2/e)
  constexpr double kD2 = 0.8989161620588988;  // 3 - 2 sqrt(3/e)
  const std::int64_t popsize = good + bad;
  const std::int64_t computed = std::min(sample, popsize - sample);
  const std::int64_t mingoodbad = std::min(good, bad);
  const std::int64_t maxgoodbad = std::max(good, bad);
  const auto n_pop = static_cast<double>(popsize);
  const double p = static_cast<double>(mingoodbad) / n_pop;
  const double q = static_cast<double>(maxgoodbad) / n_pop;
  const double mu = static_cast<double>(computed) * p;
  const double a = mu + 0.5;
  const double var =
      static_cast<double>(popsize - computed) * static_cast<double>(computed) * p * q / (n_pop - 1);
  const double c = std::sqrt(var + 0.5);
  const double h = kD1 * c + kD2;
  const auto m = static_cast<std::int64_t>(std::floor(
      static_cast<double>(computed + 1) * static_cast<double>(mingoodbad + 1) / (n_pop + 2)));
  const double g = log_factorial(m) + log_factorial(mingoodbad - m) + log_factorial(computed - m) +
                   log_factorial(maxgoodbad - computed + m);
  // Upper bound: the support, or 16 standard deviations beyond the mean.
  const double b =
      std::min(static_cast<double>(std::min(computed, mingoodbad) + 1), std::floor(a + 16 * c));
  std::int64_t k = 0;
  while (true) {
    const double u = next_double(rng);
    const double v = next_double(rng);
    const double x = a + h * (v - 0.5) / u;
    if (x < 0.0 || x >= b) continue;  // fast rejection
    k = static_cast<std::int64_t>(std::floor(x));
    const double gp = log_factorial(k) + log_factorial(mingoodbad - k) +
                      log_factorial(computed - k) + log_factorial(maxgoodbad - computed + k);
    const double t = g - gp;
    if (u * (4.0 - u) - 3.0 <= t) break;  // fast acceptance
    if (u * (u - t) >= 1) continue;       // fast rejection
    if (2.0 * std::log(u) <= t) break;    // acceptance
  }
  if (good > bad) k = computed - k;
  if (computed < sample) k = good - k;
  return k;
}

}  // namespace

std::int64_t hypergeometric(MicroRng& rng, std::int64_t good, std::int64_t bad,
                            std::int64_t sample) {
  if (sample <= 0 || good <= 0) return 0;
  if (bad <= 0) return sample;
  if (sample >= good + bad) return good;
  if (sample >= 10 && sample <= good + bad - 10) return hrua(rng, good, bad, sample);
  return urn_sample(rng, good, bad, sample);
}

}  // namespace cjsim
