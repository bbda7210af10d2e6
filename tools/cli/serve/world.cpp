#include "serve/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/value.hpp"
#include "report/data.hpp"

namespace cjsim::cli::serve {

namespace {

using nlohmann::json;

const ScenarioDef* variant_def(const Scenario& s, const std::string& name) {
  for (const Variant& v : s.variants)
    if (v.name == name) return &v.def;
  return nullptr;
}

// How the page writes a budget B for one channel: keys with weights (numbers), or one key
// whose value is the whole flights array (amounts B x weight, the file's days).
struct SetForm {
  std::vector<std::string> keys;
  std::vector<double> weights;
  bool whole_array = false;  // keys.front() = the flights array
};

std::vector<std::string> assignments(const SetForm& f, const ChannelDef& ch, double budget) {
  std::vector<std::string> out;
  if (f.whole_array) {
    std::string value = "[";
    for (std::size_t i = 0; i < ch.flights.size(); ++i) {
      value += fmt::format("{}{{ from = {}, to = {}, amount = {} }}", i ? ", " : "",
                           ch.flights[i].from, ch.flights[i].to, budget * f.weights[i]);
    }
    out.push_back(f.keys.front() + "=" + value + "]");
    return out;
  }
  for (std::size_t k = 0; k < f.keys.size(); ++k)
    out.push_back(fmt::format("{}={}", f.keys[k], budget * f.weights[k]));
  return out;
}

bool near(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) + 1e-6;
}

// Whether `got` is `want` with channel `c`'s flights holding `budget` in the same shape, and
// every other channel untouched.
bool moved_only(const ScenarioDef& want, const ScenarioDef& got, std::size_t c,
                const std::vector<double>& weights, double budget, bool whole_horizon) {
  if (got.channels.size() != want.channels.size()) return false;
  for (std::size_t k = 0; k < want.channels.size(); ++k) {
    const auto& a = want.channels[k].flights;
    const auto& b = got.channels[k].flights;
    if (k != c) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].from != b[i].from || a[i].to != b[i].to || a[i].amount != b[i].amount)
          return false;
      continue;
    }
    if (whole_horizon && a.empty()) {  // a budget key gives one flight over the horizon
      if (b.size() != 1 || b[0].from != 0 || b[0].to != got.simulation.days - 1) return false;
      if (!near(b[0].amount, budget)) return false;
      continue;
    }
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i].from != b[i].from || a[i].to != b[i].to || !near(b[i].amount, budget * weights[i]))
        return false;
  }
  return true;
}

