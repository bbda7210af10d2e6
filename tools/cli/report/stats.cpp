#include "report/stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace cjsim::cli {

Crossover find_crossover(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("find_crossover: curves differ in length");
  if (a.empty()) return {"empty", std::nullopt};
  if (!(b.back() > a.back())) return {"never", std::nullopt};
  // Walk back from the end while b stays ahead: the first day of that final lead.
  std::size_t t = a.size();
  while (t > 0 && b[t - 1] > a[t - 1]) --t;
  if (t == 0) return {"ahead_throughout", std::nullopt};
  return {"overtakes", static_cast<int>(t)};
}

std::vector<double> cumulative_sum(const std::vector<double>& x) {
  std::vector<double> out(x.size());
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = (s += x[i]);
  return out;
}

}  // namespace cjsim::cli
