// plan_sweep: from a scenario document and the command line's settings to every row of a sweep,
// each with a validated scenario. Everything a sweep can get wrong in its input is found here,
// before the first run: a night-long sweep must not fail at point 97 on a typo.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/did_you_mean.hpp"
#include "cjsim/sweep.hpp"
#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

constexpr std::size_t kMaxRows = 1'000'000;

std::string num(double v) {
  return fmt::format("{:.10g}", v);
}

// Tables whose keys are names the scenario gives (a path through them must name one that exists:
// a sweep that creates a channel by a typo would vary nothing anyone asked for).
const char* named_collection(const std::string& key) {
  if (key == "channels") return "channel";
  if (key == "segments") return "segment";
  if (key == "stages") return "stage";
  if (key == "edges") return "edge";
  if (key == "variants") return "variant";
  return nullptr;
}

// Diagnostics of a scenario built with a sweep's values, told at the sweep's own place.
[[noreturn]] void rethrow_at(const InputError& e, const SourcePlace& place,
                             const std::string& context) {
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : e.diagnostics()) {
    out.push_back(Diagnostic{place, d.key, context + d.message, d.fix});
  }
  throw InputError(std::move(out));
}

// The key of an axis must exist in the scenario as a number, or be a key the scenario accepts a
// number at (a default not written in the file, such as a channel's budget given as flights).
void check_axis_key(const ScenarioDocument& doc, SweepAxis& axis) {
  const ScenarioDocument::Impl& impl = document_impl(doc);
  const KeyPathParse parsed = parse_key_path(axis.path);
  if (!parsed.error.empty()) {
    throw InputError(axis.place, axis.path, fmt::format("not a key path: {}", parsed.error),
                     "components are separated by '.', e.g. channels.search.budget");
  }
  const KeyPath& path = parsed.path;
  // The sweep's own count of runs per point: varying it as a scenario value would change
  // nothing (every point runs the sweep's replicates).
  if (axis.path == "simulation.replicates") {
    throw InputError(axis.place, axis.path,
                     "replicates are not a scenario value a point can vary: every point runs "
                     "the sweep's replicates",
                     "give the runs per point with --replicates R (or replicates = R in [sweep])");
  }
  if (const toml::node* n = find_node(impl.root, path)) {
    if (!n->is_number()) {
      const char* what = n->is_table()     ? "a table"
                         : n->is_array()   ? "a list"
                         : n->is_string()  ? "a string"
                         : n->is_boolean() ? "true or false"
                                           : "not a number";
      throw InputError(
          axis.place, axis.path,
          fmt::format("{} is {} in the scenario, not a number: only numeric keys can be varied",
                      axis.path, what),
          n->is_table() ? "vary one of its numbers, e.g. " + axis.path + ".budget"
                        : "vary a numeric key such as channels.<name>.budget or "
                          "edges.\"<from> -> <to>\".rate");
    }
    axis.whole = n->is_integer();
    return;
  }
  if (path.size() >= 2 && path[0].indices.empty()) {
    if (const char* singular = named_collection(path[0].key)) {
      const KeyPath entity(path.begin(), path.begin() + 2);
      KeyPath named = entity;
      named.back().indices.clear();
      if (find_node(impl.root, named) == nullptr) {
        std::vector<std::string> names;
        if (const toml::node* t = impl.root.get(path[0].key); t && t->is_table()) {
          for (auto&& [k, v] : *t->as_table()) names.emplace_back(k.str());
        }
        throw InputError(
            axis.place, axis.path,
            fmt::format("unknown key path: the scenario has no {} named '{}'", singular,
                        path[1].key),
            did_you_mean(path[1].key, names,
                         names.empty()
                             ? fmt::format("the scenario has no [{}]", path[0].key)
                             : fmt::format("the {}s are: {}", singular, join_names(names))));
      }
    }
  }
  // Not written in the file: accepted when the scenario takes a number there.
  const double probe = axis.values.empty() ? axis.from : axis.values.front();
  ScenarioDocument trial = doc;
  const std::string context = fmt::format("with {} = {}: ", axis.path, num(probe));
  try {
    trial.set_number(axis.path, probe);
    static_cast<void>(build_scenario(trial));
  } catch (const InputError& e) {
    rethrow_at(e, axis.place, context);
  }
}

