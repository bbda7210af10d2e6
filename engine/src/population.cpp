#include "population.hpp"

#include <sys/mman.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#include <utility>

namespace cjsim {

void* allocate_column(std::size_t bytes, std::size_t alignment) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  void* p = nullptr;
  if (bytes >= 2 * kHuge) {
    const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
    p = std::aligned_alloc(kHuge, rounded);
#ifdef MADV_HUGEPAGE
    if (p != nullptr) ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure is harmless
#endif
  } else {
    p = std::aligned_alloc(
        alignment, (std::max<std::size_t>(bytes, 1) + alignment - 1) / alignment * alignment);
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void free_column(void* p) noexcept {
  std::free(p);
}

void Population::allocate(std::size_t n) {
  stage.resize(n);
  segment.resize(n);
  flags.resize(n);
  last_touch.resize(n);
  salience.resize(n);
  satisfaction.resize(n);
  clock.resize(n);
  outcome.resize(n);
}

CustomerTable Population::take_table() {
  const std::size_t n = size();
  Column<std::uint8_t>().swap(flags);
  Column<std::uint8_t>().swap(last_touch);
  Column<float>().swap(salience);
  Column<float>().swap(satisfaction);
  Column<double>().swap(clock);
  CustomerTable t;
  t.segment.resize(n);
  t.final_stage.resize(n);
  t.source.resize(n);
  t.first_purchase_day.resize(n);
  t.churn_day.resize(n);
  t.purchases.resize(n);
  t.revenue.resize(n);
  t.back_steps.resize(n);
  t.referrals.resize(n);
  t.stages_reached.resize(n);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 65536),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t i = r.begin(); i != r.end(); ++i) {
                        const Outcome& o = outcome[i];
                        t.segment[i] = segment[i];
                        t.final_stage[i] = stage[i];
                        t.source[i] = o.source;
                        t.first_purchase_day[i] = o.first_purchase_day;
                        t.churn_day[i] = o.churn_day;
                        t.purchases[i] = o.purchases;
                        t.revenue[i] = o.revenue;
                        t.back_steps[i] = o.back_steps;
                        t.referrals[i] = o.referrals;
                        t.stages_reached[i] = o.stages_reached;
                      }
                    });
  Column<Outcome>().swap(outcome);
  Column<std::uint8_t>().swap(stage);
  Column<std::uint8_t>().swap(segment);
  return t;
}

}  // namespace cjsim
