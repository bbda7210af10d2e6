// A validated ScenarioDef compiled into flat tables the daily step reads.
//
// Names become indices; every per-(edge, segment) and per-(stage, segment) product that does
// not change during a run is multiplied out once here, so the act phase only multiplies what
// varies by customer and day (salience, satisfaction, today's exposures).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include "cjsim/results.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

// Edge marks that vary per customer and day, as bits of Model::edge_marks.
inline constexpr std::uint8_t kMarkSalience = 1u << 0;
inline constexpr std::uint8_t kMarkPlus = 1u << 1;   // x satisfaction / reference
inline constexpr std::uint8_t kMarkMinus = 1u << 2;  // x (1 - satisfaction) / (1 - reference)

// What a (stage, segment) cell asks of the act phase, as bits of Model::cell_flags. Customers in
// a cell with kCellSlow or kCellTalker always take the full per-customer path; kCellComplainer
// customers take it when their satisfaction is below the complaint threshold.
// An edge with two varying marks, or an edge whose rate has a per-customer factor
// (heterogeneity): computed edge by edge for each customer.
inline constexpr std::uint8_t kCellSlow = 1u << 0;
inline constexpr std::uint8_t kCellTalker = 1u << 1;      // recommends (advocate stage, rate > 0)
inline constexpr std::uint8_t kCellComplainer = 1u << 2;  // a lost stage, complaint rate > 0
// DriftEntry::flags >> kTouchShift: 1 + the highest channel exposing the customer (the last
// touch, as if the channels exposed in order), 0 when none does.
inline constexpr int kTouchShift = 8;

// The salience factor of docs/model.md, written as one division: for A >= 0
//   1 + beta A^k / (A^k + K^k) = (A^k + K^k + beta A^k) / (A^k + K^k),
// and its reciprocal for A < 0 (complaints heard outweigh exposures). `xk` = |A|^k.
inline double hill_factor(double xk, bool negative, double beta, double half_pow) {
  const double base = xk + half_pow;
  const double boosted = base + beta * xk;
  return negative ? base / boosted : boosted / base;
}

// One entry of the drift tables (below): 32 bytes, which the AVX2 kernel loads whole.
struct alignas(32) DriftEntry {
  double c0 = 0, c1 = 0, c2 = 0;
  float gain = -0.0f;       // -0.0f when nothing is gained: A + -0 == A exactly
  std::uint32_t flags = 0;  // kCell* bits of the cell; above kTouchShift, the last touch + 1
};
static_assert(sizeof(DriftEntry) == 32);

struct Flight {
  int from = 0;
  int to = 0;
  std::int64_t amount = 0;  // micro-units of currency (exact integer budgeting)
};

inline constexpr double kMicrosPerUnit = 1e6;

struct Model {
  Names names;
  std::uint32_t customers = 0;
  int days = 0;
  int stages = 0;
  int segments = 0;
  int channels = 0;
  int edges = 0;  // outgoing edges are grouped by source stage (see edge_begin)
  std::uint64_t seed = 0;
  std::optional<std::chrono::year_month_day> start;  // the date of day 0, if given

  // --- stages ------------------------------------------------------------------------------
  std::vector<Role> role;                 // stage
  std::vector<std::uint8_t> advocate;     // stage: recommends
  std::vector<std::uint8_t> wom_reaches;  // stage: a recommendation moves customers here
  std::vector<std::uint16_t> edge_begin;  // stage -> first outgoing edge; size stages + 1

  // --- edges, grouped by source stage ------------------------------------------------------
  std::vector<std::uint8_t> edge_from, edge_to, edge_marks, edge_back;
  std::vector<std::uint16_t> edge_declared;  // index in declaration order (Names::edges)
  std::vector<double> base;                  // edge x segment: rate x tempo x curiosity x override

  std::vector<std::uint32_t> cell_flags;  // stage x segment: kCell* bits

  // --- channels ----------------------------------------------------------------------------
  std::vector<std::int64_t> cost;            // channel, micro-units per contact (0 = free)
  std::vector<std::vector<Flight>> flights;  // channel, sorted by day
  std::vector<std::uint32_t> reach_mask;     // stage x segment -> bit c: channel c reaches
  std::vector<double> lift;                  // channel x edge x segment: lift^responsiveness
  std::vector<std::uint8_t> has_lift;        // channel x edge: lift differs from 1
  std::vector<float> salience_gain;          // channel x segment: weight x responsiveness
  std::vector<float> quality_boost;          // channel
  std::vector<HoldoutDef> holdout;           // channel (share 0: none)
  std::uint32_t holdout_channels = 0;        // bit c: channel c has a holdout