void check_design(const SweepSpec& spec) {
  if (spec.design == SweepDesign::grid) {
    if (spec.points != 0) {
      throw InputError(
          spec.points_place.file.empty() ? SourcePlace{"--points", 0, 0} : spec.points_place,
          "points",
          "points is for a Latin hypercube; a grid has one point per combination "
          "of the values",
          "use --design lhs with --points, or leave points out");
    }
    std::size_t count = 1;
    for (const SweepAxis& a : spec.axes) {
      if (a.values.empty()) {
        throw InputError(a.place, a.path,
                         "a range without steps is continuous, and a grid needs values",
                         "give the number of values (from:to:steps, or steps = N in [sweep]), or "
                         "use --design lhs --points N");
      }
      count *= a.values.size();
      if (count > kMaxRows) {
        throw InputError(a.place, a.path, fmt::format("the grid has more than {} points", kMaxRows),
                         "vary fewer keys or fewer values, or use --design lhs --points N");
      }
    }
    return;
  }
  const SourcePlace place =
      spec.points_place.file.empty() ? SourcePlace{"--points", 0, 0} : spec.points_place;
  if (spec.points < 1) {
    throw InputError(place, "points",
                     spec.points == 0
                         ? "the Latin hypercube has no points: it needs to be told how many"
                         : fmt::format("points = {} gives no points", spec.points),
                     "give --points N (N >= 1), or points = N in [sweep]");
  }
  if (static_cast<std::size_t>(spec.points) > kMaxRows) {
    throw InputError(place, "points", fmt::format("at most {} points", kMaxRows),
                     "give fewer points");
  }
}

std::string point_text(const std::vector<std::string>& axes, const std::vector<double>& values) {
  std::string s;
  for (std::size_t k = 0; k < axes.size(); ++k) {
    s += fmt::format("{}{} = {}", k ? ", " : "", axes[k], num(values[k]));
  }
  return s;
}

template <class Def>
std::vector<std::string> names_of(const std::vector<Def>& defs) {
  std::vector<std::string> names;
  for (const Def& d : defs) names.push_back(d.name);
  return names;
}

}  // namespace

