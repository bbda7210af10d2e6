// Memory estimates from the engine's own layout, and what this machine offers.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "cjsim/simulation.hpp"
#include "sim/engine.hpp"
#include "sim/population.hpp"

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

std::string human_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  constexpr double kib = 1024.0;
  if (b >= kib * kib * kib * kib) return fmt::format("{:.1f} TiB", b / (kib * kib * kib * kib));
  if (b >= kib * kib * kib) return fmt::format("{:.1f} GiB", b / (kib * kib * kib));
  if (b >= kib * kib) return fmt::format("{:.1f} MiB", b / (kib * kib));
  if (b >= kib) return fmt::format("{:.1f} KiB", b / kib);
  return fmt::format("{} bytes", bytes);
}

}  // namespace

std::uint64_t hot_bytes_per_customer() {
  return Population::kHotBytesPerCustomer;
}

MemoryEstimate estimate_memory(const ScenarioDef& def) {
  MemoryEstimate m;
  const std::uint64_t n = def.simulation.customers;
  // Hot columns, outcome records, and each block's outcome log (kLogReserve updates of 8 bytes
  // per kBlockSize customers: about 2 bytes a customer).
  m.per_customer = Population::kHotBytesPerCustomer +
                   Population::outcome_bytes(static_cast<int>(def.stages.size())) +
                   kLogReserve * 8 / kBlockSize;
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
  // Individual differences: a float per customer and heterogeneity group.
  m.per_customer += 4 * def.heterogeneity.size();
  // Relationship memory: a float per customer and relationship.
  m.per_customer += 4 * def.relationship.size();
  const std::uint64_t per_customer = m.per_customer + graph_per_customer;
  m.bytes = saturating_mul(n, per_customer);
  // Fixed overhead: metrics, per-block scratch and the HDF5 library's buffers.
  const std::uint64_t fixed = daily + (64ull << 20);
  m.bytes = m.bytes > std::numeric_limits<std::uint64_t>::max() - fixed ? m.bytes : m.bytes + fixed;
  m.available = available_memory();
  return m;
}

std::optional<Diagnostic> memory_problem(const ScenarioDef& def) {
  const MemoryEstimate m = estimate_memory(def);
  if (m.fits()) return std::nullopt;
  const std::uint64_t n = def.simulation.customers;
  const std::uint64_t columns = saturating_mul(m.per_customer, n);
  const std::uint64_t rest = m.bytes > columns ? m.bytes - columns : 0;
  const char* what = def.word_of_mouth.network.kind == NetworkKind::mixed
                         ? "daily metrics and buffers"
                         : "the contact network, daily metrics and buffers";
  Diagnostic d;
  d.key = "simulation.customers";
  d.message = fmt::format(
      "needs about {} ({} bytes per customer x {} customers + {} for {}); this machine has {} "
      "available",
      human_bytes(m.bytes), m.per_customer, n, human_bytes(rest), what, human_bytes(m.available));
  d.fix = "lower simulation.customers, or run on a machine with more memory";
  return d;
}

}  // namespace cjsim
