// Act phase: one day of one block of customers. Runs in parallel over blocks; a block writes
// only its own customers and its own BlockScratch.
//
// Transitions use an exponential clock per customer (engine/README.md "Competing hazards"):
// on entering a stage the customer draws E ~ Exp(1); each day the stage's total hazard H_t is
// subtracted, and the customer leaves on the first day the clock reaches zero, along edge e
// with probability h_e / H_t. P(still here after day t) = exp(-sum H) and P(leave on day t) =
// exp(-sum_{<t} H) (1 - exp(-H_t)): exactly the competing daily hazards of docs/model.md, with no
// random draw on the (many) days nothing happens.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "base/parallel.hpp"
#include "random/rng_lanes.hpp"
#include "sim/act_drift.hpp"
#include "sim/engine.hpp"

namespace cjsim {

namespace {

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
                           std::uint32_t exposed, std::uint32_t customer) const {
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
  if (m_.personal_edges) {
    // Individual differences: the customer's own multiplier of this edge's group.
    const std::int8_t k = m_.edge_group[e];
    if (k >= 0) h *= static_cast<double>(pop_.differences[static_cast<std::size_t>(k)][customer]);
    // Relationship memory: per_purchase^bond, as the customer's purchases left it.
    const std::int8_t r = m_.edge_bond[e];
    if (r >= 0) h *= static_cast<double>(pop_.bond[static_cast<std::size_t>(r)][customer]);
  }
  return h;
}

// The channels that exposed block-local customer j today.
std::uint32_t Engine::channels_exposing(const DayScratch& x, std::uint32_t j) const {
  std::uint32_t channels = 0;
  for (std::uint32_t left = x.active; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    const std::uint64_t word = x.exposed[static_cast<std::size_t>(c) * kBlockWords + j / 64];
    channels |= static_cast<std::uint32_t>((word >> (j % 64)) & 1u) << c;
  }
  return channels;
}

template <bool kTrace>
void Engine::act_block(BlockScratch& block, int day) {
  block.reset_day();
  const std::uint32_t n = block.end - block.begin;
  const std::uint32_t words = (n + 63) / 64;
  DayScratch& x = scratch_.local();
  if (x.pool.empty()) {
    const std::size_t channel_words = static_cast<std::size_t>(m_.channels) * kBlockWords;
    x.eligible.assign(channel_words, 0);
    x.exposed.assign(channel_words, 0);
    x.exposure.assign(kBlockSize, 0);
    x.forced.assign(kBlockWords, 0);
    x.special.assign(kBlockWords, 0);
    x.event.assign(kBlockWords, 0);
    x.talker.assign(kBlockWords, 0);
    x.pool.assign(kBlockSize, 0);
    x.listed.assign(kBlockWords, 0);
  }

  // Pass 1: exposures, sparse: each exposing channel sets its slot's bit in the customer's m
  // (model_drift.cpp), or makes its customers take the per-customer path (no slot).
  select_exposures(block, day, x);
  std::fill_n(x.forced.begin(), words, 0);
  for (std::uint32_t left = x.active; left != 0; left &= left - 1) {
    const int c = std::countr_zero(left);
    // Recording touch paths sends every exposed customer down the per-customer path, which
    // records them (same bits: handle_special uses the same tables as the drift kernel).
    if (m_.channel_slot[static_cast<std::size_t>(c)] >= 0 && !options_.touch_paths) continue;
    const std::uint64_t* from = x.exposed.data() + static_cast<std::size_t>(c) * kBlockWords;
    for (std::uint32_t w = 0; w < words; ++w) x.forced[w] |= from[w];
  }
  if constexpr (kTrace) {
    const std::uint32_t j = *traced_ - block.begin;
    x.forced[j / 64] |= std::uint64_t{1} << (j % 64);
  }

  // Pass 2: everyone with nothing special today, exposed or not, dense and vectorized.
  Population& p = pop_;
  const std::uint32_t b = block.begin;
  const DriftArgs args{p.stage.data() + b,
                       p.segment.data() + b,
                       p.flags.data() + b,
                       p.satisfaction.data() + b,
                       p.salience.data() + b,
                       p.clock.data() + b,
                       p.last_touch.data() + b,
                       x.exposure.data(),
                       x.forced.data(),
                       x.special.data(),
                       x.event.data(),
                       x.talker.data(),
                       m_.drift.data(),
                       m_.segment_bits,
                       m_.cell_bits,
                       m_.decay,
                       m_.complain_below,
                       m_.hill_beta,
                       m_.hill_half_pow,
                       m_.hill_shape};
  drift(args, n);

  talk<kTrace>(block, day, x);

  // The event words (edge choice, new clock) of the customers whose clock ran out in the
  // drift, eight at a time: streams_.words(i, day, Purpose::event) for each, in order.
  event_words(block, day, x);

  // Pass 3: the few customers with something to do, in customer order (word of mouth is
  // collected in this order, so the exchange phase stays deterministic).
  std::size_t next_event = 0;
  for (std::uint32_t w = 0; w < words; ++w) {
    const std::uint64_t special = x.special[w];
    for (std::uint64_t bits = special | x.event[w]; bits != 0; bits &= bits - 1) {
      const auto bit = static_cast<std::uint32_t>(std::countr_zero(bits));
      const std::uint32_t j = 64 * w + bit;
      const std::uint32_t i = b + j;
      const std::uint32_t channels = x.active == 0 ? 0 : channels_exposing(x, j);
      if ((special >> bit) & 1u) {
        handle_special<kTrace>(i, channels, day, block);
      } else {
        handle_event<kTrace>(i, p.stage[i], p.segment[i], p.salience[i], p.satisfaction[i],
                             channels, day, block, &x.event_words[2 * next_event++]);
      }
      // Outcome records are read only at the end of the run: applying mid-day changes no bit.
      if (block.log.size() >= kLogApply) apply_log(block, x.log_order, x.log_counts);
    }
  }
}

void Engine::apply_log(BlockScratch& block, std::vector<std::uint32_t>& order,
                       std::vector<std::uint32_t>& counts) {
  block.log.apply(pop_.outcome.data() + block.begin,
                  pop_.stages_high.empty() ? nullptr : pop_.stages_high.data() + block.begin, order,
                  counts);
}

// Everything a customer can do in a day, from the state at the start of the day.
template <bool kTrace>
void Engine::handle_special(std::uint32_t i, std::uint32_t exposed, int day, BlockScratch& block) {
  Population& p = pop_;
  const int s = p.stage[i];
  const int g = p.segment[i];
  const auto gu = static_cast<std::size_t>(g);
  const std::size_t cell = m_.sg(s, g);

  // 1. Exposures (chosen by the stage at the start of the day), then salience. Exposures by
  // channels with slots only: as the drift kernel would (its tables at today's m); otherwise
  // channel by channel. The last touch before a purchase: the highest channel exposing the
  // customer today (as if channels exposed in order).
  const bool tabulated = m_.slotted(exposed);
  const std::size_t t = m_.drift_index(s, g, tabulated ? m_.slots_of(exposed) : 0);
  float a = p.salience[i] * m_.decay;
  if (exposed != 0) {
    p.last_touch[i] = static_cast<std::uint8_t>(31 - std::countl_zero(exposed));
    if (tabulated) a = a + m_.drift[t].gain;
    for (std::uint32_t x = exposed; x != 0; x &= x - 1) {
      const int c = std::countr_zero(x);
      const auto cu = static_cast<std::size_t>(c);
      if (!tabulated) a += m_.salience_gain[cu * static_cast<std::size_t>(m_.segments) + gu];
      if (m_.quality_boost[cu] != 0.0f) {
        p.satisfaction[i] = std::clamp(p.satisfaction[i] + m_.quality_boost[cu], 0.0f, 1.0f);
      }
      if constexpr (kTrace) {
        if (i == *traced_) trace_event({day, TraceKind::exposed, c, 0, 0, 0, a, false});
      }
    }
  }
  p.salience[i] = a;
  if (options_.touch_paths) record_exposures(block, i, day, exposed);  // touch paths

  // 2. Word of mouth, by the stage at the start of the day; heard tomorrow.
  const std::uint32_t cf = m_.cell_flags[cell];
  if (cf & kCellTalker) {
    speak<kTrace>(i, day, Purpose::recommend, block);
  }
  if ((cf & kCellComplainer) && p.satisfaction[i] < m_.complain_below) {
    speak<kTrace>(i, day, Purpose::complain, block);
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
  if (tabulated && !(cf & kCellSlow)) {
    const DriftEntry& d = m_.drift[t];
    hazard = d.c0 + d.c1 * sat + d.c2 * m_.hill(a);
  } else {
    const double hill = m_.hill(a);
    hazard = 0;
    for (int e = m_.edge_begin[static_cast<std::size_t>(s)];
         e < m_.edge_begin[static_cast<std::size_t>(s) + 1]; ++e) {
      hazard += edge_hazard(e, g, hill, sat, exposed, i);
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
                          std::uint32_t exposed, int day, BlockScratch& block,
                          const std::uint32_t* words) {
  std::uint32_t w[2];
  if (words != nullptr) {
    w[0] = words[0];
    w[1] = words[1];
  } else {
    const auto all = streams_.words(i, static_cast<std::uint32_t>(day), Purpose::event);
    w[0] = all[0];
    w[1] = all[1];
  }
  const double hill = m_.hill(salience);
  const int first = m_.edge_begin[static_cast<std::size_t>(s)];
  const int last = m_.edge_begin[static_cast<std::size_t>(s) + 1];
  double h[32];
  double total = 0;
  for (int e = first; e < last; ++e)
    total += (h[e - first] = edge_hazard(e, g, hill, sat, exposed, i));
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
  if (m_.holdout_channels != 0) move_held(block, i, from, to, g);
  if (edge >= 0) {
    ++block.edge_flows[m_.eg(edge, g)];
  } else {
    ++block.referral_flows[m_.sg(from, g)];
  }
  const Role role = m_.role[static_cast<std::size_t>(to)];
  // A churn: the first entry into a lost stage after a first purchase in the horizon.
  const bool churned =
      role == Role::lost && (p.flags[i] & kFlagAcquired) && !(p.flags[i] & kFlagChurned);
  if (churned) p.flags[i] = static_cast<std::uint8_t>(p.flags[i] | kFlagChurned);
  block.log.moved(i - block.begin, to, day,
                  edge >= 0 && m_.edge_back[static_cast<std::size_t>(edge)], churned);
  p.clock[i] = exponential1(clock_word);
  if constexpr (kTrace) {
    if (i == *traced_) {
      trace_event(
          {day, TraceKind::moved, from, to, static_cast<double>(edge), 0, p.salience[i], edge < 0});
    }
  }
  if (role == Role::purchase) purchase<kTrace>(i, day, block);
}

// Relationship memory: a purchase of a customer of segment g adds to each of his bonds,
// bond <- memory * bond + weight, kept as the multiplier per_purchase^bond itself.
void Engine::build_bonds(std::uint32_t i, std::size_t g, double quality) {
  for (std::size_t k = 0; k < m_.bonds.size(); ++k) {
    const Model::Bond& bond = m_.bonds[k];
    if (!bond.segment[g]) continue;
    float& multiplier = pop_.bond[k][i];
    const double weight = bond.by_satisfaction ? quality * m_.inv_reference : 1.0;
    multiplier = static_cast<float>(
        std::clamp(std::exp(bond.memory * std::log(static_cast<double>(multiplier)) +
                            weight * bond.log_per_purchase),
                   Model::kBondMin, Model::kBondMax));
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
  // Relationship memory: the purchase adds to the bond (bond <- memory * bond + weight).
  if (m_.has_bonds) build_bonds(i, g, quality);
  block.log.purchased(i - block.begin, static_cast<float>(value));
  ++block.purchases[g];
  block.revenue[g] += value;
  if (record_purchases_) record_purchase(block, i, day, value);  // touch or purchase paths
  block.margin[g] += value * m_.margin;
  if (!(p.flags[i] & kFlagCustomer)) {  // a first purchase, attributed to the last touch
    p.flags[i] = static_cast<std::uint8_t>(p.flags[i] | kFlagCustomer | kFlagAcquired);
    const std::uint8_t touch = p.last_touch[i];
    block.log.first_purchase(
        i - block.begin, day,
        touch == kTouchNone       ? static_cast<std::uint8_t>(out_.names.source_organic())
        : touch == kTouchReferral ? static_cast<std::uint8_t>(out_.names.source_referral())
                                  : touch);
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
void Engine::speak(std::uint32_t i, int day, Purpose purpose, BlockScratch& block) {
  const bool recommend = purpose == Purpose::recommend;
  std::vector<std::uint32_t>& hearers = recommend ? block.recommended : block.complained_to;
  std::uint64_t& made = recommend ? block.recommendations : block.complaints;
  MicroRng rng = streams_.urng(i, static_cast<std::uint32_t>(day), purpose);
  const auto& dist = purpose == Purpose::recommend ? recommend_ : complain_;
  const std::uint32_t n = dist[pop_.segment[i]](rng);
  if (n == 0) return;
  made += n;
  if (recommend) block.log.recommended(i - block.begin, n);
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

// Words 0 and 1 of streams_.words(i, day, Purpose::event) for every customer of the event
// bitmap, in customer order, computed eight counters at a time.
void Engine::event_words(const BlockScratch& block, int day, DayScratch& x) const {
  const std::uint32_t words = (block.end - block.begin + 63) / 64;
  const Philox::ctr_type base =
      streams_.counter_of(0, static_cast<std::uint32_t>(day), Purpose::event);
  x.event_words.clear();
  PhiloxLanes lanes;
  std::uint32_t count = 0;
  auto flush = [&] {
    philox_lanes(streams_.key(), lanes);
    for (std::uint32_t l = 0; l < count; ++l) {
      x.event_words.push_back(lanes.x[0][l]);
      x.event_words.push_back(lanes.x[1][l]);
    }
    count = 0;
  };
  for (std::uint32_t w = 0; w < words; ++w) {
    for (std::uint64_t bits = x.event[w]; bits != 0; bits &= bits - 1) {
      lanes.x[0][count] = block.begin + 64 * w + static_cast<std::uint32_t>(std::countr_zero(bits));
      lanes.x[1][count] = base[1];
      lanes.x[2][count] = base[2];
      lanes.x[3][count] = base[3];
      if (++count == 8) flush();
    }
  }
  if (count > 0) flush();
}

// Advocates the drift kernel left to themselves: does each recommend today? Boost's Poisson
// inversion (speak) gives 0 exactly when the first word u of the customer's recommend stream has
// u / 2^32 <= exp(-rate); that word is drawn for eight advocates at once, and only those who
// speak go on to the full draw, from the same stream. Same numbers as speaking every day.
template <bool kTrace>
void Engine::talk(BlockScratch& block, int day, DayScratch& x) {
  const std::uint32_t words = (block.end - block.begin + 63) / 64;
  const auto d = static_cast<std::uint32_t>(day);
  const std::uint32_t purpose = streams_.counter_of(0, d, Purpose::recommend)[2];
  PhiloxLanes lanes;
  std::uint32_t who[8];
  std::uint32_t count = 0;
  auto flush = [&] {
    philox_lanes(streams_.key(), lanes);
    for (std::uint32_t l = 0; l < count; ++l) {
      // MicroURNG hands out a counter's words last first: word 3 is the stream's first.
      if (static_cast<double>(lanes.x[3][l]) * 0x1p-32 > silent_[pop_.segment[who[l]]]) {
        speak<kTrace>(who[l], day, Purpose::recommend, block);
      }
    }
    count = 0;
    if (block.log.size() >= kLogApply) apply_log(block, x.log_order, x.log_counts);
  };
  for (std::uint32_t w = 0; w < words; ++w) {
    for (std::uint64_t bits = x.talker[w]; bits != 0; bits &= bits - 1) {
      const std::uint32_t i =
          block.begin + 64 * w + static_cast<std::uint32_t>(std::countr_zero(bits));
      lanes.x[0][count] = i;  // the counter of streams_.urng(i, day, Purpose::recommend)
      lanes.x[1][count] = d;
      lanes.x[2][count] = purpose;
      lanes.x[3][count] = 0;
      who[count++] = i;
      if (count == 8) flush();
    }
  }
  if (count > 0) flush();
}

template void Engine::act_block<true>(BlockScratch&, int);
template void Engine::act_block<false>(BlockScratch&, int);

}  // namespace cjsim
