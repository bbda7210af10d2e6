#include "serve/save.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/value.hpp"
#include "common/options.hpp"
#include "serve/answer.hpp"

namespace cjsim::cli::serve {

namespace fs = std::filesystem;

nlohmann::json save_plan(const ServeWorld& world, const PlanRequest& plan,
                         const SaveOptions& options, const std::function<void()>& check) {
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) {
    throw RuntimeError(fmt::format("cannot create the folder {}: {}", options.dir, ec.message()));
  }
  std::string stem = plan.name;
  if (stem.empty()) {
    const std::string base =
        fs::path(world.scenario_path()).stem().string() + "-" + plan.variant + "-";
    for (int n = 1; n < 100'000 && stem.empty(); ++n) {
      if (!fs::exists(fs::path(options.dir) / fmt::format("{}{}.h5", base, n), ec))
        stem = fmt::format("{}{}", base, n);
    }
  }
  const std::string h5 = (fs::path(options.dir) / (stem + ".h5")).string();
  if (fs::exists(h5, ec)) {
    throw RequestError(409, {{"error", "exists"},
                             {"message", fmt::format("{} exists already: choose another name", h5)},
                             {"problems", nlohmann::json::array()}});
  }

  // The same file `cjsim run` writes for this plan: the scenario text as read, the scenario
  // after every override, the command that reproduces it, then the runs in replicate order.
  ScenarioDocument doc = world.document();
  for (const std::string& s : plan.set) doc.set(s);
  const int replicates = world.limits().replicates;
  FileMeta meta;
  meta.scenario_name = plan.plan.simulation.name;
  meta.scenario_source = world.scenario_path();
  meta.scenario_text = doc.text();
  meta.effective_toml = doc.effective_toml();
  meta.command_line = equivalent_command(world, plan, replicates);
  meta.seed = world.seed_of(plan.plan);
  meta.currency = plan.plan.simulation.currency;
  ResultWriter writer(h5, meta);

  std::vector<RunResult> runs(static_cast<std::size_t>(replicates));
  CrnOptions o;
  o.threads = options.threads;
  o.seed = world.seed();
  o.customer_table = true;
  o.progress = [&](std::size_t, std::size_t) { check(); };
  run_crn({plan.plan}, replicates, o, [&](std::size_t, int r, RunResult&& run) {
    runs[static_cast<std::size_t>(r)] = std::move(run);
  });
  std::vector<KpiTable> tables;
  const VariantSliders& v = *world.variant(plan.variant);
  for (const RunResult& run : runs) {
    tables.push_back(compute_kpis(run));
    writer.write_run(plan.variant, v.description, run, tables.back());
  }
  writer.write_summary(plan.variant, summarize(tables));
  writer.commit();
  return {{"status", "saved"},
          {"h5", h5},
          {"command", meta.command_line},
          {"report", "cjsim report " + shell_quote(h5)}};
}

}  // namespace cjsim::cli::serve
