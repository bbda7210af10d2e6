// The drift kernel's tables: total hazard coefficients and salience gain for every (stage,
// segment, today's exposures) a customer can be in, so that exposed customers drift in the
// vectorized pass with everyone else (model.hpp, "the drift kernel's tables").
#include <algorithm>
#include <bit>

#include "model/model.hpp"

namespace cjsim {

namespace {

int bits_for(int count) {
  return count <= 1 ? 0 : static_cast<int>(std::bit_width(static_cast<unsigned>(count - 1)));
}

// Greedy colouring: each channel takes the lowest slot no earlier channel reaching one of its
// cells holds. Channels that change satisfaction on exposure (quality boost: clamped, in channel
// order) or that find no slot within `max_slots` get none.
void assign_slots(Model& m, int max_slots) {
  const auto C = static_cast<std::size_t>(m.channels);
  m.channel_slot.assign(C, -1);
  m.slots = 0;
  for (std::size_t c = 0; c < C; ++c) {
    if (m.quality_boost[c] != 0.0f) continue;
    std::uint32_t taken = 0;
    bool reaches = false;
    for (std::size_t cell = 0; cell < m.reach_mask.size(); ++cell) {
      const std::uint32_t reach = m.touch_mask(cell);  // misjudged contacts included
      if (!(reach & (1u << c))) continue;
      reaches = true;
      for (std::size_t d = 0; d < c; ++d) {
        if ((reach & (1u << d)) && m.channel_slot[d] >= 0) taken |= 1u << m.channel_slot[d];
      }
    }
    const int slot = std::countr_one(taken);
    if (!reaches || slot >= max_slots) continue;
    m.channel_slot[c] = static_cast<std::int8_t>(slot);
    m.slots = std::max(m.slots, slot + 1);
  }
}

}  // namespace

void compile_drift_tables(Model& m, int max_table_bits) {
  m.segment_bits = bits_for(m.segments);
  m.cell_bits = bits_for(m.stages) + m.segment_bits;
  assign_slots(m, std::clamp(max_table_bits - m.cell_bits, 0, 8));
  const std::size_t size = std::size_t{1} << (m.cell_bits + m.slots);
  m.drift.assign(size, DriftEntry{});
  m.drift_reach.assign(std::size_t{1} << m.cell_bits, 0);
  if (m.miss_channels != 0) {  // where misjudged contacts land, for the eligibility kernel
    m.miss_reach.assign(std::size_t{1} << m.cell_bits, 0);
    for (int s = 0; s < m.stages; ++s) {
      for (int g = 0; g < m.segments; ++g)
        m.miss_reach[m.drift_index(s, g, 0)] = m.miss_mask[m.sg(s, g)];
    }
  }
  fill_drift_tables(m, ~0u);
}

void follow_calendar(Model& m, int day) {
  if (m.calendar.empty()) return;
  const auto t = static_cast<std::size_t>(day);
  if (day > 0 && !m.calendar_moves[t]) return;  // the same factors as yesterday
  for (const Model::CalendarTrack& c : m.calendar) {
    for (const auto& [e, g] : c.cells) m.base[m.eg(e, g)] = m.base_plain[m.eg(e, g)];
  }
  for (const Model::CalendarTrack& c : m.calendar) {
    for (const auto& [e, g] : c.cells) m.base[m.eg(e, g)] *= c.factor[t];
  }
  fill_drift_tables(m, m.calendar_stages);
}

void fill_drift_tables(Model& m, std::uint32_t stages) {
  const int S = m.stages, G = m.segments;
  for (std::uint32_t x = 0; x < (1u << m.slots); ++x) {
    for (int s = 0; s < S; ++s) {
      if (!((stages >> s) & 1u)) continue;
      for (int g = 0; g < G; ++g) {
        const std::size_t cell = m.sg(s, g);
        // The channels m names in this cell: in slot k, the one channel of slot k that can
        // expose it (on target, or by misjudging the stage).
        const std::uint32_t touching = m.touch_mask(cell);
        std::uint32_t channels = 0;
        for (int c = 0; c < m.channels; ++c) {
          const int slot = m.channel_slot[static_cast<std::size_t>(c)];
          if (slot >= 0 && (x & (1u << slot)) && (touching & (1u << c))) {
            channels |= 1u << c;
          }
        }
        // Sums of the stage's hazards by mark, in edge order, each edge with today's lifts (in
        // channel order, as Engine::edge_hazard multiplies them).
        double h_static = 0, h_salience = 0, h_plus = 0, h_minus = 0;
        for (int e = m.edge_begin[static_cast<std::size_t>(s)];
             e < m.edge_begin[static_cast<std::size_t>(s) + 1]; ++e) {
          double h = m.base[m.eg(e, g)];
          for (std::uint32_t left = channels; left != 0; left &= left - 1) {
            const int c = std::countr_zero(left);
            if (m.has_lift[static_cast<std::size_t>(c) * static_cast<std::size_t>(m.edges) +
                           static_cast<std::size_t>(e)]) {
              h *= m.lift[m.ceg(c, e, g)];
            }
          }
          switch (m.edge_marks[static_cast<std::size_t>(e)]) {
            case 0:
              h_static += h;
              break;
            case kMarkSalience:
              h_salience += h;
              break;
            case kMarkPlus:
              h_plus += h;
              break;
            case kMarkMinus:
              h_minus += h;
              break;
            default:
              break;  // two marks: the cell is kCellSlow and never uses the table's hazard
          }
        }
        float gain = -0.0f;
        for (std::uint32_t left = channels; left != 0; left &= left - 1) {
          const auto c = static_cast<std::size_t>(std::countr_zero(left));
          gain += m.salience_gain[c * static_cast<std::size_t>(G) + static_cast<std::size_t>(g)];
        }
        const std::size_t t = m.drift_index(s, g, x);
        const std::uint32_t touch =
            channels == 0 ? 0u : 32u - static_cast<std::uint32_t>(std::countl_zero(channels));
        m.drift[t] = {h_static + h_minus * m.inv_complement,
                      h_plus * m.inv_reference - h_minus * m.inv_complement, h_salience, gain,
                      m.cell_flags[cell] | (touch << kTouchShift)};
        if (x == 0) m.drift_reach[t] = m.reach_mask[cell];
      }
    }
  }
}

}  // namespace cjsim
