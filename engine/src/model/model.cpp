#include "model/model.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace cjsim {

namespace {

int index_of(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// Pre-purchase stages (unaware, journey) and post-purchase ones (retention) are the two
// phases in which "going back" is meaningful; see engine/README.md "Back-steps".
int phase(Role r) {
  switch (r) {
    case Role::unaware:
    case Role::journey:
      return 0;
    case Role::retention:
      return 1;
    default:
      return -1;
  }
}

// "a->b" or " a -> b " as edge_name spells it ("a -> b"); other text unchanged.
std::string canonical_edge(const std::string& name) {
  const auto arrow = name.find("->");
  if (arrow == std::string::npos) return name;
  auto trim = [](std::string t) {
    const auto b = t.find_first_not_of(" \t");
    const auto e = t.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
  };
  return edge_name(trim(name.substr(0, arrow)), trim(name.substr(arrow + 2)));
}

std::int64_t to_micros(double amount) {
  return static_cast<std::int64_t>(std::llround(amount * kMicrosPerUnit));
}

std::vector<double> cumulative(const std::vector<double>& shares) {
  std::vector<double> cdf(shares.size());
  double sum = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) cdf[i] = (sum += shares[i]);
  for (double& c : cdf) c /= sum;  // exact 1 at the end, whatever the rounding of the shares
  if (!cdf.empty()) cdf.back() = 1.0;
  return cdf;
}

}  // namespace

