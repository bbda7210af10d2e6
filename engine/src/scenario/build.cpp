// build_scenario: a ScenarioDocument (TOML after overrides) -> one validated ScenarioDef per
// variant, or one InputError that lists every problem with its file, line and column.
//
// Three passes per variant: read the merged TOML tree into a ScenarioDef (types, unknown keys,
// required keys), run check_scenario on it (ranges, references, sums, ways out), then estimate
// memory. Problems are collected keyed by their dotted path and only at the end given a place:
// an override when one set the key, else the variant's own table, else the base file.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/did_you_mean.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "scenario/calendar_csv.hpp"
#include "scenario/document_impl.hpp"
#include "scenario/toml_values.hpp"

namespace cjsim {

namespace {

const std::vector<std::string> kTopKeys = {
    "simulation",   "segments",      "stages",   "edges",    "channels",
    "salience",     "experience",    "order",    "calendar", "heterogeneity",
    "relationship", "word_of_mouth", "variants", "sweep",    "calibrate"};

constexpr double kMaxBudget = 1e12;  // check_scenario's limit on money (kMoneyLimit)

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `inner` is `outer` or sits below it ("a.b[0].c" is below "a.b").
bool is_within(std::string_view inner, std::string_view outer) {
  if (!starts_with(inner, outer)) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
}

using toml_values::as_number;
using toml_values::num;

// What a value is, for "expected X, not Y" messages.
std::string describe(const toml::node& n) {
  if (const auto* s = n.as_string()) {
    std::string text = s->get();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return fmt::format("the string \"{}\"", text);
  }
  if (const auto* i = n.as_integer()) return fmt::format("the integer {}", i->get());
  if (const auto* f = n.as_floating_point()) return fmt::format("the number {}", num(f->get()));
  if (const auto* b = n.as_boolean()) return fmt::format("the boolean {}", b->get());
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  if (n.is_date()) return "a date";
  if (n.is_time()) return "a time";
  return "a date-time";
}

// ---- problems before they have a place ------------------------------------------------------

enum class Anchor { value, key };  // point at the value, or at the key (unknown keys)

struct Problem {
  Diagnostic d;  // d.place.file stays empty until the problem is placed
  Anchor anchor = Anchor::value;
};

class Problems {
 public:
  void add(std::string key, std::string message, std::string fix, Anchor a = Anchor::value) {
    list.push_back(Problem{Diagnostic{{}, std::move(key), std::move(message), std::move(fix)}, a});
  }
  void add_placed(Diagnostic d) { list.push_back(Problem{std::move(d), Anchor::value}); }

  // A key whose value could not be read keeps its default in the definition, and checks that
  // judged that default would mislead. Dropped are checks about the key or what is inside it,
  // and checks about an enclosing table when the key is one that table-wide rules rest on
  // (shares, starts, roles, budgets) or a whole entry or section.
  void taint(const std::string& key) {
    const KeyPathParse parsed = parse_key_path(key);
    const bool structural =
        parsed.path.size() <= 2 ||
        kStructural.count(parsed.path.empty() ? std::string() : parsed.path.back().key) > 0;
    tainted_.push_back({key, structural});
  }
  bool affected(const std::string& key) const {
    return std::any_of(tainted_.begin(), tainted_.end(), [&](const Taint& t) {
      return is_within(key, t.key) || (t.structural && is_within(t.key, key));
    });
  }

  std::vector<Problem> list;

 private:
  struct Taint {
    std::string key;
    bool structural;
  };
  inline static const std::set<std::string> kStructural = {"share", "start", "role", "budget",
                                                           "flights"};
  std::vector<Taint> tainted_;
};

// ---- where things are: the file, a variant's table, or an override ---------------------------

// An override as seen from inside one variant's merged tree.
struct OverrideView {
  KeyPath path;          // relative to the variant's tree
  std::string rendered;  // render_key_path(path)
  const Override* source = nullptr;
  bool in_variant = false;  // it targeted variants.V....; keys get that prefix
};

class Layers {
 public:
  Layers(const ScenarioDocument::Impl& doc, std::string variant)
      : doc_(doc), variant_(std::move(variant)) {
    if (!variant_.empty()) prefix_ = join_key("variants", variant_) + ".";
    for (const Override& o : doc.overrides) {
      // Seen from the base (or a file without variants) every override is where it says.
      if (variant_.empty() || !o.targets_variant()) {
        views_.push_back({o.path, o.rendered, &o, false});
        continue;
      }
      // variants.V.<path>: re-applied inside variant V only, and only below its tables (the
      // description is not part of the scenario).
      if (variant_.empty() || o.path.size() < 3 || o.path[1].key != variant_ ||
          !o.path[1].indices.empty() || o.path[2].key == "description") {
        continue;
      }
      KeyPath sub(o.path.begin() + 2, o.path.end());
      views_.push_back({sub, render_key_path(sub), &o, true});
    }
  }

  const std::vector<OverrideView>& overrides() const { return views_; }
  const std::string& variant() const { return variant_; }

  // The keys of `t` (at `path` in the merged tree) in declaration order: keys of the base file
  // in the order written, then keys the variant adds in its order, then keys created by
  // overrides, alphabetically. (toml::table itself iterates alphabetically.)
  std::vector<std::string> ordered_keys(const toml::table& t, const std::string& path) const {
    struct Entry {
      int layer;
      int line;
      int column;
      std::string key;
    };
    std::vector<Entry> entries;
    for (auto&& [k, v] : t) {
      const std::string raw =
          path.empty() ? render_key(k.str(), false) : path + "." + render_key(k.str(), false);
      Entry e{2, 0, 0, std::string(k.str())};
      const SourceEntry* found = doc_.places->find(raw);
      if (found != nullptr) {
        e.layer = 0;
      } else if (!prefix_.empty() && (found = doc_.places->find(prefix_ + raw)) != nullptr) {
        e.layer = 1;
      }
      if (found != nullptr) {
        e.line = found->key.line;
        e.column = found->key.column;
      }
      entries.push_back(std::move(e));
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.layer != b.layer) return a.layer < b.layer;
      if (a.line != b.line) return a.line < b.line;
      if (a.column != b.column) return a.column < b.column;
      return a.key < b.key;
    });
    std::vector<std::string> keys;
    for (auto& e : entries) keys.push_back(std::move(e.key));
    return keys;
  }

  // Gives a problem its place (and, when the place is the variant's own table, the key its
  // full path variants.V.key).
  Diagnostic place(const Problem& p) const {
    Diagnostic d = p.d;
    if (!d.place.file.empty()) return d;
    const std::string key = d.key;
    const std::vector<std::string> chain = key_path_ancestry(key);
    auto at_override = [&](const OverrideView& o, bool exact) {
      const bool on_key = exact && p.anchor == Anchor::key;
      d.place = SourcePlace{"--set", 1, on_key ? 1 : o.source->value_column};
      if (o.in_variant) d.key = prefix_ + key;
      return d;
    };
    auto at_entry = [&](const SourceEntry& e, bool in_variant, bool exact) {
      d.place = e.anchor(exact && p.anchor == Anchor::key);
      if (in_variant) d.key = prefix_ + key;
      return d;
    };
    // 1. An override that set the key or a table above it wins: its value is what is in effect.
    for (auto o = views_.rbegin(); o != views_.rend(); ++o) {
      for (const std::string& a : chain) {
        if (o->rendered == a) return at_override(*o, a == key);
      }
    }
    // 2. The key as written in the variant's table or the base file.
    bool in_variant = false;
    if (const SourceEntry* e = find_in_file(key, in_variant)) return at_entry(*e, in_variant, true);
    // 3. An override that created the key by setting something inside it.
    for (auto o = views_.rbegin(); o != views_.rend(); ++o) {
      if (is_within(o->rendered, key)) return at_override(*o, false);
    }
    // 4. The nearest ancestor that is written down.
    for (std::size_t i = 1; i < chain.size(); ++i) {
      if (const SourceEntry* e = find_in_file(chain[i], in_variant)) {
        return at_entry(*e, in_variant, false);
      }
    }
    d.place = SourcePlace{doc_.source_name, 0, 0};
    return d;
  }

