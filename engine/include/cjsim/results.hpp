// What one simulation run returns: daily series, flows, the per-customer outcome table and the
// story of one traced customer. Plain columns (structure of arrays) so writers stream them.
// Layout on disk: results/README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/scenario.hpp"

namespace cjsim {

// Names of everything indexed by number in the arrays below (dimension scales in HDF5).
struct Names {
  std::vector<std::string> stages;  // declared order
  std::vector<Role> stage_roles;
  std::vector<std::uint8_t> stage_advocates;  // 1 where customers recommend (advocate = true)
  std::vector<std::string> segments;          // declared order
  std::vector<std::string> channels;          // declared order
  // Bit s: channel c can expose customers in stage s (its `reaches`), per channel. Empty in
  // files written before it was stored.
  std::vector<std::uint32_t> channel_reaches;
  std::vector<std::string>
      sources;  // acquisition sources: channels..., referral, organic, existing, none
  std::vector<std::string> edges;  // "from -> to", declared order
  // Whether a customer who has bought can ever be lost: a lost stage is reachable from a
  // purchase stage along edges of positive rate (in some segment) or a word-of-mouth move.
  // False in a world with no lost stage, or whose lost stages only edges at rate 0 enter (a
  // "linear funnel" variant): retention is undefined there. Known when a run is compiled;
  // empty for names read from a file.
  std::optional<bool> buyers_can_be_lost;

  std::size_t source_referral() const { return channels.size(); }
  std::size_t source_organic() const { return channels.size() + 1; }
  std::size_t source_existing() const { return channels.size() + 2; }
  std::size_t source_none() const { return channels.size() + 3; }
};

// Daily aggregates. Index helpers give the flat position; all arrays are row-major.
struct DailySeries {
  int days = 0;
  int stages = 0;
  int segments = 0;
  int channels = 0;
  // The date of day 0 (simulation.start), when the scenario gives one: day t is start + t days.
  std::optional<std::chrono::year_month_day> start;

  // Occupancy at the start of day t (t = 0..days; row `days` is the end of the horizon):
  // (days + 1) x stages x segments. Row t reproduces N * pi0 * P^t.
  std::vector<std::uint64_t> stage_counts;
  // Customers entering each stage that day (by an edge or a recommendation): days x stages,
  // segments summed. A CRM's "leads reaching a stage" (calibration targets entered.<stage>).
  std::vector<std::uint64_t> entered;
  // Per day and channel: money spent, customers exposed, customers eligible.
  std::vector<double> spend;            // days x channels, currency
  std::vector<std::uint64_t> exposed;   // days x channels
  std::vector<std::uint64_t> eligible;  // days x channels
  // Per day and segment.
  std::vector<std::uint64_t> purchases;        // days x segments, all purchases
  std::vector<std::uint64_t> first_purchases;  // days x segments, new customers
  std::vector<double> revenue;                 // days x segments, currency
  std::vector<double> margin;                  // days x segments, currency
  // Per day.
  std::vector<std::uint64_t> recommendations;  // made that day
  std::vector<std::uint64_t> referral_moves;   // customers moved by a recommendation that day
  std::vector<std::uint64_t> complaints;       // made that day

  std::size_t at_stage(int t, int s, int g) const {
    return (static_cast<std::size_t>(t) * static_cast<std::size_t>(stages) +
            static_cast<std::size_t>(s)) *
               static_cast<std::size_t>(segments) +
           static_cast<std::size_t>(g);
  }
  std::size_t at_channel(int t, int c) const {
    return static_cast<std::size_t>(t) * static_cast<std::size_t>(channels) +
           static_cast<std::size_t>(c);
  }
  std::size_t at_entered(int t, int s) const {
    return static_cast<std::size_t>(t) * static_cast<std::size_t>(stages) +
           static_cast<std::size_t>(s);
  }
  std::size_t at_segment(int t, int g) const {
    return static_cast<std::size_t>(t) * static_cast<std::size_t>(segments) +
           static_cast<std::size_t>(g);
  }
};

// One row per customer (columns). Days are 0-based; -1 means "did not happen in the horizon".
struct CustomerTable {
  std::vector<std::uint8_t> segment;
  std::vector<std::uint8_t> final_stage;
  std::vector<std::uint8_t> source;              // index into Names::sources
  std::vector<std::int32_t> first_purchase_day;  // -1: no first purchase in the horizon
  std::vector<std::int32_t> churn_day;           // first entry into a lost stage after it, -1: none
  std::vector<std::uint32_t> purchases;
  std::vector<float> revenue;                 // currency
  std::vector<std::uint16_t> back_steps;      // backward transitions (saturating)
  std::vector<std::uint16_t> referrals;       // recommendations made (saturating)
  std::vector<std::uint32_t> stages_reached;  // bit s: ever in stage s (stage count <= 32)