Model compile_model(const ScenarioDef& def) {
  Model m;
  m.customers = static_cast<std::uint32_t>(def.simulation.customers);
  m.days = def.simulation.days;
  m.seed = def.simulation.seed;
  m.start = def.simulation.start;
  m.stages = static_cast<int>(def.stages.size());
  m.segments = static_cast<int>(def.segments.size());
  m.channels = static_cast<int>(def.channels.size());
  m.edges = static_cast<int>(def.edges.size());
  const int S = m.stages, G = m.segments, C = m.channels, E = m.edges;

  for (const auto& s : def.stages) {
    m.names.stages.push_back(s.name);
    m.names.stage_roles.push_back(s.role);
    m.names.stage_advocates.push_back(s.advocate ? 1 : 0);
  }
  for (const auto& g : def.segments) m.names.segments.push_back(g.name);
  for (const auto& c : def.channels) {
    m.names.channels.push_back(c.name);
    std::uint32_t reaches = 0;
    for (const auto& name : c.reaches) {
      const int s = index_of(m.names.stages, name);
      if (s >= 0) reaches |= 1u << s;
    }
    m.names.channel_reaches.push_back(reaches);
  }
  m.names.sources = m.names.channels;
  for (const char* s : {"referral", "organic", "existing", "none"}) m.names.sources.emplace_back(s);
  for (const auto& e : def.edges) m.names.edges.push_back(edge_name(e));

  // Stages.
  m.role = m.names.stage_roles;
  m.advocate.assign(static_cast<std::size_t>(S), 0);
  for (int s = 0; s < S; ++s)
    m.advocate[static_cast<std::size_t>(s)] = def.stages[static_cast<std::size_t>(s)].advocate;

  // Edges grouped by source stage, declaration order kept within a stage.
  std::vector<int> order(static_cast<std::size_t>(E));
  for (int e = 0; e < E; ++e) order[static_cast<std::size_t>(e)] = e;
  std::vector<int> from_of(static_cast<std::size_t>(E)), to_of(static_cast<std::size_t>(E));
  for (int e = 0; e < E; ++e) {
    from_of[static_cast<std::size_t>(e)] =
        index_of(m.names.stages, def.edges[static_cast<std::size_t>(e)].from);
    to_of[static_cast<std::size_t>(e)] =
        index_of(m.names.stages, def.edges[static_cast<std::size_t>(e)].to);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return from_of[static_cast<std::size_t>(a)] < from_of[static_cast<std::size_t>(b)];
  });
  m.edge_begin.assign(static_cast<std::size_t>(S) + 1, 0);
  for (int e = 0; e < E; ++e)
    ++m.edge_begin[static_cast<std::size_t>(from_of[static_cast<std::size_t>(e)]) + 1];
  for (int s = 0; s < S; ++s)
    m.edge_begin[static_cast<std::size_t>(s) + 1] = static_cast<std::uint16_t>(
        m.edge_begin[static_cast<std::size_t>(s) + 1] + m.edge_begin[static_cast<std::size_t>(s)]);

  std::map<std::string, int> compiled_index;  // edge name -> grouped index
  m.edge_from.resize(static_cast<std::size_t>(E));
  m.edge_to.resize(static_cast<std::size_t>(E));
  m.edge_marks.resize(static_cast<std::size_t>(E));
  m.edge_back.resize(static_cast<std::size_t>(E));
  m.edge_declared.resize(static_cast<std::size_t>(E));
  m.base.assign(static_cast<std::size_t>(E) * static_cast<std::size_t>(G), 0.0);
  for (int k = 0; k < E; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    const int e = order[ku];
    const EdgeDef& d = def.edges[static_cast<std::size_t>(e)];
    const int from = from_of[static_cast<std::size_t>(e)], to = to_of[static_cast<std::size_t>(e)];
    m.edge_from[ku] = static_cast<std::uint8_t>(from);
    m.edge_to[ku] = static_cast<std::uint8_t>(to);
    m.edge_declared[ku] = static_cast<std::uint16_t>(e);
    std::uint8_t marks = 0;
    if (d.salience) marks |= kMarkSalience;
    if (d.satisfaction == SatisfactionMark::plus) marks |= kMarkPlus;
    if (d.satisfaction == SatisfactionMark::minus) marks |= kMarkMinus;
    m.edge_marks[ku] = marks;
    const int pf = phase(m.role[static_cast<std::size_t>(from)]);
    m.edge_back[ku] = pf >= 0 && pf == phase(m.role[static_cast<std::size_t>(to)]) && to < from;
    compiled_index[edge_name(d)] = k;
    for (int g = 0; g < G; ++g) {
      const SegmentDef& seg = def.segments[static_cast<std::size_t>(g)];
      double h = d.rate;
      if (d.forward) h *= seg.tempo;
      if (d.curiosity) h *= seg.curiosity;
      for (const auto& [name, mult] : seg.edges) {
        if (name == edge_name(d)) h *= mult;
      }
      m.base[m.eg(k, g)] = h;
    }
  }

  // Per (stage, segment) cell: what the cell asks of the act phase. Its hazard coefficients
  // are the drift tables' (model_drift.cpp).
  const auto SG = static_cast<std::size_t>(S) * static_cast<std::size_t>(G);
  std::vector<std::uint8_t> slow(static_cast<std::size_t>(S), 0);
  for (int s = 0; s < S; ++s) {
    for (int k = m.edge_begin[static_cast<std::size_t>(s)];
         k < m.edge_begin[static_cast<std::size_t>(s) + 1]; ++k) {
      const std::uint8_t marks = m.edge_marks[static_cast<std::size_t>(k)];
      if (marks != 0 && marks != kMarkSalience && marks != kMarkPlus && marks != kMarkMinus) {
        slow[static_cast<std::size_t>(s)] = 1;  // two varying factors on one edge
      }
    }
  }
  // Individual differences and relationship memory: each edge's group, and the cells that take
  // the per-customer path because of them (the from-stage of a listed edge, for the segments
  // the group covers).
  std::vector<std::uint8_t> personal(SG, 0);
  auto covered = [&](const std::vector<std::string>& segments) {
    std::vector<std::uint8_t> on(static_cast<std::size_t>(G), segments.empty() ? 1 : 0);
    for (const auto& name : segments) {
      const int g = index_of(m.names.segments, name);
      if (g >= 0) on[static_cast<std::size_t>(g)] = 1;
    }
    return on;
  };
  auto mark = [&](const std::vector<std::string>& edges, const std::vector<std::uint8_t>& on,
                  std::size_t k, std::vector<std::int8_t>& edge_of) {
    for (const auto& name : edges) {
      const auto it = compiled_index.find(canonical_edge(name));
      if (it == compiled_index.end()) continue;
      edge_of[static_cast<std::size_t>(it->second)] = static_cast<std::int8_t>(k);
      const int s = m.edge_from[static_cast<std::size_t>(it->second)];
      for (int g = 0; g < G; ++g) {
        if (on[static_cast<std::size_t>(g)]) personal[m.sg(s, g)] = 1;
      }
    }
  };
  // Both per-edge tables exist as soon as either mechanism does, so the hazard asks one
  // question (personal_edges) when neither is declared.
  m.personal_edges = !def.heterogeneity.empty() || !def.relationship.empty();
  if (m.personal_edges) {
    m.edge_group.assign(static_cast<std::size_t>(E), -1);
    m.edge_bond.assign(static_cast<std::size_t>(E), -1);
  }
  if (!def.heterogeneity.empty()) {
    for (std::size_t k = 0; k < def.heterogeneity.size(); ++k) {
      const HeterogeneityDef& h = def.heterogeneity[k];
      Model::Group group;
      group.lognormal = h.distribution == HeterogeneityKind::lognormal;
      if (h.cv > 0) {
        group.shape = 1.0 / (h.cv * h.cv);
        group.sigma = std::sqrt(std::log1p(h.cv * h.cv));
      }
      group.segment = covered(h.segments);
      mark(h.edges, group.segment, k, m.edge_group);
      m.groups.push_back(std::move(group));
    }
  }
  if (!def.relationship.empty()) {
    for (std::size_t k = 0; k < def.relationship.size(); ++k) {
      const RelationshipDef& r = def.relationship[k];
      Model::Bond bond;
      bond.log_per_purchase = std::log(r.per_purchase);
      bond.memory = r.memory;
      bond.by_satisfaction = r.weight == BondWeight::satisfaction;
      bond.segment = covered(r.segments);
      mark(r.edges, bond.segment, k, m.edge_bond);
      m.bonds.push_back(std::move(bond));
    }
    m.has_bonds = true;
  }
  m.reference = def.experience.reference.value_or(def.experience.quality_mean);
  m.inv_reference = 1.0 / m.reference;
  m.inv_complement = 1.0 / (1.0 - m.reference);
  m.cell_flags.assign(SG, 0);
  for (int s = 0; s < S; ++s) {
    const auto su = static_cast<std::size_t>(s);
    for (int g = 0; g < G; ++g) {
      const SegmentDef& seg = def.segments[static_cast<std::size_t>(g)];
      std::uint8_t f = slow[su] || personal[m.sg(s, g)] ? kCellSlow : 0;
      if (def.stages[su].advocate && def.word_of_mouth.rate * seg.advocacy > 0) f |= kCellTalker;
      if (def.stages[su].role == Role::lost &&
          def.word_of_mouth.complaints.rate * seg.advocacy > 0) {
        f |= kCellComplainer;
      }
      m.cell_flags[m.sg(s, g)] = f;
    }
  }

  // Channels.
  m.cost.resize(static_cast<std::size_t>(C));
  m.flights.resize(static_cast<std::size_t>(C));
  m.reach_mask.assign(SG, 0);
  m.lift.assign(
      static_cast<std::size_t>(C) * static_cast<std::size_t>(E) * static_cast<std::size_t>(G), 1.0);
  m.has_lift.assign(static_cast<std::size_t>(C) * static_cast<std::size_t>(E), 0);
  m.salience_gain.assign(static_cast<std::size_t>(C) * static_cast<std::size_t>(G), 0.0f);
  m.quality_boost.assign(static_cast<std::size_t>(C), 0.0f);
  m.holdout.assign(static_cast<std::size_t>(C), HoldoutDef{});
  for (int c = 0; c < C; ++c) {
    const auto cu = static_cast<std::size_t>(c);
    const ChannelDef& ch = def.channels[cu];
    // A positive cost below one micro-unit is billed as one micro-unit: spend never rounds to 0.
    m.cost[cu] = ch.cost > 0 ? std::max<std::int64_t>(1, to_micros(ch.cost)) : 0;
    for (const FlightDef& f : ch.flights)
      m.flights[cu].push_back({f.from, f.to, to_micros(f.amount)});
    std::sort(m.flights[cu].begin(), m.flights[cu].end(),
              [](const Flight& a, const Flight& b) { return a.from < b.from; });
    std::vector<std::uint8_t> seg_ok(static_cast<std::size_t>(G), ch.segments.empty() ? 1 : 0);
    for (const auto& name : ch.segments) {
      const int g = index_of(m.names.segments, name);
      if (g >= 0) seg_ok[static_cast<std::size_t>(g)] = 1;
    }
    for (const auto& name : ch.reaches) {
      const int s = index_of(m.names.stages, name);
      if (s < 0) continue;
      for (int g = 0; g < G; ++g) {
        if (seg_ok[static_cast<std::size_t>(g)]) m.reach_mask[m.sg(s, g)] |= 1u << c;
      }
    }
    for (const auto& [name, lift] : ch.lifts) {
      const auto it = compiled_index.find(name);
      if (it == compiled_index.end()) continue;
      m.has_lift[cu * static_cast<std::size_t>(E) + static_cast<std::size_t>(it->second)] =
          lift != 1.0;
      for (int g = 0; g < G; ++g) {
        m.lift[m.ceg(c, it->second, g)] =
            std::pow(lift, def.segments[static_cast<std::size_t>(g)].responsiveness);
      }
    }
    for (int g = 0; g < G; ++g) {
      m.salience_gain[cu * static_cast<std::size_t>(G) + static_cast<std::size_t>(g)] =
          static_cast<float>(ch.salience *
                             def.segments[static_cast<std::size_t>(g)].responsiveness);
    }
    m.quality_boost[cu] = static_cast<float>(ch.quality);
    m.holdout[cu] = ch.holdout;
    if (ch.holdout.share > 0) m.holdout_channels |= 1u << c;
  }

  // Salience.
  m.decay = static_cast<float>(def.salience.decay);
  m.hill_beta = def.salience.beta;
  m.hill_shape = def.salience.shape;
  m.hill_half_pow = std::pow(def.salience.half, def.salience.shape);

  // Purchases and experience.
  m.quality_mean = def.experience.quality_mean;
  m.quality_sd = def.experience.quality_sd;
  m.margin = def.order.margin;
  for (const SegmentDef& seg : def.segments) {
    const OrderValueDef v = seg.order.value_or(def.order.value);
    // Lognormal with the given mean and coefficient of variation (docs/bench.md rule 6).
    const double sigma2 = std::log1p(v.cv * v.cv);
    m.order_mu.push_back(std::log(v.mean) - sigma2 / 2);
    m.order_sigma.push_back(std::sqrt(sigma2));
  }

  // Population.
  std::vector<double> shares, starts;
  for (const auto& seg : def.segments) shares.push_back(seg.share);
  bool any_start = false;
  for (const auto& s : def.stages) {
    starts.push_back(s.start);
    any_start = any_start || s.start > 0;
  }
  if (!any_start && !starts.empty()) starts[0] = 1.0;  // everyone starts in the first stage
  m.segment_cdf = cumulative(shares);
  m.start_cdf = cumulative(starts);

  // Word of mouth.
  const WordOfMouthDef& w = def.word_of_mouth;
  m.network = w.network;
  m.wom_reaches.assign(static_cast<std::size_t>(S), 0);
  for (const auto& name : w.reaches) {
    const int s = index_of(m.names.stages, name);
    if (s >= 0) m.wom_reaches[static_cast<std::size_t>(s)] = 1;
  }
  const int moves_to = index_of(m.names.stages, w.moves_to);
  m.moves_to = static_cast<std::uint8_t>(moves_to < 0 ? 0 : moves_to);
  if (moves_to < 0) std::fill(m.wom_reaches.begin(), m.wom_reaches.end(), 0);
  for (const SegmentDef& seg : def.segments) {
    m.recommend_rate.push_back(w.rate * seg.advocacy);
    m.complain_rate.push_back(w.complaints.rate * seg.advocacy);
  }
  // Whether buyers can be lost (Names::buyers_can_be_lost): hazards only multiply an edge's base
  // rate, so an edge at rate 0 in every segment never fires.
  {
    std::vector<std::vector<int>> next(static_cast<std::size_t>(S));
    for (int k = 0; k < E; ++k) {
      bool positive = false;
      for (int g = 0; g < G; ++g) positive = positive || m.base[m.eg(k, g)] > 0;
      if (positive) {
        next[m.edge_from[static_cast<std::size_t>(k)]].push_back(
            m.edge_to[static_cast<std::size_t>(k)]);
      }
    }
    if (moves_to >= 0 && w.rate > 0) {
      for (int s = 0; s < S; ++s) {
        if (m.wom_reaches[static_cast<std::size_t>(s)]) {
          next[static_cast<std::size_t>(s)].push_back(moves_to);
        }
      }
    }
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(S), 0);
    std::vector<int> todo;
    for (int s = 0; s < S; ++s) {
      if (m.role[static_cast<std::size_t>(s)] == Role::purchase) {
        seen[static_cast<std::size_t>(s)] = 1;
        todo.push_back(s);
      }
    }
    bool lost = false;
    while (!todo.empty()) {
      const int s = todo.back();
      todo.pop_back();
      lost = lost || m.role[static_cast<std::size_t>(s)] == Role::lost;
      for (const int t : next[static_cast<std::size_t>(s)]) {
        if (!seen[static_cast<std::size_t>(t)]) {
          seen[static_cast<std::size_t>(t)] = 1;
          todo.push_back(t);
        }
      }
    }
    m.names.buyers_can_be_lost = lost;
  }
  m.complain_below = static_cast<float>(w.complaints.below);
  m.complain_impact = static_cast<float>(w.complaints.impact);

  // Calendar demand: each entry's factor per day and the cells it multiplies.
  if (!def.calendar.empty() && def.simulation.start) {
    m.base_plain = m.base;
    for (const CalendarDef& c : def.calendar) {
      Model::CalendarTrack track;
      track.factor = calendar_factors(c, *def.simulation.start, m.days);
      std::vector<std::uint8_t> seg_ok(static_cast<std::size_t>(G), c.segments.empty() ? 1 : 0);
      for (const auto& name : c.segments) {
        const int g = index_of(m.names.segments, name);
        if (g >= 0) seg_ok[static_cast<std::size_t>(g)] = 1;
      }
      for (const auto& name : c.edges) {
        const auto it = compiled_index.find(canonical_edge(name));
        if (it == compiled_index.end()) continue;
        m.calendar_stages |= 1u << m.edge_from[static_cast<std::size_t>(it->second)];
        for (int g = 0; g < G; ++g) {
          if (seg_ok[static_cast<std::size_t>(g)]) track.cells.emplace_back(it->second, g);
        }
      }
      m.calendar.push_back(std::move(track));
    }
    m.calendar_moves.assign(static_cast<std::size_t>(m.days), 0);
    for (std::size_t t = 1; t < m.calendar_moves.size(); ++t) {
      for (const Model::CalendarTrack& c : m.calendar) {
        if (c.factor[t] != c.factor[t - 1]) m.calendar_moves[t] = 1;
      }
    }
  }
  compile_drift_tables(m);
  follow_calendar(m, 0);  // the rates of day 0
  return m;
}

}  // namespace cjsim
