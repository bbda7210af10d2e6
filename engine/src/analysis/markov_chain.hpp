// The absorbing Markov chain of touch paths behind the removal effect (attribution.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "cjsim/attribution.hpp"

namespace cjsim {

struct AbsorbingChain {
  // Transient states: 0 = start, then one per observed tuple of the last k channels.
  std::vector<std::vector<std::uint8_t>> states;  // the channels each state holds
  std::vector<std::vector<double>> q;             // transient x transient probabilities
  std::vector<double> to_conversion;              // transient -> conversion probability

  // P(absorbed in conversion | start) when every state holding one of `removed` sends its
  // customers to null instead. Solved with Boost.uBLAS LU on (I - Q) x = r.
  double conversion_probability(const std::vector<std::uint8_t>& removed) const;
};

// Transition counts from the paths, weighted by how often each path occurred, normalised per
// state. Order k: a state is the last k channels (fewer near the start of a path).
AbsorbingChain build_chain(const std::vector<PathCount>& paths, std::size_t order);

}  // namespace cjsim