  std::size_t size() const { return segment.size(); }
};

// Touch paths (RunOptions::touch_paths): every channel exposure and every purchase of every
// customer, in the order they happened, as compressed sparse rows: customer i's events are
// [offsets[i], offsets[i + 1]). Within a day, exposures come before that day's purchase (the
// act phase exposes first). Definitions of paths built from them: engine/README.md "Touch paths".
struct TouchPaths {
  static constexpr std::uint8_t kPurchase = 0xff;  // `event` of a purchase; else a channel index

  std::vector<std::uint64_t> offsets;  // customers + 1; empty when not recorded
  std::vector<std::int32_t> day;       // per event
  std::vector<std::uint8_t> event;     // channel index, or kPurchase
  std::vector<float> value;            // order value of a purchase (currency), 0 for exposures

  bool recorded() const { return !offsets.empty(); }
  std::size_t customers() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::size_t size() const { return event.size(); }
};

// One traced customer's life, in order (cjsim trace).
enum class TraceKind : std::uint8_t {
  start,               // a = stage, b = segment
  exposed,             // a = channel
  moved,               // a = from stage, b = to stage, value = edge index, cause in `referral`
  purchased,           // value = order value, quality = experience quality
  recommended,         // a = number of recommendations made
  complained,          // a = number of complaints made
  got_recommendation,  // heard at the end of the day; acts tomorrow
  got_complaint,       // value = salience after it
};

struct TraceEvent {
  int day = 0;
  TraceKind kind = TraceKind::start;
  int a = 0;
  int b = 0;
  double value = 0.0;
  double quality = 0.0;
  double salience = 0.0;  // salience after the event
  bool referral = false;  // moved because of a recommendation
};

// Wall time per phase of the day, summed over the run (seconds). See engine/README.md "The day, in
// phases".
struct Profile {
  double init = 0;      // population, graph
  double plan = 0;      // allowances, eligible counts, exposure split across blocks
  double act = 0;       // parallel: exposures, salience, hazards, transitions, purchases
  double exchange = 0;  // recommendations and complaints delivered for tomorrow
  double account = 0;   // block partials reduced into the day's metrics
  double finish = 0;    // per-customer table and flows gathered
  double total = 0;
};

// The counts behind the funnel's stage conversion (kpi.cpp, engine/README.md "KPIs"), per stage
// s in declared order, over the horizon. Counted by the engine as it writes the outcome records,
// so they cost no memory per customer and need no per-customer table; not stored in result files
// (the KPI is). Empty for a run read from a file.
struct StageFirsts {
  // Customers who were in stage s before they were ever in stage s + 1 (the start counts).
  std::vector<std::uint64_t> before_next;
  // Customers whose first entry into stage s came after they had been in stage s - 1.
  std::vector<std::uint64_t> after_previous;
};

struct RunResult {
  Names names;
  DailySeries daily;
  // Stage-to-stage transitions over the horizon: segments x stages x stages (from, to).
  std::vector<std::uint64_t> flows;
  StageFirsts stage_firsts;
  CustomerTable customers;
  std::vector<TraceEvent> trace;  // empty unless RunOptions::trace_customer was set
  TouchPaths touch_paths;         // empty unless RunOptions::touch_paths was set
  Profile profile;
  std::uint64_t seed = 0;
  int replicate = 0;
  int threads = 0;
  std::uint64_t customers_total = 0;
  std::uint64_t peak_rss_bytes = 0;  // of the process, at the end of the run
};

}  // namespace cjsim
