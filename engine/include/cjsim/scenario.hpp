// The world and the plan, as plain definitions (Box2D's b2WorldDef style).
//
// Every field has the default a planner would expect; a scenario file only overrides fields.
// Definitions are validated once, at the boundary (scenario_io.hpp), then compiled into flat
// tables by the engine. Names, not indices, link things here: an edge names its stages, a lift
// names its edge "from -> to". docs: scenarios/README.md (every key, default and unit).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cjsim {

// What a stage means for the journey (docs/model.md "Stages").
enum class Role : std::uint8_t {
  unaware,    // not in the market yet
  journey,    // before the (next) purchase
  purchase,   // entering it is a purchase
  retention,  // after a purchase
  lost,       // gone to a competitor or refused
};

// How an edge scales with the satisfaction of the latest purchase (docs/model.md "Purchases").
enum class SatisfactionMark : std::uint8_t {
  none,
  plus,   // multiplied by s / reference        (towards loyalty, advocacy, repurchase)
  minus,  // multiplied by (1-s) / (1-reference) (towards lost)
};

struct SimulationDef {
  std::string name = "scenario";
  std::string description;
  std::uint64_t customers = 10'000;
  int days = 365;
  std::uint64_t seed = 1;  // no time-based default: the seed is part of every result
  int replicates = 1;
  // ISO 4217 code of every amount (costs, budgets, order values): "RUB". Empty: no currency
  // named, amounts print as plain numbers. cjsim/currency.hpp has the codes and symbols.
  std::string currency;
  // The date of day 0. Without it days are only numbers; with it they are dates, and the
  // calendar (CalendarDef) can say which days are Mondays, in March or 8 March.
  std::optional<std::chrono::year_month_day> start;
};

// Order value: lognormal with this mean and coefficient of variation (currency units).
struct OrderValueDef {
  double mean = 50.0;
  double cv = 0.5;
};

struct SegmentDef {
  std::string name;
  std::string label;            // human name for reports; defaults to name
  double share = 1.0;           // of the population, shares sum to 1
  double tempo = 1.0;           // multiplies edges marked forward
  double curiosity = 1.0;       // multiplies edges marked curiosity (variety seeking)
  double responsiveness = 1.0;  // lift -> lift^responsiveness; salience gain x responsiveness
  double advocacy = 1.0;        // multiplies recommendation and complaint rates
  std::optional<OrderValueDef> order;  // overrides [order].value for this segment
  // Per-edge multipliers for this segment: {"loyal -> lost", 2.0}.
  std::vector<std::pair<std::string, double>> edges;
};

struct StageDef {
  std::string name;
  std::string label;  // human name for reports and trace stories; defaults to name
  Role role = Role::journey;
  double start = 0.0;     // share of the population that starts here; shares sum to 1
  bool advocate = false;  // customers here recommend (word of mouth)
};

struct EdgeDef {
  std::string from;
  std::string to;
  double rate = 0.0;      // hazard per day
  bool forward = false;   // scaled by segment tempo
  bool salience = false;  // scaled by the salience Hill factor
  SatisfactionMark satisfaction = SatisfactionMark::none;
  bool curiosity = false;  // scaled by segment curiosity
};

// A budget for a day range [from, to] (inclusive, 0-based days). A single budget for the
// horizon is one flight over [0, days-1].
struct FlightDef {
  int from = 0;
  int to = 0;
  double amount = 0.0;  // currency units
};

// A holdout test: a random share of customers (the same ones all along, drawn once per run) whom
// the channel never exposes on days [from, to]. Off when share is 0. Replays a planner's lift
// test inside the simulation (cjsim calibrate's experiments; held_out() tells who).
struct HoldoutDef {
  double share = 0.0;
  int from = 0;
  int to = 0;
};

struct ChannelDef {
  std::string name;
  std::string label;
  double cost = 1.0;  // per contact, currency units; 0 = free (reaches everyone eligible)
  std::vector<FlightDef> flights;                     // non-overlapping, inside the horizon
  std::vector<std::string> reaches;                   // stage names this channel can expose
  std::vector<std::string> segments;                  // segment names; empty = every segment
  std::vector<std::pair<std::string, double>> lifts;  // {"consideration -> purchase", 1.5}
  double salience = 1.0;  // weight added to the salience of an exposed customer
  double quality =
      0.0;  // added to the satisfaction of an exposed customer (service), clipped to [0,1]
  HoldoutDef holdout;
};

// A_t = decay * A_{t-1} + sum_c weight_c * exposed_c; salience edges get
// 1 + beta * A^shape / (A^shape + half^shape) (and the reciprocal form for A < 0).
struct SalienceDef {
  double decay = 0.9;
  double beta = 1.0;
  double half = 2.0;
  double shape = 2.0;
};

struct ExperienceDef {
  double quality_mean = 0.7;  // each purchase draws quality ~ Normal(mean, sd) clipped to [0,1]
  double quality_sd = 0.15;
  std::optional<double> reference;  // satisfaction at which marked edges are unscaled; default mean
};

struct OrderDef {
  OrderValueDef value;
  double margin = 0.30;  // share of revenue that is margin
};

enum class NetworkKind : std::uint8_t { mixed, small_world, scale_free };

struct NetworkDef {
  NetworkKind kind = NetworkKind::mixed;
  int degree = 10;        // mean number of contacts (small-world: exact; scale-free: mean)
  double rewire = 0.1;    // small-world rewiring probability
  double exponent = 2.5;  // scale-free degree exponent (P(k) ~ k^-exponent), > 2
};

