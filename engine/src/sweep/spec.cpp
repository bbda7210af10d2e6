// What a sweep varies: the scenario's [sweep] section and --vary arguments, read into axes.
// Every problem is an InputError naming the [sweep] line (file:line:column) or the --vary option
// (column within the argument), the key, and the fix.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "base/did_you_mean.hpp"
#include "cjsim/sweep.hpp"
#include "scenario/document_impl.hpp"
#include "scenario/toml_values.hpp"

namespace cjsim {

namespace {

constexpr std::string_view kSpace = " \t";
const char* const kAxisFix =
    "write a list of numbers, e.g. \"channels.search.budget\" = [0, 75_000, 150_000], or a range, "
    "e.g. \"channels.search.budget\" = { from = 0, to = 300_000, steps = 7 }";
const char* const kVaryFix =
    "write --vary KEY=v1,v2,... (a list) or --vary KEY=from:to:steps (a range), e.g. "
    "--vary channels.search.budget=0:300000:7";
const std::vector<std::string> kSettings = {"design", "points", "replicates"};

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

using toml_values::as_number;
using toml_values::num;
using toml_values::what_is;

// `steps` evenly spaced values from `from` to `to`, both ends exact: multiplying before
// dividing keeps integral ranges integral (0:300000:7 gives 0, 50000, ... exactly).
std::vector<double> expand_range(double from, double to, int steps) {
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(steps));
  if (steps == 1) return {from};
  for (int i = 0; i < steps; ++i) {
    values.push_back(i == steps - 1 ? to : from + (to - from) * i / (steps - 1));
  }
  return values;
}

// Checks a range's numbers; `fail(message, fix)` throws at the right place.
template <class Fail>
void check_range(double from, double to, int steps, bool steps_given, Fail&& fail) {
  if (!std::isfinite(from) || !std::isfinite(to)) fail("from and to must be finite numbers", "");
  if (steps_given && steps < 1) {
    fail(fmt::format("a range with {} steps has no values", steps),
         "give steps >= 1: the number of values from 'from' to 'to', both included");
  }
  if (steps_given && steps == 1 && from != to) {
    fail(fmt::format("steps = 1 gives one value, but from ({}) and to ({}) differ", num(from),
                     num(to)),
         "give steps >= 2 to go from 'from' to 'to', or list the one value");
  }
}

// ---- [sweep] --------------------------------------------------------------------------------

class SectionReader {
 public:
  explicit SectionReader(const ScenarioDocument::Impl& doc) : doc_(doc) {}

  SweepSpec read(const toml::table& sweep) {
    for (auto&& [k, v] : sweep) {
      const std::string key(k.str());
      const std::string where = join_key("sweep", key);
      if (key.find('.') == std::string::npos && !v.is_table()) {
        if (key == "design") {
          read_design(v, where);
        } else if (key == "points") {
          spec_.points =
              whole(v, where, "points", "the number of Latin hypercube points, e.g. points = 50");
          spec_.points_place = doc_.place_of(where);
        } else if (key == "replicates") {
          spec_.replicates =
              whole(v, where, "replicates", "the replicates per point, e.g. replicates = 10");
          spec_.replicates_place = doc_.place_of(where);
          if (spec_.replicates < 1) {
            bad(where, key, "replicates = 0: every point needs at least one run",
                "the replicates per point, e.g. replicates = 10");
          }
        } else {
          bad(where, key,
              fmt::format("'{}' is neither a setting of the sweep nor a dotted key path", key),
              did_you_mean(key, kSettings,
                           "vary a key by its dotted path, e.g. \"channels.search.budget\" = [0, "
                           "150_000]; the settings are design, points and replicates"));
        }
        continue;
      }
      axis(key, where, v);
    }
    // toml++ keeps a table's keys sorted; the sweep's columns follow the file's order.
    std::stable_sort(spec_.axes.begin(), spec_.axes.end(),
                     [](const SweepAxis& a, const SweepAxis& b) {
                       return a.place.line < b.place.line ||
                              (a.place.line == b.place.line && a.place.column < b.place.column);
                     });
    return std::move(spec_);
  }

 private:
  [[noreturn]] void bad(const std::string& where, const std::string& key, std::string message,
                        std::string fix) const {
    throw InputError(doc_.place_of(where), "sweep." + key, std::move(message), std::move(fix));
  }

  int whole(const toml::node& v, const std::string& where, const std::string& key,
            const char* fix) const {
    const auto* i = v.as_integer();
    if (i == nullptr)
      bad(where, key, fmt::format("{} must be a whole number, not {}", key, what_is(v)), fix);
    if (i->get() < 0 || i->get() > 100'000'000) {
      bad(where, key, fmt::format("{} = {} is out of range", key, i->get()), fix);
    }
    return static_cast<int>(i->get());
  }

