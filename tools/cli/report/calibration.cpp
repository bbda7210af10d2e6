#include "report/calibration.hpp"

#include <fmt/format.h>

#include <cmath>

#include "cjsim/calibrate.hpp"
#include "cjsim/version.hpp"

namespace cjsim::cli {

namespace {

using nlohmann::json;

json num(double x) {
  if (!std::isfinite(x)) return nullptr;
  return std::stod(fmt::format("{:.6g}", x));
}

json nums(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(num(x));
  return a;
}

json bands(const PredictiveTarget& t) {
  return {{"p05", nums(t.p05)},
          {"p25", nums(t.p25)},
          {"p50", nums(t.p50)},
          {"p75", nums(t.p75)},
          {"p95", nums(t.p95)}};
}

}  // namespace

json collect_calibration_report(const std::string& path, const ReportOptions& options) {
  const CalibrationFile file = read_calibration_file(path);
  const CalibrationResult& r = file.result;
  const ObservedData& o = file.observed;
  std::string description, problem;
  std::uint64_t customers = 0;
  try {
    const FitProblem fit = fit_problem_from(file);
    const ScenarioDef def = fit.world(r.median);
    description = def.simulation.description;
    customers = def.simulation.customers;
  } catch (const InputError& e) {
    problem = e.diagnostics().empty() ? e.what() : e.diagnostics().front().message;
  }
  json data;
  data["meta"] = {{"file", path},
                  {"scenario_name", file.meta.scenario_name},
                  {"scenario_description", description},
                  {"scenario_source", file.meta.scenario_source},
                  {"command_line", file.meta.command_line},
                  {"engine_version", file.meta.engine_version},
                  {"format", kFormatVersion},
                  {"seed", r.seed},
                  {"kind", "calibration"},
                  {"days", o.end_day()},
                  {"customers", customers},
                  {"report_version", engine_version()},
                  {"report_command", options.command_line},
                  {"scenario_problem", problem},
                  {"scenario_rebuilt_from", "/scenario with the calibration's --set"}};
  data["stages"] = json::array();
  data["segments"] = json::array();
  data["channels"] = json::array();
  data["variants"] = json::array();
  data["compare"] = nullptr;
  data["sweep"] = nullptr;
  data["story"] = {{"available", false},
                   {"reason", "a calibration file keeps the fit, not a customer's life"}};
  json periods = json::array(), future = json::array();
  for (const Period& p : o.periods) periods.push_back(format_date(o.day0 + p.first));
  for (const Period& p : r.forecast.periods) future.push_back(format_date(o.day0 + p.first));
  json targets = json::array();
  for (const PredictiveTarget& t : r.predictive) {
    json x = {{"name", t.name},    {"observed", nums(t.observed)},    {"bands", bands(t)},
              {"ppp", num(t.ppp)}, {"coverage90", num(t.coverage90)}, {"forecast", nullptr}};
    for (const PredictiveTarget& f : r.forecast.targets) {
      if (f.name == t.name) x["forecast"] = bands(f);
    }
    if (t.name == "customers") {
      json labels = json::array();
      for (const std::string& b : purchase_bin_labels()) labels.push_back(b + " purchases");
      for (const std::string& b : recency_bin_labels())
        labels.push_back("last bought " + b + " days ago");
      x["labels"] = std::move(labels);
    }
    targets.push_back(std::move(x));
  }
  json parameters = json::array();
  for (std::size_t i = 0; i < r.summary.size(); ++i) {
    const ParameterSummary& s = r.summary[i];
    parameters.push_back({{"name", s.name},
                          {"prior", s.prior},
                          {"prior_p05", num(s.prior_p05)},
                          {"prior_p50", num(s.prior_p50)},
                          {"prior_p95", num(s.prior_p95)},
                          {"p05", num(s.p05)},
                          {"p50", num(s.p50)},
                          {"p95", num(s.p95)},
                          {"median", num(r.median[i])},
                          {"shrinkage", num(s.shrinkage)},
                          {"uninformed", s.uninformed}});
  }
  json generations = json::array();
  for (const AbcGeneration& g : r.abc.history) {
    generations.push_back({{"epsilon", num(g.epsilon)},
                           {"simulations", g.simulations},
                           {"acceptance", num(g.acceptance)},
                           {"ess", num(g.ess)}});
  }
  json effect = json::array();
  const std::size_t K = r.screen.targets.size();
  for (std::size_t i = 0; i < r.screen.parameters.size(); ++i) {
    effect.push_back(nums(
        std::vector<double>(r.screen.effect.begin() + static_cast<std::ptrdiff_t>(i * K),
                            r.screen.effect.begin() + static_cast<std::ptrdiff_t>((i + 1) * K))));
  }
  json value = json::array();
  for (const PosteriorMeasure& m : r.value.rows) {
    value.push_back({{"channel", m.channel},
                     {"measure", m.measure},
                     {"p05", num(m.p05)},
                     {"p50", num(m.p50)},
                     {"p95", num(m.p95)},
                     {"noise", num(m.noise)}});
  }
  data["calibration"] = {
      {"variant", r.variant},
      {"scale", num(r.scale)},
      {"simulations", r.abc.simulations},
      {"generations", std::move(generations)},
      {"stopped", r.abc.stopped},
      {"particles", r.abc.population.size()},
      {"draws", r.draws.size()},
      {"frequency", o.frequency},
      {"periods", std::move(periods)},
      {"forecast_periods", std::move(future)},
      {"targets", std::move(targets)},
      {"parameters", std::move(parameters)},
      {"screen",
       {{"parameters", r.screen.parameters},
        {"targets", r.screen.targets},
        {"effect", std::move(effect)},
        {"flat", r.screen.flat},
        {"advice", r.screen.advice}}},
      {"value",
       {{"draws", r.value.draws}, {"replicates", r.value.replicates}, {"rows", std::move(value)}}},
      {"warnings", r.warnings},
      {"notes", o.notes},
      {"files", o.files}};
  return data;
}

}  // namespace cjsim::cli