// Lost customers whose satisfaction is below `below` complain at `rate` per day (times the
// segment's advocacy); each complaint heard lowers the hearer's salience by `impact`.
struct ComplaintDef {
  double rate = 0.0;
  double below = 0.5;
  double impact = 1.0;
};

struct WordOfMouthDef {
  NetworkDef network;
  double rate = 0.0;                 // recommendations per advocate per day (Poisson)
  std::vector<std::string> reaches;  // stages where a recommendation moves the hearer
  std::string moves_to;              // the stage a recommended customer moves to
  ComplaintDef complaints;
};

// Calendar demand (docs/model.md "Calendar demand"): dated multipliers of chosen edges' rates,
// the same for every customer of the chosen segments on a given day, separate from marketing.
// Exactly one kind per entry; several entries on one edge multiply. Needs simulation.start.
enum class CalendarKind : std::uint8_t {
  occasion,  // a date (every year, or once) with a run-up and an after-glow
  weekly,    // seven factors, Monday to Sunday
  monthly,   // twelve factors, January to December
  series,    // date -> factor read from a CSV file; days not listed have factor 1
};
enum class OccasionShape : std::uint8_t {
  ramp,  // rises linearly from 1 over `before` days to `peak` on the date, falls over `after`
  flat,  // `peak` on every day from date - before to date + after
};
struct CalendarDef {
  std::string name;
  std::string label;
  std::vector<std::string> edges;     // "from -> to"; at least one
  std::vector<std::string> segments;  // empty = every segment
  CalendarKind kind = CalendarKind::occasion;
  // occasion: the date; year 0 means every year on that month and day.
  int year = 0, month = 1, day = 1;
  double peak = 1.0;  // multiplier on the date itself
  int before = 0;     // days of run-up before the date (0 ... 180)
  int after = 0;      // days after it (0 ... 180)
  OccasionShape shape = OccasionShape::ramp;
  // weekly (7) or monthly (12) factors.
  std::vector<double> factors;
  // series: the file as written (relative to the scenario) and what it held, in file order,
  // as (days since 1970-01-01, factor). Each factor acts as factor^strength.
  std::string file;
  std::vector<std::pair<std::int32_t, double>> series;
  double strength = 1.0;
};

// Individual differences within a segment (docs/model.md "Individual differences"): each
// customer of the chosen segments draws one multiplier per group, once, with mean 1 and the
// given coefficient of variation; it multiplies the rates of the group's edges for that customer
// all run long (heavy and light buyers). An edge belongs to at most one group.
enum class HeterogeneityKind : std::uint8_t { gamma, lognormal };
struct HeterogeneityDef {
  std::string name;
  std::string label;
  std::vector<std::string> edges;     // "from -> to"; at least one
  std::vector<std::string> segments;  // empty = every segment; others keep multiplier 1
  double cv = 0.0;                    // coefficient of variation of the multiplier (0 = none)
  HeterogeneityKind distribution = HeterogeneityKind::gamma;  // Gamma(1/cv^2, cv^2) or lognormal
};

// Relationship memory (docs/model.md "Relationship memory"): each customer of the chosen
// segments keeps a bond that purchases build, bond <- memory * bond + weight at each purchase
// (weight 1, or the purchase's satisfaction / experience.reference), and the rates of the
// group's edges are multiplied by per_purchase^bond: below 1 on leaving (a loyal customer turns
// a blind eye to small flaws), above 1 on buying again. An edge belongs to at most one group.
enum class BondWeight : std::uint8_t { purchases, satisfaction };
struct RelationshipDef {
  std::string name;
  std::string label;
  std::vector<std::string> edges;     // "from -> to"; at least one
  std::vector<std::string> segments;  // empty = every segment; others keep multiplier 1
  double per_purchase = 1.0;          // multiplier per unit of bond (> 0)
  double memory = 1.0;                // share of the bond kept at the next purchase (0 ... 1)
  BondWeight weight = BondWeight::purchases;
};

struct ScenarioDef {
  SimulationDef simulation;
  std::vector<SegmentDef> segments;
  std::vector<StageDef> stages;
  std::vector<EdgeDef> edges;
  std::vector<ChannelDef> channels;
  SalienceDef salience;
  ExperienceDef experience;
  OrderDef order;
  WordOfMouthDef word_of_mouth;
  std::vector<CalendarDef> calendar;            // empty: rates do not change with the date
  std::vector<HeterogeneityDef> heterogeneity;  // empty: a segment's customers are alike
  std::vector<RelationshipDef> relationship;    // empty: purchases leave no bond
};

// Makers with the defaults above (Box2D's b2DefaultWorldDef). default_scenario() has one
// segment "everyone" and no stages: a blank page for code that builds worlds.
SimulationDef default_simulation();
SegmentDef default_segment(std::string name);
ScenarioDef default_scenario();

// "from -> to", the name lifts and segment overrides use for an edge.
std::string edge_name(const std::string& from, const std::string& to);
std::string edge_name(const EdgeDef& e);

const char* role_name(Role r);

// Days since 1970-01-01 of a date, and back (the calendar's and the CSV reader's day numbers).
std::int32_t days_since_epoch(const std::chrono::year_month_day& date);
std::chrono::year_month_day date_of(std::int32_t days_since_epoch);

// The calendar's multiplier of one entry on each day 0 .. days-1 of a run starting at `start`.
std::vector<double> calendar_factors(const CalendarDef& c, const std::chrono::year_month_day& start,
                                     int days);

}  // namespace cjsim