 private:
  const SourceEntry* find_in_file(const std::string& path, bool& in_variant) const {
    in_variant = false;
    if (!prefix_.empty()) {
      if (const SourceEntry* e = doc_.places->find(prefix_ + path)) {
        in_variant = true;
        return e;
      }
    }
    return doc_.places->find(path);
  }

  const ScenarioDocument::Impl& doc_;
  std::string variant_;
  std::string prefix_;  // "variants.V." or empty
  std::vector<OverrideView> views_;
};

// ---- reading typed values -------------------------------------------------------------------

// The fields of one table: unknown keys are reported on construction (with did-you-mean), and
// each typed read reports a wrong type and leaves the default in place.
class Fields {
 public:
  Fields(const toml::table& t, std::string path, const std::vector<std::string>& known, Problems& p)
      : t_(t), path_(std::move(path)), p_(p) {
    const std::string where = path_.empty()         ? std::string("at the top level")
                              : path_.back() == ']' ? "in " + path_
                                                    : "in [" + path_ + "]";
    for (auto&& [k, v] : t) {
      const std::string name(k.str());
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      const std::string raw =
          path_.empty() ? render_key(name, false) : path_ + "." + render_key(name, false);
      p_.add(raw, fmt::format("unknown key '{}' {}", name, where),
             did_you_mean(name, known, fmt::format("the keys here are: {}", join_names(known))),
             Anchor::key);
    }
  }

  std::string key(std::string_view k) const { return join_key(path_, k); }
  bool has(std::string_view k) const { return t_.contains(k); }
  const toml::node* get(std::string_view k) const { return t_.get(k); }

  // A number (integers are numbers too). Returns whether `out` was set.
  bool number(std::string_view k, double& out, std::string_view unit, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    if (auto v = as_number(*n)) {
      out = *v;
      return true;
    }
    wrong_type(k, *n, fmt::format("a number ({})", unit), example);
    return false;
  }

  bool optional_number(std::string_view k, std::optional<double>& out, std::string_view unit,
                       std::string_view example) {
    double v = 0.0;
    if (!number(k, v, unit, example)) return false;
    out = v;
    return true;
  }

  // A whole number in [lo, hi] (a float that is integral, such as 1e6, counts). `lo` and `hi`
  // are the definition's limits; narrower semantic ranges are check_scenario's business.
  template <typename Int>
  bool integer(std::string_view k, Int& out, std::int64_t lo, std::int64_t hi,
               std::string_view unit, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    std::int64_t v = 0;
    if (const auto* i = n->as_integer()) {
      v = i->get();
    } else if (const auto* f = n->as_floating_point()) {
      const double d = f->get();
      // 2^63 is exactly representable; anything at or beyond it does not fit an int64.
      if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 9.2233720368547758e18) {
        p_.add(key(k), fmt::format("{} must be a whole number ({}), got {}", k, unit, num(d)),
               fmt::format("write a whole number, e.g. {}", example));
        p_.taint(key(k));
        return false;
      }
      v = static_cast<std::int64_t>(d);
    } else {
      wrong_type(k, *n, fmt::format("a whole number ({})", unit), example);
      return false;
    }
    if (v < lo || v > hi) {
      const std::string range = hi == std::numeric_limits<std::int64_t>::max()
                                    ? fmt::format(">= {}", lo)
                                    : fmt::format("between {} and {}", lo, hi);
      p_.add(key(k), fmt::format("{} must be {}, got {}", k, range, v),
             fmt::format("write a whole number {}, e.g. {}", range, example));
      p_.taint(key(k));
      return false;
    }
    out = static_cast<Int>(v);
    return true;
  }

  bool boolean(std::string_view k, bool& out) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    if (const auto* b = n->as_boolean()) {
      out = b->get();
      return true;
    }
    wrong_type(k, *n, "true or false", fmt::format("{} = true", k));
    return false;
  }

  bool text(std::string_view k, std::string& out, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    if (const auto* s = n->as_string()) {
      out = s->get();
      return true;
    }
    wrong_type(k, *n, "a string in quotes", example);
    return false;
  }

  // A list of names. Elements that are not strings are reported and kept as "" so the
  // positions of the rest still match the file (diagnostics say reaches[2]).
  bool names(std::string_view k, std::vector<std::string>& out, std::string_view what,
             std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    const auto* a = n->as_array();
    if (a == nullptr) {
      wrong_type(k, *n, fmt::format("a list of {}", what), example);
      return false;
    }
    out.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      if (const auto* s = e.as_string()) {
        out.push_back(s->get());
        continue;
      }
      const std::string ek = join_index(key(k), i);
      p_.add(ek,
             fmt::format("{}[{}] must be one of the {} (a string in quotes), not {}", k, i, what,
                         describe(e)),
             fmt::format("write the names in quotes, e.g. {}", example));
      p_.taint(ek);
      out.emplace_back();
    }
    return true;
  }

  // A TOML date (start = 2025-01-01).
  bool date(std::string_view k, std::chrono::year_month_day& out, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    if (const auto* d = n->as_date()) {
      const toml::date v = d->get();
      out = std::chrono::year_month_day{std::chrono::year(v.year), std::chrono::month(v.month),
                                        std::chrono::day(v.day)};
      return true;
    }
    wrong_type(k, *n, "a date, written without quotes", example);
    return false;
  }

  // A list of numbers (weekly and monthly factors). Elements that are not numbers are reported
  // and kept as 1 so the positions of the rest still match the file.
  bool numbers(std::string_view k, std::vector<double>& out, std::string_view what,
               std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return false;
    const auto* a = n->as_array();
    if (a == nullptr) {
      wrong_type(k, *n, fmt::format("a list of {}", what), example);
      return false;
    }
    out.clear();
    for (std::size_t i = 0; i < a->size(); ++i) {
      const toml::node& e = (*a)[i];
      if (auto v = as_number(e)) {
        out.push_back(*v);
        continue;
      }
      const std::string ek = join_index(key(k), i);
      p_.add(ek, fmt::format("{}[{}] must be a number, not {}", k, i, describe(e)),
             fmt::format("write the numbers without quotes, e.g. {}", example));
      p_.taint(ek);
      out.push_back(1.0);
    }
    return true;
  }

  const toml::table* table(std::string_view k, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    wrong_type(k, *n, "a table", example);
    return nullptr;
  }

  const toml::array* array(std::string_view k, std::string_view what, std::string_view example) {
    const toml::node* n = get(k);
    if (n == nullptr) return nullptr;
    if (const auto* a = n->as_array()) return a;
    wrong_type(k, *n, what, example);
    return nullptr;
  }

  // A key that must be given. Returns whether it is.
  bool require(std::string_view k, std::string message, std::string fix) {
    if (has(k)) return true;
    p_.add(key(k), std::move(message), std::move(fix));
    p_.taint(key(k));
    return false;
  }

 private:
  void wrong_type(std::string_view k, const toml::node& n, std::string_view expected,
                  std::string_view example) {
    const bool quoted_number = n.is_string() && expected.find("number") != std::string_view::npos;
    p_.add(
        key(k), fmt::format("{} must be {}, not {}", k, expected, describe(n)),
        fmt::format("{}e.g. {}", quoted_number ? "write it without quotes, " : "write ", example));
    p_.taint(key(k));
  }

  const toml::table& t_;
  std::string path_;
  Problems& p_;
};

