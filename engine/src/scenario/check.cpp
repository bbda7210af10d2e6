// check_scenario: every semantic rule a definition must satisfy before it can run.
//
// Works on the plain definition, so worlds built in code get the same checks as files. Each
// problem is keyed by the dotted path the key has in a scenario file (segments.innovator.share,
// edges.aware -> consideration.rate, channels.service.flights[0].from), which is how
// build_scenario finds the line and column to report; here the place is "<definition>".
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/did_you_mean.hpp"
#include "cjsim/currency.hpp"
#include "cjsim/scenario_io.hpp"
#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

constexpr std::uint64_t kMaxCustomers = 4'294'967'295ull;  // customers are indexed with 32 bits
constexpr int kMaxDays = 36'500;
constexpr int kMaxReplicates = 10'000;
constexpr std::size_t kMaxSegments = 250;  // a segment index is a byte, with room to spare
constexpr std::size_t kMaxStages = 32;     // reached stages are a 32-bit mask per customer
constexpr std::size_t kMaxChannels = 32;
constexpr double kShareTolerance = 1e-6;

// Upper limits on numbers: far beyond any real plan, and tight enough that the engine's
// arithmetic stays finite and exact (scenarios/README.md "Limits"). Larger values used to give
// silent nonsense: a budget of 1e13 spent nothing (micro-units overflow int64), a rate of 1e308
// times a tempo of 2 is inf and inf / inf made every move NaN.
// Worst case at every limit, per edge and segment: rate 1e3 x tempo 1e3 x curiosity 1e3 x
// segment multiplier 1e3 x (1 + beta) ~1e3 x 1/reference 1e3 x combined lift 1e30 x calendar 1e6
// = 1e54 per day, summed over at most 32 edges: below 1e56, far from overflow (1.8e308). Salience
// is at most 36,500 days x 32 channels x salience 1e3 x responsiveness 10 ~ 1.2e10 in size
// (complaints add less than 1e24 more), so |salience|^shape with shape <= 10 stays below 1e240, and
// half^shape >= (1e-6)^10 = 1e-60 stays a positive double (0 / 0 otherwise).
struct Limit {
  double max;
  const char* why;
};
constexpr Limit kRateLimit{1e3, "at 50 per day an event already happens within the day"};
constexpr Limit kMultiplierLimit{1e3, "larger factors make hazards overflow when combined"};
// Lifts have no limit of their own, only their product on one edge (kMaxCombinedLift).
constexpr Limit kExponentLimit{10, "it is an exponent: lift^10 is already a huge effect"};
// The engine budgets in integer micro-units (int64: 9.2e18 micro-units = 9.2e12 units).
constexpr Limit kMoneyLimit{1e12, "amounts are counted in micro-units, exactly up to 9e12"};
constexpr Limit kOrderValueLimit{1e12, "no order is worth more; revenue sums would overflow"};
constexpr Limit kCvLimit{100, "at cv = 100 almost every order is near 0 and a few are huge"};
constexpr Limit kHalfLimit{1e6, "salience this large is never reached"};
constexpr double kMinHalf = 1e-6;       // half^shape must stay a positive double
constexpr double kMinReference = 1e-3;  // satisfaction-marked edges divide by it and 1 minus it
constexpr double kMaxCombinedLift = 1e30;
// Calendar entries on one edge multiply; their largest factors together stay below this.
constexpr double kMaxCalendarProduct = 1e6;
constexpr int kMaxOccasionWindow = 180;  // days before or after an occasion
// Heterogeneity: with cv 10 nearly every customer's multiplier is 0 and a few are huge; beyond
// that Gamma draws underflow. Each group costs 4 bytes per customer.
constexpr Limit kCvGroupLimit{10, "at cv = 10 nearly every customer's multiplier is 0"};
constexpr std::size_t kMaxGroups = 8;
// Relationship memory: a factor per purchase beyond 10 (or below 1/10) reaches the multiplier's
// bounds (Model::kBondMin, kBondMax) within six purchases.
constexpr Limit kPerPurchaseLimit{10, "the multiplier is kept between 1e-6 and 1e6"};

// Ten significant digits: enough to tell 1.000002 from 1, short enough for 0.1 + 0.2.
std::string num(double v) {
  return fmt::format("{:.10g}", v);
}

// An ISO 4217 code starts with its country's two letters, so a former or misspelt code of a
// country ("RUR", the rouble before 1998; "USS") is best answered by that country's current one;
// otherwise the nearest code by spelling.
std::string currency_fix(const std::string& code) {
  const char* const otherwise =
      "write the three-letter code in capitals, e.g. currency = \"EUR\", \"USD\", \"RUB\"; "
      "leave it out for amounts without a currency";
  if (code.size() == 3) {
    std::vector<std::string> same_country;
    for (const std::string& c : iso_currency_codes()) {
      if (std::toupper(static_cast<unsigned char>(code[0])) == c[0] &&
          std::toupper(static_cast<unsigned char>(code[1])) == c[1])
        same_country.push_back(c);
    }
    if (same_country.size() == 1) return fmt::format("did you mean '{}'?", same_country.front());
  }
  return did_you_mean(code, iso_currency_codes(), otherwise);
}

class Checker {
 public:
  explicit Checker(const ScenarioDef& def) : def_(def) {
    for (const auto& s : def.stages) stage_names_.push_back(s.name);
    for (const auto& s : def.segments) segment_names_.push_back(s.name);
    for (const auto& e : def.edges) edge_names_.push_back(edge_name(e));
  }