  // --- the drift kernel's tables (model_drift.cpp) ------------------------------------------
  // The total hazard of a customer in stage s and segment g, exposed today to a set of channels
  // X, with satisfaction q and salience A, is  c0 + c1 * q + c2 * hill(A), where (sums over the
  // stage's edges of base hazard x the lifts of X, by mark)
  //   c0 = static + minus / (1 - ref),  c1 = plus / ref - minus / (1 - ref),  c2 = salience,
  // and salience moves as A <- decay * A + gain(X). Tabulated for every (s, g, X) the drift
  // kernel meets, so it treats exposed customers like any other. X is written as a small
  // number m: each channel has a slot (a bit of m), channels reaching a common (stage, segment)
  // cell have different slots, so within a cell m names the channels. A channel without a slot
  // (slots ran out, or its quality boost changes satisfaction) sends the customers it exposes
  // to the per-customer path. Index: m << cell_bits | s << segment_bits | g.
  std::vector<std::int8_t> channel_slot;  // channel: slot, or -1
  int slots = 0;                          // bits of m
  int segment_bits = 0, cell_bits = 0;
  std::vector<DriftEntry> drift;
  std::vector<std::uint32_t> drift_reach;  // reach_mask by s << segment_bits | g (m = 0 only)

  // --- salience ----------------------------------------------------------------------------
  float decay = 0.9f;
  double hill_beta = 1.0;
  double hill_shape = 2.0;
  double hill_half_pow = 4.0;  // half^shape

  // --- purchases and experience ------------------------------------------------------------
  double quality_mean = 0.7, quality_sd = 0.15;
  double reference = 0.7, inv_reference = 1 / 0.7, inv_complement = 1 / 0.3;
  std::vector<double> order_mu, order_sigma;  // segment: lognormal parameters
  double margin = 0.3;

  // --- population --------------------------------------------------------------------------
  std::vector<double> segment_cdf;  // cumulative shares
  std::vector<double> start_cdf;    // cumulative start shares

  // --- individual differences ([heterogeneity]) -----------------------------------------------
  // Each group's multiplier per customer: Gamma(shape, 1/shape) with shape = 1/cv^2, or
  // lognormal with mean 1 (mu = -sigma^2/2), for the segments it covers; others keep 1. Cells
  // whose stage has a grouped edge for their segment are kCellSlow: the per-customer path
  // multiplies each grouped edge by the customer's draw (Engine::edge_hazard).
  struct Group {
    bool lognormal = false;
    double shape = 0;                   // gamma; 0: cv 0, everyone 1
    double sigma = 0;                   // lognormal; 0: everyone 1
    std::vector<std::uint8_t> segment;  // segment: 1 = drawn, 0 = multiplier 1
  };
  std::vector<Group> groups;            // empty: no individual differences
  std::vector<std::int8_t> edge_group;  // compiled edge: its group, or -1 (personal_edges only)

  // --- relationship memory ([relationship]) ---------------------------------------------------
  // Each relationship's multiplier per customer, per_purchase^bond, starts at 1 and is updated
  // at each purchase of a customer of its segments (Engine::purchase):
  //   m <- clamp(exp(memory * ln m + weight * ln per_purchase), kBondMin, kBondMax)
  // i.e. bond <- memory * bond + weight. Cells whose stage has such an edge for their segment
  // are kCellSlow, as for individual differences.
  struct Bond {
    double log_per_purchase = 0;  // ln per_purchase
    double memory = 1;
    bool by_satisfaction = false;       // weight = satisfaction / reference, else 1
    std::vector<std::uint8_t> segment;  // segment: 1 = keeps a bond
  };
  static constexpr double kBondMin = 1e-6, kBondMax = 1e6;
  std::vector<Bond> bonds;  // empty: no relationship memory
  std::vector<std::int8_t>
      edge_bond;  // compiled edge: its relationship, or -1 (personal_edges only)
  // Groups or relationships exist: edge_group and edge_bond are filled, and a purchase
  // (has_bonds) updates the bonds. Plain flags, so that a world without them pays one test.
  bool personal_edges = false;
  bool has_bonds = false;