// ---- TOML tree -> ScenarioDef ---------------------------------------------------------------

constexpr std::string_view kMultiplier = "a multiplier, 1 = unchanged";

struct ReadResult {
  ScenarioDef def;
  std::set<std::string> budget_channels;  // their one flight came from `budget = ...`
};

class ScenarioReader {
 public:
  // `folder`: where the scenario file is, for files it names (calendar series).
  ScenarioReader(const toml::table& root, const Layers& layers, Problems& p, std::string folder)
      : root_(root), layers_(layers), p_(p), folder_(std::move(folder)) {}

  ReadResult read() {
    Fields top(root_, "", kTopKeys, p_);
    r_.def = ScenarioDef{};
    simulation();
    order();  // before segments: a segment's order defaults to [order].value
    segments();
    stages();
    edges();
    salience();
    experience();
    word_of_mouth();
    calendar();
    heterogeneity();
    relationship();
    channels();
    return std::move(r_);
  }

 private:
  // A top-level table, or nullptr when absent or (reported) not a table.
  const toml::table* section(std::string_view name, std::string_view example) {
    const toml::node* n = root_.get(name);
    if (n == nullptr) return nullptr;
    if (const auto* t = n->as_table()) return t;
    p_.add(std::string(name), fmt::format("{} must be a table, not {}", name, describe(*n)),
           fmt::format("write it as a table, e.g. {}", example));
    p_.taint(std::string(name));
    return nullptr;
  }

  // An entry of a named collection ([stages.NAME], [channels.NAME], ...) must be a table.
  const toml::table* entry(const toml::table& parent, const std::string& name,
                           const std::string& path, std::string_view kind,
                           std::string_view example) {
    const toml::node* n = parent.get(name);
    if (const auto* t = n->as_table()) return t;
    p_.add(path, fmt::format("{} '{}' must be a table, not {}", kind, name, describe(*n)),
           fmt::format("write it as {} = {}", render_key(name), example));
    p_.taint(path);
    return nullptr;
  }

  // { "from -> to" = number, ... } as in lifts and segment edge multipliers.
  std::vector<std::pair<std::string, double>> edge_numbers(const toml::table& t,
                                                           const std::string& path,
                                                           std::string_view unit,
                                                           std::string_view example) {
    std::vector<std::pair<std::string, double>> out;
    std::set<std::string> seen;
    std::map<std::string, std::string> spelled;
    for (const std::string& raw : layers_.ordered_keys(t, path)) {
      const std::string raw_path = path + "." + render_key(raw, false);
      const auto e = split_edge_key(raw);
      if (!e) {
        p_.add(raw_path, fmt::format("'{}' is not an edge", raw),
               "name an edge of [edges] as \"from -> to\"", Anchor::key);
        continue;
      }
      const std::string name = edge_name(e->first, e->second);
      if (!seen.insert(name).second) {
        p_.add(raw_path,
               fmt::format("edge '{}' is given twice (as \"{}\" and \"{}\")", name, spelled[name],
                           raw),
               "keep one of them", Anchor::key);
        continue;
      }
      spelled[name] = raw;
      const toml::node& v = *t.get(raw);
      const std::string k = join_key(path, name);
      if (auto d = as_number(v)) {
        out.emplace_back(name, *d);
      } else {
        p_.add(k, fmt::format("'{}' must be a number ({}), not {}", name, unit, describe(v)),
               fmt::format("e.g. \"{}\" = {}", name, example));
        p_.taint(k);
        out.emplace_back(name, 1.0);
      }
    }
    return out;
  }