  void read_design(const toml::node& v, const std::string& where) {
    const auto* s = v.as_string();
    const std::string text = s ? s->get() : std::string();
    if (text == "grid") {
      spec_.design = SweepDesign::grid;
    } else if (text == "lhs") {
      spec_.design = SweepDesign::lhs;
    } else {
      bad(where, "design",
          s ? fmt::format("unknown design \"{}\"", text)
            : fmt::format("design must be a string, not {}", what_is(v)),
          "write design = \"grid\" (every combination) or design = \"lhs\" (Latin hypercube)");
    }
    spec_.design_place = doc_.place_of(where);
  }

  // `key` is the path so far (dotted text), `where` its place in the index.
  void axis(const std::string& key, const std::string& where, const toml::node& v) {
    if (const auto* t = v.as_table()) {
      if (t->contains("from") || t->contains("to") || t->contains("steps")) {
        range(key, where, *t);
        return;
      }
      // A dotted key written bare (channels.search.budget = [...]) is nested tables in TOML.
      if (t->empty()) bad(where, key, "an empty table varies nothing", kAxisFix);
      for (auto&& [k2, v2] : *t) {
        const std::string sub(k2.str());
        axis(key + "." + render_key(sub), join_key(where, sub), v2);
      }
      return;
    }
    SweepAxis a = start(key, where);
    const auto* list = v.as_array();
    if (list == nullptr) {
      bad(where, key, fmt::format("expected a list of numbers or a range, not {}", what_is(v)),
          kAxisFix);
    }
    if (list->empty()) {
      bad(where, key, "the list has no values, so the sweep would have no points",
          "list at least one value");
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& e = *list->get(i);
      const auto x = as_number(e);
      if (!x || !std::isfinite(*x)) {
        throw InputError(doc_.place_of(join_index(where, i)), "sweep." + key,
                         fmt::format("value {} of the list is {}, not a number", i + 1, what_is(e)),
                         "the values of a varied key are numbers, e.g. [0, 75_000, 150_000]");
      }
      a.values.push_back(*x);
    }
    spec_.axes.push_back(std::move(a));
  }

  void range(const std::string& key, const std::string& where, const toml::table& t) {
    SweepAxis a = start(key, where);
    a.range = true;
    for (auto&& [k, v] : t) {
      const std::string name(k.str());
      if (name != "from" && name != "to" && name != "steps") {
        throw InputError(doc_.place_of(join_key(where, name)), "sweep." + key,
                         fmt::format("unknown key '{}' in a range", name),
                         did_you_mean(name, {"from", "to", "steps"},
                                      "a range has from, to and (for a grid) steps"));
      }
    }
    auto number = [&](const char* name) {
      const toml::node* n = t.get(name);
      if (n == nullptr) {
        bad(where, key, fmt::format("the range has no '{}'", name),
            "write { from = 0, to = 300_000, steps = 7 }");
      }
      const auto x = as_number(*n);
      if (!x) {
        throw InputError(doc_.place_of(join_key(where, name)), "sweep." + key,
                         fmt::format("{} must be a number, not {}", name, what_is(*n)), kAxisFix);
      }
      return *x;
    };
    a.from = number("from");
    a.to = number("to");
    bool steps_given = false;
    if (const toml::node* s = t.get("steps")) {
      const auto* i = s->as_integer();
      if (i == nullptr) {
        throw InputError(doc_.place_of(join_key(where, "steps")), "sweep." + key,
                         fmt::format("steps must be a whole number, not {}", what_is(*s)),
                         "steps is how many values the range has, e.g. steps = 5");
      }
      a.steps = static_cast<int>(std::clamp<std::int64_t>(i->get(), -1, 100'000'000));
      steps_given = true;
    }
    check_range(a.from, a.to, a.steps, steps_given,
                [&](const std::string& m, const std::string& f) {
                  throw InputError(doc_.place_of(join_key(where, steps_given ? "steps" : "from")),
                                   "sweep." + key, m, f.empty() ? kAxisFix : f);
                });
    if (steps_given) a.values = expand_range(a.from, a.to, a.steps);
    spec_.axes.push_back(std::move(a));
  }

  SweepAxis start(const std::string& key, const std::string& where) const {
    SweepAxis a;
    const KeyPathParse parsed = parse_key_path(key);
    if (!parsed.error.empty()) {
      bad(where, key, fmt::format("'{}' is not a key path: {}", key, parsed.error),
          "components are separated by '.', e.g. \"channels.search.budget\"");
    }
    a.path = render_key_path(parsed.path);
    a.place = key_place(where);
    a.written = key;
    return a;
  }

  // Where the key itself is written (messages about the key point at it, not at its value).
  SourcePlace key_place(const std::string& where) const {
    if (const SourceEntry* e = doc_.places->find(where); e != nullptr && e->key.line > 0) {
      return e->key;
    }
    return doc_.place_of(where);
  }