// The first form of --set keys that moves channel `c` of variant `v` alone, keeping its
// flights' shape. Each candidate is tried on a copy of the document and built: a key that
// another variant cannot take (an index its flights lack) fails the build and is passed over.
std::optional<SetForm> find_form(const ScenarioDocument& doc, const Scenario& scenario,
                                 const std::string& variant, std::size_t c, bool has_variants) {
  const ScenarioDef& def = *variant_def(scenario, variant);
  const ChannelDef& ch = def.channels[c];
  const std::size_t n = ch.flights.size();
  double plan = 0, length = 0;
  for (const FlightDef& f : ch.flights) {
    plan += f.amount;
    length += f.to - f.from + 1;
  }
  std::vector<double> weights;  // the plan's shares, or (no money yet) the flights' lengths
  for (const FlightDef& f : ch.flights)
    weights.push_back(plan > 0 ? f.amount / plan : (f.to - f.from + 1) / length);
  const bool whole_horizon =
      n == 0 || (n == 1 && ch.flights[0].from == 0 && ch.flights[0].to == def.simulation.days - 1);
  const std::string prefix = "variants." + variant + ".";
  const std::string channel = "channels." + ch.name;
  // With variants, the variant's own keys come first: a base key would also win over the
  // other variants' values, and the saved scenario (the effective TOML, where each variant keeps
  // its own table) would not say what was run.
  std::vector<SetForm> candidates;
  auto amounts = [&](const std::string& p) {
    SetForm f;
    for (std::size_t i = 0; i < n; ++i) {
      f.keys.push_back(fmt::format("{}{}.flights[{}].amount", p, channel, i));
      f.weights.push_back(weights[i]);
    }
    return f;
  };
  if (has_variants) {
    if (whole_horizon) candidates.push_back({{prefix + channel + ".budget"}, {1.0}, false});
    if (n > 0) {
      candidates.push_back(amounts(prefix));
      candidates.push_back({{prefix + channel + ".flights"}, weights, true});
    }
  } else {
    if (whole_horizon) candidates.push_back({{channel + ".budget"}, {1.0}, false});
    if (n > 0) {
      candidates.push_back(amounts(""));
      candidates.push_back({{channel + ".flights"}, weights, true});
    }
  }
  // A budget the plan does not have, so a key that changes nothing is caught.
  const double probe = (plan > 0 ? 0.5 * plan : 1000.0) + 0.25;
  for (const SetForm& form : candidates) {
    try {
      ScenarioDocument copy = doc;
      for (const std::string& a : assignments(form, ch, probe)) copy.set(a);
      const Scenario built = build_scenario(copy);
      const ScenarioDef* got = variant_def(built, variant);
      if (got && moved_only(def, *got, c, form.weights, probe, whole_horizon)) return form;
    } catch (const InputError&) {
      // not this form
    }
  }
  return std::nullopt;
}

}  // namespace