  std::vector<Diagnostic> run() {
    simulation();
    segments();
    stages();
    edges();
    ways_out();
    salience();
    experience();
    order();
    word_of_mouth();
    calendar();
    heterogeneity();
    relationship();
    channels();
    return std::move(out_);
  }

 private:
  void add(std::string key, std::string message, std::string fix) {
    out_.push_back(Diagnostic{SourcePlace{"<definition>", 0, 0}, std::move(key), std::move(message),
                              std::move(fix)});
  }

  // ---- numbers ------------------------------------------------------------------------------
  // Each returns whether the value passed, so callers can skip checks that build on it.

  bool finite(const std::string& key, std::string_view leaf, double v, std::string_view fix) {
    if (std::isfinite(v)) return true;
    add(key, fmt::format("{} must be a finite number, got {}", leaf, num(v)), std::string(fix));
    return false;
  }
  bool at_least(const std::string& key, std::string_view leaf, double v, double lo,
                std::string_view fix) {
    if (!finite(key, leaf, v, fix)) return false;
    if (v >= lo) return true;
    add(key, fmt::format("{} must be >= {}, got {}", leaf, num(lo), num(v)), std::string(fix));
    return false;
  }
  bool above(const std::string& key, std::string_view leaf, double v, double lo,
             std::string_view fix) {
    if (!finite(key, leaf, v, fix)) return false;
    if (v > lo) return true;
    add(key, fmt::format("{} must be > {}, got {}", leaf, num(lo), num(v)), std::string(fix));
    return false;
  }
  bool between(const std::string& key, std::string_view leaf, double v, double lo, double hi,
               std::string_view fix) {
    if (!finite(key, leaf, v, fix)) return false;
    if (v >= lo && v <= hi) return true;
    add(key, fmt::format("{} must be between {} and {}, got {}", leaf, num(lo), num(hi), num(v)),
        std::string(fix));
    return false;
  }
  // Checked after a lower bound: `v` is finite here.
  bool at_most(const std::string& key, std::string_view leaf, double v, Limit limit,
               std::string_view fix) {
    if (v <= limit.max) return true;
    add(key, fmt::format("{} must be at most {}, got {}", leaf, num(limit.max), num(v)),
        fmt::format("{} ({})", fix, limit.why));
    return false;
  }
  bool in_range(const std::string& key, std::string_view leaf, double v, double lo, Limit limit,
                std::string_view fix) {
    return at_least(key, leaf, v, lo, fix) && at_most(key, leaf, v, limit, fix);
  }

  bool strictly_between(const std::string& key, std::string_view leaf, double v, double lo,
                        double hi, std::string_view fix) {
    if (!finite(key, leaf, v, fix)) return false;
    if (v > lo && v < hi) return true;
    add(key,
        fmt::format("{} must be strictly between {} and {}, got {}", leaf, num(lo), num(hi),
                    num(v)),
        std::string(fix));
    return false;
  }

  // ---- names --------------------------------------------------------------------------------

  // Names become keys of dotted paths and parts of edge names, so they may not contain what
  // separates those.
  void name(const std::string& key, std::string_view kind, const std::string& n) {
    if (n.empty()) {
      add(key, fmt::format("a {} needs a name", kind), "give it a short name such as 'aware'");
      return;
    }
    if (n.find("->") != std::string::npos || n.find_first_of(".[]\"=") != std::string::npos ||
        n.front() == ' ' || n.back() == ' ') {
      add(key, fmt::format("{} name '{}' cannot be used", kind, n),
          "rename it: names may not contain '.', '[', ']', '\"', '=' or '->', nor start or end "
          "with a space");
    }
  }

  template <typename T, typename NameOf>
  void unique_names(std::string_view table, std::string_view kind, const std::vector<T>& items,
                    NameOf name_of) {
    std::set<std::string> seen;
    for (const auto& item : items) {
      const std::string& n = name_of(item);
      if (!seen.insert(n).second) {
        add(join_key(table, n), fmt::format("{} '{}' is declared twice", kind, n),
            "give each one its own name, or remove one");
      }
    }
  }

  bool is_stage(const std::string& n) const {
    return std::find(stage_names_.begin(), stage_names_.end(), n) != stage_names_.end();
  }
  bool is_segment(const std::string& n) const {
    return std::find(segment_names_.begin(), segment_names_.end(), n) != segment_names_.end();
  }
  const EdgeDef* find_edge(const std::string& n) const {
    for (const auto& e : def_.edges) {
      if (edge_name(e) == n) return &e;
    }
    return nullptr;
  }

  std::string stage_fix(const std::string& n) const {
    return did_you_mean(
        n, stage_names_,
        stage_names_.empty()
            ? std::string("declare it in [stages]")
            : fmt::format("declare it in [stages], or use one of: {}", join_names(stage_names_)));
  }

