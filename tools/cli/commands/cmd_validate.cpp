// cjsim validate: check scenarios without running them.
#include <fmt/format.h>

#include <cstdio>

#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/sweep.hpp"
#include "cjsim/value.hpp"
#include "commands/commands.hpp"
#include "common/kpi_table.hpp"
#include "common/options.hpp"

namespace cjsim::cli {

int cmd_validate(const Args& args, const std::string&) {
  std::vector<std::string> files, overrides;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "set", po::value(&overrides)->composing()->value_name("KEY=VALUE"),
      "apply an override before checking (repeatable)");
  po::options_description hidden;
  hidden.add_options()("scenario", po::value(&files)->required());
  po::positional_options_description pos;
  pos.add("scenario", -1);
  po::variables_map vm;
  if (!parse(args, opts, hidden, pos, vm, "cjsim validate SCENARIO... [--set KEY=VALUE]...",
             "  cjsim validate scenarios/*.toml\n"
             "  cjsim validate my.toml --set simulation.customers=5000000\n")) {
    return 0;
  }
  int failed = 0;
  for (const std::string& f : files) {
    try {
      ScenarioDocument doc = ScenarioDocument::from_file(f);
      for (const std::string& o : overrides) doc.set(o);
      const Scenario s = build_scenario(doc);
      const ScenarioDef& d = s.variants.front().def;
      const MemoryEstimate mem = estimate_memory(d);
      // A [sweep] section is checked as cjsim sweep would, every point built.
      std::string sweep;
      std::vector<std::string> warnings = s.warnings;
      for (const Variant& v : s.variants) {
        for (const std::string& w : unspendable_budgets(v.def)) {
          warnings.push_back(s.variants.size() > 1 ? "variant " + v.name + ": " + w : w);
        }
      }
      if (!read_sweep_section(doc).axes.empty()) {
        const SweepPlan plan = plan_sweep(doc, {});
        warnings.insert(warnings.end(), plan.warnings.begin(), plan.warnings.end());
        sweep = fmt::format("; [sweep]: {} points x {} replicates", plan.points.size(),
                            plan.replicates);
      }
      fmt::print(
          "ok: {}: {} variant{}, {} customers x {} days, {} stages, {} edges, {} channels, "
          "about {:.0f} MB{}\n",
          f, s.variants.size(), s.variants.size() == 1 ? "" : "s",
          format_value(static_cast<double>(d.simulation.customers), "customers"), d.simulation.days,
          d.stages.size(), d.edges.size(), d.channels.size(), static_cast<double>(mem.bytes) / 1e6,
          sweep);
      print_warnings(warnings);
    } catch (const InputError& e) {
      print_input_error(e);
      ++failed;
    }
  }
  if (failed > 0 && files.size() > 1)
    fmt::print(stderr, "{} of {} scenarios have problems\n", failed, files.size());
  return failed > 0 ? 1 : 0;
}

}  // namespace cjsim::cli
