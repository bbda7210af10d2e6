#include "report/data.hpp"

#include "report/attribution.hpp"
#include "report/digest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/version.hpp"
#include "common/number_format.hpp"
#include "common/progress.hpp"
#include "common/story.hpp"
#include "report/calibration.hpp"
#include "report/stats.hpp"
#include "report/sweep.hpp"

namespace cjsim::cli {

namespace {

using nlohmann::json;
using std::size_t;

void check_same_shape(const ResultFile& file, const RunShape& shape, const StoredRun& r) {
  const RunResult& run = r.run;
  const auto where = fmt::format("/runs/{}/replicate_{}", r.variant, r.replicate);
  auto bad = [&](const std::string& what) {
    throw InputError(SourcePlace{file.path(), 0, 0}, where,
                     fmt::format("{} differ from the file's first run, so its runs cannot be "
                                 "drawn on shared axes",
                                 what),
                     "report files written by one cjsim run or sweep command");
  };
  if (run.daily.days != shape.days) bad("the days");
  if (run.names.stages != shape.names.stages) bad("the stages");
  if (run.names.segments != shape.names.segments) bad("the segments");
  if (run.names.channels != shape.names.channels) bad("the channels");
}

// The definition named `name` (the file's order of names need not be the definition's).

// The scenario as run, rebuilt from the file (labels, budgets, and the story's re-run).
struct StoredScenario {
  std::optional<Scenario> scenario;
  std::string problem;  // why it could not be rebuilt (or rebuilt only from the effective text)
  std::string source;   // which text it was rebuilt from
  // False when rebuilt from /scenario_effective, whose order of stages, segments and channels
  // may differ from the run's.
  bool declared_order = true;