  const ScenarioDocument::Impl& doc_;
  SweepSpec spec_;
};

// ---- --vary ---------------------------------------------------------------------------------

// A number as people type it: 150000, 150_000, 1.5e5, -2. Nothing else (no nan, no inf).
std::optional<double> parse_number(std::string_view text) {
  std::string digits;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i > 0 && i + 1 < text.size() &&
        std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
      continue;
    }
    digits += text[i];
  }
  if (digits.empty()) return std::nullopt;
  const char* begin = digits.data();
  if (*begin == '+') ++begin;
  double value = 0;
  const auto [end, ec] = std::from_chars(begin, digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

[[noreturn]] void bad_vary(const std::string& arg, std::size_t offset, const std::string& key,
                           std::string message, std::string fix = kVaryFix) {
  throw InputError(SourcePlace{"--vary", 1, static_cast<int>(offset) + 1}, key,
                   fmt::format("{} (in --vary {})", message, arg), std::move(fix));
}

}  // namespace

const char* design_name(SweepDesign d) {
  return d == SweepDesign::lhs ? "lhs" : "grid";
}

SweepSpec read_sweep_section(const ScenarioDocument& doc) {
  const ScenarioDocument::Impl& impl = document_impl(doc);
  const toml::node* node = impl.root.get("sweep");
  if (node == nullptr) return {};
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    throw InputError(impl.place_of("sweep"), "sweep",
                     fmt::format("sweep must be a table, not {}", what_is(*node)),
                     "write [sweep] with one line per key to vary");
  }
  return SectionReader(impl).read(*table);
}

SweepAxis parse_vary(const std::string& arg) {
  // The first '=' outside a quoted key separates key and values (as --set does).
  std::size_t eq = std::string::npos;
  bool quoted = false;
  for (std::size_t i = 0; i < arg.size(); ++i) {
    if (arg[i] == '"' && (i == 0 || arg[i - 1] != '\\')) quoted = !quoted;
    if (arg[i] == '=' && !quoted) {
      eq = i;
      break;
    }
  }
  if (eq == std::string::npos) bad_vary(arg, arg.size(), "", "expected KEY=VALUES");
  const std::string_view key_text = std::string_view(arg).substr(0, eq);
  const KeyPathParse parsed = parse_key_path(key_text);
  if (!parsed.error.empty()) {
    bad_vary(arg, parsed.error_offset, std::string(trim(key_text)),
             fmt::format("not a key path: {}", parsed.error),
             !parsed.fix.empty() ? parsed.fix
                                 : "components are separated by '.', e.g. channels.search.budget "
                                   "or edges.\"aware -> consideration\".rate");
  }
  SweepAxis a;
  a.path = render_key_path(parsed.path);
  a.place = SourcePlace{"--vary", 1, 1};
  a.written = arg;
  const std::string_view values = std::string_view(arg).substr(eq + 1);
  if (trim(values).empty()) {
    bad_vary(arg, eq + 1, a.path, "a range with no values: nothing after '='");
  }
  auto field = [&](std::size_t begin, std::size_t end, const char* what) {
    const std::string_view text = trim(values.substr(begin, end - begin));
    const auto x = parse_number(text);
    if (!x) {
      bad_vary(arg, eq + 1 + begin, a.path,
               text.empty() ? fmt::format("the {} is missing", what)
                            : fmt::format("'{}' is not a number", text));
    }
    return *x;
  };
  if (values.find(':') != std::string_view::npos) {
    a.range = true;
    std::vector<std::size_t> cuts{0};
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i] == ':') cuts.push_back(i + 1);
    }
    if (cuts.size() > 3) bad_vary(arg, eq + 1 + cuts[3] - 1, a.path, "a range is from:to:steps");
    auto end_of = [&](std::size_t k) {
      return k + 1 < cuts.size() ? cuts[k + 1] - 1 : values.size();
    };
    a.from = field(cuts[0], end_of(0), "start of the range");
    a.to = field(cuts[1], end_of(1), "end of the range");
    bool steps_given = false;
    if (cuts.size() == 3) {
      const double steps = field(cuts[2], end_of(2), "number of steps");
      if (steps != std::floor(steps) || std::fabs(steps) > 1e8) {
        bad_vary(arg, eq + 1 + cuts[2], a.path,
                 fmt::format("steps must be a whole number, not {}", num(steps)));
      }
      a.steps = static_cast<int>(steps);
      steps_given = true;
    }
    check_range(a.from, a.to, a.steps, steps_given,
                [&](const std::string& m, const std::string& f) {
                  bad_vary(arg, eq + 1 + (cuts.size() == 3 ? cuts[2] : 0), a.path, m,
                           f.empty() ? kVaryFix : f);
                });
    if (steps_given) a.values = expand_range(a.from, a.to, a.steps);
    return a;
  }
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = values.find(',', begin);
    const std::size_t end = comma == std::string_view::npos ? values.size() : comma;
    a.values.push_back(field(begin, end, "value"));
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return a;
}

}  // namespace cjsim