  void simulation() {
    const toml::table* t = section("simulation", "[simulation] with customers = 10_000");
    if (t == nullptr) return;
    auto& s = r_.def.simulation;
    Fields f(
        *t, "simulation",
        {"name", "description", "customers", "days", "seed", "replicates", "currency", "start"},
        p_);
    f.text("name", s.name, "name = \"my world\"");
    f.text("description", s.description, "description = \"what this scenario shows\"");
    // Above the engine's cap is check_scenario's call (or the memory estimate's).
    f.integer("customers", s.customers, 1, std::numeric_limits<std::int64_t>::max(), "customers",
              "customers = 100_000");
    f.integer("days", s.days, 1, 36'500, "days", "days = 365");
    f.integer("seed", s.seed, 0, std::numeric_limits<std::int64_t>::max(), "a random seed",
              "seed = 1");
    f.integer("replicates", s.replicates, 1, 10'000, "runs", "replicates = 10");
    f.text("currency", s.currency, "currency = \"EUR\"");
    std::chrono::year_month_day start{};
    if (f.date("start", start, "start = 2025-01-01")) s.start = start;
  }

  void order_value(Fields& parent, std::string_view k, OrderValueDef& v) {
    const toml::table* t = parent.table(k, "value = { mean = 50.0, cv = 0.5 }");
    if (t == nullptr) return;
    Fields f(*t, parent.key(k), {"mean", "cv"}, p_);
    f.number("mean", v.mean, "currency per order", "mean = 50.0");
    f.number("cv", v.cv, "coefficient of variation", "cv = 0.5");
  }

  void order() {
    const toml::table* t = section("order", "[order] with margin = 0.3");
    if (t == nullptr) return;
    Fields f(*t, "order", {"value", "margin"}, p_);
    order_value(f, "value", r_.def.order.value);
    f.number("margin", r_.def.order.margin, "share of revenue, 0 to 1", "margin = 0.30");
  }

  void segments() {
    auto& out = r_.def.segments;
    out.clear();
    if (!root_.contains("segments")) {
      out.push_back(default_segment("everyone"));
      out.back().label = "everyone";
      return;
    }
    const toml::table* t =
        section("segments", "[segments] with regular = { share = 1.0, tempo = 1.0 }");
    if (t == nullptr) return;
    const std::vector<std::string> names = layers_.ordered_keys(*t, "segments");
    for (const std::string& name : names) {
      const std::string path = join_key("segments", name);
      SegmentDef s = default_segment(name);
      s.label = name;
      if (const toml::table* st =
              entry(*t, name, path, "segment", "{ share = 0.5, tempo = 1.0 }")) {
        Fields f(*st, path,
                 {"label", "share", "tempo", "curiosity", "responsiveness", "advocacy", "order",
                  "edges"},
                 p_);
        f.text("label", s.label, "label = \"Innovators\"");
        if (names.size() > 1) {
          f.require("share", fmt::format("segment '{}' has no share", name),
                    "give every segment a share when there are several; the shares add up to 1");
        }
        f.number("share", s.share, "a fraction of the population, 0 to 1", "share = 0.16");
        f.number("tempo", s.tempo, kMultiplier, "tempo = 2.0");
        f.number("curiosity", s.curiosity, kMultiplier, "curiosity = 3.0");
        f.number("responsiveness", s.responsiveness, kMultiplier, "responsiveness = 1.2");
        f.number("advocacy", s.advocacy, kMultiplier, "advocacy = 1.5");
        if (f.has("order")) {
          OrderValueDef v = r_.def.order.value;  // unspecified fields follow [order].value
          order_value(f, "order", v);
          s.order = v;
        }
        if (const toml::table* e = f.table("edges", "edges = { \"loyal -> lost\" = 2.0 }")) {
          s.edges = edge_numbers(*e, f.key("edges"), kMultiplier, "2.0");
        }
      }
      out.push_back(std::move(s));
    }
  }

  void stages() {
    const toml::table* t = section("stages", "[stages] with unaware = { role = \"unaware\" }");
    if (t == nullptr) return;
    static const std::vector<std::string> roles = {"unaware", "journey", "purchase", "retention",
                                                   "lost"};
    bool any_start = false;
    for (const std::string& name : layers_.ordered_keys(*t, "stages")) {
      const std::string path = join_key("stages", name);
      StageDef s;
      s.name = name;
      s.label = name;
      if (const toml::table* st = entry(*t, name, path, "stage", "{ role = \"journey\" }")) {
        Fields f(*st, path, {"label", "role", "start", "advocate"}, p_);
        f.text("label", s.label, "label = \"Consideration\"");
        std::string role;
        if (f.require("role", fmt::format("stage '{}' has no role", name),
                      "give it role = \"unaware\", \"journey\", \"purchase\", \"retention\" or "
                      "\"lost\"") &&
            f.text("role", role, "role = \"journey\"")) {
          const auto it = std::find(roles.begin(), roles.end(), role);
          if (it == roles.end()) {
            p_.add(f.key("role"), fmt::format("unknown role '{}'", role),
                   did_you_mean(role, roles,
                                "use \"unaware\", \"journey\", \"purchase\", \"retention\" or "
                                "\"lost\""));
            p_.taint(f.key("role"));
          } else {
            s.role = static_cast<Role>(it - roles.begin());
          }
        }
        any_start |= f.has("start");
        f.number("start", s.start, "a fraction of the population, 0 to 1", "start = 1.0");
        f.boolean("advocate", s.advocate);
      }
      r_.def.stages.push_back(std::move(s));
    }
    // No start anywhere: everyone begins in the first declared stage.
    if (!any_start && !r_.def.stages.empty()) r_.def.stages.front().start = 1.0;
  }

  void edges() {
    const toml::table* t =
        section("edges", "[edges] with \"aware -> consideration\" = { rate = 0.03 }");
    if (t == nullptr) return;
    std::map<std::string, std::string> spelled;  // canonical name -> first spelling
    for (const std::string& raw : layers_.ordered_keys(*t, "edges")) {
      const std::string raw_path = "edges." + render_key(raw, false);
      const auto ends = split_edge_key(raw);
      if (!ends) {
        p_.add(raw_path,
               fmt::format("'{}' is not an edge: an edge names two stages as \"from -> to\"", raw),
               "write \"aware -> consideration\" = { rate = 0.03 }", Anchor::key);
        continue;
      }
      EdgeDef e;
      e.from = ends->first;
      e.to = ends->second;
      const std::string name = edge_name(e);
      if (auto [it, fresh] = spelled.try_emplace(name, raw); !fresh) {
        p_.add(
            raw_path,
            fmt::format("edge '{}' is given twice (as \"{}\" and \"{}\")", name, it->second, raw),
            "keep one of them: whitespace around '->' does not make a different edge", Anchor::key);
        continue;
      }
      const std::string path = join_key("edges", name);
      const toml::node& v = *t->get(raw);
      if (const toml::table* et = v.as_table()) {
        Fields f(*et, path, {"rate", "forward", "salience", "satisfaction", "curiosity"}, p_);
        f.require("rate", fmt::format("edge '{}' has no rate", name),
                  "give the hazard per day, e.g. rate = 0.03");
        f.number("rate", e.rate, "per day", "rate = 0.03");
        f.boolean("forward", e.forward);
        f.boolean("salience", e.salience);
        f.boolean("curiosity", e.curiosity);
        std::string mark;
        if (f.text("satisfaction", mark, "satisfaction = \"+\"")) {
          if (mark == "+") {
            e.satisfaction = SatisfactionMark::plus;
          } else if (mark == "-") {
            e.satisfaction = SatisfactionMark::minus;
          } else {
            p_.add(f.key("satisfaction"),
                   fmt::format("satisfaction must be \"+\" or \"-\", got \"{}\"", mark),
                   "\"+\" scales the edge with satisfaction (towards loyalty), \"-\" with "
                   "dissatisfaction (towards lost); leave it out for neither");
            p_.taint(f.key("satisfaction"));
          }
        }
      } else {
        p_.add(
            path, fmt::format("edge '{}' must be a table, not {}", name, describe(v)),
            fmt::format("write \"{}\" = {{ rate = {} }}", name, num(as_number(v).value_or(0.03))));
        p_.taint(path);
      }
      r_.def.edges.push_back(std::move(e));
    }
  }

  void salience() {
    const toml::table* t = section("salience", "[salience] with decay = 0.9");
    if (t == nullptr) return;
    auto& s = r_.def.salience;
    Fields f(*t, "salience", {"decay", "hill"}, p_);
    f.number("decay", s.decay, "share kept per day, 0 to 1", "decay = 0.9");
    if (const toml::table* h = f.table("hill", "hill = { beta = 1.0, half = 2.0, shape = 2.0 }")) {
      Fields hf(*h, f.key("hill"), {"beta", "half", "shape"}, p_);
      hf.number("beta", s.beta, "largest extra multiplier", "beta = 1.0");
      hf.number("half", s.half, "salience at half effect", "half = 2.0");
      hf.number("shape", s.shape, "Hill exponent", "shape = 2.0");
    }
  }

  void experience() {
    const toml::table* t = section("experience", "[experience] with reference = 0.7");
    if (t == nullptr) return;
    auto& x = r_.def.experience;
    Fields f(*t, "experience", {"quality", "reference"}, p_);
    if (const toml::table* q = f.table("quality", "quality = { mean = 0.7, sd = 0.15 }")) {
      Fields qf(*q, f.key("quality"), {"mean", "sd"}, p_);
      qf.number("mean", x.quality_mean, "quality, 0 to 1", "mean = 0.7");
      qf.number("sd", x.quality_sd, "standard deviation", "sd = 0.15");
    }
    f.optional_number("reference", x.reference, "satisfaction, strictly between 0 and 1",
                      "reference = 0.7");
  }

  void network(Fields& parent) {
    auto& net = r_.def.word_of_mouth.network;
    const toml::node* n = parent.get("network");
    if (n == nullptr) return;
    static const std::vector<std::string> kinds = {"mixed", "small-world", "scale-free"};
    const std::string path = parent.key("network");
    auto set_kind = [&](const std::string& kind, const std::string& key) {
      const auto it = std::find(kinds.begin(), kinds.end(), kind);
      if (it == kinds.end()) {
        p_.add(key, fmt::format("unknown network '{}'", kind),
               did_you_mean(kind, kinds, "use \"mixed\", \"small-world\" or \"scale-free\""));
        p_.taint(key);
        return;
      }
      net.kind = static_cast<NetworkKind>(it - kinds.begin());
    };
    if (const auto* s = n->as_string()) {
      set_kind(s->get(), path);
      return;
    }
    const toml::table* t = parent.table(
        "network", "network = \"mixed\" or network = { kind = \"small-world\", degree = 10 }");
    if (t == nullptr) return;
    Fields f(*t, path, {"kind", "degree", "rewire", "exponent"}, p_);
    std::string kind;
    if (f.require("kind", "the network has no kind",
                  "give kind = \"mixed\", \"small-world\" or \"scale-free\"") &&
        f.text("kind", kind, "kind = \"small-world\"")) {
      set_kind(kind, f.key("kind"));
    }
    f.integer("degree", net.degree, std::numeric_limits<int>::min(),
              std::numeric_limits<int>::max(), "contacts per customer", "degree = 10");
    f.number("rewire", net.rewire, "probability, 0 to 1", "rewire = 0.1");
    f.number("exponent", net.exponent, "degree exponent, > 2", "exponent = 2.5");
  }

  void word_of_mouth() {
    const toml::table* t = section("word_of_mouth", "[word_of_mouth] with rate = 0.05");
    if (t == nullptr) return;
    auto& w = r_.def.word_of_mouth;
    Fields f(*t, "word_of_mouth", {"network", "rate", "reaches", "moves_to", "complaints"}, p_);
    network(f);
    f.number("rate", w.rate, "recommendations per advocate per day", "rate = 0.05");
    f.names("reaches", w.reaches, "stage names", "reaches = [\"unaware\", \"aware\"]");
    f.text("moves_to", w.moves_to, "moves_to = \"consideration\"");
    if (const toml::table* c =
            f.table("complaints", "complaints = { rate = 0.02, below = 0.3, impact = 1.0 }")) {
      Fields cf(*c, f.key("complaints"), {"rate", "below", "impact"}, p_);
      cf.number("rate", w.complaints.rate, "complaints per day", "rate = 0.02");
      cf.number("below", w.complaints.below, "satisfaction, 0 to 1", "below = 0.3");
      cf.number("impact", w.complaints.impact, "salience removed", "impact = 1.0");
    }
  }

  // A day number, or a date when simulation.start says which date day 0 is.
  void day_or_date(Fields& f, std::string_view k, int& out, std::string_view unit,
                   std::string_view example) {
    const toml::node* n = f.get(k);
    if (n != nullptr && n->is_date()) {
      std::chrono::year_month_day date{};
      f.date(k, date, example);
      const auto& start = r_.def.simulation.start;
      if (!start) {
        p_.add(f.key(k), fmt::format("{} is a date, but the scenario has no start date", k),
               "give simulation.start = 2025-01-01 (the date of day 0), or write a day number");
        p_.taint(f.key(k));
        return;
      }
      const std::int64_t day =
          static_cast<std::int64_t>(days_since_epoch(date)) - days_since_epoch(*start);
      out = static_cast<int>(std::clamp<std::int64_t>(day, std::numeric_limits<int>::min(),
                                                      std::numeric_limits<int>::max()));
      return;
    }
    f.integer(k, out, std::numeric_limits<int>::min(), std::numeric_limits<int>::max(), unit,
              example);
  }

  void calendar() {
    const toml::table* t = section(
        "calendar",
        "[calendar.march_8] with date = \"03-08\", peak = 3.0, edges = [\"aware -> order\"]");
    if (t == nullptr) return;
    static const std::vector<std::string> shapes = {"ramp", "flat"};
    static const std::vector<std::string> occasion_keys = {"date", "peak", "before", "after",
                                                           "shape"};
    for (const std::string& name : layers_.ordered_keys(*t, "calendar")) {
      const std::string path = join_key("calendar", name);
      CalendarDef c;
      c.name = name;
      c.label = name;
      const toml::table* ct = entry(*t, name, path, "calendar entry",
                                    "{ date = \"03-08\", peak = 3.0, edges = [\"a -> b\"] }");
      if (ct == nullptr) continue;
      Fields f(*ct, path,
               {"label", "edges", "segments", "date", "peak", "before", "after", "shape", "weekly",
                "monthly", "file", "strength"},
               p_);
      f.text("label", c.label, "label = \"8 March\"");
      f.require("edges", fmt::format("calendar entry '{}' names no edges", name),
                "list the edges whose rates follow it, e.g. edges = [\"no_occasion -> occasion\"]");
      f.names("edges", c.edges, "edge names", "edges = [\"no_occasion -> occasion\"]");
      for (std::string& e : c.edges) e = canonical_key(e);
      f.names("segments", c.segments, "segment names", "segments = [\"holiday_only\"]");
      // Exactly one kind: which of date, weekly, monthly, file is given.
      std::vector<std::string> kinds;
      for (const char* k : {"date", "weekly", "monthly", "file"}) {
        if (f.has(k)) kinds.emplace_back(k);
      }
      if (kinds.size() != 1) {
        p_.add(path,
               kinds.empty() ? fmt::format("calendar entry '{}' has no date, weekly, monthly or "
                                           "file: it says nothing about the calendar",
                                           name)
                             : fmt::format("calendar entry '{}' gives {}: one entry is one kind",
                                           name, join_names(kinds)),
               "give one of: date = \"03-08\" (an occasion), weekly = [7 factors], monthly = [12 "
               "factors], file = \"series.csv\"; use one entry per kind");
        p_.taint(path);
        r_.def.calendar.push_back(std::move(c));
        continue;
      }
      const std::string& kind = kinds.front();
      // Keys of another kind are mistakes, not silently ignored.
      auto foreign = [&](const std::vector<std::string>& keys, std::string_view whose) {
        for (const std::string& k : keys) {
          if (!f.has(k)) continue;
          p_.add(f.key(k), fmt::format("'{}' belongs to {}, and this entry is {}", k, whose, kind),
                 fmt::format("remove '{}', or make it an entry of its own", k), Anchor::key);
        }
      };
      if (kind == "date") {
        c.kind = CalendarKind::occasion;
        const toml::node* d = f.get("date");
        if (const auto* text = d->as_string()) {
          // "MM-DD": every year.
          const std::string v = text->get();
          unsigned mm = 0, dd = 0;
          const bool shaped =
              v.size() == 5 && v[2] == '-' && std::all_of(v.begin(), v.end(), [](char ch) {
                return ch == '-' || (ch >= '0' && ch <= '9');
              });
          if (shaped) {
            mm = static_cast<unsigned>((v[0] - '0') * 10 + (v[1] - '0'));
            dd = static_cast<unsigned>((v[3] - '0') * 10 + (v[4] - '0'));
          }
          // 2000 is a leap year: 02-29 is a valid yearly date (it occurs in leap years).
          if (!shaped || !std::chrono::year_month_day{std::chrono::year(2000),
                                                      std::chrono::month(mm), std::chrono::day(dd)}
                              .ok()) {
            p_.add(f.key("date"), fmt::format("'{}' is not a month and day", v),
                   "write \"MM-DD\" for every year (date = \"03-08\"), or a date without quotes "
                   "for once (date = 2025-03-08)");
            p_.taint(f.key("date"));
          } else {
            c.month = static_cast<int>(mm);
            c.day = static_cast<int>(dd);
          }
        } else {
          std::chrono::year_month_day once{};
          if (f.date("date", once, "date = \"03-08\" (every year) or date = 2025-03-08 (once)")) {
            c.year = static_cast<int>(once.year());
            c.month = static_cast<int>(static_cast<unsigned>(once.month()));
            c.day = static_cast<int>(static_cast<unsigned>(once.day()));
          }
        }
        f.number("peak", c.peak, "the multiplier on the date", "peak = 3.0");
        f.integer("before", c.before, std::numeric_limits<int>::min(),
                  std::numeric_limits<int>::max(), "days of run-up", "before = 7");
        f.integer("after", c.after, std::numeric_limits<int>::min(),
                  std::numeric_limits<int>::max(), "days after", "after = 1");
        std::string shape;
        if (f.text("shape", shape, "shape = \"ramp\"")) {
          const auto it = std::find(shapes.begin(), shapes.end(), shape);
          if (it == shapes.end()) {
            p_.add(f.key("shape"), fmt::format("unknown shape '{}'", shape),
                   did_you_mean(shape, shapes,
                                "use \"ramp\" (rising to the peak and falling back) or "
                                "\"flat\" (the peak on every day of the window)"));
            p_.taint(f.key("shape"));
          } else {
            c.shape = static_cast<OccasionShape>(it - shapes.begin());
          }
        }
        foreign({"strength"}, "a file");
      } else {
        foreign(occasion_keys, "an occasion (date = ...)");
        if (kind == "weekly" || kind == "monthly") {
          c.kind = kind == "weekly" ? CalendarKind::weekly : CalendarKind::monthly;
          f.numbers(kind, c.factors, "factors",
                    kind == "weekly" ? "weekly = [1.0, 1.0, 1.0, 1.0, 1.2, 1.5, 0.8]"
                                     : "monthly = [0.8, 1.0, 1.4, 1.0, 1.1, 0.9, 0.8, 0.8, 1.1, "
                                       "1.0, 1.0, 1.2]");
          foreign({"strength"}, "a file");
        } else {
          c.kind = CalendarKind::series;
          f.number("strength", c.strength, "an exponent on every factor", "strength = 1.0");
          if (f.text("file", c.file, "file = \"sales_calendar.csv\"")) {
            std::filesystem::path file(c.file);
            if (file.is_relative() && !folder_.empty())
              file = std::filesystem::path(folder_) / file;
            CalendarSeries series = read_calendar_csv(file.string(), f.key("file"));
            if (!series.problems.empty()) {
              for (Diagnostic& d : series.problems) p_.add_placed(std::move(d));
              p_.taint(f.key("file"));
            }
            c.series = std::move(series.rows);
          }
        }
      }
      r_.def.calendar.push_back(std::move(c));
    }
  }

  void heterogeneity() {
    const toml::table* t = section(
        "heterogeneity", "[heterogeneity.buying] with edges = [\"loyal -> purchase\"], cv = 1.0");
    if (t == nullptr) return;
    static const std::vector<std::string> kinds = {"gamma", "lognormal"};
    for (const std::string& name : layers_.ordered_keys(*t, "heterogeneity")) {
      const std::string path = join_key("heterogeneity", name);
      HeterogeneityDef h;
      h.name = name;
      h.label = name;
      if (const toml::table* ht = entry(*t, name, path, "heterogeneity group",
                                        "{ edges = [\"loyal -> purchase\"], cv = 1.0 }")) {
        Fields f(*ht, path, {"label", "edges", "segments", "cv", "distribution"}, p_);
        f.text("label", h.label, "label = \"heavy and light buyers\"");
        f.require("edges", fmt::format("heterogeneity group '{}' names no edges", name),
                  "list the edges whose rates differ from customer to customer, e.g. edges = "
                  "[\"loyal -> purchase\"]");
        f.names("edges", h.edges, "edge names", "edges = [\"loyal -> purchase\"]");
        for (std::string& e : h.edges) e = canonical_key(e);
        f.names("segments", h.segments, "segment names", "segments = [\"regular\"]");
        f.require("cv", fmt::format("heterogeneity group '{}' has no cv", name),
                  "give the coefficient of variation of the customers' multipliers, e.g. cv = "
                  "1.0 (0 = everyone alike)");
        f.number("cv", h.cv, "coefficient of variation", "cv = 1.0");
        std::string kind;
        if (f.text("distribution", kind, "distribution = \"gamma\"")) {
          const auto it = std::find(kinds.begin(), kinds.end(), kind);
          if (it == kinds.end()) {
            p_.add(f.key("distribution"), fmt::format("unknown distribution '{}'", kind),
                   did_you_mean(kind, kinds, "use \"gamma\" or \"lognormal\""));
            p_.taint(f.key("distribution"));
          } else {
            h.distribution = static_cast<HeterogeneityKind>(it - kinds.begin());
          }
        }
      }
      r_.def.heterogeneity.push_back(std::move(h));
    }
  }

  void relationship() {
    const toml::table* t =
        section("relationship",
                "[relationship.loyalty] with edges = [\"loyal -> lost\"], per_purchase = 0.7");
    if (t == nullptr) return;
    static const std::vector<std::string> weights = {"purchases", "satisfaction"};
    for (const std::string& name : layers_.ordered_keys(*t, "relationship")) {
      const std::string path = join_key("relationship", name);
      RelationshipDef r;
      r.name = name;
      r.label = name;
      if (const toml::table* rt = entry(*t, name, path, "relationship",
                                        "{ edges = [\"loyal -> lost\"], per_purchase = 0.7 }")) {
        Fields f(*rt, path, {"label", "edges", "segments", "per_purchase", "memory", "weight"}, p_);
        f.text("label", r.label, "label = \"a loyal customer forgives small flaws\"");
        f.require("edges", fmt::format("relationship '{}' names no edges", name),
                  "list the edges whose rates the customer's purchases change, e.g. edges = "
                  "[\"loyal -> lost\"]");
        f.names("edges", r.edges, "edge names", "edges = [\"loyal -> lost\"]");
        for (std::string& e : r.edges) e = canonical_key(e);
        f.names("segments", r.segments, "segment names", "segments = [\"regular\"]");
        f.require("per_purchase", fmt::format("relationship '{}' has no per_purchase", name),
                  "give the factor each purchase puts on the edges' rates, e.g. per_purchase = "
                  "0.7 (below 1: less often, above 1: more often)");
        f.number("per_purchase", r.per_purchase, "factor per purchase", "per_purchase = 0.7");
        f.number("memory", r.memory, "share of the bond kept", "memory = 0.8");
        std::string weight;
        if (f.text("weight", weight, "weight = \"satisfaction\"")) {
          const auto it = std::find(weights.begin(), weights.end(), weight);
          if (it == weights.end()) {
            p_.add(f.key("weight"), fmt::format("unknown weight '{}'", weight),
                   did_you_mean(weight, weights, "use \"purchases\" or \"satisfaction\""));
            p_.taint(f.key("weight"));
          } else {
            r.weight = static_cast<BondWeight>(it - weights.begin());
          }
        }
      }
      r_.def.relationship.push_back(std::move(r));
    }
  }

  void flights(Fields& f, ChannelDef& c) {
    const toml::array* a = f.array("flights", "a list of flights (an array of tables)",
                                   "flights = [{ from = 0, to = 89, amount = 20_000 }]");
    if (a == nullptr) return;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string path = join_index(f.key("flights"), i);
      FlightDef flight;
      const toml::node& n = (*a)[i];
      if (const toml::table* ft = n.as_table()) {
        Fields ff(*ft, path, {"from", "to", "amount"}, p_);
        for (const char* k : {"from", "to", "amount"}) {
          ff.require(k, fmt::format("flight has no '{}'", k),
                     "give from, to (days, 0-based, both included) and amount, e.g. "
                     "{ from = 0, to = 89, amount = 20_000 }");
        }
        day_or_date(ff, "from", flight.from, "first day, 0-based", "from = 0");
        day_or_date(ff, "to", flight.to, "last day, included", "to = 89");
        ff.number("amount", flight.amount, "currency", "amount = 20_000");
      } else {
        p_.add(path, fmt::format("flights[{}] must be a table, not {}", i, describe(n)),
               "write each flight as { from = 0, to = 89, amount = 20_000 }");
        p_.taint(path);
      }
      c.flights.push_back(flight);
    }
  }

  void channels() {
    const toml::table* t = section("channels", "[channels.search] with cost = 0.5");
    if (t == nullptr) return;
    const int days = r_.def.simulation.days;
    for (const std::string& name : layers_.ordered_keys(*t, "channels")) {
      const std::string path = join_key("channels", name);
      ChannelDef c;
      c.name = name;
      c.label = name;
      if (const toml::table* ct = entry(*t, name, path, "channel",
                                        "{ cost = 0.5, budget = 10_000, reaches = [\"aware\"] }")) {
        Fields f(*ct, path,
                 {"label", "cost", "budget", "flights", "reaches", "segments", "lift", "salience",
                  "quality", "holdout"},
                 p_);
        f.text("label", c.label, "label = \"Search ads\"");
        f.number("cost", c.cost, "currency per contact", "cost = 0.5");
        if (f.has("budget") && f.has("flights")) {
          p_.add(f.key("flights"), fmt::format("channel '{}' gives both budget and flights", name),
                 "keep one: budget = <amount> spends evenly over the whole horizon, flights = "
                 "[...] give amounts per day range",
                 Anchor::key);
          p_.taint(f.key("budget"));
          p_.taint(f.key("flights"));
        }
        if (f.has("budget")) {
          double amount = 0.0;
          if (f.number("budget", amount, "currency for the whole horizon", "budget = 150_000")) {
            if (!std::isfinite(amount) || amount < 0.0) {
              p_.add(f.key("budget"),
                     fmt::format("budget must be a finite amount >= 0, got {}", num(amount)),
                     "set a non-negative amount, or 0 to switch the channel off");
              p_.taint(f.key("budget"));
              amount = 0.0;
            } else if (amount > kMaxBudget) {
              // As check_scenario's money limit: the engine budgets in int64 micro-units.
              p_.add(f.key("budget"),
                     fmt::format("budget must be at most {}, got {}", num(kMaxBudget), num(amount)),
                     "set a smaller amount (amounts are counted in micro-units, exactly up to "
                     "9e12)");
              p_.taint(f.key("budget"));
              amount = 0.0;
            }
          }
          c.flights.push_back(FlightDef{0, days - 1, amount});
          r_.budget_channels.insert(name);
        } else {
          flights(f, c);
        }
        f.names("reaches", c.reaches, "stage names", "reaches = [\"aware\", \"consideration\"]");
        f.names("segments", c.segments, "segment names", "segments = [\"innovator\"]");
        if (const toml::table* l =
                f.table("lift", "lift = { \"consideration -> purchase\" = 1.5 }")) {
          c.lifts =
              edge_numbers(*l, f.key("lift"), "a multiplier on exposure, 1 = no effect", "1.5");
        }
        f.number("salience", c.salience, "salience per exposure", "salience = 1.0");
        f.number("quality", c.quality, "satisfaction added, -1 to 1", "quality = 0.1");
        if (const toml::table* h =
                f.table("holdout", "holdout = { share = 0.2, from = 60, to = 87 }")) {
          Fields hf(*h, f.key("holdout"), {"share", "from", "to"}, p_);
          for (const char* k : {"share", "from", "to"}) {
            hf.require(k, fmt::format("holdout has no '{}'", k),
                       "give share (of customers held out), from and to (days, 0-based, both "
                       "included), e.g. { share = 0.2, from = 60, to = 87 }");
          }
          constexpr auto lo = std::numeric_limits<int>::min();
          constexpr auto hi = std::numeric_limits<int>::max();
          hf.number("share", c.holdout.share, "share of customers", "share = 0.2");
          hf.integer("from", c.holdout.from, lo, hi, "first day, 0-based", "from = 60");
          hf.integer("to", c.holdout.to, lo, hi, "last day, included", "to = 87");
        }
      }
      r_.def.channels.push_back(std::move(c));
    }
  }

  const toml::table& root_;
  const Layers& layers_;
  Problems& p_;
  std::string folder_;
  ReadResult r_;
};

// ---- one variant ------------------------------------------------------------------------------

struct VariantInput {
  std::string name;
  std::string description;
  toml::table tree;  // the base with the variant merged over it and the overrides re-applied
};

// Reads, checks and sizes one variant; returns its definition and its placed diagnostics.
std::pair<ScenarioDef, std::vector<Diagnostic>> build_variant(const ScenarioDocument::Impl& doc,
                                                              const VariantInput& in, bool named) {
  const Layers layers(doc, named ? in.name : std::string());
  Problems p;
  toml::table tree = in.tree;
  // Re-apply the overrides inside the variant, in order, so they win over its own values.
  if (named) {
    for (const OverrideView& o : layers.overrides()) {
      if (auto err = set_node(tree, o.path, *o.source->value.get(0))) {
        p.add_placed(Diagnostic{
            SourcePlace{"--set", 1, static_cast<int>(err->offset) + 1}, o.source->rendered,
            fmt::format("in variant '{}': {}", in.name, err->message), err->fix});
      }
    }
  }
  const std::filesystem::path source(doc.source_name);
  ScenarioReader reader(tree, layers, p,
                        source.has_parent_path() ? source.parent_path().string() : std::string());
  ReadResult r = reader.read();

  std::vector<Diagnostic> checked = check_scenario(r.def);
  std::vector<Problem> semantic;
  for (Diagnostic& d : checked) {
    if (p.affected(d.key)) continue;
    const bool from_budget =
        std::any_of(r.budget_channels.begin(), r.budget_channels.end(), [&](const std::string& c) {
          return is_within(d.key, join_key(join_key("channels", c), "flights"));
        });
    if (from_budget) continue;  // the budget itself was checked when it was read
    d.place = SourcePlace{};
    semantic.push_back(Problem{std::move(d), Anchor::value});
  }
  // Memory is sized only for an otherwise valid world; when it does not fit, that says more
  // than the engine's own cap on customers.
  const bool only_customers =
      p.list.empty() && std::all_of(semantic.begin(), semantic.end(), [](const Problem& s) {
        return s.d.key == "simulation.customers";
      });
  if (only_customers) {
    if (auto m = memory_problem(r.def)) {
      semantic.clear();
      semantic.push_back(Problem{std::move(*m), Anchor::value});
    }
  }
  std::vector<Diagnostic> out;
  for (const Problem& pr : p.list) out.push_back(layers.place(pr));
  for (const Problem& pr : semantic) out.push_back(layers.place(pr));
  return {std::move(r.def), std::move(out)};
}

// The variants of the document: each named one merged over the base, or the base alone.
// `named` tells whether they came from [variants] (keys then get a variants.V. prefix).
std::vector<VariantInput> variant_inputs(const ScenarioDocument::Impl& doc, Problems& p,
                                         const Layers& base_layers, bool& named) {
  named = false;
  toml::table base = doc.root;
  base.erase("variants");
  base.erase("sweep");
  base.erase("calibrate");
  if (const toml::node* s = doc.root.get("sweep"); s != nullptr && !s->is_table()) {
    p.add("sweep", fmt::format("sweep must be a table, not {}", describe(*s)),
          "write [sweep] with one line per key to vary, e.g. \"channels.search.budget\" = [0, "
          "75_000, 150_000]");
  }
  // [calibrate] is read by cjsim calibrate (calibration/spec.cpp); loading only needs a table.
  if (const toml::node* c = doc.root.get("calibrate"); c != nullptr && !c->is_table()) {
    p.add("calibrate", fmt::format("calibrate must be a table, not {}", describe(*c)),
          "write [calibrate] with its settings and [calibrate.priors] below it");
  }
  const toml::node* v = doc.root.get("variants");
  const toml::table* variants = v != nullptr ? v->as_table() : nullptr;
  if (v != nullptr && variants == nullptr) {
    p.add("variants", fmt::format("variants must be a table, not {}", describe(*v)),
          "declare each variant as [variants.NAME] with the keys it changes");
  }
  std::vector<VariantInput> out;
  if (variants == nullptr || variants->empty()) {
    out.push_back(VariantInput{"base", "", std::move(base)});
    return out;
  }
  named = true;
  for (const std::string& name : base_layers.ordered_keys(*variants, "variants")) {
    const std::string path = join_key("variants", name);
    const toml::node* n = variants->get(name);
    const toml::table* vt = n->as_table();
    if (vt == nullptr) {
      p.add(path, fmt::format("variant '{}' must be a table, not {}", name, describe(*n)),
            fmt::format("write [variants.{}] with a description and the keys it changes",
                        render_key(name)));
      continue;
    }
    VariantInput in{name, "", base};
    toml::table overlay = *vt;
    if (const toml::node* d = vt->get("description")) {
      if (const auto* s = d->as_string()) {
        in.description = s->get();
      } else {
        p.add(join_key(path, "description"),
              fmt::format("description must be a string in quotes, not {}", describe(*d)),
              "description = \"what this variant changes\"");
      }
      overlay.erase("description");
    }
    for (const char* nested : {"variants", "sweep", "calibrate"}) {
      if (overlay.contains(nested)) {
        p.add(join_key(path, nested), fmt::format("a variant cannot contain [{}]", nested),
              fmt::format("declare {} at the top level of the file", nested), Anchor::key);
        overlay.erase(nested);
      }
    }
    // Variants are strategies in one world, compared amount for amount: one currency. (An
    // override aimed at a variant, --set variants.V.simulation.currency=..., is in the overlay
    // too, and is refused here at its --set.)
    if (toml::table* sim = overlay.get_as<toml::table>("simulation");
        sim != nullptr && sim->contains("currency")) {
      p.add(join_key(join_key(path, "simulation"), "currency"),
            "a variant cannot change the currency: the variants of a file are compared amount "
            "for amount",
            "set simulation.currency once, at the top of the file", Anchor::key);
      sim->erase("currency");
    }
    merge_tables(in.tree, overlay);
    out.push_back(std::move(in));
  }
  return out;
}

int file_rank(const SourcePlace& place, const std::string& source) {
  if (place.file == source) return 0;
  return place.file == "--set" ? 1 : 2;
}

}  // namespace

