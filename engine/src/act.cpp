// Act phase: one day of one block of customers. Runs in parallel over blocks; a block writes
// only its own customers and its own BlockScratch.
//
// Transitions use an exponential clock per customer (engine/README.md "Competing hazards"):
// on entering a stage the customer draws E ~ Exp(1); each day the stage's total hazard H_t is
// subtracted, and the customer leaves on the first day the clock reaches zero, along edge e
// with probability h_e / H_t. P(still here after day t) = exp(-sum H) and P(leave on day t) =
// exp(-sum_{<t} H) (1 - exp(-H_t)): exactly the competing daily hazards of MODEL.md, with no
// random draw on the (many) days nothing happens.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "act_drift.hpp"
#include "engine.hpp"
#include "parallel.hpp"

namespace cjsim {

namespace {

template <class T>
void saturating_add(T& x, std::uint64_t n) {
  const std::uint64_t room = std::numeric_limits<T>::max() - x;
  x = static_cast<T>(x + std::min<std::uint64_t>(n, room));
}

double clamp01(double x) {
  return std::clamp(x, 0.0, 1.0);
}

}  // namespace

void BlockScratch::reset_day() {
  std::fill(purchases.begin(), purchases.end(), 0);
  std::fill(first_purchases.begin(), first_purchases.end(), 0);
  std::fill(revenue.begin(), revenue.end(), 0.0);
  std::fill(margin.begin(), margin.end(), 0.0);
  recommendations = complaints = referral_moves = 0;
  recommended.clear();
  complained_to.clear();
}

void Engine::act(int day) {
  cjsim::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks_.size(), 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t b = r.begin(); b != r.end(); ++b) {
          BlockScratch& block = blocks_[b];
          if (traced_ && *traced_ >= block.begin && *traced_ < block.end) {
            act_block<true>(block, day);
          } else {
            act_block<false>(block, day);
          }
        }
      },
      tbb::simple_partitioner());
}

double Engine::edge_hazard(int edge, int segment, double hill, double satisfaction,
                           std::uint32_t exposed) const {
  const auto e = static_cast<std::size_t>(edge);
  double h = m_.base[m_.eg(edge, segment)];
  const std::uint8_t marks = m_.edge_marks[e];
  if (marks & kMarkSalience) h *= hill;
  if (marks & kMarkPlus) h *= satisfaction * m_.inv_reference;
  if (marks & kMarkMinus) h *= (1.0 - satisfaction) * m_.inv_complement;
  for (std::uint32_t x = exposed; x != 0; x &= x - 1) {
    const int c = std::countr_zero(x);
    if (m_.has_lift[static_cast<std::size_t>(c) * static_cast<std::size_t>(m_.edges) + e]) {
      h *= m_.lift[m_.ceg(c, edge, segment)];
    }
  }
  return h;
}

template <bool kTrace>
void Engine::act_block(BlockScratch& block, int day) {
  block.reset_day();
  const std::uint32_t n = block.end - block.begin;

  // Pass 1: exposures, sparse.
  select_exposures(block, day);

  // Pass 2: everyone with nothing special today, dense and vectorized.
  Population& p = pop_;
  DriftArgs args{p.stage.data(),
                 p.segment.data(),
                 p.flags.data(),
                 p.satisfaction.data(),
                 p.salience.data(),
                 p.clock.data(),
                 block.expo.data(),
                 block.todo.data(),
                 m_.cell_c0.data(),
                 m_.cell_c1.data(),
                 m_.cell_c2.data(),
                 m_.cell_flags.data(),
                 m_.segments,
                 m_.decay,
                 m_.complain_below,
                 m_.hill_beta,
                 m_.hill_half_pow,
                 m_.hill_shape,
                 traced_ && *traced_ >= block.begin && *traced_ < block.end ? *traced_ - block.begin
                                                                            : kBlockSize};
  drift(args, block.begin, block.end);

  // Pass 3: the few customers with something to do, in customer order (word of mouth is
  // collected in this order, so the exchange phase stays deterministic).
  const std::uint8_t* todo = block.todo.data();
  for (std::uint32_t j0 = 0; j0 < n; j0 += 8) {
    std::uint64_t word = 0;  // eight todo bytes at once: most are zero
    std::memcpy(&word, todo + j0, std::min<std::uint32_t>(8, n - j0));
    while (word != 0) {  // visit only the nonzero bytes, in customer order
      const int byte = std::countr_zero(word) / 8;
      const std::uint8_t kind = static_cast<std::uint8_t>(word >> (8 * byte));
      word &= ~(std::uint64_t{0xff} << (8 * byte));
      const std::uint32_t j = j0 + static_cast<std::uint32_t>(byte);
      const std::uint32_t i = block.begin + j;
      if (kind == kTodoSpecial) {
        handle_special<kTrace>(i, block.expo[j], day, block);
      } else {
        handle_event<kTrace>(i, p.stage[i], p.segment[i], p.salience[i], p.satisfaction[i], 0, day,
                             block);
      }
    }
  }
  for (const std::uint32_t j : block.touched) block.expo[j] = 0;
  block.touched.clear();
}

