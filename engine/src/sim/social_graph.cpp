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

// PLOD gives vertex x (uniform in 1..n-1) beta * x^-alpha degree credits. Its degree tail then
// falls as k^-(1 + 1/alpha), so alpha = 1 / (exponent - 1); beta is set so the mean degree is
// `degree`: mean = beta/n * sum_x x^-alpha ~= beta * n^-alpha / (1 - alpha) (alpha < 1).
std::pair<double, double> plod_parameters(const NetworkDef& def, std::uint32_t n) {
  const double alpha = 1.0 / (def.exponent - 1.0);
  double sum = 0;  // exact sum for moderate n, integral beyond
  const std::uint32_t exact = std::min<std::uint32_t>(n, 100'000);
  for (std::uint32_t x = 1; x < exact; ++x) sum += std::pow(static_cast<double>(x), -alpha);
  if (n > exact) {
    sum += (std::pow(static_cast<double>(n), 1 - alpha) -
            std::pow(static_cast<double>(exact), 1 - alpha)) /
           (1 - alpha);
  }
  const double beta = def.degree * static_cast<double>(n) / sum;
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

std::uint64_t SocialGraph::edge_count() const {
  return csr_ ? boost::num_edges(*csr_) : 0;
}

}  // namespace cjsim