  const ScenarioDef* def(const std::string& variant) const {
    if (!scenario) return nullptr;
    for (const Variant& v : scenario->variants)
      if (v.name == variant) return &v.def;
    return nullptr;
  }
};

// The scenario as run: /scenario with the stored --set overrides (stored_document). When that
// fails (a file from before the overrides were stored, run with --set; or a scenario this
// version no longer accepts) the effective text is used for labels and budgets (looked up by
// name); the story needs the declared order, which only files that store their overrides
// promise for /scenario_effective (older ones wrote it in alphabetical order, which renumbers
// stages, segments and channels: another model).
StoredScenario rebuild_scenario(const ResultFile& file, const FileMeta& meta) {
  StoredScenario out;
  if (meta.scenario_text.empty() && meta.effective_toml.empty()) {
    out.problem = "the file stores no scenario text";
    return out;
  }
  auto problem_of = [](const InputError& e) {
    return e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().front().message;
  };
  try {
    out.scenario = build_scenario(stored_document(meta, file.path()));
    out.source = meta.overrides ? "/scenario with its --set overrides (/scenario_overrides)"
                                : "/scenario (the file was run without --set)";
    return out;
  } catch (const InputError& e) {
    out.problem = problem_of(e);
  }
  if (!meta.effective_toml.empty()) {
    try {
      out.scenario = build_scenario(
          ScenarioDocument::from_string(meta.effective_toml, file.path() + ":/scenario_effective"));
      out.source = "/scenario_effective";
      out.declared_order = meta.overrides.has_value();
    } catch (const InputError& e) {
      out.problem = problem_of(e);
    }
  }
  return out;
}

// The pair on the comparison chart: --compare, else funnel- and loop-minded, else the first two.
json pick_compare(const std::vector<VariantDigest>& accs, const ReportOptions& opt,
                  const ResultFile& file) {
  auto find = [&](const std::string& name) -> const VariantDigest* {
    for (const VariantDigest& a : accs)
      if (a.name == name) return &a;
    return nullptr;
  };
  const VariantDigest *a = nullptr, *b = nullptr;
  std::string reason;
  if (!opt.compare_a.empty()) {
    a = find(opt.compare_a);
    b = find(opt.compare_b);
    for (const auto& [ptr, name] : {std::pair{a, opt.compare_a}, std::pair{b, opt.compare_b}}) {
      if (ptr) continue;
      std::string names;
      for (const VariantDigest& v : accs) names += (names.empty() ? "" : ", ") + v.name;
      throw InputError(SourcePlace{"--compare", 0, 0}, "compare",
                       fmt::format("{} has no variant named '{}'", file.path(), name),
                       fmt::format("choose two of: {}", names));
    }
    reason = "chosen with --compare";
  } else if (find("funnel_minded") && find("loop_minded")) {
    a = find("funnel_minded");
    b = find("loop_minded");
    reason = "the funnel-minded and the loop-minded strategy of the file";
  } else if (accs.size() >= 2) {
    a = &accs[0];
    b = &accs[1];
    reason = "the first two variants of the file (choose others with --compare A,B)";
  } else {
    return nullptr;
  }
  return compare_json(*a, *b, reason);
}

// Whether a definition numbers stages, segments and channels as the stored run does.
template <class Def>
bool same_order(const std::vector<Def>& defs, const std::vector<std::string>& names) {
  if (defs.size() != names.size()) return false;
  for (size_t k = 0; k < defs.size(); ++k)
    if (defs[k].name != names[k]) return false;
  return true;
}

json story_json(const VariantDigest& acc, const StoredScenario& scenario, const ReportOptions& opt,
                const ResultFile& file, const RunShape& shape,
                const std::vector<std::string>& stage_labels) {
  json out{{"variant", acc.name}};
  const ScenarioDef* def = scenario.def(acc.name);
  if (!def) {
    out["available"] = false;
    out["reason"] =
        scenario.problem.empty()
            ? fmt::format("the stored scenario has no variant '{}'", acc.name)
            : fmt::format("the stored scenario could not be rebuilt: {}", scenario.problem);
    return out;
  }
  if (!same_order(def->stages, shape.names.stages) ||
      !same_order(def->segments, shape.names.segments) ||
      !same_order(def->channels, shape.names.channels)) {
    out["available"] = false;
    out["reason"] = fmt::format(
        "the scenario rebuilt from {} orders its stages, segments or channels differently from "
        "the stored run, so a re-run would not be the same simulation ({})",
        scenario.source, scenario.problem);
    return out;
  }
  std::uint64_t customer = 0;
  if (opt.story_customer) {
    customer = *opt.story_customer;
    if (customer >= acc.customers_total) {
      throw InputError(
          SourcePlace{"--customer", 0, 0}, "customer",
          fmt::format("customer {} does not exist: '{}' has {} customers (0 to {})", customer,
                      acc.name, acc.customers_total, acc.customers_total - 1),
          "give a customer number below the population size");
    }
  } else if (acc.story_customer >= 0) {
    customer = static_cast<std::uint64_t>(acc.story_customer);
  }
  const int replicate = acc.replicates.front();
  RunOptions ro;
  ro.threads = opt.threads;
  ro.seed = acc.seeds.front();
  ro.replicate = replicate;
  ro.trace_customer = customer;
  ro.customer_table = true;
  Progress progress(fmt::format("report: story of customer {} ({})", customer, acc.name),
                    opt.quiet);
  ro.progress = [&](const cjsim::Progress& p) {
    throw_if_interrupted();
    progress.update(static_cast<double>(p.day) / p.days, fmt::format("day {}/{}", p.day, p.days));
  };
  const RunResult run = simulate(*def, ro);
  progress.done("re-ran the stored scenario");

  // Does the re-run reproduce the stored run? (Same engine, same seed: it must.)
  const StoredRun stored = file.load(acc.name, replicate, true);
  bool reproduced = true;
  std::string mismatch;
  const auto i = static_cast<size_t>(customer);
  if (stored.run.customers.size() > i && run.customers.size() > i) {
    const CustomerTable &x = stored.run.customers, &y = run.customers;
    reproduced = x.final_stage[i] == y.final_stage[i] && x.purchases[i] == y.purchases[i] &&
                 x.first_purchase_day[i] == y.first_purchase_day[i] && x.revenue[i] == y.revenue[i];
    if (!reproduced)
      mismatch =
          fmt::format("the stored run says {} purchase(s) worth {:.2f}, the re-run {} worth {:.2f}",
                      x.purchases[i], static_cast<double>(x.revenue[i]), y.purchases[i],
                      static_cast<double>(y.revenue[i]));
  }

  json path = json::array(), buys = json::array(), seen = json::array(), talk = json::array();
  for (const TraceEvent& e : run.trace) {
    switch (e.kind) {
      case TraceKind::start:
        path.push_back({{"day", 0}, {"stage", e.a}, {"how", "start"}});
        out["segment"] = e.b;
        break;
      case TraceKind::moved:
        path.push_back({{"day", e.day},
                        {"from", e.a},
                        {"stage", e.b},
                        {"how", e.referral ? "referral" : "move"}});
        break;
      case TraceKind::purchased:
        buys.push_back(
            {{"day", e.day}, {"value", num(e.value, 2)}, {"quality", num(e.quality, 3)}});
        break;
      case TraceKind::exposed:
        seen.push_back({{"day", e.day}, {"channel", e.a}});
        break;
      case TraceKind::recommended:
        talk.push_back({{"day", e.day}, {"kind", "recommended"}, {"count", e.a}});
        break;
      case TraceKind::complained:
        talk.push_back({{"day", e.day}, {"kind", "complained"}, {"count", e.a}});
        break;
      case TraceKind::got_recommendation:
        talk.push_back({{"day", e.day}, {"kind", "heard_recommendation"}});
        break;
      case TraceKind::got_complaint:
        talk.push_back({{"day", e.day}, {"kind", "heard_complaint"}});
        break;
    }
  }
  out["available"] = true;
  out["customer"] = customer;
  out["replicate"] = replicate;
  out["seed"] = ro.seed.value_or(0);
  out["chosen"] = opt.story_customer ? "given with --customer"
                                     : "a customer of the first replicate whose journey loops "
                                       "(repeat purchases, steps back, comes back)";
  out["text"] = tell_story(*def, run, static_cast<std::uint32_t>(customer));
  out["path"] = std::move(path);
  out["purchases"] = std::move(buys);
  out["exposures"] = std::move(seen);
  out["word_of_mouth"] = std::move(talk);
  out["reproduced"] = reproduced;
  out["mismatch"] = mismatch;
  out["stage_labels"] = stage_labels;
  return out;
}

}  // namespace

json currency_json(const std::string& code) {
  if (code.empty()) return nullptr;
  const Money m = Money::of(code);
  return {{"code", m.code},
          {"symbol", m.symbol},
          {"prefix", m.prefix},
          {"name", currency_info(code).name},
          {"digits", m.digits}};
}

json collect_report(const ResultFile& file, const ReportOptions& opt) {
  const FileMeta meta = file.meta();
  if (meta.kind == "sweep") return collect_sweep_report(file.path(), meta, opt);
  if (meta.kind == "calibration") return collect_calibration_report(file.path(), opt);
  if (meta.kind != "run") {
    throw InputError(SourcePlace{file.path(), 0, 0}, "kind",
                     fmt::format("a '{}' file: cjsim reports files written by cjsim run, "
                                 "cjsim sweep or cjsim calibrate",
                                 meta.kind),
                     "pass a .h5 file written by cjsim run, sweep or calibrate");
  }
  const auto runs = file.runs();
  if (runs.empty()) {
    throw InputError(SourcePlace{file.path(), 0, 0}, "/runs", "the file holds no runs",
                     "write it with cjsim run");
  }
  const StoredScenario scenario = rebuild_scenario(file, meta);

  // Read every run once, reducing as we go (one run's customer table in memory at a time).
  std::vector<VariantDigest> accs;
  RunShape shape;
  {
    Progress progress("report: read", opt.quiet);
    for (size_t k = 0; k < runs.size(); ++k) {
      throw_if_interrupted();
      progress.update(static_cast<double>(k) / static_cast<double>(runs.size()),
                      fmt::format("{} replicate {}", runs[k].first, runs[k].second));
      const StoredRun stored = file.load(runs[k].first, runs[k].second, true);
      if (k == 0) {
        shape.days = stored.run.daily.days;
        shape.S = stored.run.daily.stages;
        shape.G = stored.run.daily.segments;
        shape.C = stored.run.daily.channels;
        shape.names = stored.run.names;
      } else {
        check_same_shape(file, shape, stored);
      }
      auto it = std::find_if(accs.begin(), accs.end(),
                             [&](const VariantDigest& a) { return a.name == stored.variant; });
      if (it == accs.end()) {
        accs.push_back({});
        it = accs.end() - 1;
        it->name = stored.variant;
        it->description = stored.description;
      }
      it->add(shape, stored.replicate, stored.run, stored.kpis);
    }
    progress.done(fmt::format("{} run{} of {} variant{}", runs.size(), runs.size() == 1 ? "" : "s",
                              accs.size(), accs.size() == 1 ? "" : "s"));
  }

  json data;
  const ScenarioDef* def0 = scenario.def(accs.front().name);
  data["meta"] = {{"file", file.path()},
                  {"scenario_name", meta.scenario_name},
                  {"scenario_description", def0 ? def0->simulation.description : ""},
                  {"scenario_source", meta.scenario_source},
                  {"command_line", meta.command_line},
                  {"engine_version", meta.engine_version},
                  {"format", meta.format},
                  {"seed", meta.seed},
                  {"kind", meta.kind},
                  {"currency", currency_json(meta.currency)},
                  {"days", shape.days},
                  {"report_version", engine_version()},
                  {"report_command", opt.command_line},
                  {"scenario_problem", scenario.scenario ? "" : scenario.problem},
                  {"scenario_rebuilt_from", scenario.source}};

  // Names with the labels the scenario gives them.
  std::vector<std::string> stage_labels;
  const nlohmann::json labelled = names_json(shape, def0, &stage_labels);
  data["stages"] = labelled["stages"];
  data["segments"] = labelled["segments"];
  data["channels"] = labelled["channels"];

  json variants = json::array();
  for (const VariantDigest& acc : accs)
    variants.push_back(variant_json(acc, shape, scenario.def(acc.name), file.summary(acc.name)));
  data["variants"] = std::move(variants);
  data["compare"] = pick_compare(accs, opt, file);
  data["sweep"] = nullptr;
  data["attribution"] = attribution_json(file);  // null unless cjsim value -o F --touch-paths

  if (opt.story) {
    std::string story_variant = opt.story_variant;
    if (story_variant.empty())
      story_variant =
          data["compare"].is_null() ? accs.front().name : data["compare"]["b"].get<std::string>();
    const auto it = std::find_if(accs.begin(), accs.end(),
                                 [&](const VariantDigest& a) { return a.name == story_variant; });
    if (it == accs.end()) {
      std::string names;
      for (const VariantDigest& v : accs) names += (names.empty() ? "" : ", ") + v.name;
      throw InputError(SourcePlace{"--story-variant", 0, 0}, "story-variant",
                       fmt::format("{} has no variant named '{}'", file.path(), story_variant),
                       fmt::format("choose one of: {}", names));
    }
    data["story"] = story_json(*it, scenario, opt, file, shape, stage_labels);
  } else {
    data["story"] = {{"available", false}, {"reason", "left out with --no-story"}};
  }
  return data;
}

}  // namespace cjsim::cli
