// The list of subcommands (main.cpp dispatches on it; the fuzz targets of result files call
// commands by name through it).
#include "commands/commands.hpp"

namespace cjsim::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"run", "simulate a scenario, write an HDF5 file, print the KPI table", cmd_run},
      {"sweep", "run a scenario at many points with replicates (grid, Latin hypercube, MPI)",
       cmd_sweep},
      {"compare", "paired differences with 95% CIs: two result files, or sweep points",
       cmd_compare},
      {"validate", "check scenario files and report every problem", cmd_validate},
      {"trace", "tell one customer's journey, day by day", cmd_trace},
      {"report", "draw a result file as one self-contained HTML page", cmd_report},
      {"value", "what each channel is really worth: counterfactual runs on common random numbers",
       cmd_value},
      {"attribute", "attribution models from touch paths, beside the ground truth", cmd_attribute},
      {"export", "touch paths for ChannelAttribution, weekly aggregates for MMM tools", cmd_export},
      {"optimize", "share a total budget across channels to maximise an objective", cmd_optimize},
      {"calibrate", "fit a scenario's [calibrate] priors to observed data (ABC-SMC)",
       cmd_calibrate},
      {"forecast", "run a calibrated world beyond its data, with predictive bands", cmd_forecast},
      {"serve", "a live what-if page: sliders per channel, answers with intervals in a second",
       cmd_serve},
      {"bench", "measure speed and memory on the bench world (docs/bench.md)", cmd_bench},
  };
  return all;
}

}  // namespace cjsim::cli
