// Inline part of social_graph.hpp: picking a contact is on the recommendation path.
#pragma once

#include <boost/random/uniform_int_distribution.hpp>
#include <cstddef>

namespace cjsim {

template <class Urng>
std::int64_t SocialGraph::pick_contact(std::uint32_t customer, Urng& urng) const {
  if (!csr_) {
    boost::random::uniform_int_distribution<std::uint32_t> anyone(0, customers_ - 1);
    return anyone(urng);
  }
  const auto [first, last] = boost::adjacent_vertices(customer, *csr_);
  const auto n = static_cast<std::uint64_t>(last - first);
  if (n == 0) return -1;
  boost::random::uniform_int_distribution<std::uint64_t> which(0, n - 1);
  return first[static_cast<std::ptrdiff_t>(which(urng))];
}

}  // namespace cjsim
