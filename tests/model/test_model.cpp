// model/: a definition compiled into flat tables (model.cpp) and the drift kernel's tables
// (drift_table.cpp), each checked against the definition itself, not against other tables of the
// compiled model: rates times tempo, curiosity and segment multipliers, lifts raised to the
// segment's responsiveness, salience gains times responsiveness, reach, money in micro-units,
// the lognormal order value, word-of-mouth rates times advocacy, back-step marks.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "cjsim/scenario_io.hpp"
#include "model/model.hpp"

using namespace cjsim;

namespace {

// The bench world with every per-segment knob away from 1, so a factor the compiler forgot or
// applied twice changes a number.
ScenarioDef knobbed_bench() {
  const Scenario s = load_scenario(
      std::string(CJSIM_SOURCE_DIR) + "/scenarios/bench.toml",
      {"segments.regular.responsiveness=0.8", "segments.innovator.responsiveness=1.7",
       "segments.conservative.advocacy=2.5", "segments.regular.edges.\"loyal -> lost\"=3",
       "channels.search.salience=0.5", "channels.sales_call.segments=[\"regular\", \"innovator\"]",
       "word_of_mouth.complaints.rate=0.03", "segments.innovator.order={mean=80, cv=0.25}"});
  return s.variants.front().def;
}

int index_of(const std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// The hazard of edge `e` of the definition for segment g, satisfaction q, salience factor hill,
// exposed to the channels in the bit set x: docs/model.md "Moving between stages".
double hazard(const ScenarioDef& d, const EdgeDef& e, std::size_t g, double q, double hill,
              std::uint32_t x, double reference) {
  const SegmentDef& seg = d.segments[g];
  double h = e.rate;
  if (e.forward) h *= seg.tempo;
  if (e.curiosity) h *= seg.curiosity;
  for (const auto& [name, factor] : seg.edges) {
    if (name == edge_name(e)) h *= factor;
  }
  if (e.salience) h *= hill;
  if (e.satisfaction == SatisfactionMark::plus) h *= q / reference;
  if (e.satisfaction == SatisfactionMark::minus) h *= (1 - q) / (1 - reference);
  for (std::size_t c = 0; c < d.channels.size(); ++c) {
    if (!((x >> c) & 1u)) continue;
    for (const auto& [name, lift] : d.channels[c].lifts) {
      if (name == edge_name(e)) h *= std::pow(lift, seg.responsiveness);
    }
  }
  return h;
}

bool reaches(const ChannelDef& c, const std::string& stage, const std::string& segment) {
  const bool in_stage = std::find(c.reaches.begin(), c.reaches.end(), stage) != c.reaches.end();
  const bool in_segment = c.segments.empty() || std::find(c.segments.begin(), c.segments.end(),
                                                          segment) != c.segments.end();
  return in_stage && in_segment;
}

}  // namespace

TEST_CASE("model: the compiled tables are the definition's numbers", "[model]") {
  const ScenarioDef d = knobbed_bench();
  const Model m = compile_model(d);
  REQUIRE(m.stages == static_cast<int>(d.stages.size()));
  REQUIRE(m.segments == 3);
  const double reference = d.experience.reference.value_or(d.experience.quality_mean);
  // Edges grouped by source stage, declaration order within a stage.
  for (int k = 0; k < m.edges; ++k) {
    const auto ku = static_cast<std::size_t>(k);
    const EdgeDef& e = d.edges[m.edge_declared[ku]];
    INFO("compiled edge " << k << " = " << edge_name(e));
    CHECK(m.names.stages[m.edge_from[ku]] == e.from);
    CHECK(m.names.stages[m.edge_to[ku]] == e.to);
    CHECK(k >= m.edge_begin[m.edge_from[ku]]);
    CHECK(k < m.edge_begin[m.edge_from[ku] + 1u]);
    if (k > 0 && m.edge_from[ku - 1] == m.edge_from[ku]) {
      CHECK(m.edge_declared[ku - 1] < m.edge_declared[ku]);
    }
    for (int g = 0; g < m.segments; ++g) {
      CHECK(m.base[m.eg(k, g)] ==
            Approx(hazard(d, e, static_cast<std::size_t>(g), reference, 1.0, 0, reference))
                .epsilon(1e-14));
      for (int c = 0; c < m.channels; ++c) {
        double lift = 1;
        for (const auto& [name, l] : d.channels[static_cast<std::size_t>(c)].lifts) {
          if (name == edge_name(e)) lift = l;
        }
        const double r = d.segments[static_cast<std::size_t>(g)].responsiveness;
        CHECK(m.lift[m.ceg(c, k, g)] == Approx(std::pow(lift, r)).epsilon(1e-14));
      }
    }
    // A back-step goes to an earlier declared stage within the phase before the first purchase
    // (unaware, journey) or after it (retention); engine/README.md "Back-steps".
    auto phase = [&](const std::string& s) {
      const Role r = d.stages[static_cast<std::size_t>(index_of(m.names.stages, s))].role;
      return r == Role::unaware || r == Role::journey ? 0 : r == Role::retention ? 1 : -1;
    };
    const bool back = phase(e.from) >= 0 && phase(e.from) == phase(e.to) &&
                      index_of(m.names.stages, e.to) < index_of(m.names.stages, e.from);
    CHECK(static_cast<bool>(m.edge_back[ku]) == back);
  }
  // The bench world's back-steps: aware -> unaware, consideration -> aware, advocate -> loyal.
  int backs = 0;
  for (const auto b : m.edge_back) backs += b;
  CHECK(backs == 3);
  for (std::size_t c = 0; c < d.channels.size(); ++c) {
    const ChannelDef& ch = d.channels[c];
    INFO("channel " << ch.name);
    CHECK(m.cost[c] == std::llround(ch.cost * 1e6));
    REQUIRE(m.flights[c].size() == ch.flights.size());
    CHECK(m.flights[c][0].amount == std::llround(ch.flights[0].amount * 1e6));
    for (std::size_t g = 0; g < d.segments.size(); ++g) {
      CHECK(m.salience_gain[c * d.segments.size() + g] ==
            Approx(ch.salience * d.segments[g].responsiveness));
      for (std::size_t s = 0; s < d.stages.size(); ++s) {
        CHECK(
            static_cast<bool>((m.reach_mask[m.sg(static_cast<int>(s), static_cast<int>(g))] >> c) &
                              1u) == reaches(ch, d.stages[s].name, d.segments[g].name));
      }
    }
  }
  // Order value: lognormal with sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2
  // (docs/bench.md rule 5), the innovators' own.
  for (std::size_t g = 0; g < d.segments.size(); ++g) {
    const OrderValueDef v = d.segments[g].order.value_or(d.order.value);
    const double s2 = std::log(1 + v.cv * v.cv);
    CHECK(m.order_sigma[g] == Approx(std::sqrt(s2)));
    CHECK(m.order_mu[g] == Approx(std::log(v.mean) - s2 / 2));
    CHECK(m.recommend_rate[g] == Approx(d.word_of_mouth.rate * d.segments[g].advocacy));
    CHECK(m.complain_rate[g] == Approx(d.word_of_mouth.complaints.rate * d.segments[g].advocacy));
  }
  CHECK(m.order_mu[0] == Approx(std::log(80.0) - std::log(1 + 0.0625) / 2));
  REQUIRE(m.segment_cdf.size() == 3);
  CHECK(m.segment_cdf[0] == Approx(0.16));
  CHECK(m.segment_cdf[1] == Approx(0.84));
  CHECK(m.segment_cdf[2] == 1.0);
}

TEST_CASE("model: drift tables hold c0 + c1 q + c2 hill = the definition's lifted hazards",
          "[model]") {
  const ScenarioDef d = knobbed_bench();
  const Model m = compile_model(d);
  const double reference = d.experience.reference.value_or(d.experience.quality_mean);
  // The bench world's channels (docs/bench.md) need three slots: social, search and content all
  // reach "aware".
  REQUIRE(m.slots == 3);
  REQUIRE(m.drift.size() == std::size_t{1} << (m.cell_bits + m.slots));
  int checked = 0;
  for (int st = 0; st < m.stages; ++st) {
    for (int g = 0; g < m.segments; ++g) {
      const std::uint32_t reach = m.reach_mask[m.sg(st, g)];
      // Every subset of the channels reaching the cell.
      for (std::uint32_t x = reach;; x = (x - 1) & reach) {
        REQUIRE(m.slotted(x));
        const std::size_t t = m.drift_index(st, g, m.slots_of(x));
        const DriftEntry& entry = m.drift[t];
        for (const double q : {0.0, 0.3, 0.7, 1.0}) {
          for (const float a : {0.0f, 0.5f, 3.0f, -1.0f}) {
            // The Hill factor from the definition (docs/model.md "Ad memory").
            const SalienceDef& sd = d.salience;
            const double ak = std::pow(std::fabs(static_cast<double>(a)), sd.shape);
            const double kk = std::pow(sd.half, sd.shape);
            const double up = 1 + sd.beta * ak / (ak + kk);
            const double hill = a < 0 ? 1 / up : up;
            double sum = 0;
            for (const EdgeDef& e : d.edges) {
              if (e.from != d.stages[static_cast<std::size_t>(st)].name) continue;
              sum += hazard(d, e, static_cast<std::size_t>(g), q, hill, x, reference);
            }
            const double tabulated = entry.c0 + entry.c1 * q + entry.c2 * hill;
            INFO("stage " << d.stages[static_cast<std::size_t>(st)].name << " segment "
                          << d.segments[static_cast<std::size_t>(g)].name << " channels " << x
                          << " q " << q << " A " << a);
            REQUIRE(tabulated == Approx(sum).epsilon(1e-12).margin(1e-15));
            ++checked;
          }
        }
        // Salience gain: each exposing channel's weight times the segment's responsiveness.
        double gain = 0;
        for (std::size_t c = 0; c < d.channels.size(); ++c) {
          if ((x >> c) & 1u) {
            gain += d.channels[c].salience * d.segments[static_cast<std::size_t>(g)].responsiveness;
          }
        }
        REQUIRE(entry.gain == Approx(gain).epsilon(1e-6));
        if (x == 0) break;
      }
    }
  }
  CHECK(checked > 1000);
}