  // --- calendar demand (scenario [calendar]) ---------------------------------------------------
  // Each entry's factor on every day, and the (edge, segment) cells of `base` it multiplies.
  // Today's base is base_plain times the factors of today, in entry order
  // (Engine::follow_calendar); the drift table's entries of the stages concerned are then filled
  // again.
  struct CalendarTrack {
    std::vector<double> factor;              // day
    std::vector<std::pair<int, int>> cells;  // (compiled edge, segment)
  };
  std::vector<CalendarTrack> calendar;       // empty: rates do not change with the date
  std::vector<double> base_plain;            // base without the calendar (calendar only)
  std::uint32_t calendar_stages = 0;         // bit s: stage s has an edge that follows the calendar
  std::vector<std::uint8_t> calendar_moves;  // day: a factor differs from the day before's

  // --- word of mouth -----------------------------------------------------------------------
  NetworkDef network;
  std::vector<double> recommend_rate;  // segment: rate x advocacy (0 = none)
  std::uint8_t moves_to = 0;
  std::vector<double> complain_rate;  // segment: complaints.rate x advocacy
  float complain_below = 0.5f;
  float complain_impact = 1.0f;

  std::size_t sg(int stage, int segment) const {
    return static_cast<std::size_t>(stage) * static_cast<std::size_t>(segments) +
           static_cast<std::size_t>(segment);
  }
  std::size_t eg(int edge, int segment) const {
    return static_cast<std::size_t>(edge) * static_cast<std::size_t>(segments) +
           static_cast<std::size_t>(segment);
  }
  std::size_t drift_index(int stage, int segment, std::uint32_t m) const {
    return (static_cast<std::size_t>(m) << cell_bits) |
           (static_cast<std::size_t>(stage) << segment_bits) | static_cast<std::size_t>(segment);
  }
  // Whether every channel of `exposing` has a slot, and the m they make.
  bool slotted(std::uint32_t exposing) const {
    for (std::uint32_t x = exposing; x != 0; x &= x - 1) {
      if (channel_slot[static_cast<std::size_t>(__builtin_ctz(x))] < 0) return false;
    }
    return true;
  }
  std::uint32_t slots_of(std::uint32_t exposing) const {
    std::uint32_t m = 0;
    for (std::uint32_t x = exposing; x != 0; x &= x - 1) {
      m |= 1u << channel_slot[static_cast<std::size_t>(__builtin_ctz(x))];
    }
    return m;
  }
  std::size_t ceg(int channel, int edge, int segment) const {
    return (static_cast<std::size_t>(channel) * static_cast<std::size_t>(edges) +
            static_cast<std::size_t>(edge)) *
               static_cast<std::size_t>(segments) +
           static_cast<std::size_t>(segment);
  }

  // The salience factor of docs/model.md: 1 + beta A^k / (A^k + K^k), and its reciprocal form for
  // negative salience (complaints heard outweigh exposures).
  double hill(float a) const {
    const double x = std::fabs(static_cast<double>(a));
    const double xk = hill_shape == 2.0 ? x * x : std::pow(x, hill_shape);
    return hill_factor(xk, a < 0.0f, hill_beta, hill_half_pow);
  }
};

// Compiles a definition that passed check_scenario.
Model compile_model(const ScenarioDef& def);

// The drift kernel's tables of a compiled model (model_drift.cpp; called by compile_model).
// Slots are given while the table stays within 2^max_table_bits entries (2^12: 4,096 entries,
// 128 KiB, cache-resident); a model with more cells than that gets no slots at all.
inline constexpr int kDriftTableBits = 12;
void compile_drift_tables(Model& m, int max_table_bits = kDriftTableBits);
// Fills the drift table's entries of the stages in `stages` (bit s) from today's m.base, slots
// unchanged (the calendar changes base from one day to the next).
void fill_drift_tables(Model& m, std::uint32_t stages);
// Sets m.base to today's rates (base_plain times today's calendar factors) and refills the
// drift table where they changed. A no-op without a calendar.
void follow_calendar(Model& m, int day);

}  // namespace cjsim