  // A list of stage names (reaches): each known, none twice.
  void stage_list(const std::string& key, const std::vector<std::string>& names) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string k = join_index(key, i);
      if (!is_stage(names[i])) {
        add(k, fmt::format("unknown stage '{}'", names[i]), stage_fix(names[i]));
      } else if (!seen.insert(names[i]).second) {
        add(k, fmt::format("stage '{}' is listed twice", names[i]), "list each stage once");
      }
    }
  }

  // ---- sections -----------------------------------------------------------------------------

  void simulation() {
    const auto& s = def_.simulation;
    if (s.customers < 1 || s.customers > kMaxCustomers) {
      add("simulation.customers",
          fmt::format("customers must be between 1 and {}, got {}", kMaxCustomers, s.customers),
          "give the number of synthetic customers, e.g. customers = 100_000");
    }
    if (s.days < 1 || s.days > kMaxDays) {
      add("simulation.days", fmt::format("days must be between 1 and {}, got {}", kMaxDays, s.days),
          "give the horizon in days, e.g. days = 365");
    }
    if (s.replicates < 1 || s.replicates > kMaxReplicates) {
      add("simulation.replicates",
          fmt::format("replicates must be between 1 and {}, got {}", kMaxReplicates, s.replicates),
          "give the number of runs to average over, e.g. replicates = 10");
    }
    if (!s.currency.empty() && !is_iso_currency(s.currency)) {
      add("simulation.currency",
          fmt::format("'{}' is not a current ISO 4217 currency code", s.currency),
          currency_fix(s.currency));
    }
  }

  void order_value(const std::string& key, const OrderValueDef& v) {
    const char* mean_fix = "give the mean order value in currency units, e.g. mean = 50";
    if (above(join_key(key, "mean"), "mean", v.mean, 0.0, mean_fix)) {
      at_most(join_key(key, "mean"), "mean", v.mean, kOrderValueLimit, mean_fix);
    }
    in_range(join_key(key, "cv"), "cv", v.cv, 0.0, kCvLimit,
             "give the coefficient of variation (sd / mean), e.g. cv = 0.5; 0 = every order "
             "the same");
  }

  void segments() {
    const auto& segs = def_.segments;
    if (segs.empty()) {
      add("segments", "there are no segments",
          "remove [segments] to get one segment 'everyone', or declare at least one");
      return;
    }
    if (segs.size() > kMaxSegments) {
      add("segments", fmt::format("{} segments, at most {} are allowed", segs.size(), kMaxSegments),
          "merge similar segments");
    }
    unique_names("segments", "segment", segs,
                 [](const SegmentDef& s) -> const std::string& { return s.name; });
    bool shares_ok = true;
    double sum = 0.0;
    for (const auto& s : segs) {
      const std::string key = join_key("segments", s.name);
      name(key, "segment", s.name);
      shares_ok &= between(join_key(key, "share"), "share", s.share, 0.0, 1.0,
                           "give the segment's fraction of the population, e.g. share = 0.16");
      sum += s.share;
      const char* multiplier = "give a multiplier >= 0; 1 = as everyone else";
      in_range(join_key(key, "tempo"), "tempo", s.tempo, 0.0, kMultiplierLimit, multiplier);
      in_range(join_key(key, "curiosity"), "curiosity", s.curiosity, 0.0, kMultiplierLimit,
               multiplier);
      in_range(join_key(key, "responsiveness"), "responsiveness", s.responsiveness, 0.0,
               kExponentLimit, multiplier);
      in_range(join_key(key, "advocacy"), "advocacy", s.advocacy, 0.0, kMultiplierLimit,
               multiplier);
      if (s.order) order_value(join_key(key, "order"), *s.order);
      std::set<std::string> seen;
      for (const auto& [edge, m] : s.edges) {
        const std::string k = join_key(join_key(key, "edges"), edge);
        if (find_edge(edge) == nullptr) {
          add(k, fmt::format("segment '{}' scales edge '{}', which does not exist", s.name, edge),
              did_you_mean(edge, edge_names_, "declare the edge in [edges], or remove this line"));
        } else if (!seen.insert(edge).second) {
          add(k, fmt::format("edge '{}' is scaled twice in segment '{}'", edge, s.name),
              "keep one multiplier per edge");
        }
        in_range(k, "an edge multiplier", m, 0.0, kMultiplierLimit, multiplier);
      }
    }
    if (shares_ok && std::fabs(sum - 1.0) > kShareTolerance) {
      std::vector<std::string> names;
      for (const auto& s : segs) names.push_back(s.name);
      add("segments", fmt::format("shares sum to {}, not 1", num(sum)),
          fmt::format("adjust the shares of {} so they add up to 1", join_names(names)));
    }
  }

  void stages() {
    const auto& st = def_.stages;
    if (st.empty()) {
      add("stages", "there are no stages",
          "declare the stages of the journey in [stages], e.g. unaware = { role = \"unaware\" }");
      return;
    }
    if (st.size() > kMaxStages) {
      add("stages", fmt::format("{} stages, at most {} are allowed", st.size(), kMaxStages),
          "merge stages that customers pass through together");
    }
    unique_names("stages", "stage", st,
                 [](const StageDef& s) -> const std::string& { return s.name; });
    bool starts_ok = true;
    double sum = 0.0;
    std::vector<std::string> given;
    for (const auto& s : st) {
      const std::string key = join_key("stages", s.name);
      name(key, "stage", s.name);
      starts_ok &= between(join_key(key, "start"), "start", s.start, 0.0, 1.0,
                           "give the fraction of the population that starts here, e.g. 0.9");
      sum += s.start;
      if (s.start > 0.0) given.push_back(s.name);
    }
    // All zero means "everyone starts in the first stage" (scenario files say so by giving no
    // start at all).
    if (starts_ok && !given.empty() && std::fabs(sum - 1.0) > kShareTolerance) {
      add("stages", fmt::format("starting shares sum to {}, not 1", num(sum)),
          fmt::format("adjust start of {} so they add up to 1, or give none: everyone then "
                      "starts in '{}'",
                      join_names(given), st.front().name));
    }
    const bool buys = std::any_of(st.begin(), st.end(),
                                  [](const StageDef& s) { return s.role == Role::purchase; });
    if (!buys) {
      add("stages", "no stage has role \"purchase\": there is nothing to buy",
          "give the stage where customers buy role = \"purchase\"");
    }
  }

  void edges() {
    std::set<std::string> seen;
    for (const auto& e : def_.edges) {
      const std::string n = edge_name(e);
      const std::string key = join_key("edges", n);
      for (const std::string* side : {&e.from, &e.to}) {
        if (!is_stage(*side)) {
          add(key, fmt::format("unknown stage '{}' in edge '{}'", *side, n), stage_fix(*side));
        }
      }
      if (e.from == e.to) {
        add(key, fmt::format("edge '{}' goes from a stage to itself", n),
            "remove it: customers stay in a stage when no edge fires");
      }
      if (!seen.insert(n).second) {
        add(key, fmt::format("edge '{}' is declared twice", n), "keep one of them");
      }
      in_range(join_key(key, "rate"), "rate", e.rate, 0.0, kRateLimit,
               "give the hazard per day, e.g. rate = 0.03; 0 switches the edge off");
    }
  }

  // Stages a customer can reach but never leave trap them; only purchase, retention and lost
  // stages may end a journey (a funnel world ends at the purchase). An edge to an unknown stage
  // still counts as a way out: it is reported once, as the edge's problem.
  void ways_out() {
    const auto& wom = def_.word_of_mouth;
    for (const auto& s : def_.stages) {
      const bool has_exit =
          std::any_of(def_.edges.begin(), def_.edges.end(),
                      [&](const EdgeDef& e) { return e.from == s.name && e.to != s.name; });
      if (has_exit) continue;
      const std::string key = join_key("stages", s.name);
      if (s.role == Role::journey) {
        add(key,
            fmt::format("journey stage '{}' has no way out: customers who reach it stay forever",
                        s.name),
            fmt::format("add an edge \"{} -> ...\" in [edges]", s.name));
      } else if (s.role == Role::unaware) {
        const bool recommended = wom.rate > 0.0 && std::find(wom.reaches.begin(), wom.reaches.end(),
                                                             s.name) != wom.reaches.end();
        if (!recommended) {
          add(key,
              fmt::format("unaware stage '{}' has no way out: no edge leaves it and word of "
                          "mouth does not reach it, so its customers never enter the market",
                          s.name),
              fmt::format("add an edge \"{} -> ...\" in [edges], or add '{}' to "
                          "word_of_mouth.reaches",
                          s.name, s.name));
        }
      }
    }
  }

  void salience() {
    const auto& s = def_.salience;
    between("salience.decay", "decay", s.decay, 0.0, 1.0,
            "give the share of salience kept from one day to the next, e.g. decay = 0.9");
    in_range("salience.hill.beta", "beta", s.beta, 0.0, kMultiplierLimit,
             "give the largest extra multiplier salience can add, e.g. beta = 1.0");
    in_range("salience.hill.half", "half", s.half, kMinHalf, kHalfLimit,
             "give the salience at which half the effect is reached, e.g. half = 2.0");
    const char* shape_fix = "give the Hill exponent, e.g. shape = 2.0 (1 = no threshold)";
    if (above("salience.hill.shape", "shape", s.shape, 0.0, shape_fix)) {
      at_most("salience.hill.shape", "shape", s.shape, kExponentLimit, shape_fix);
    }
  }

  void experience() {
    const auto& x = def_.experience;
    const bool mean_ok = between("experience.quality.mean", "mean", x.quality_mean, 0.0, 1.0,
                                 "give the mean experience quality, 0 to 1, e.g. mean = 0.7");
    at_least("experience.quality.sd", "sd", x.quality_sd, 0.0,
             "give the spread of experience quality, e.g. sd = 0.15");
    // "+" edges divide by the reference and "-" edges by 1 - reference.
    const char* why = "satisfaction-marked edges divide by it and by 1 minus it";
    // Within kMinReference of 0 or 1 the division makes hazards explode as well.
    const auto too_close = [](double r) { return r < kMinReference || r > 1.0 - kMinReference; };
    if (x.reference) {
      if (strictly_between(
              "experience.reference", "reference", *x.reference, 0.0, 1.0,
              fmt::format("give a value strictly between 0 and 1, e.g. 0.7 ({})", why)) &&
          too_close(*x.reference)) {
        add("experience.reference",
            fmt::format("reference must be between {} and {}, got {}", num(kMinReference),
                        num(1.0 - kMinReference), num(*x.reference)),
            fmt::format("give a value such as 0.7 ({})", why));
      }
    } else if (mean_ok && too_close(x.quality_mean)) {
      add("experience.reference",
          fmt::format("reference defaults to quality.mean = {}, which is not between {} and {} "
                      "({})",
                      num(x.quality_mean), num(kMinReference), num(1.0 - kMinReference), why),
          fmt::format("set experience.reference to a value between {} and {}, e.g. 0.7",
                      num(kMinReference), num(1.0 - kMinReference)));
    }
  }

  void order() {
    order_value("order.value", def_.order.value);
    between("order.margin", "margin", def_.order.margin, 0.0, 1.0,
            "give the share of revenue that is margin, e.g. margin = 0.30");
  }

  void word_of_mouth() {
    const auto& w = def_.word_of_mouth;
    const auto& net = w.network;
    const std::string nk = "word_of_mouth.network";
    const std::uint64_t customers = def_.simulation.customers;
    if (net.degree < 1) {
      add(join_key(nk, "degree"), fmt::format("degree must be >= 1, got {}", net.degree),
          "give the mean number of contacts per customer, e.g. degree = 10");
    } else if (net.kind != NetworkKind::mixed &&
               static_cast<std::uint64_t>(net.degree) >= customers) {
      add(join_key(nk, "degree"),
          fmt::format("degree {} needs more than {} customers", net.degree, customers),
          "lower the degree below the number of customers");
    } else if (net.kind == NetworkKind::small_world && net.degree % 2 != 0) {
      add(join_key(nk, "degree"),
          fmt::format("a small-world network needs an even degree, got {}", net.degree),
          fmt::format("use {} or {}: each customer links to degree/2 neighbours on either side",
                      net.degree - 1, net.degree + 1));
    }
    between(join_key(nk, "rewire"), "rewire", net.rewire, 0.0, 1.0,
            "give the probability of rewiring each link, e.g. rewire = 0.1");
    above(join_key(nk, "exponent"), "exponent", net.exponent, 2.0,
          "give the degree exponent of the scale-free network, e.g. exponent = 2.5");

    const bool rate_ok = in_range("word_of_mouth.rate", "rate", w.rate, 0.0, kRateLimit,
                                  "give recommendations per advocate per day, e.g. rate = 0.05; "
                                  "0 switches word of mouth off");
    stage_list("word_of_mouth.reaches", w.reaches);
    if (!w.moves_to.empty() && !is_stage(w.moves_to)) {
      add("word_of_mouth.moves_to", fmt::format("unknown stage '{}'", w.moves_to),
          stage_fix(w.moves_to));
    }
    if (rate_ok && w.rate > 0.0) {
      if (w.reaches.empty()) {
        add("word_of_mouth.reaches",
            "word of mouth is on but reaches no stage, so no recommendation can act",
            "list the stages a recommendation moves people from, e.g. reaches = [\"unaware\", "
            "\"aware\"]");
      }
      if (w.moves_to.empty()) {
        add("word_of_mouth.moves_to",
            "word of mouth is on but does not say where a recommended customer moves",
            "give the stage, e.g. moves_to = \"consideration\"");
      }
      const bool advocates = std::any_of(def_.stages.begin(), def_.stages.end(),
                                         [](const StageDef& s) { return s.advocate; });
      if (!advocates) {
        add("word_of_mouth.rate",
            fmt::format("word of mouth is on (rate = {}) but no stage is marked advocate = true, "
                        "so nobody recommends",
                        num(w.rate)),
            "mark the stages whose customers recommend with advocate = true, or set "
            "word_of_mouth.rate = 0");
      }
    }
    const auto& c = w.complaints;
    const std::string ck = "word_of_mouth.complaints";
    const bool crate_ok = in_range(join_key(ck, "rate"), "rate", c.rate, 0.0, kRateLimit,
                                   "give complaints per unhappy lost customer per day, e.g. 0.02");
    between(join_key(ck, "below"), "below", c.below, 0.0, 1.0,
            "give the satisfaction under which lost customers complain, e.g. below = 0.5");
    in_range(join_key(ck, "impact"), "impact", c.impact, 0.0, kMultiplierLimit,
             "give the salience a heard complaint removes, e.g. impact = 1.0");
    if (crate_ok && c.rate > 0.0 &&
        std::none_of(def_.stages.begin(), def_.stages.end(),
                     [](const StageDef& s) { return s.role == Role::lost; })) {
      add(join_key(ck, "rate"),
          "complaints come from lost customers, but no stage has role \"lost\"",
          "add a stage with role = \"lost\", or set word_of_mouth.complaints.rate = 0");
    }
  }

  // Edge names of a list (a calendar entry's or a group's): each known, none twice.
  void edge_list(const std::string& key, const std::vector<std::string>& names,
                 std::string_view what) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string k = join_index(key, i);
      const std::string n = canonical_key(names[i]);
      if (find_edge(n) == nullptr) {
        add(k, fmt::format("{} names edge '{}', which does not exist", what, names[i]),
            did_you_mean(n, edge_names_, "declare the edge in [edges], or remove it here"));
      } else if (!seen.insert(n).second) {
        add(k, fmt::format("edge '{}' is listed twice", n), "list each edge once");
      }
    }
  }

  void segment_list(const std::string& key, const std::vector<std::string>& names) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const std::string k = join_index(key, i);
      if (!is_segment(names[i])) {
        add(k, fmt::format("unknown segment '{}'", names[i]),
            did_you_mean(names[i], segment_names_,
                         fmt::format("use one of: {}", join_names(segment_names_))));
      } else if (!seen.insert(names[i]).second) {
        add(k, fmt::format("segment '{}' is listed twice", names[i]), "list each segment once");
      }
    }
  }

  void calendar() {
    const auto& cal = def_.calendar;
    if (cal.empty()) return;
    unique_names("calendar", "calendar entry", cal,
                 [](const CalendarDef& c) -> const std::string& { return c.name; });
    if (!def_.simulation.start) {
      add("simulation.start",
          fmt::format("calendar entry '{}' needs to know which date day 0 is", cal.front().name),
          "give simulation.start = 2025-01-01 (the date of the first day)");
    }
    std::map<std::string, double> largest;  // edge -> product of its entries' largest factors
    for (const CalendarDef& c : cal) {
      const std::string key = join_key("calendar", c.name);
      name(key, "calendar entry", c.name);
      if (c.edges.empty()) {
        add(join_key(key, "edges"), fmt::format("calendar entry '{}' names no edges", c.name),
            "list the edges whose rates follow it, e.g. edges = [\"no_occasion -> occasion\"]");
      }
      edge_list(join_key(key, "edges"), c.edges, fmt::format("calendar entry '{}'", c.name));
      segment_list(join_key(key, "segments"), c.segments);
      const char* factor_fix = "give a multiplier >= 0: 1 = an ordinary day, 0 = nobody moves";
      double top = 1.0;
      switch (c.kind) {
        case CalendarKind::occasion: {
          const bool date_ok =
              c.month >= 1 && c.month <= 12 && c.day >= 1 &&
              std::chrono::year_month_day{std::chrono::year(c.year == 0 ? 2000 : c.year),
                                          std::chrono::month(static_cast<unsigned>(c.month)),
                                          std::chrono::day(static_cast<unsigned>(c.day))}
                  .ok();
          if (!date_ok) {
            add(join_key(key, "date"),
                fmt::format("{}-{:02}-{:02} is not a date", c.year, c.month, c.day),
                "give a real date, e.g. date = \"03-08\" (every year) or date = 2025-03-08");
          }
          if (in_range(join_key(key, "peak"), "peak", c.peak, 0.0, kMultiplierLimit, factor_fix)) {
            top = std::max(top, c.peak);
          }
          for (const auto& [days, leaf] :
               {std::pair{c.before, "before"}, std::pair{c.after, "after"}}) {
            if (days < 0 || days > kMaxOccasionWindow) {
              add(join_key(key, leaf),
                  fmt::format("{} must be between 0 and {} days, got {}", leaf, kMaxOccasionWindow,
                              days),
                  "give the days the occasion acts before (run-up) or after its date");
            }
          }
          break;
        }
        case CalendarKind::weekly:
        case CalendarKind::monthly: {
          const bool weekly = c.kind == CalendarKind::weekly;
          const std::string fk = join_key(key, weekly ? "weekly" : "monthly");
          const std::size_t want = weekly ? 7 : 12;
          if (c.factors.size() != want) {
            add(fk, fmt::format("{} factors, not {}", c.factors.size(), want),
                weekly ? "give seven factors, Monday to Sunday"
                       : "give twelve factors, January to December");
          }
          for (std::size_t i = 0; i < c.factors.size(); ++i) {
            if (in_range(join_index(fk, i), "a factor", c.factors[i], 0.0, kMultiplierLimit,
                         factor_fix)) {
              top = std::max(top, c.factors[i]);
            }
          }
          break;
        }
        case CalendarKind::series: {
          const bool strength_ok =
              in_range(join_key(key, "strength"), "strength", c.strength, 0.0, kExponentLimit,
                       "give the exponent on every factor of the file: 1 = as written, 0 = off");
          for (const auto& [date, factor] : c.series) {
            if (!(factor >= 0 && factor <= kMultiplierLimit.max)) {
              add(join_key(key, "file"), fmt::format("a factor of {} is {}", c.file, num(factor)),
                  factor_fix);
              break;
            }
            if (strength_ok) top = std::max(top, std::pow(factor, c.strength));
          }
          break;
        }
      }
      for (const std::string& e : c.edges) {
        const std::string n = canonical_key(e);
        if (find_edge(n) == nullptr) continue;
        double& product = largest.try_emplace(n, 1.0).first->second;
        product *= top;
        if (product > kMaxCalendarProduct && product / top <= kMaxCalendarProduct) {
          add(join_key(key, "edges"),
              fmt::format("the calendar multiplies edge '{}' up to {}-fold on one day; at most {}",
                          n, num(product), num(kMaxCalendarProduct)),
              "lower the peaks or factors of the entries on this edge");
        }
      }
    }
  }

  void heterogeneity() {
    const auto& groups = def_.heterogeneity;
    if (groups.empty()) return;
    unique_names("heterogeneity", "heterogeneity group", groups,
                 [](const HeterogeneityDef& h) -> const std::string& { return h.name; });
    if (groups.size() > kMaxGroups) {
      add("heterogeneity",
          fmt::format("{} groups, at most {} are allowed", groups.size(), kMaxGroups),
          "put edges that go together in one group");
    }
    std::map<std::string, std::string> owner;  // edge -> the group it belongs to
    for (const HeterogeneityDef& h : groups) {
      const std::string key = join_key("heterogeneity", h.name);
      name(key, "heterogeneity group", h.name);
      if (h.edges.empty()) {
        add(join_key(key, "edges"), fmt::format("heterogeneity group '{}' names no edges", h.name),
            "list the edges whose rates differ from customer to customer");
      }
      edge_list(join_key(key, "edges"), h.edges, fmt::format("heterogeneity group '{}'", h.name));
      for (std::size_t i = 0; i < h.edges.size(); ++i) {
        const std::string n = canonical_key(h.edges[i]);
        if (find_edge(n) == nullptr) continue;
        const auto [it, fresh] = owner.try_emplace(n, h.name);
        if (!fresh && it->second != h.name) {
          add(join_index(join_key(key, "edges"), i),
              fmt::format("edge '{}' is already in heterogeneity group '{}'", n, it->second),
              "an edge has one multiplier per customer: keep it in one group");
        }
      }
      segment_list(join_key(key, "segments"), h.segments);
      in_range(join_key(key, "cv"), "cv", h.cv, 0.0, kCvGroupLimit,
               "give the coefficient of variation (sd / mean) of the multiplier, e.g. cv = 1.0; "
               "0 = everyone alike");
    }
  }

  void relationship() {
    const auto& groups = def_.relationship;
    if (groups.empty()) return;
    unique_names("relationship", "relationship", groups,
                 [](const RelationshipDef& r) -> const std::string& { return r.name; });
    if (groups.size() > kMaxGroups) {
      add("relationship",
          fmt::format("{} relationships, at most {} are allowed", groups.size(), kMaxGroups),
          "put edges that go together in one relationship");
    }
    std::map<std::string, std::string> owner;  // edge -> the relationship it belongs to
    for (const RelationshipDef& r : groups) {
      const std::string key = join_key("relationship", r.name);
      name(key, "relationship", r.name);
      if (r.edges.empty()) {
        add(join_key(key, "edges"), fmt::format("relationship '{}' names no edges", r.name),
            "list the edges whose rates the customer's purchases change");
      }
      edge_list(join_key(key, "edges"), r.edges, fmt::format("relationship '{}'", r.name));
      for (std::size_t i = 0; i < r.edges.size(); ++i) {
        const std::string n = canonical_key(r.edges[i]);
        if (find_edge(n) == nullptr) continue;
        const auto [it, fresh] = owner.try_emplace(n, r.name);
        if (!fresh && it->second != r.name) {
          add(join_index(join_key(key, "edges"), i),
              fmt::format("edge '{}' is already in relationship '{}'", n, it->second),
              "an edge has one bond per customer: keep it in one relationship");
        }
      }
      segment_list(join_key(key, "segments"), r.segments);
      const std::string factor = join_key(key, "per_purchase");
      if (in_range(factor, "per_purchase", r.per_purchase, 0.0, kPerPurchaseLimit,
                   "give the factor each purchase puts on the rates, e.g. per_purchase = 0.7 "
                   "(1 = no effect)") &&
          r.per_purchase < 1.0 / kPerPurchaseLimit.max) {
        add(factor,
            fmt::format("per_purchase must be at least {}, got {}",
                        num(1.0 / kPerPurchaseLimit.max), num(r.per_purchase)),
            "a factor below 0.1 per purchase reaches the multiplier's floor (1e-6) within six "
            "purchases; use 0.1 or more");
      }
      between(join_key(key, "memory"), "memory", r.memory, 0.0, 1.0,
              "give the share of the bond a purchase keeps, e.g. memory = 0.8 (1 = every "
              "purchase counts for ever, 0 = only the last one)");
    }
  }

  void flights(const ChannelDef& c, const std::string& key) {
    if (c.flights.empty()) {
      add(key, fmt::format("channel '{}' has no budget", c.name),
          "give budget = <amount> or flights = [{ from = 0, to = 89, amount = 20_000 }, ...]");
      return;
    }
    const int last_day = def_.simulation.days - 1;
    const std::string fk = join_key(key, "flights");
    std::vector<std::size_t> valid;  // flights with a proper day range, for the overlap test
    for (std::size_t i = 0; i < c.flights.size(); ++i) {
      const FlightDef& f = c.flights[i];
      const std::string k = join_index(fk, i);
      in_range(join_key(k, "amount"), "amount", f.amount, 0.0, kMoneyLimit,
               "give the amount to spend in this flight, e.g. amount = 20_000");
      bool ok = true;
      for (const auto& [day, leaf] : {std::pair{f.from, "from"}, std::pair{f.to, "to"}}) {
        if (day < 0 || day > last_day) {
          add(join_key(k, leaf),
              fmt::format("flight [{}, {}] is outside the horizon: days run from 0 to {}", f.from,
                          f.to, last_day),
              fmt::format("give days from 0 to {} (0-based, both ends included)", last_day));
          ok = false;
          break;
        }
      }
      if (ok && f.from > f.to) {
        add(join_key(k, "to"),
            fmt::format("flight ends on day {} before it starts on day {}", f.to, f.from),
            "swap from and to: the flight runs from day `from` to day `to`, both included");
        ok = false;
      }
      if (ok) valid.push_back(i);
    }
    std::sort(valid.begin(), valid.end(), [&](std::size_t a, std::size_t b) {
      return c.flights[a].from < c.flights[b].from ||
             (c.flights[a].from == c.flights[b].from && a < b);
    });
    for (std::size_t j = 1; j < valid.size(); ++j) {
      const FlightDef& prev = c.flights[valid[j - 1]];
      const FlightDef& next = c.flights[valid[j]];
      if (next.from <= prev.to) {
        const std::size_t later = std::max(valid[j - 1], valid[j]);
        const std::size_t other = std::min(valid[j - 1], valid[j]);
        add(join_index(fk, later),
            fmt::format("flight [{}, {}] overlaps flight [{}, {}] (flights[{}])",
                        c.flights[later].from, c.flights[later].to, c.flights[other].from,
                        c.flights[other].to, other),
            "make the day ranges disjoint: when one flight ends on day t, the next starts on "
            "day t+1 or later");
      }
    }
  }

  void channels() {
    const auto& chs = def_.channels;
    if (chs.size() > kMaxChannels) {
      add("channels", fmt::format("{} channels, at most {} are allowed", chs.size(), kMaxChannels),
          "merge channels that act alike");
    }
    unique_names("channels", "channel", chs,
                 [](const ChannelDef& c) -> const std::string& { return c.name; });
    for (const auto& c : chs) {
      const std::string key = join_key("channels", c.name);
      name(key, "channel", c.name);
      in_range(join_key(key, "cost"), "cost", c.cost, 0.0, kMoneyLimit,
               "give the cost per contact in currency units, e.g. cost = 0.5");
      flights(c, key);
      if (c.holdout.share != 0.0) {
        const std::string hk = join_key(key, "holdout");
        const int last_day = def_.simulation.days - 1;
        if (!(c.holdout.share > 0.0 && c.holdout.share < 1.0)) {
          add(join_key(hk, "share"),
              fmt::format("share must be between 0 and 1, got {}", num(c.holdout.share)),
              "give the share of customers the channel skips, e.g. share = 0.2");
        }
        if (c.holdout.from < 0 || c.holdout.to > last_day || c.holdout.from > c.holdout.to) {
          add(join_key(hk, c.holdout.from < 0 || c.holdout.from > c.holdout.to ? "from" : "to"),
              fmt::format("holdout days [{}, {}] are not a range inside the horizon 0 .. {}",
                          c.holdout.from, c.holdout.to, last_day),
              fmt::format("give 0 <= from <= to <= {} (0-based, both included)", last_day));
        }
      }
      const std::string rk = join_key(key, "reaches");
      if (c.reaches.empty()) {
        add(rk, fmt::format("channel '{}' reaches no stage", c.name),
            "list the stages it can expose, e.g. reaches = [\"aware\", \"consideration\"]");
      }
      stage_list(rk, c.reaches);
      std::set<std::string> seen_segments;
      for (std::size_t i = 0; i < c.segments.size(); ++i) {
        const std::string k = join_index(join_key(key, "segments"), i);
        if (!is_segment(c.segments[i])) {
          add(k, fmt::format("unknown segment '{}'", c.segments[i]),
              did_you_mean(c.segments[i], segment_names_,
                           fmt::format("use one of: {}", join_names(segment_names_))));
        } else if (!seen_segments.insert(c.segments[i]).second) {
          add(k, fmt::format("segment '{}' is listed twice", c.segments[i]),
              "list each segment once");
        }
      }
      std::set<std::string> seen_lifts;
      for (const auto& [edge, lift] : c.lifts) {
        const std::string k = join_key(join_key(key, "lift"), edge);
        // No limit of its own: what must stay finite is the product of every lift one customer
        // can get on the edge, checked below (a lift of 1e10 makes an exposure certain to act).
        at_least(k, "a lift", lift, 0.0,
                 "give the multiplier of the edge's hazard on exposure; < 1 pushes customers "
                 "away, 1 = no effect");
        const EdgeDef* e = find_edge(edge);
        if (e == nullptr) {
          add(k, fmt::format("channel '{}' lifts edge '{}', which does not exist", c.name, edge),
              did_you_mean(edge, edge_names_, "declare the edge in [edges], or remove the lift"));
        } else if (!seen_lifts.insert(edge).second) {
          add(k, fmt::format("edge '{}' is lifted twice by channel '{}'", edge, c.name),
              "keep one lift per edge");
        } else if (!c.reaches.empty() &&  // no reaches at all is reported once, above
                   std::find(c.reaches.begin(), c.reaches.end(), e->from) == c.reaches.end()) {
          add(k,
              fmt::format("the lift on '{}' can never act: channel '{}' does not reach stage "
                          "'{}'",
                          edge, c.name, e->from),
              fmt::format("add '{}' to channels.{}.reaches, or remove the lift", e->from, c.name));
        }
      }
      in_range(join_key(key, "salience"), "salience", c.salience, 0.0, kMultiplierLimit,
               "give the salience an exposure adds, e.g. salience = 1.0");
      between(join_key(key, "quality"), "quality", c.quality, -1.0, 1.0,
              "give what an exposure adds to satisfaction, from -1 to 1, e.g. quality = 0.1");
    }
    combined_lifts();
  }

  // A customer exposed by several channels on one day gets every lift on an edge at once, each
  // raised to the segment's responsiveness: the product must stay finite (see the limits).
  // Only lifts above 1 raise it; values out of range were reported above and are skipped here.
  void combined_lifts() {
    for (const EdgeDef& e : def_.edges) {
      const std::string edge = edge_name(e);
      for (const SegmentDef& g : def_.segments) {
        if (!(g.responsiveness >= 0 && g.responsiveness <= kExponentLimit.max)) continue;
        double log10_product = 0;
        std::vector<std::string> lifting;
        const ChannelDef* strongest = nullptr;
        double strongest_lift = 1;
        for (const ChannelDef& c : def_.channels) {
          for (const auto& [name, lift] : c.lifts) {
            if (name != edge || !(lift > 1 && std::isfinite(lift))) continue;
            log10_product += g.responsiveness * std::log10(lift);
            lifting.push_back(c.name);
            if (lift > strongest_lift) {
              strongest_lift = lift;
              strongest = &c;
            }
          }
        }
        if (strongest == nullptr || log10_product <= std::log10(kMaxCombinedLift)) continue;
        add(join_key(join_key(join_key("channels", strongest->name), "lift"), edge),
            fmt::format("channels {} together lift edge '{}' about 1e{:.0f}-fold for segment '{}' "
                        "(each lift ^ responsiveness {}, multiplied); at most {}",
                        join_names(lifting), edge, log10_product, g.name, num(g.responsiveness),
                        num(kMaxCombinedLift)),
            fmt::format("lower these lifts, or segments.{}.responsiveness", g.name));
        break;  // once per edge: the fix is the same for every segment
      }
    }
  }

  const ScenarioDef& def_;
  std::vector<std::string> stage_names_;
  std::vector<std::string> segment_names_;
  std::vector<std::string> edge_names_;
  std::vector<Diagnostic> out_;
};

}  // namespace

std::vector<Diagnostic> check_scenario(const ScenarioDef& def) {
  return Checker(def).run();
}

}  // namespace cjsim
