// Who can hear a customer's recommendation or complaint: everyone (fully mixed) or the
// customer's neighbours in a social graph built with Boost.Graph's generators
// (Watts-Strogatz small world, PLOD scale-free), stored as a compressed sparse row graph.
#pragma once

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <cstdint>
#include <memory>
#include <vector>

#include "cjsim/scenario.hpp"
#include "random/rng.hpp"

namespace cjsim {

class SocialGraph {
 public:
  // Builds the network for `customers` (a no-op for the fully mixed one). The graph is part of
  // the world of one replicate: it is keyed by (seed, replicate) like every other draw.
  SocialGraph(const NetworkDef& def, std::uint32_t customers, const Streams& streams);

  bool mixed() const { return !csr_; }

  // A contact of `customer` for one message, or -1 when the customer has none.
  template <class Urng>
  std::int64_t pick_contact(std::uint32_t customer, Urng& urng) const;

  std::uint64_t degree(std::uint32_t customer) const;
  std::uint64_t edge_count() const;  // directed (each contact counted from both ends)
  // The contacts of `customer`, once per link (a pair joined twice appears twice); empty for the
  // fully mixed network. For tests and tools: the day loop uses pick_contact.
  std::vector<std::uint32_t> contacts(std::uint32_t customer) const;

 private:
  using Csr =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, std::uint32_t, std::uint64_t>;
  std::uint32_t customers_;
  std::unique_ptr<Csr> csr_;
};

}  // namespace cjsim

#include "sim/social_graph_inl.hpp"