// Everything a customer can do in a day, from the state at the start of the day.
template <bool kTrace>
void Engine::handle_special(std::uint32_t i, std::uint32_t exposed, int day, BlockScratch& block) {
  Population& p = pop_;
  const int s = p.stage[i];
  const int g = p.segment[i];
  const auto gu = static_cast<std::size_t>(g);
  const std::size_t cell = m_.sg(s, g);

  // 1. Exposures (chosen by the stage at the start of the day), then salience.
  float a = p.salience[i] * m_.decay;
  for (std::uint32_t x = exposed; x != 0; x &= x - 1) {
    const int c = std::countr_zero(x);
    const auto cu = static_cast<std::size_t>(c);
    a += m_.salience_gain[cu * static_cast<std::size_t>(m_.segments) + gu];
    p.last_touch[i] = static_cast<std::uint8_t>(c);
    if (m_.quality_boost[cu] != 0.0f) {
      p.satisfaction[i] = std::clamp(p.satisfaction[i] + m_.quality_boost[cu], 0.0f, 1.0f);
    }
    if constexpr (kTrace) {
      if (i == *traced_) trace_event({day, TraceKind::exposed, c, 0, 0, 0, a, false});
    }
  }
  p.salience[i] = a;

  // 2. Word of mouth, by the stage at the start of the day; heard tomorrow.
  const std::uint32_t cf = m_.cell_flags[cell];
  if (cf & kCellTalker) {
    speak<kTrace>(i, day, Purpose::recommend, block.recommended, block.recommendations);
  }
  if ((cf & kCellComplainer) && p.satisfaction[i] < m_.complain_below) {
    speak<kTrace>(i, day, Purpose::complain, block.complained_to, block.complaints);
  }

  // 3. A recommendation heard yesterday moves the customer instead of today's hazards.
  if (p.flags[i] & kFlagReferred) {
    p.flags[i] = static_cast<std::uint8_t>(p.flags[i] & ~kFlagReferred);
    if (m_.wom_reaches[static_cast<std::size_t>(s)] && s != m_.moves_to) {
      ++block.referral_moves;
      p.last_touch[i] = kTouchReferral;
      const auto w = streams_.words(i, static_cast<std::uint32_t>(day), Purpose::event);
      transition<kTrace>(i, s, m_.moves_to, -1, day, block, w[1]);
      return;
    }
  }

  // 4. Competing hazards against the customer's exponential clock.
  const double sat = p.satisfaction[i];
  double hazard;
  if (exposed == 0 && !(cf & kCellSlow)) {
    hazard = m_.cell_c0[cell] + m_.cell_c1[cell] * sat + m_.cell_c2[cell] * m_.hill(a);
  } else {
    const double hill = m_.hill(a);
    hazard = 0;
    for (int e = m_.edge_begin[static_cast<std::size_t>(s)];
         e < m_.edge_begin[static_cast<std::size_t>(s) + 1]; ++e) {
      hazard += edge_hazard(e, g, hill, sat, exposed);
    }
  }
  if (!(hazard > 0.0)) return;
  const double clock = p.clock[i] - hazard;
  if (clock > 0.0) {
    p.clock[i] = clock;
    return;
  }
  handle_event<kTrace>(i, s, g, a, sat, exposed, day, block);
}

// The clock ran out today: choose the edge in proportion to today's hazards and take it.
template <bool kTrace>
void Engine::handle_event(std::uint32_t i, int s, int g, float salience, double sat,
                          std::uint32_t exposed, int day, BlockScratch& block) {
  const auto w = streams_.words(i, static_cast<std::uint32_t>(day), Purpose::event);
  const double hill = m_.hill(salience);
  const int first = m_.edge_begin[static_cast<std::size_t>(s)];
  const int last = m_.edge_begin[static_cast<std::size_t>(s) + 1];
  double h[32];
  double total = 0;
  for (int e = first; e < last; ++e)
    total += (h[e - first] = edge_hazard(e, g, hill, sat, exposed));
  const double target = uniform01(w[0]) * total;
  int chosen = last - 1;
  double cumulative = 0;
  for (int e = first; e < last - 1; ++e) {
    cumulative += h[e - first];
    if (target < cumulative) {
      chosen = e;
      break;
    }
  }
  while (h[chosen - first] == 0.0 && chosen > first) --chosen;  // never take a zero-hazard edge
  transition<kTrace>(i, s, m_.edge_to[static_cast<std::size_t>(chosen)], chosen, day, block, w[1]);
}

