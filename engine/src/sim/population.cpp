#include "sim/population.hpp"

#include <sys/mman.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "base/parallel.hpp"

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

namespace {

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

// Room for n elements in v, asking for transparent huge pages before anything is written: then
// the zeroing of resize faults in 2 MiB at a time (allocate_column says why that matters).
template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
#ifdef MADV_HUGEPAGE
  const auto begin =
      (reinterpret_cast<std::uintptr_t>(v.data()) + kHugePage - 1) / kHugePage * kHugePage;
  const auto end = (reinterpret_cast<std::uintptr_t>(v.data() + n)) / kHugePage * kHugePage;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

// Returns the whole huge pages of [from, to) to the system; their contents are not needed again.
void release(const void* from, const void* to) {
#ifdef MADV_DONTNEED
  const auto begin =
      (reinterpret_cast<std::uintptr_t>(from) + kHugePage - 1) / kHugePage * kHugePage;
  const auto end = reinterpret_cast<std::uintptr_t>(to) / kHugePage * kHugePage;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#endif
}

}  // namespace

void Population::allocate(std::size_t n, int stages) {
  stage.resize(n);
  segment.resize(n);
  flags.resize(n);
  last_touch.resize(n);
  salience.resize(n);
  satisfaction.resize(n);
  clock.resize(n);
  outcome.resize(n);
  if (stages > kStagesInRecord) stages_high.resize(n);
}

CustomerTable Population::take_table() {
  const std::size_t n = size();
  Column<std::uint8_t>().swap(flags);
  Column<std::uint8_t>().swap(last_touch);
  Column<float>().swap(salience);
  Column<float>().swap(satisfaction);
  Column<double>().swap(clock);
  CustomerTable t;
  auto columns = [&t](auto&& each) {
    each(t.segment);
    each(t.final_stage);
    each(t.source);
    each(t.first_purchase_day);
    each(t.churn_day);
    each(t.purchases);
    each(t.revenue);
    each(t.back_steps);
    each(t.referrals);
    each(t.stages_reached);
  };
  int column_count = 0;
  columns([n, &column_count](auto& column) {
    reserve_huge(column, n);
    ++column_count;
  });
  // A slice at a time: the table grows as the records of the slice before are released, so
  // the two never both take all their memory (peak: the records plus one slice of the table).
  constexpr std::size_t kSlice = std::size_t{1} << 20;
  for (std::size_t first = 0; first < n; first += kSlice) {
    const std::size_t last = std::min(n, first + kSlice);
    // Growing a column zero-fills it and faults its pages in: one column per task rather than
    // all of them on the calling thread (at 1M customers, 45 ms -> 27 ms on 2 threads).
    cjsim::parallel_for(0, column_count, [&](int k) {
      int at = 0;
      columns([&](auto& column) {
        if (at++ == k) column.resize(last);
      });
    });
    cjsim::parallel_for(tbb::blocked_range<std::size_t>(first, last, 65536),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) {
                            const Outcome& o = outcome[i];
                            t.segment[i] = segment[i];
                            t.final_stage[i] = stage[i];
                            t.source[i] = o.source;
                            t.first_purchase_day[i] =
                                o.first_purchase_day == kNoDay ? -1 : o.first_purchase_day;
                            t.churn_day[i] = o.churn_day == kNoDay ? -1 : o.churn_day;
                            t.purchases[i] = o.purchases;
                            t.revenue[i] = o.revenue;
                            t.back_steps[i] = o.back_steps;
                            t.referrals[i] = o.referrals;
                            t.stages_reached[i] = stages_reached(i);
                          }
                        });
    release(outcome.data(), outcome.data() + last);
    if (!stages_high.empty()) release(stages_high.data(), stages_high.data() + last);
  }
  Column<Outcome>().swap(outcome);
  Column<std::uint32_t>().swap(stages_high);
  Column<std::uint8_t>().swap(stage);
  Column<std::uint8_t>().swap(segment);
  return t;
}

}  // namespace cjsim