SweepPlan plan_sweep(const ScenarioDocument& doc, const SweepSettings& settings) {
  const Scenario base = build_scenario(doc);  // the scenario's own problems first
  SweepSpec spec = read_sweep_section(doc);
  if (!settings.vary.empty()) spec.axes = settings.vary;
  if (settings.design) {
    spec.design = *settings.design;
    spec.design_place = SourcePlace{"--design", 0, 0};
    if (!settings.points && spec.design == SweepDesign::grid) spec.points = 0;
  }
  if (settings.points) {
    spec.points = *settings.points;
    spec.points_place = SourcePlace{"--points", 0, 0};
  }
  if (settings.replicates) {
    spec.replicates = *settings.replicates;
    spec.replicates_place = SourcePlace{"--replicates", 0, 0};
    if (spec.replicates < 1) {
      throw InputError(spec.replicates_place, "replicates",
                       fmt::format("must be 1 to 10000, got {}", spec.replicates),
                       "give the replicates per point, e.g. --replicates 10");
    }
  }
  if (spec.axes.empty()) {
    throw InputError(SourcePlace{doc.source_name(), 0, 0}, "sweep",
                     "nothing to vary: the scenario has no [sweep] section and no --vary was given",
                     "add --vary KEY=VALUES (e.g. --vary channels.search.budget=0:300000:7) or a "
                     "[sweep] section (scenarios/README.md, \"sweep\")");
  }
  for (std::size_t k = 0; k < spec.axes.size(); ++k) {
    for (std::size_t j = 0; j < k; ++j) {
      if (spec.axes[j].path == spec.axes[k].path) {
        throw InputError(spec.axes[k].place, spec.axes[k].path,
                         "this key is varied twice in one sweep",
                         "give each key once, with all its values");
      }
    }
  }
  check_design(spec);
  for (SweepAxis& a : spec.axes) check_axis_key(doc, a);

  SweepPlan plan;
  plan.warnings = base.warnings;
  for (const SweepAxis& a : spec.axes) {
    for (const std::string& v : doc.variants_setting(a.path)) {
      plan.warnings.push_back(fmt::format(
          "the sweep varies {}, which a variant sets itself ({}): at every point the varied "
          "value replaces the variant's",
          a.path, v));
    }
  }
  plan.design = spec.design;
  plan.lhs_points = spec.design == SweepDesign::lhs ? spec.points : 0;
  for (const SweepAxis& a : spec.axes) plan.axes.push_back(a.path);
  const ScenarioDef& first = base.variants.front().def;
  plan.replicates = spec.replicates > 0 ? spec.replicates : first.simulation.replicates;
  if (plan.replicates < 1 || plan.replicates > 10000) {
    throw InputError(spec.replicates_place.file.empty() ? SourcePlace{doc.source_name(), 0, 0}
                                                        : spec.replicates_place,
                     "replicates", fmt::format("must be 1 to 10000, got {}", plan.replicates),
                     "give the replicates per point, e.g. --replicates 10");
  }
  plan.seed_override = settings.seed;
  plan.seed = settings.seed.value_or(first.simulation.seed);

  std::vector<const Variant*> variants;
  for (const Variant& v : base.variants) {
    if (settings.variant.empty() || v.name == settings.variant) variants.push_back(&v);
  }
  if (variants.empty()) {
    std::vector<std::string> names;
    for (const Variant& v : base.variants) names.push_back(v.name);
    throw InputError(
        {"--variant", 0, 0}, "variant", fmt::format("no variant named '{}'", settings.variant),
        did_you_mean(settings.variant, names, fmt::format("choose one of: {}", join_names(names))));
  }
  for (const Variant* v : variants) plan.variants.push_back(v->name);

  plan.points = design_points(spec, plan.seed);
  if (plan.points.size() * variants.size() > kMaxRows) {
    throw InputError(SourcePlace{doc.source_name(), 0, 0}, "sweep",
                     fmt::format("{} points x {} variants is more than {} rows", plan.points.size(),
                                 variants.size(), kMaxRows),
                     "vary fewer values, or sweep one variant with --variant NAME");
  }

  plan.rows.reserve(plan.points.size() * variants.size());
  for (std::size_t p = 0; p < plan.points.size(); ++p) {
    const std::vector<double>& values = plan.points[p];
    ScenarioDocument point = doc;
    Scenario built;
    try {
      for (std::size_t k = 0; k < spec.axes.size(); ++k) point.set_number(plan.axes[k], values[k]);
      built = build_scenario(point);
    } catch (const InputError& e) {
      // Point the message at the axis the problem is about, when it names one.
      SourcePlace place = spec.axes.front().place;
      for (const SweepAxis& a : spec.axes) {
        if (!e.diagnostics().empty() && e.diagnostics().front().key == a.path) place = a.place;
      }
      rethrow_at(e, place, fmt::format("at point {} ({}): ", p, point_text(plan.axes, values)));
    }
    for (const Variant& v : built.variants) {
      if (!settings.variant.empty() && v.name != settings.variant) continue;
      SweepRow row;
      row.point = static_cast<int>(p);
      row.variant = v.name;
      row.description = v.description;
      row.def = v.def;
      plan.days = std::max(plan.days, v.def.simulation.days);
      plan.rows.push_back(std::move(row));
    }
  }

  // One sweep table, one set of KPI columns: the names KPIs are made of must agree.
  const ScenarioDef& d0 = plan.rows.front().def;
  for (const SweepRow& r : plan.rows) {
    const char* differ = names_of(r.def.stages) != names_of(d0.stages)       ? "stages"
                         : names_of(r.def.segments) != names_of(d0.segments) ? "segments"
                         : names_of(r.def.channels) != names_of(d0.channels) ? "channels"
                                                                             : nullptr;
    if (differ != nullptr) {
      throw InputError(SourcePlace{doc.source_name(), 0, 0}, "variants",
                       fmt::format("variant '{}' has other {} than variant '{}', so their KPIs "
                                   "cannot share the sweep table's columns",
                                   r.variant, differ, plan.rows.front().variant),
                       "sweep one variant at a time with --variant NAME");
    }
  }
  return plan;
}

}  // namespace cjsim
