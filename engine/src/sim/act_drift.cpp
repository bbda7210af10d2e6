#include "sim/act_drift.hpp"

#include "sim/simd/act_drift_impl.hpp"

namespace cjsim {

void eligibility_avx2(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                      const std::uint32_t* reach, int segment_bits, int cell_bits,
                      std::uint32_t active, std::uint64_t* bits);

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                          __builtin_cpu_supports("bmi2");
  return yes;
}

bool has_avx512() {
  static const bool yes = has_avx2() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return yes;
}

void drift(const DriftArgs& a, std::uint32_t n) {
  if (a.shape != 2.0) {
    const double k = a.shape;  // pow per customer: not vectorized, still exact
    drift_loop(a, 0, n, [k](double x) { return k == 1.0 ? x : std::pow(x, k); });
  } else if (has_avx512()) {
    drift_square_avx512(a, n);
  } else if (has_avx2()) {
    drift_square_avx2(a, n);
  } else {
    drift_square_impl(a, n);
  }
}

void eligibility(std::uint32_t n, const std::uint8_t* stage, const std::uint8_t* segment,
                 const std::uint32_t* reach, int segment_bits, int cell_bits, std::uint32_t active,
                 std::uint64_t* bits) {
  if (has_avx2()) {
    eligibility_avx2(n, stage, segment, reach, segment_bits, cell_bits, active, bits);
  } else {
    eligibility_impl(0, n, stage, segment, reach, segment_bits, active, bits);
  }
}

}  // namespace cjsim
