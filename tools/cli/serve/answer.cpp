#include "serve/answer.hpp"

#include <fmt/format.h>

#include "cjsim/value.hpp"
#include "cjsim/version.hpp"
#include "common/options.hpp"
#include "report/data.hpp"
#include "report/digest.hpp"

namespace cjsim::cli::serve {

namespace {

using nlohmann::json;

VariantDigest digest_of(const RunShape& shape, const RunSet& runs, const std::string& name,
                        const std::string& description) {
  VariantDigest d;
  d.name = name;
  d.description = description;
  for (std::size_t r = 0; r < runs.size(); ++r)
    d.add(shape, static_cast<int>(r), runs[r].run, runs[r].kpis);
  return d;
}

// KPI values replicate by replicate: [replicate][kpi], NaN as null, full precision.
json per_replicate(const RunSet& runs) {
  json out = json::array();
  for (const RunRecord& r : runs) {
    json row = json::array();
    for (double x : r.kpis.values) row.push_back(std::isfinite(x) ? json(x) : json(nullptr));
    out.push_back(std::move(row));
  }
  return out;
}

json estimate_json(const Estimate& e) {
  auto f = [](double x) { return std::isfinite(x) ? json(x) : json(nullptr); };
  return {{"mean", f(e.mean)}, {"ci_low", f(e.ci_low)}, {"ci_high", f(e.ci_high)}, {"n", e.n}};
}

// Mean spend per channel over the horizon.
std::vector<double> mean_spend(const RunSet& runs, std::size_t channels) {
  std::vector<double> out(channels, 0.0);
  for (const RunRecord& r : runs) {
    const DailySeries& d = r.run.daily;
    for (int t = 0; t < d.days; ++t)
      for (std::size_t c = 0; c < channels; ++c)
        out[c] += d.spend[d.at_channel(t, static_cast<int>(c))];
  }
  for (double& x : out) x /= static_cast<double>(runs.size());
  return out;
}

}  // namespace

std::string equivalent_command(const ServeWorld& world, const PlanRequest& plan, int replicates) {
  std::string cmd = "cjsim run " + shell_quote(world.scenario_path()) + " --variant " +
                    shell_quote(plan.variant) + fmt::format(" --replicates {}", replicates);
  if (world.seed()) cmd += fmt::format(" --seed {}", *world.seed());
  for (const std::string& s : full_overrides(world, plan)) cmd += " --set " + shell_quote(s);
  return cmd;
}

json answer_json(const ServeWorld& world, const PlanRequest& plan, const RunSet& runs,
                 const ScenarioDef& file_def, const RunSet& file_runs) {
  const RunShape shape = RunShape::of(runs.front().run);
  const VariantSliders& sliders = *world.variant(plan.variant);
  const VariantDigest mine = digest_of(shape, runs, kThisPlan, "this plan");
  const VariantDigest file = digest_of(shape, file_runs, kFilePlan, sliders.description);

  // The report's data: two variants and their comparison (this plan against the file's).
  json page;
  const std::string currency = plan.plan.simulation.currency;
  page["meta"] = {{"scenario_name", plan.plan.simulation.name},
                  {"scenario_description", plan.plan.simulation.description},
                  {"scenario_source", world.scenario_path()},
                  {"currency", currency_json(currency)},
                  {"days", shape.days},
                  {"seed", world.seed_of(plan.plan)},
                  {"kind", "run"},
                  {"engine_version", engine_version()}};
  const json names = names_json(shape, &plan.plan);
  page["stages"] = names["stages"];
  page["segments"] = names["segments"];
  page["channels"] = names["channels"];
  page["variants"] = {variant_json(file, shape, &file_def, std::nullopt),
                      variant_json(mine, shape, &plan.plan, std::nullopt)};
  page["compare"] = compare_json(file, mine, "this plan against the file's plan");

  // Every KPI, replicate by replicate, and this plan minus the file's, paired by replicate.
  const KpiTable& first = runs.front().kpis;
  json defs = json::array(), difference = json::array(), plan_summary = json::array(),
       file_summary = json::array();
  for (std::size_t k = 0; k < first.defs.size(); ++k) {
    const KpiDef& d = first.defs[k];
    defs.push_back({{"id", d.id},
                    {"label", d.label},
                    {"unit", d.unit},
                    {"view", view_name(d.view)},
                    {"description", d.description}});
    std::vector<double> a, b;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      a.push_back(runs[r].kpis.values[k]);
      b.push_back(file_runs[r].kpis.values[k]);
    }
    difference.push_back(estimate_json(paired_difference(a, b)));
    plan_summary.push_back(estimate_json(estimate_mean(a)));
    file_summary.push_back(estimate_json(estimate_mean(b)));
  }

  // The money each channel had and what it spent: a channel with too few customers to reach
  // carries its allowance forward and may end the horizon with some of it unspent.
  const std::size_t C = static_cast<std::size_t>(shape.C);
  const std::vector<double> spent = mean_spend(runs, C), file_spent = mean_spend(file_runs, C);
  json budgets = json::array();
  for (std::size_t c = 0; c < C; ++c) {
    const double planned = channel_budget(plan.plan.channels[c]);
    const double file_planned = channel_budget(file_def.channels[c]);
    budgets.push_back({{"channel", plan.plan.channels[c].name},
                       {"planned", planned},
                       {"spent", spent[c]},
                       {"unspent", std::max(0.0, planned - spent[c])},
                       {"file_planned", file_planned},
                       {"file_spent", file_spent[c]}});
  }

  return {{"status", "done"},
          {"client", plan.client},
          {"seq", plan.seq},
          {"variant", plan.variant},
          {"set", plan.set},
          {"customers", plan.customers},
          {"replicates", runs.size()},
          {"days", shape.days},
          {"command", equivalent_command(world, plan, static_cast<int>(runs.size()))},
          {"page", std::move(page)},
          {"kpis",
           {{"defs", std::move(defs)},
            {"plan", per_replicate(runs)},
            {"file", per_replicate(file_runs)},
            {"plan_summary", std::move(plan_summary)},
            {"file_summary", std::move(file_summary)},
            {"difference", std::move(difference)}}},
          {"budgets", std::move(budgets)}};
}

}  // namespace cjsim::cli::serve
