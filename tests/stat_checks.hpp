// A family of statistical checks judged together (tests/README.md "Rules the tests follow"): each
// compares an observed value with its expectation in units of its standard error, at a family-wise
// false-alarm rate (Bonferroni), and states the smallest relative error it detects, (z + z_0.9) x
// the standard error / the expectation: found with probability 0.9. A check that cannot detect
// the family's target error fails as underpowered, so a test never claims more than it shows.
#pragma once

#include <boost/math/distributions/normal.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace cjsim::test {

class Family {
 public:
  // target: the relative error every check must detect (0 = no power requirement).
  explicit Family(double alpha = 1e-6, double target = 0.10) : alpha_(alpha), target_(target) {}

  // observed ~ Normal(expected, se) for a correct engine. `target` < 0: the family's.
  void add(std::string name, double observed, double expected, double se, double target = -1) {
    rows_.push_back({std::move(name), observed, expected, se, target < 0 ? target_ : target});
  }

  std::size_t size() const { return rows_.size(); }

  // CHECKs every row; returns how many failed.
  int check() const {
    const boost::math::normal_distribution<double> normal;
    const double n = static_cast<double>(rows_.size());
    const double z = boost::math::quantile(normal, 1 - alpha_ / (2 * n));
    const double power = boost::math::quantile(normal, 0.9);
    int failed = 0;
    for (const Row& r : rows_) {
      const double dev = std::fabs(r.observed - r.expected) / r.se;
      const double detects = (z + power) * r.se / std::fabs(r.expected);
      std::ostringstream what;
      what << r.name << ": observed " << r.observed << ", expected " << r.expected << " +- " << r.se
           << " (" << dev << " se; limit " << z << " se, false-alarm rate " << alpha_ << " over "
           << rows_.size() << " checks); detects a relative error of " << detects;
      INFO(what.str());
      const bool ok = std::isfinite(dev) && dev <= z;
      CHECK(ok);
      const bool powered = r.target <= 0 || detects <= r.target;
      INFO("required: detect " << r.target);
      CHECK(powered);
      failed += !ok || !powered;
    }
    return failed;
  }

 private:
  struct Row {
    std::string name;
    double observed, expected, se, target;
  };
  double alpha_, target_;
  std::vector<Row> rows_;
};

// Sample mean and its standard error.
struct MeanSe {
  double mean = 0, se = 0;
};
template <class Values>
MeanSe mean_se(const Values& v) {
  double n = 0, sum = 0, ss = 0;
  for (const auto x : v) {
    n += 1;
    sum += static_cast<double>(x);
  }
  const double m = sum / n;
  for (const auto x : v) ss += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
  return {m, std::sqrt(ss / (n - 1) / n)};
}

}  // namespace cjsim::test
