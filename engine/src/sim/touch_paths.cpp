// Touch paths gathered at the end of a run: each block logged its customers' exposures and
// purchases in (day, customer) order; a counting pass by customer turns the logs into
// compressed sparse rows (RunResult::touch_paths). Blocks own disjoint customers, so the
// scatter runs in parallel over blocks, and a stable scatter keeps each customer's events in
// day order: the result does not depend on the thread count.
#include <tbb/parallel_for.h>

#include <bit>

#include "base/parallel.hpp"
#include "sim/engine.hpp"

namespace cjsim {

// Today's exposures of customer i, in channel order (the order the act phase applies them).
void Engine::record_exposures(BlockScratch& block, std::uint32_t i, int day,
                              std::uint32_t exposed) {
  for (std::uint32_t x = exposed; x != 0; x &= x - 1) {
    block.touches.push_back({static_cast<std::uint16_t>(i - block.begin),
                             static_cast<std::uint16_t>(day),
                             static_cast<std::uint8_t>(std::countr_zero(x)), 0.0f});
  }
}

void Engine::record_purchase(BlockScratch& block, std::uint32_t i, int day, double value) {
  block.touches.push_back({static_cast<std::uint16_t>(i - block.begin),
                           static_cast<std::uint16_t>(day), TouchPaths::kPurchase,
                           static_cast<float>(value)});
}

TouchPaths Engine::gather_touch_paths() {
  TouchPaths paths;
  const std::size_t n = m_.customers;
  paths.offsets.assign(n + 1, 0);
  for (const BlockScratch& block : blocks_) {
    for (const TouchRecord& r : block.touches) ++paths.offsets[block.begin + r.j + 1];
  }
  for (std::size_t i = 0; i < n; ++i) paths.offsets[i + 1] += paths.offsets[i];
  const std::size_t total = paths.offsets[n];
  paths.day.resize(total);
  paths.event.resize(total);
  paths.value.resize(total);
  cjsim::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks_.size(), 1),
      [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t b = range.begin(); b != range.end(); ++b) {
          BlockScratch& block = blocks_[b];
          // The next free slot of each of the block's customers.
          std::vector<std::uint64_t> next(paths.offsets.begin() + block.begin,
                                          paths.offsets.begin() + block.end);
          for (const TouchRecord& r : block.touches) {
            const std::uint64_t at = next[r.j]++;
            paths.day[at] = r.day;
            paths.event[at] = r.event;
            paths.value[at] = r.value;
          }
          std::vector<TouchRecord>().swap(block.touches);  // give the log's memory back
        }
      },
      tbb::simple_partitioner());
  return paths;
}

}  // namespace cjsim
