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
#include <limits>

#include "engine.hpp"

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
  tbb::parallel_for(
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
  std::uint32_t block_channels = 0;
  for (int c = 0; c < m_.channels; ++c) {
    if (block.exposed[static_cast<std::size_t>(c)] > 0) {
      choose_exposed(block, c, day);
      block_channels |= 1u << c;
    }
  }
  std::uint32_t ordinal[32] = {};
  const auto uday = static_cast<std::uint32_t>(day);
  const int G = m_.segments;
  Population& p = pop_;

  for (std::uint32_t i = block.begin; i < block.end; ++i) {
    const int s = p.stage[i];
    const int g = p.segment[i];
    const std::size_t sg = m_.sg(s, g);

    // 1. Exposures (stage at the start of the day decides eligibility), then salience.
    float a = p.salience[i] * m_.decay;
    std::uint32_t exposed = 0;
    for (std::uint32_t x = m_.reach_mask[sg] & block_channels; x != 0; x &= x - 1) {
      const int c = std::countr_zero(x);
      const auto cu = static_cast<std::size_t>(c);
      const std::uint32_t j = ordinal[c]++;
      if (((block.chosen[cu * kBlockWords + (j >> 6)] >> (j & 63)) & 1u) == 0) continue;
      exposed |= 1u << c;
      a += m_.salience_gain[cu * static_cast<std::size_t>(G) + static_cast<std::size_t>(g)];
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
    const std::size_t gu = static_cast<std::size_t>(g);
    if (m_.advocate[static_cast<std::size_t>(s)] && m_.recommend_rate[gu] > 0) {
      speak<kTrace>(i, day, Purpose::recommend, block.recommended, block.recommendations);
    }
    if (m_.complain_rate[gu] > 0 && m_.role[static_cast<std::size_t>(s)] == Role::lost &&
        p.satisfaction[i] < m_.complain_below) {
      speak<kTrace>(i, day, Purpose::complain, block.complained_to, block.complaints);
    }

    // 3. A recommendation heard yesterday moves the customer instead of today's hazards.
    if (p.flags[i] & kFlagReferred) {
      p.flags[i] = static_cast<std::uint8_t>(p.flags[i] & ~kFlagReferred);
      if (m_.wom_reaches[static_cast<std::size_t>(s)] && s != m_.moves_to) {
        ++block.referral_moves;
        p.last_touch[i] = kTouchReferral;
        const auto w = streams_.words(i, uday, Purpose::event);
        transition<kTrace>(i, s, m_.moves_to, -1, day, block, w[1]);
        continue;
      }
    }

    // 4. Competing hazards against the customer's exponential clock.
    const double sat = p.satisfaction[i];
    double hazard;
    if (exposed == 0 && !m_.needs_slow[static_cast<std::size_t>(s)]) {
      hazard = m_.h_static[sg] + m_.h_plus[sg] * sat * m_.inv_reference +
               m_.h_minus[sg] * (1.0 - sat) * m_.inv_complement;
      if (m_.h_salience[sg] != 0.0) hazard += m_.h_salience[sg] * m_.hill(a);
    } else {
      const double hill = m_.hill(a);
      hazard = 0;
      for (int e = m_.edge_begin[static_cast<std::size_t>(s)];
           e < m_.edge_begin[static_cast<std::size_t>(s) + 1]; ++e) {
        hazard += edge_hazard(e, g, hill, sat, exposed);
      }
    }
    if (!(hazard > 0.0)) continue;
    const double clock = p.clock[i] - hazard;
    if (clock > 0.0) {
      p.clock[i] = clock;
      continue;
    }

    // 5. The clock ran out today: choose the edge in proportion to today's hazards.
    const auto w = streams_.words(i, uday, Purpose::event);
    const double hill = m_.hill(a);
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
    transition<kTrace>(i, s, m_.edge_to[static_cast<std::size_t>(chosen)], chosen, day, block,
                       w[1]);
  }
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