ServeWorld::ServeWorld(const std::string& scenario_path, const std::vector<std::string>& overrides,
                       const ServeLimits& limits, std::optional<std::uint64_t> seed)
    : path_(scenario_path),
      overrides_(overrides),
      doc_(ScenarioDocument::from_file(scenario_path)),
      limits_(limits),
      seed_(seed) {
  for (const std::string& o : overrides_) doc_.set(o);
  scenario_ = build_scenario(doc_);
  days_ = scenario_.variants.front().def.simulation.days;
  for (const Variant& v : scenario_.variants) {
    if (v.def.simulation.days != days_) {
      throw InputError(
          {path_, 0, 0}, "simulation.days",
          fmt::format("variant '{}' runs {} days and '{}' {}: the page compares "
                      "plans day by day on one horizon",
                      v.name, v.def.simulation.days, scenario_.variants.front().name, days_),
          "give every variant the same simulation.days");
    }
  }
  if (days_ > limits_.max_days) {
    throw InputError({"--set", 0, 0}, "simulation.days",
                     fmt::format("{} days is more than the live page runs (at most {})", days_,
                                 limits_.max_days),
                     "shorten the horizon, e.g. --set simulation.days=365");
  }
  const bool has_variants =
      !(scenario_.variants.size() == 1 && scenario_.variants.front().name == "base");
  for (const Variant& v : scenario_.variants) {
    VariantSliders vs;
    vs.name = v.name;
    vs.description = v.description;
    double funded = 0;
    int n_funded = 0;
    for (const ChannelDef& ch : v.def.channels) {
      const double b = channel_budget(ch);
      vs.total += b;
      if (b > 0) {
        funded += b;
        ++n_funded;
      }
    }
    const double mean = n_funded ? funded / n_funded : 0.0;
    for (std::size_t c = 0; c < v.def.channels.size(); ++c) {
      const ChannelDef& ch = v.def.channels[c];
      ChannelSlider s;
      s.name = ch.name;
      s.label = ch.label.empty() ? ch.name : ch.label;
      s.budget = channel_budget(ch);
      // 0 to 2x the plan; a channel this plan leaves at 0 gets room to be tried (2x the mean
      // funded channel), or 10,000 when nothing is funded at all.
      s.slider_max = 2 * (s.budget > 0 ? s.budget : (mean > 0 ? mean : 10'000.0));
      // A free channel reaches everyone whatever its budget: no slider.
      if (ch.cost > 0) {
        if (const auto form = find_form(doc_, scenario_, v.name, c, has_variants)) {
          s.keys = form->keys;
          s.weights = form->weights;
          s.whole_array = form->whole_array;
        }
      }
      vs.channels.push_back(std::move(s));
    }
    variants_.push_back(std::move(vs));
  }
}

const VariantSliders* ServeWorld::variant(const std::string& name) const {
  for (const VariantSliders& v : variants_)
    if (v.name == name) return &v;
  return nullptr;
}

ScenarioDef ServeWorld::file_plan(const std::string& variant, std::uint64_t customers) const {
  ScenarioDocument copy = doc_;
  copy.set(fmt::format("simulation.customers={}", customers));
  const Scenario built = build_scenario(copy);
  const ScenarioDef* def = variant_def(built, variant);
  if (!def) {
    throw InputError({"variant", 0, 0}, "variant", fmt::format("no variant named '{}'", variant),
                     "choose a variant of the scenario");
  }
  return *def;
}

std::uint64_t ServeWorld::default_customers() const {
  return std::min<std::uint64_t>(scenario_.variants.front().def.simulation.customers,
                                 limits_.max_customers);
}

bool ServeWorld::allowed_key(const std::string& key) const {
  if (key == "simulation.customers") return true;
  for (const VariantSliders& v : variants_)
    for (const ChannelSlider& s : v.channels)
      for (const std::string& k : s.keys)
        if (k == key) return true;
  return false;
}

std::vector<std::string> ServeWorld::allowed_keys() const {
  std::vector<std::string> out = {"simulation.customers"};
  for (const VariantSliders& v : variants_)
    for (const ChannelSlider& s : v.channels)
      for (const std::string& k : s.keys)
        if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  return out;
}

json ServeWorld::describe() const {
  const ScenarioDef& first = scenario_.variants.front().def;
  json variants = json::array();
  for (std::size_t v = 0; v < variants_.size(); ++v) {
    const VariantSliders& vs = variants_[v];
    const ScenarioDef& def = scenario_.variants[v].def;
    json channels = json::array();
    for (std::size_t c = 0; c < vs.channels.size(); ++c) {
      const ChannelSlider& s = vs.channels[c];
      json set = nullptr;
      if (!s.keys.empty()) {
        if (s.whole_array) {
          json flights = json::array();
          for (std::size_t i = 0; i < def.channels[c].flights.size(); ++i)
            flights.push_back({{"from", def.channels[c].flights[i].from},
                               {"to", def.channels[c].flights[i].to},
                               {"weight", s.weights[i]}});
          set = {{"kind", "flights"}, {"key", s.keys.front()}, {"flights", std::move(flights)}};
        } else {
          set = {{"kind", "amounts"}, {"keys", s.keys}, {"weights", s.weights}};
        }
      }
      channels.push_back(
          {{"name", s.name},
           {"label", s.label},
           {"budget", s.budget},
           {"slider_max", s.slider_max},
           {"cost", def.channels[c].cost},
           {"set", std::move(set)},
           {"fixed_reason", s.keys.empty()
                                ? (def.channels[c].cost > 0 ? "its budget cannot be set by one key"
                                                            : "a free channel: its budget does not "
                                                              "change whom it reaches")
                                : ""}});
    }
    variants.push_back({{"name", vs.name},
                        {"description", vs.description},
                        {"total", vs.total},
                        {"customers", def.simulation.customers},
                        {"channels", std::move(channels)}});
  }
  return {{"scenario",
           {{"name", first.simulation.name},
            {"description", first.simulation.description},
            {"source", path_},
            {"overrides", overrides_},
            {"currency", currency_json(first.simulation.currency)},
            {"days", days_},
            {"seed", seed_of(first)}}},
          {"limits",
           {{"max_customers", limits_.max_customers},
            {"replicates", limits_.replicates},
            {"max_days", limits_.max_days}}},
          {"customers", default_customers()},
          {"variants", std::move(variants)}};
}

}  // namespace cjsim::cli::serve
