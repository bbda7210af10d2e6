#include "analysis/markov_chain.hpp"

// Boost 1.74's uBLAS debug type checks build temporaries with unbounded_array, which calls
// std::allocator::construct (removed in C++20). The checks only re-verify the factorisation;
// switch them off, and keep matrices in std::vector storage for the same reason.
#define BOOST_UBLAS_TYPE_CHECK 0
#include <boost/numeric/ublas/lu.hpp>
#include <boost/numeric/ublas/matrix.hpp>
#include <boost/numeric/ublas/vector.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "cjsim/errors.hpp"

namespace cjsim {

namespace ublas = boost::numeric::ublas;
using DenseMatrix = ublas::matrix<double, ublas::row_major, std::vector<double>>;
using DenseVector = ublas::vector<double, std::vector<double>>;
using Permutation = ublas::permutation_matrix<std::size_t, std::vector<std::size_t>>;

AbsorbingChain build_chain(const std::vector<PathCount>& paths, std::size_t order) {
  AbsorbingChain chain;
  // Keyed by the channels as the bytes of a string (GCC 12 warns falsely on maps keyed by
  // vector<uint8_t>).
  std::map<std::string, std::size_t> index{{std::string(), 0}};
  chain.states.push_back({});
  std::vector<std::map<std::size_t, double>> counts(1);
  std::vector<double> conversions(1, 0.0), nulls(1, 0.0);
  auto state_of = [&](const std::string& key) {
    auto [it, fresh] = index.emplace(key, chain.states.size());
    if (fresh) {
      chain.states.emplace_back(key.begin(), key.end());
      counts.emplace_back();
      conversions.push_back(0.0);
      nulls.push_back(0.0);
    }
    return it->second;
  };
  std::string key;
  for (const PathCount& path : paths) {
    const double weight = path.conversions + path.nulls;
    if (weight <= 0.0) continue;
    std::size_t previous = 0;
    for (std::size_t i = 0; i < path.channels.size(); ++i) {
      const std::size_t from = i + 1 > order ? i + 1 - order : 0;
      key.assign(path.channels.begin() + static_cast<std::ptrdiff_t>(from),
                 path.channels.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      const std::size_t next = state_of(key);
      counts[previous][next] += weight;
      previous = next;
    }
    conversions[previous] += path.conversions;
    nulls[previous] += path.nulls;
  }
  const std::size_t n = chain.states.size();
  chain.q.assign(n, std::vector<double>(n, 0.0));
  chain.to_conversion.assign(n, 0.0);
  for (std::size_t s = 0; s < n; ++s) {
    double out = conversions[s] + nulls[s];
    for (const auto& [to, count] : counts[s]) out += count;
    if (out <= 0.0) continue;  // start of an empty chain
    for (const auto& [to, count] : counts[s]) chain.q[s][to] = count / out;
    chain.to_conversion[s] = conversions[s] / out;
  }
  return chain;
}

double AbsorbingChain::conversion_probability(const std::vector<std::uint8_t>& removed) const {
  const std::size_t n = states.size();
  auto is_removed = [&](std::size_t s) {
    for (const std::uint8_t c : states[s]) {
      if (std::find(removed.begin(), removed.end(), c) != removed.end()) return true;
    }
    return false;
  };
  // (I - Q) x = r, with removed states absorbing into null: their row is the identity and
  // their right-hand side 0, so x = 0 there and every transition into them is lost.
  DenseMatrix a(n, n);
  DenseVector x(n);
  for (std::size_t s = 0; s < n; ++s) {
    const bool gone = is_removed(s);
    for (std::size_t t = 0; t < n; ++t) {
      a(s, t) = (s == t ? 1.0 : 0.0) - (gone ? 0.0 : q[s][t]);
    }
    x(s) = gone ? 0.0 : to_conversion[s];
  }
  Permutation pivots(n);
  if (ublas::lu_factorize(a, pivots) != 0) {
    throw RuntimeError("Markov attribution: the path chain has a state it never leaves");
  }
  ublas::lu_substitute(a, pivots, x);
  return x(0);
}

}  // namespace cjsim
