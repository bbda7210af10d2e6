// Saving the page's plan: its runs written as a normal result file (what `cjsim run --variant V
// --set ...` writes, which `cjsim report` reads) beside the plan as a scenario file.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "serve/plan.hpp"
#include "serve/world.hpp"

namespace cjsim::cli::serve {

struct SaveOptions {
  std::string dir = "results";  // created when missing
  int threads = 0;
};

// Runs the plan's replicates (with per-customer tables) and writes <dir>/<stem>.h5 atomically,
// then <dir>/<stem>.toml (the scenario after every override); <stem> is plan.name, or
// "<scenario>-<variant>-<n>" with the first n free. Never overwrites: a name in use is refused
// (409). `check` is called between runs and may throw to cancel (nothing is left behind then).
// Returns {"status": "saved", "h5": path, "toml": path, "command": ..., "report": command}.
nlohmann::json save_plan(const ServeWorld& world, const PlanRequest& plan,
                         const SaveOptions& options, const std::function<void()>& check);

}  // namespace cjsim::cli::serve
