// variants x replicates -> simulate -> KPIs -> result file -> summaries (cjsim/ensemble.hpp).
#include <mutex>

#include "cjsim/ensemble.hpp"
#include "cjsim/hdf5_io.hpp"

namespace cjsim {

std::vector<KpiSummary> run_variants(
    const std::vector<VariantRuns>& variants, const EnsembleOptions& options, ResultWriter* writer,
    const std::function<void(const RunPlan&, const RunResult&, const KpiTable&)>& on_run) {
  std::vector<RunPlan> plans;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    for (int r = 0; r < variants[v].replicates; ++r) {
      plans.push_back({variants[v].def, r, v, variants[v].touch_paths, std::nullopt});
    }
  }
  std::vector<std::vector<KpiTable>> tables(variants.size());
  std::vector<int> finished(variants.size(), 0);
  for (std::size_t v = 0; v < variants.size(); ++v) {
    tables[v].resize(static_cast<std::size_t>(std::max(variants[v].replicates, 0)));
  }
  std::vector<KpiSummary> summaries(variants.size());
  std::mutex mutex;  // the writer, the tables, on_run
  run_ensemble(plans, options, [&](const RunPlan& plan, RunResult&& run) {
    KpiTable kpis = compute_kpis(run);
    const VariantRuns& v = variants[plan.id];
    const std::lock_guard<std::mutex> lock(mutex);
    if (writer) writer->write_run(v.name, v.description, run, kpis);
    if (on_run) on_run(plan, run, kpis);
    tables[plan.id][static_cast<std::size_t>(plan.replicate)] = std::move(kpis);
    if (++finished[plan.id] == v.replicates) {
      summaries[plan.id] = summarize(tables[plan.id]);
      if (writer) writer->write_summary(v.name, summaries[plan.id]);
    }
  });
  return summaries;
}

}  // namespace cjsim
