// Memory estimates from the engine's own layout, and what this machine offers.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "cjsim/simulation.hpp"
#include "engine.hpp"
#include "population.hpp"

namespace cjsim {

namespace {

// MemAvailable from /proc/meminfo, capped by a cgroup v2 limit and RLIMIT_AS when set.
std::uint64_t available_memory() {
  std::uint64_t avail = std::numeric_limits<std::uint64_t>::max();
  if (std::ifstream meminfo("/proc/meminfo"); meminfo) {
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (meminfo >> key >> kib >> unit) {
      if (key == "MemAvailable:") {
        avail = kib * 1024;
        break;
      }
    }
  }
  if (std::ifstream cg("/sys/fs/cgroup/memory.max"); cg) {
    std::string v;
    cg >> v;
    if (!v.empty() && v != "max") avail = std::min<std::uint64_t>(avail, std::stoull(v));
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    avail = std::min<std::uint64_t>(avail, static_cast<std::uint64_t>(lim.rlim_cur));
  }
  return avail;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

}  // namespace

std::uint64_t hot_bytes_per_customer() {
  return Population::kHotBytesPerCustomer;
}

MemoryEstimate estimate_memory(const ScenarioDef& def) {
  MemoryEstimate m;
  const std::uint64_t n = def.simulation.customers;
  // Hot columns, outcome records, and each block's outcome log (reserved for 1.5 kLogApply
  // updates of 8 bytes per kBlockSize customers: 3 bytes a customer).
  m.per_customer = Population::kHotBytesPerCustomer + Population::kOutcomeBytesPerCustomer +
                   (kLogApply + kLogApply / 2) * 8 / kBlockSize;
  std::uint64_t graph_per_customer = 0;
  if (def.word_of_mouth.network.kind != NetworkKind::mixed) {
    // CSR: one offset per customer, each undirected contact stored in both directions; the
    // Boost edge list used while building doubles it for a moment.
    const auto degree = static_cast<std::uint64_t>(std::max(def.word_of_mouth.network.degree, 1));
    graph_per_customer = 8 + degree * 4 * 2 + degree * 16;
  }
  const auto days = static_cast<std::uint64_t>(std::max(def.simulation.days, 1));
  const std::uint64_t stages = def.stages.size();
  const std::uint64_t segments = std::max<std::size_t>(def.segments.size(), 1);
  const std::uint64_t channels = def.channels.size();
  const std::uint64_t daily =
      days * (stages * segments * 8 + channels * 24 + segments * 32 + 24) + stages * segments * 8;
  const std::uint64_t per_customer = m.per_customer + graph_per_customer;
  m.bytes = saturating_mul(n, per_customer);
  // Fixed overhead: metrics, per-block scratch and the HDF5 library's buffers.
  const std::uint64_t fixed = daily + (64ull << 20);
  m.bytes = m.bytes > std::numeric_limits<std::uint64_t>::max() - fixed ? m.bytes : m.bytes + fixed;
  m.available = available_memory();
  return m;
}

}  // namespace cjsim
