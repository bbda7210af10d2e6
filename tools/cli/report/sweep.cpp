#include "report/sweep.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>

#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/sweep_io.hpp"
#include "cjsim/version.hpp"
#include "common/key_words.hpp"
#include "report/data.hpp"

namespace cjsim::cli {

namespace {

using nlohmann::json;

// Six significant digits are more than a chart or a table cell shows; NaN becomes null.
json num(double x) {
  if (!std::isfinite(x)) return nullptr;
  return std::stod(fmt::format("{:.6g}", x));
}

json nums(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(num(x));
  return a;
}

template <class Def>
std::string label_of(const Def& d) {
  return d.label.empty() ? d.name : d.label;
}

}  // namespace

json collect_sweep_report(const std::string& path, const FileMeta& meta, const ReportOptions& opt) {
  const SweepFile file = SweepFile::open(path);
  const SweepManifest manifest = file.manifest();
  const SweepTable t = file.table();

  // Labels come from the stored scenario with the sweep's --set overrides (the same text every
  // point started from); without it, names stand in.
  std::optional<Scenario> scenario;
  std::string problem;
  try {
    ScenarioDocument doc = ScenarioDocument::from_string(meta.scenario_text, meta.scenario_source);
    for (const std::string& o : manifest.overrides) doc.set(o);
    scenario = build_scenario(doc);
  } catch (const InputError& e) {
    problem = e.diagnostics().empty() ? e.what() : e.diagnostics().front().message;
  }
  const ScenarioDef* def = scenario ? &scenario->variants.front().def : nullptr;

  json data;
  data["meta"] = {{"file", path},
                  {"scenario_name", meta.scenario_name},
                  {"scenario_description", def ? def->simulation.description : ""},
                  {"scenario_source", meta.scenario_source},
                  {"command_line", meta.command_line},
                  {"engine_version", meta.engine_version},
                  {"format", meta.format},
                  {"seed", meta.seed},
                  {"kind", meta.kind},
                  {"currency", currency_json(meta.currency)},
                  {"days", manifest.days},
                  {"customers", def ? json(def->simulation.customers) : json(nullptr)},
                  {"report_version", engine_version()},
                  {"report_command", opt.command_line},
                  {"scenario_problem", problem},
                  {"scenario_rebuilt_from", scenario ? "/scenario with the sweep's --set" : ""}};
  json stages = json::array(), segments = json::array(), channels = json::array();
  if (def != nullptr) {
    for (const StageDef& s : def->stages)
      stages.push_back({{"name", s.name},
                        {"label", label_of(s)},
                        {"role", role_name(s.role)},
                        {"advocate", s.advocate}});
    for (const SegmentDef& g : def->segments)
      segments.push_back({{"name", g.name}, {"label", label_of(g)}, {"share", g.share}});
    for (const ChannelDef& c : def->channels)
      channels.push_back({{"name", c.name}, {"label", label_of(c)}, {"cost", c.cost}});
  }
  data["stages"] = std::move(stages);
  data["segments"] = std::move(segments);
  data["channels"] = std::move(channels);
  data["variants"] = json::array();
  data["compare"] = nullptr;
  data["story"] = {{"available", false},
                   {"reason", "a sweep file keeps summaries of its runs, not a customer's life"}};

  json kpis = json::array();
  for (const KpiDef& k : t.kpis) {
    kpis.push_back({{"id", k.id},
                    {"label", k.label},
                    {"unit", k.unit},
                    {"view", view_name(k.view)},
                    {"description", k.description}});
  }
  json rows = json::array();
  for (const SweepTableRow& r : t.rows) {
    rows.push_back({{"point", r.point},
                    {"variant", r.variant},
                    {"values", nums(r.values)},
                    {"mean", nums(r.mean)},
                    {"ci_low", nums(r.ci_low)},
                    {"ci_high", nums(r.ci_high)}});
  }
  // The varied keys in the planner's words ("Search budget"), and what their values measure.
  json axis_words = json::array(), axis_quantity = json::array();
  for (const std::string& a : t.axes) {
    axis_words.push_back(key_in_words(a, def));
    axis_quantity.push_back(key_quantity(a) == Quantity::money   ? "money"
                            : key_quantity(a) == Quantity::share ? "share"
                            : key_quantity(a) == Quantity::count ? "count"
                                                                 : "number");
  }
  data["sweep"] = {{"design", t.design},
                   {"replicates", t.replicates},
                   {"points", manifest.points()},
                   {"axes", t.axes},
                   {"axis_words", std::move(axis_words)},
                   {"axis_quantity", std::move(axis_quantity)},
                   {"variants", t.variants},
                   {"kpis", std::move(kpis)},
                   {"rows", std::move(rows)}};
  return data;
}

}  // namespace cjsim::cli
