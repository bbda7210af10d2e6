#include "report/attribution.hpp"

#include <cmath>

#include "cjsim/attribution.hpp"
#include "cjsim/value.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json attribution_json(const ResultFile& file) {
  for (const std::string& variant : file_variants(file)) {
    const std::optional<ChannelValue> truth = file.channel_value(variant);
    if (!truth) continue;
    const std::vector<int> reps = file_replicates(file, variant);
    const std::vector<std::string> channels =
        file.load(variant, reps.front(), false).run.names.channels;
    const AttributionOptions options;
    std::vector<Attribution> runs;
    for (const int r : reps) {
      const std::optional<TouchPaths> paths = file.touch_paths(variant, r);
      if (!paths) break;
      runs.push_back(attribute(*paths, channels.size(), options));
      runs.back().summary.paths.clear();
    }
    if (runs.size() != reps.size()) continue;
    const AttributionSummary s = summarize_attribution(runs);
    nlohmann::json out;
    out["variant"] = variant;
    out["replicates"] = s.runs;
    out["half_life_days"] = options.half_life_days;
    out["channels"] = channels;
    out["organic_per_run"] = s.organic_per_run;
    out["conversions_per_run"] = s.conversions_per_run;
    std::vector<double> truth_mean;
    nlohmann::json mean = nlohmann::json::array(), low = nlohmann::json::array(),
                   high = nlohmann::json::array();
    for (const std::string& c : channels) {
      const ChannelValueRow* row = truth->find(c, "incremental.purchases");
      const Estimate e = row ? row->estimate : Estimate{std::nan(""), 0, 0, 0, 0};
      truth_mean.push_back(e.mean);
      mean.push_back(number(e.mean));
      low.push_back(number(e.ci_low));
      high.push_back(number(e.ci_high));
    }
    out["truth"] = {{"conversions", mean}, {"conversions_low", low}, {"conversions_high", high}};
    nlohmann::json models = nlohmann::json::array();
    for (std::size_t k = 0; k < s.models.size(); ++k) {
      std::vector<double> credit;
      nlohmann::json conv = nlohmann::json::array();
      for (const Estimate& e : s.conversions[k]) {
        credit.push_back(e.mean);
        conv.push_back(number(e.mean));
      }
      models.push_back({{"model", s.models[k]},
                        {"conversions", conv},
                        {"share_error", number(share_error(credit, truth_mean))}});
    }
    out["models"] = std::move(models);
    return out;
  }
  return nullptr;
}

}  // namespace cjsim::cli
