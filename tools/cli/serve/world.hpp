// What the live page may change, worked out once when the server starts: the scenario (with
// the server's own --set overrides), every variant's channels with the --set keys that move a
// channel's budget while keeping the shape of its flights, and the caps on the work one request
// may ask for. Requests are checked against this whitelist (plan.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/scenario_io.hpp"

namespace cjsim::cli::serve {

// One channel of one variant as the page shows it: a slider from 0 to `slider_max`.
struct ChannelSlider {
  std::string name, label;
  double budget = 0;      // the file's plan: the sum of the channel's flights in this variant
  double slider_max = 0;  // 2x the plan (a channel without budget: 2x the variant's mean)
  // The --set keys that give the channel a budget B: key k gets B x weights[k] (one flight
  // amount each, so flights keep their shape; a whole-horizon budget is one key, weight 1).
  // Empty when no key does it (the channel is shown without a slider).
  std::vector<std::string> keys;
  std::vector<double> weights;
  // Instead: keys.front() takes the whole flights array, flight i with amount B x weights[i]
  // (when no index key reaches the variant's own flights without breaking another variant).
  bool whole_array = false;
};

struct VariantSliders {
  std::string name, description;
  std::vector<ChannelSlider> channels;  // the scenario's channel order
  double total = 0;                     // sum of the channels' plan budgets
};

struct ServeLimits {
  std::uint64_t max_customers = 50'000;  // per run (--max-customers)
  int replicates = 4;                    // per plan (--replicates)
  int max_days = 3'650;                  // the scenario's horizon must not be longer
};

class ServeWorld {
 public:
  // Loads and validates the scenario with `overrides` (the serve command's --set). Throws
  // InputError for a bad scenario or a horizon over limits.max_days.
  ServeWorld(const std::string& scenario_path, const std::vector<std::string>& overrides,
             const ServeLimits& limits, std::optional<std::uint64_t> seed);

  const ScenarioDocument& document() const { return doc_; }
  const Scenario& scenario() const { return scenario_; }
  const std::string& scenario_path() const { return path_; }
  const std::vector<std::string>& overrides() const { return overrides_; }
  const std::vector<VariantSliders>& variants() const { return variants_; }
  const VariantSliders* variant(const std::string& name) const;
  const ServeLimits& limits() const { return limits_; }
  std::optional<std::uint64_t> seed() const { return seed_; }
  std::uint64_t seed_of(const ScenarioDef& def) const {
    return seed_.value_or(def.simulation.seed);
  }
  int days() const { return days_; }
  // The population the page starts with: the file's, capped at max_customers.
  std::uint64_t default_customers() const;
  // Whether the page may send this key (exactly as written before '=').
  bool allowed_key(const std::string& key) const;
  // Every key the page may send, for messages (did-you-mean).
  std::vector<std::string> allowed_keys() const;

  // The variant as the file has it (with the server's overrides) at `customers`: what a plan
  // is compared with. Throws InputError for an unknown variant.
  ScenarioDef file_plan(const std::string& variant, std::uint64_t customers) const;

  // What GET /api/scenario answers: names, labels, sliders, limits, currency.
  nlohmann::json describe() const;

 private:
  std::string path_;
  std::vector<std::string> overrides_;
  ScenarioDocument doc_;
  Scenario scenario_;
  ServeLimits limits_;
  std::optional<std::uint64_t> seed_;
  int days_ = 0;
  std::vector<VariantSliders> variants_;
};

}  // namespace cjsim::cli::serve
