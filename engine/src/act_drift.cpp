#include "act_drift.hpp"

#include "act_drift_impl.hpp"

namespace cjsim {

void drift_square_avx2(const DriftArgs& a, std::uint32_t begin, std::uint32_t end);
void reach_masks_avx2(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                      const std::uint32_t* reach, int segments, std::uint32_t active,
                      std::uint32_t* mask);

namespace {

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("bmi2");
  return yes;
}

void drift_general(const DriftArgs& a, std::uint32_t begin, std::uint32_t end) {
  const double k = a.shape;
  drift_range(a, begin, end, [k](double x) { return k == 1.0 ? x : std::pow(x, k); });
}

}  // namespace

void drift(const DriftArgs& a, std::uint32_t begin, std::uint32_t end) {
  if (a.shape != 2.0) {
    drift_general(a, begin, end);  // pow per customer: not vectorized, still exact
  } else if (has_avx2()) {
    drift_square_avx2(a, begin, end);
  } else {
    drift_square_impl(a, begin, end);
  }
}

void reach_masks(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                 const std::uint32_t* reach, int segments, std::uint32_t active,
                 std::uint32_t* mask) {
  if (has_avx2()) {
    reach_masks_avx2(n, stage, segment, reach, segments, active, mask);
  } else {
    reach_masks_impl(0, n, stage, segment, reach, segments, active, mask);
  }
}

}  // namespace cjsim