Scenario build_scenario(const ScenarioDocument& doc) {
  const ScenarioDocument::Impl& im = document_impl(doc);
  const Layers base_layers(im, "");
  Problems structure;
  bool named = false;
  const std::vector<VariantInput> inputs = variant_inputs(im, structure, base_layers, named);

  Scenario scenario;
  scenario.source_name = im.source_name;
  scenario.text = im.text;
  scenario.effective_toml = doc.effective_toml();
  scenario.overrides = im.override_texts;
  for (const Override& o : im.overrides) {
    if (o.targets_variant()) continue;
    for (const std::string& v : doc.variants_setting(o.rendered)) {
      scenario.warnings.push_back(fmt::format(
          "--set {} replaces a variant's own value ({}): overrides win in every variant", o.text,
          v));
    }
  }

  std::vector<Diagnostic> all;
  for (const Problem& pr : structure.list) all.push_back(base_layers.place(pr));

  // The same problem found in every variant (a typo in the base) is reported once; one found in
  // some variants only says which.
  struct Group {
    Diagnostic d;
    std::vector<std::string> variants;
  };
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;
  for (const VariantInput& in : inputs) {
    auto [def, diagnostics] = build_variant(im, in, named);
    for (Diagnostic& d : diagnostics) {
      const std::string id = format_diagnostic(d);
      auto [it, fresh] = index.try_emplace(id, groups.size());
      if (fresh) groups.push_back(Group{std::move(d), {}});
      groups[it->second].variants.push_back(in.name);
    }
    scenario.variants.push_back(Variant{in.name, in.description, std::move(def)});
  }
  for (Group& g : groups) {
    const bool everywhere = g.variants.size() == inputs.size();
    if (!everywhere && !starts_with(g.d.key, "variants.")) {
      std::vector<std::string> quoted;
      for (const auto& v : g.variants) quoted.push_back("'" + v + "'");
      g.d.message = fmt::format("in variant{} {}: {}", g.variants.size() > 1 ? "s" : "",
                                join_names(quoted), g.d.message);
    }
    all.push_back(std::move(g.d));
  }
  if (all.empty()) return scenario;
  std::stable_sort(all.begin(), all.end(), [&](const Diagnostic& a, const Diagnostic& b) {
    const int ra = file_rank(a.place, im.source_name);
    const int rb = file_rank(b.place, im.source_name);
    if (ra != rb) return ra < rb;
    if (a.place.line != b.place.line) return a.place.line < b.place.line;
    return a.place.column < b.place.column;
  });
  throw InputError(std::move(all));
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  ScenarioDocument doc = ScenarioDocument::from_file(path);
  for (const std::string& o : overrides) doc.set(o);
  return build_scenario(doc);
}

}  // namespace cjsim
