#include "serve/save.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "cjsim/ensemble.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/value.hpp"
#include "common/options.hpp"
#include "serve/answer.hpp"

namespace cjsim::cli::serve {

namespace fs = std::filesystem;

namespace {

// A variant name from the file stem: letters, digits and '_' (others become '_'), not one the
// scenario has.
std::string saved_variant_name(const ServeWorld& world, const std::string& stem) {
  std::string name;
  for (char c : stem) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) name = "plan_" + name;
  std::string out = name;
  for (int n = 2; world.variant(out); ++n) out = fmt::format("{}_{}", name, n);
  return out;
}

// [variants.<added>]: the plan's variant table as the effective TOML has it (the page's budgets
// are variant keys), with the base keys of the server's and the page's overrides written into
// it (a base override wins over a variant's own value, so inside the variant it says the same).
std::string variant_toml(const ServeWorld& world, const PlanRequest& plan,
                         const std::string& effective, const std::string& added) {
  toml::table effective_root = toml::parse(effective);
  toml::table variant;
  if (const toml::table* v = effective_root.at_path("variants").as_table()) {
    if (const toml::table* own = (*v)[plan.variant].as_table()) variant = *own;
  }
  variant.insert_or_assign("description",
                           fmt::format("Saved from cjsim serve: variant '{}' with the live page's "
                                       "changes",
                                       plan.variant));
  std::string base_keys;
  for (const std::string& a : full_overrides(world, plan)) {
    const std::string key = a.substr(0, a.find('='));
    if (key.starts_with("variants.")) continue;  // already in the variant's table
    base_keys += a.substr(0, a.find('=')) + " = " + a.substr(a.find('=') + 1) + "\n";
  }
  // The base keys are re-read as TOML into the variant's table (a dotted key may name a table
  // the variant already has).
  toml::table keys;
  try {
    keys = toml::parse(base_keys);
  } catch (const toml::parse_error& e) {
    throw RuntimeError(fmt::format("cannot write the overrides {} into the saved scenario: {}",
                                   base_keys, e.what()));
  }
  std::function<void(toml::table&, const toml::table&)> merge = [&](toml::table& into,
                                                                    const toml::table& from) {
    for (const auto& [k, node] : from) {
      toml::table* sub = into[k].as_table();
      if (sub && node.is_table()) {
        merge(*sub, *node.as_table());
      } else {
        into.insert_or_assign(k, node);
      }
    }
  };
  merge(variant, keys);
  toml::table root;
  toml::table variants;
  variants.insert(added, std::move(variant));
  root.insert("variants", std::move(variants));
  std::ostringstream out;
  out << root;
  return out.str();
}

}  // namespace

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
      if (!fs::exists(fs::path(options.dir) / fmt::format("{}{}.h5", base, n), ec) &&
          !fs::exists(fs::path(options.dir) / fmt::format("{}{}.toml", base, n), ec))
        stem = fmt::format("{}{}", base, n);
    }
  }
  const std::string h5 = (fs::path(options.dir) / (stem + ".h5")).string();
  const std::string toml = (fs::path(options.dir) / (stem + ".toml")).string();
  for (const std::string& path : {h5, toml}) {
    if (fs::exists(path, ec)) {
      throw RequestError(409,
                         {{"error", "exists"},
                          {"message", fmt::format("{} exists already: choose another name", path)},
                          {"problems", nlohmann::json::array()}});
    }
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
  meta.overrides = doc.overrides();
  meta.command_line = equivalent_command(world, plan, replicates);
  meta.seed = world.seed_of(plan.plan);
  meta.currency = plan.plan.simulation.currency;
  ResultWriter writer(h5, meta);

  std::vector<RunResult> runs(static_cast<std::size_t>(replicates));
  EnsembleOptions o;
  o.threads = options.threads;
  o.seed = world.seed();
  o.customer_table = true;
  o.progress = [&](const EnsembleProgress& p) {
    if (p.finished) check();
  };
  const std::vector<ScenarioDef> defs{plan.plan};
  run_ensemble(replicate_plans(defs, replicates), o, [&](const RunPlan& p, RunResult&& run) {
    runs[static_cast<std::size_t>(p.replicate)] = std::move(run);
  });
  std::vector<KpiTable> tables;
  const VariantSliders& v = *world.variant(plan.variant);
  for (const RunResult& run : runs) {
    tables.push_back(compute_kpis(run));
    writer.write_run(plan.variant, v.description, run, tables.back());
  }
  writer.write_summary(plan.variant, summarize(tables));
  writer.commit();

  // The plan as a scenario file: the scenario's own text, untouched, with the plan appended as
  // one more variant (the variant's table after every override, plus the base keys the server
  // and the page set), so `cjsim run <stem>.toml --variant <new>` runs exactly this plan. (It
  // keeps the user's own file, comments and all, and the plan reads as one variant.)
  const std::string added = saved_variant_name(world, stem);
  const std::string scenario_text = fmt::format(
      "# Saved by cjsim serve: the plan of the live page is the variant '{}' at the end.\n"
      "#   cjsim run {} --variant {} --replicates {}{}\n"
      "# gives the runs of {} bit for bit ({}).\n\n{}\n\n{}",
      added, shell_quote(toml), added, replicates,
      world.seed() ? fmt::format(" --seed {}", *world.seed()) : std::string(), h5,
      meta.command_line, world.document().text(),
      variant_toml(world, plan, meta.effective_toml, added));
  const std::string partial = toml + ".partial";
  {
    std::ofstream out(partial, std::ios::binary);
    out << scenario_text;
    out.close();
    if (!out) {
      fs::remove(partial, ec);
      throw RuntimeError(fmt::format("cannot write {} (the result file {} was written)", toml, h5));
    }
  }
  fs::rename(partial, toml, ec);
  if (ec) {
    fs::remove(partial, ec);
    throw RuntimeError(fmt::format("cannot write {} (the result file {} was written)", toml, h5));
  }
  return {{"status", "saved"},
          {"h5", h5},
          {"toml", toml},
          {"toml_variant", added},
          {"command", meta.command_line},
          {"report", "cjsim report " + shell_quote(h5)}};
}

}  // namespace cjsim::cli::serve