template <bool kTrace>
void Engine::transition(std::uint32_t i, int from, int to, int edge, int day, BlockScratch& block,
                        std::uint32_t clock_word) {
  Population& p = pop_;
  const int g = p.segment[i];
  p.stage[i] = static_cast<std::uint8_t>(to);
  --block.counts[m_.sg(from, g)];
  ++block.counts[m_.sg(to, g)];
  if (edge >= 0) {
    ++block.edge_flows[m_.eg(edge, g)];
    if (m_.edge_back[static_cast<std::size_t>(edge)]) saturating_add(p.back_steps[i], 1);
  } else {
    ++block.referral_flows[m_.sg(from, g)];
  }
  p.stages_reached[i] |= 1u << to;
  p.clock[i] = exponential1(clock_word);
  if constexpr (kTrace) {
    if (i == *traced_) {
      trace_event(
          {day, TraceKind::moved, from, to, static_cast<double>(edge), 0, p.salience[i], edge < 0});
    }
  }
  const Role role = m_.role[static_cast<std::size_t>(to)];
  if (role == Role::purchase) {
    purchase<kTrace>(i, day, block);
  } else if (role == Role::lost && p.first_purchase_day[i] >= 0 && p.churn_day[i] < 0) {
    p.churn_day[i] = day;
  }
}

template <bool kTrace>
void Engine::purchase(std::uint32_t i, int day, BlockScratch& block) {
  Population& p = pop_;
  const auto g = static_cast<std::size_t>(p.segment[i]);
  const auto z = normal_pair(streams_.words(i, static_cast<std::uint32_t>(day), Purpose::purchase));
  const double quality = clamp01(m_.quality_mean + m_.quality_sd * z[0]);
  const double value = std::exp(m_.order_mu[g] + m_.order_sigma[g] * z[1]);
  p.satisfaction[i] = static_cast<float>(quality);
  saturating_add(p.purchases[i], 1);
  p.revenue[i] += static_cast<float>(value);
  ++block.purchases[g];
  block.revenue[g] += value;
  block.margin[g] += value * m_.margin;
  const auto existing = static_cast<std::uint8_t>(out_.names.source_existing());
  if (p.first_purchase_day[i] < 0 && p.source[i] != existing) {
    p.first_purchase_day[i] = day;
    const std::uint8_t touch = p.last_touch[i];
    p.source[i] = touch == kTouchNone ? static_cast<std::uint8_t>(out_.names.source_organic())
                  : touch == kTouchReferral
                      ? static_cast<std::uint8_t>(out_.names.source_referral())
                      : touch;
    ++block.first_purchases[g];
  }
  if constexpr (kTrace) {
    if (i == *traced_) {
      trace_event({day, TraceKind::purchased, 0, 0, value, quality, p.salience[i], false});
    }
  }
}

// Recommendations or complaints: Poisson(rate) messages today, each to one contact.
template <bool kTrace>
void Engine::speak(std::uint32_t i, int day, Purpose purpose, std::vector<std::uint32_t>& hearers,
                   std::uint64_t& made) {
  MicroRng rng = streams_.urng(i, static_cast<std::uint32_t>(day), purpose);
  const auto& dist = purpose == Purpose::recommend ? recommend_ : complain_;
  const std::uint32_t n = dist[pop_.segment[i]](rng);
  if (n == 0) return;
  made += n;
  if (purpose == Purpose::recommend) saturating_add(pop_.referrals[i], n);
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::int64_t who = graph_->pick_contact(i, rng);
    if (who >= 0) hearers.push_back(static_cast<std::uint32_t>(who));
  }
  if constexpr (kTrace) {
    if (i == *traced_) {
      trace_event({day,
                   purpose == Purpose::recommend ? TraceKind::recommended : TraceKind::complained,
                   static_cast<int>(n), 0, 0, 0, pop_.salience[i], false});
    }
  }
}

template void Engine::act_block<true>(BlockScratch&, int);
template void Engine::act_block<false>(BlockScratch&, int);

}  // namespace cjsim
