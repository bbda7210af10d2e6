// variants x replicates -> simulate -> KPIs -> result file -> summaries (cjsim/ensemble.hpp).
#include <algorithm>
#include <mutex>
#include <optional>

#include "cjsim/ensemble.hpp"
#include "cjsim/hdf5_io.hpp"

namespace cjsim {

std::vector<KpiSummary> run_variants(
    const std::vector<VariantRuns>& variants, const EnsembleOptions& options, ResultWriter* writer,
    const std::function<void(const RunPlan&, const RunResult&, const KpiTable&)>& on_run) {
  const std::size_t V = variants.size();
  std::vector<RunPlan> plans;
  for (std::size_t v = 0; v < V; ++v) {
    for (int r = 0; r < variants[v].replicates; ++r) {
      // The zero-spend twin first: with one run at a time, the run never waits for it.
      if (variants[v].zero_spend != nullptr) {
        plans.push_back({variants[v].zero_spend, r, V + v, false, std::nullopt});
      }
      plans.push_back({variants[v].def, r, v, variants[v].touch_paths, std::nullopt});
    }
  }
  std::vector<std::vector<KpiTable>> tables(V);
  std::vector<int> finished(V, 0);
  // Per variant and replicate: the zero-spend twin's daily series, and a run that finished
  // before its twin (with several runs at once).
  std::vector<std::vector<std::optional<RunResult>>> twins(V), waiting(V);
  for (std::size_t v = 0; v < V; ++v) {
    const auto R = static_cast<std::size_t>(std::max(variants[v].replicates, 0));
    tables[v].resize(R);
    twins[v].resize(R);
    waiting[v].resize(R);
  }
  std::vector<KpiSummary> summaries(V);
  std::mutex mutex;  // the writer, the tables, the twins, on_run
  run_ensemble(plans, options, [&](const RunPlan& plan, RunResult&& finished_run) {
    const bool is_twin = plan.id >= V;
    const std::size_t id = is_twin ? plan.id - V : plan.id;
    const auto r = static_cast<std::size_t>(plan.replicate);
    const VariantRuns& v = variants[id];
    RunResult run;
    {
      const std::lock_guard<std::mutex> lock(mutex);
      if (is_twin) {
        twins[id][r].emplace();
        twins[id][r]->daily = std::move(finished_run.daily);  // all compute_kpis reads of it
        if (!waiting[id][r]) return;
        run = std::move(*waiting[id][r]);
        waiting[id][r].reset();
      } else if (v.zero_spend != nullptr && !twins[id][r]) {
        waiting[id][r] = std::move(finished_run);
        return;
      } else {
        run = std::move(finished_run);
      }
    }
    // A twin, once stored, is never changed: read without the lock.
    KpiTable kpis = compute_kpis(run, v.zero_spend != nullptr ? &*twins[id][r] : nullptr);
    const RunPlan main_plan{v.def, plan.replicate, id, v.touch_paths, std::nullopt};
    const std::lock_guard<std::mutex> lock(mutex);
    if (writer) writer->write_run(v.name, v.description, run, kpis);
    if (on_run) on_run(main_plan, run, kpis);
    tables[id][r] = std::move(kpis);
    if (++finished[id] == v.replicates) {
      summaries[id] = summarize(tables[id]);
      if (writer) writer->write_summary(v.name, summaries[id]);
    }
  });
  return summaries;
}

}  // namespace cjsim
