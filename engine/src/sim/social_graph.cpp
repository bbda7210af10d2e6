#include "sim/social_graph.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/plod_generator.hpp>
#include <boost/graph/small_world_generator.hpp>
#include <boost/random/mersenne_twister.hpp>
#include <cmath>
#include <utility>
#include <vector>

namespace cjsim {

namespace {

using Shape = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
using EdgeList = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// Both directions of every undirected contact, so a CSR row lists all of a customer's contacts.
template <class It>
EdgeList symmetric_edges(It first, It last) {
  EdgeList edges;
  for (; first != last; ++first) {
    const auto [a, b] = *first;
    if (a == b) continue;
    edges.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
    edges.emplace_back(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(a));
  }
  return edges;
}

// Boost's undirected PLOD gives each vertex, for x uniform in 0 .. n-1, clamp(floor(beta x^-alpha),
// 1, n-1) link ends (one for x = 0) and joins ends in pairs, so a vertex's degree is its ends
// and P(degree >= k) = #{x >= 1 : beta x^-alpha >= k} / n ~ k^-(1/alpha): alpha = 1 / (exponent -
// 1) gives the density exponent `exponent`. beta is chosen so the expected mean degree is
// exactly `degree` (scenarios/README.md: "scale-free: mean"); the floor costs about half an end
// per vertex, which the continuous estimate beta = degree n / sum x^-alpha ignores (7.5 instead
// of 8 at degree 8; tests/sim/test_social_graph.cpp).
double plod_mean_degree(double alpha, double beta, std::uint32_t n) {
  const double top = static_cast<double>(n) - 1;
  // Exactly over the small x (the hubs), then by value: for x > x0 every vertex has at most
  // floor(beta x0^-alpha) ends, and #{x in (x0, n-1] : beta x^-alpha >= v} is closed form.
  const std::uint32_t x0 = std::min<std::uint32_t>(n - 1, 100'000);
  double sum = 1;  // x = 0
  for (std::uint32_t x = 1; x <= x0; ++x) {
    sum += std::clamp(std::floor(beta * std::pow(static_cast<double>(x), -alpha)), 1.0, top);
  }
  if (x0 < n - 1) {
    const double rest = top - x0;
    sum += rest;  // every vertex has at least one end
    const double vmax = std::floor(beta * std::pow(static_cast<double>(x0), -alpha));
    for (double v = 2; v <= vmax; ++v) {
      sum +=
          std::clamp(std::floor(std::pow(beta / v, 1 / alpha)), static_cast<double>(x0), top) - x0;
    }
  }
  return sum / static_cast<double>(n);
}

std::pair<double, double> plod_parameters(const NetworkDef& def, std::uint32_t n) {
  const double alpha = 1.0 / (def.exponent - 1.0);
  double sum = 0;  // the continuous estimate: exact sum for moderate n, integral beyond
  const std::uint32_t exact = std::min<std::uint32_t>(n, 100'000);
  for (std::uint32_t x = 1; x < exact; ++x) sum += std::pow(static_cast<double>(x), -alpha);
  if (n > exact) {
    sum += (std::pow(static_cast<double>(n), 1 - alpha) -
            std::pow(static_cast<double>(exact), 1 - alpha)) /
           (1 - alpha);
  }
  double beta = def.degree * static_cast<double>(n) / sum;
  // The mean is close to proportional to beta (less the floor's half end): a few proportional
  // corrections converge (each shrinks the error about degree-fold).
  for (int i = 0; i < 8; ++i) beta *= def.degree / plod_mean_degree(alpha, beta, n);
  return {alpha, beta};
}

}  // namespace

SocialGraph::SocialGraph(const NetworkDef& def, std::uint32_t customers, const Streams& streams)
    : customers_(customers) {
  if (def.kind == NetworkKind::mixed || customers < 2) return;
  const auto w = streams.words(0, kInitDay, Purpose::graph);
  boost::random::mt19937 gen(w[0]);
  EdgeList edges;
  if (def.kind == NetworkKind::small_world) {
    const auto k = static_cast<std::uint32_t>(std::min<std::int64_t>(def.degree, customers - 1));
    using It = boost::small_world_iterator<boost::random::mt19937, Shape>;
    edges = symmetric_edges(It(gen, customers, k, def.rewire), It());
  } else {
    const auto [alpha, beta] = plod_parameters(def, customers);
    using It = boost::plod_iterator<boost::random::mt19937, Shape>;
    edges = symmetric_edges(It(gen, customers, alpha, beta), It());
  }
  csr_ = std::make_unique<Csr>(boost::edges_are_unsorted_multi_pass, edges.begin(), edges.end(),
                               customers);
}

std::uint64_t SocialGraph::degree(std::uint32_t customer) const {
  return csr_ ? boost::out_degree(customer, *csr_) : customers_ - 1;
}

std::vector<std::uint32_t> SocialGraph::contacts(std::uint32_t customer) const {
  if (!csr_) return {};
  const auto [first, last] = boost::adjacent_vertices(customer, *csr_);
  return {first, last};
}

std::uint64_t SocialGraph::edge_count() const {
  return csr_ ? boost::num_edges(*csr_) : 0;
}

}  // namespace cjsim
