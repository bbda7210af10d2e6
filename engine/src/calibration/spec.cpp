// The [calibrate] table (cjsim/calibrate.hpp): settings, priors (with wildcards and Dirichlet
// groups), targets and experiments, each problem with its file:line:column and a fix. Scenario
// loading only requires `calibrate` to be a table; everything else is checked here.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "base/did_you_mean.hpp"
#include "calibration/csv_table.hpp"
#include "cjsim/calibrate.hpp"
#include "scenario/document_impl.hpp"
#include "scenario/toml_values.hpp"

namespace cjsim {

namespace {

// clang-format off
const std::vector<std::string> kSettings = {
    "observed", "from", "to", "period", "scale", "seed", "draws", "particles", "budget",
    "quantile", "min_acceptance", "generations", "batch", "screen_replicates", "forecast",
    "value_draws", "summaries", "priors", "targets", "experiments"};
// clang-format on
const std::vector<std::string> kDists = {"lognormal", "normal",      "beta",     "gamma",
                                         "uniform",   "log-uniform", "dirichlet"};
const std::vector<std::string> kExperimentKeys = {"name", "channel", "holdout", "from",
                                                  "to",   "measure", "result",  "se"};
const std::vector<std::string> kMeasures = {"purchases", "new_customers", "revenue"};
const char* const kPriorFix =
    "write a prior as an inline table, e.g. \"edges.consideration -> purchase.rate\" = "
    "{ dist = \"lognormal\", median = 0.04, sigma = 0.7 }";

using toml_values::as_number;
using toml_values::num;
using toml_values::what_is;

const char* collection_of(const std::string& key) {
  if (key == "channels") return "channel";
  if (key == "segments") return "segment";
  if (key == "stages") return "stage";
  if (key == "edges") return "edge";
  return nullptr;
}

class Reader {
 public:
  Reader(const ScenarioDocument& doc, const Scenario& base)
      : doc_(doc), impl_(document_impl(doc)), base_(base.variants.front().def) {}

  CalibrationSpec read(const toml::table& t, CalibrationSpec defaults) {
    spec_ = std::move(defaults);
    for (const std::string& key : ordered(t, "calibrate")) {
      const toml::node& v = *t.get(key);
      const std::string where = join_key("calibrate", key);
      if (key == "priors") {
        if (!v.is_table()) {
          bad(where, key, fmt::format("priors must be a table, not {}", what_is(v)), kPriorFix);
        } else {
          read_priors(*v.as_table());
        }
      } else if (key == "targets") {
        if (!v.is_table()) {
          bad(where, key, fmt::format("targets must be a table, not {}", what_is(v)),
              "write [calibrate.targets] with a weight per series, e.g. new_customers = 1");
        } else {
          read_targets(*v.as_table());
        }
      } else if (key == "experiments") {
        read_experiments(v, where);
      } else if (std::find(kSettings.begin(), kSettings.end(), key) != kSettings.end()) {
        setting(key, v, where);
      } else {
        bad(where, key, fmt::format("unknown key '{}' in [calibrate]", key),
            did_you_mean(key, kSettings,
                         "[calibrate] holds observed, from, to, period, scale, seed, draws, "
                         "particles, budget, quantile, min_acceptance, generations, batch, "
                         "screen_replicates, forecast, value_draws, summaries and the tables "
                         "priors, targets, experiments"));
      }
    }
    if (spec_.priors.parameters.empty() && problems_.empty()) {
      bad("calibrate", "priors", "[calibrate] has no priors: nothing to fit",
          "add [calibrate.priors] with a prior per key to fit, e.g. "
          "\"edges.consideration -> purchase.rate\" = { dist = \"lognormal\", median = 0.04, "
          "sigma = 0.7 }");
    }
    AbcOptions& o = spec_.settings.smc;
    if (o.budget < o.particles && problems_.empty()) {
      bad("calibrate.budget", "budget",
          fmt::format("budget = {} is below particles = {}: not even the first generation fits",
                      o.budget, o.particles),
          "give a budget of at least 20 times the particles");
    }
    if (!problems_.empty()) throw InputError(std::move(problems_));
    return std::move(spec_);
  }

 private:
  void bad(const std::string& where, const std::string& key, std::string message, std::string fix) {
    problems_.push_back(Diagnostic{impl_.place_of(where),
                                   key.rfind("calibrate", 0) == 0 ? key : "calibrate." + key,
                                   std::move(message), std::move(fix)});
  }

  // Keys of a table in the order the file writes them.
  std::vector<std::string> ordered(const toml::table& t, const std::string& path) const {
    std::vector<std::pair<SourcePlace, std::string>> keys;
    for (auto&& [k, v] : t) {
      keys.emplace_back(impl_.place_of(join_key(path, k.str())), std::string(k.str()));
    }
    std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
      return a.first.line < b.first.line ||
             (a.first.line == b.first.line && a.first.column < b.first.column);
    });
    std::vector<std::string> out;
    for (auto& [place, key] : keys) out.push_back(std::move(key));
    return out;
  }

  std::optional<double> number(const toml::node& v, const std::string& where,
                               const std::string& key, double lo, double hi, const char* fix) {
    const auto x = as_number(v);
    if (!x || !std::isfinite(*x)) {
      bad(where, key, fmt::format("{} must be a number, not {}", key, what_is(v)), fix);
      return std::nullopt;
    }
    if (*x < lo || *x > hi) {
      bad(where, key, fmt::format("{} = {} is outside {} .. {}", key, num(*x), num(lo), num(hi)),
          fix);
      return std::nullopt;
    }
    return x;
  }

  std::optional<std::int32_t> date(const toml::node& v, const std::string& where,
                                   const std::string& key) {
    std::int32_t days = 0;
    if (const auto* d = v.as_date()) {
      const toml::date& x = d->get();
      const std::string text = fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(x.year),
                                           static_cast<int>(x.month), static_cast<int>(x.day));
      if (parse_date_prefix(text, days, false)) return days;
    }
    if (const auto* s = v.as_string(); s && parse_date_prefix(s->get(), days, false)) return days;
    bad(where, key, fmt::format("{} must be a date, not {}", key, what_is(v)),
        fmt::format("write {} = \"2025-03-03\" (YYYY-MM-DD)", key));
    return std::nullopt;
  }

  void setting(const std::string& key, const toml::node& v, const std::string& where) {
    CalibrateSettings& s = spec_.settings;
    if (key == "observed") {
      s.observed_place = impl_.place_of(where);
      std::vector<const toml::node*> items;
      if (const auto* a = v.as_array()) {
        for (std::size_t i = 0; i < a->size(); ++i) items.push_back(a->get(i));
      } else {
        items.push_back(&v);
      }
      for (const toml::node* n : items) {
        const auto* str = n->as_string();
        if (str == nullptr || str->get().empty()) {
          bad(where, key, fmt::format("observed must name files, not {}", what_is(*n)),
              "write observed = \"data/weekly.csv\" or a list of files (relative to the "
              "scenario file)");
          continue;
        }
        s.observed.push_back(relative_to_scenario(str->get()));
      }
    } else if (key == "from" || key == "to") {
      const auto d = date(v, where, key);
      (key == "from" ? s.from : s.to) = d;
      (key == "from" ? s.from_place : s.to_place) = impl_.place_of(where);
      if (s.from && s.to && *s.from > *s.to) {
        bad(where, key, "the window ends before it starts (to is before from)", "give from <= to");
      }
    } else if (key == "period") {
      const auto* str = v.as_string();
      if (str == nullptr || (str->get() != "week" && str->get() != "month")) {
        bad(where, key, fmt::format("period must be \"week\" or \"month\", not {}", what_is(v)),
            "write period = \"week\" (or \"month\") for the periods of an event log");
      } else {
        s.period = str->get();
        s.period_place = impl_.place_of(where);
      }
    } else if (key == "summaries") {
      const auto* str = v.as_string();
      if (str == nullptr || (str->get() != "regression" && str->get() != "all")) {
        bad(where, key,
            fmt::format("summaries must be \"regression\" or \"all\", not {}", what_is(v)),
            "summaries = \"regression\" compares what the statistics predict of the parameters "
            "(the default); \"all\" compares every statistic");
      } else {
        s.smc.projection = str->get() == "regression";
      }
    } else if (key == "scale") {
      if (const auto x = number(v, where, key, 1e-6, 1e9,
                                "the number of market customers each simulated customer stands "
                                "for, e.g. scale = 50 (1: the simulation is the market)")) {
        s.scale = *x;
        s.scale_place = impl_.place_of(where);
      }
    } else if (key == "seed") {
      const auto* i = v.as_integer();
      if (i == nullptr || i->get() < 0) {
        bad(where, key, fmt::format("seed must be a whole number >= 0, not {}", what_is(v)),
            "write seed = 7");
      } else {
        s.smc.seed = static_cast<std::uint64_t>(i->get());
        seed_given_ = true;
      }
    } else {
      struct Whole {
        const char* key;
        double lo, hi;
        const char* fix;
      };
      static const Whole wholes[] = {
          {"draws", 10, 100'000, "the posterior draws simulated for predictions, e.g. draws = 100"},
          {"particles", 10, 1'000'000, "the particles of each generation, e.g. particles = 300"},
          {"budget", 10, 1e9, "the simulations the fit may run in all, e.g. budget = 20_000"},
          {"generations", 1, 1000, "the most generations, e.g. generations = 30"},
          {"batch", 1, 100'000, "simulations run at a time, e.g. batch = 64"},
          {"screen_replicates", 2, 1000,
           "common-random-number replicates per point of the screen, e.g. screen_replicates = 4"},
          {"forecast", 0, 520,
           "periods the report forecasts past the data, e.g. forecast = 13 (0: none)"},
          {"value_draws", 0, 1000,
           "posterior draws of channel value for the report, e.g. value_draws = 10 (0: none)"}};
      for (const Whole& w : wholes) {
        if (key != w.key) continue;
        const auto x = number(v, where, key, w.lo, w.hi, w.fix);
        if (!x) return;
        if (*x != std::floor(*x)) {
          bad(where, key, fmt::format("{} must be a whole number, not {}", key, num(*x)), w.fix);
          return;
        }
        const auto n = static_cast<std::int64_t>(*x);
        if (key == "draws") s.draws = static_cast<int>(n);
        if (key == "particles") s.smc.particles = static_cast<int>(n);
        if (key == "budget") s.smc.budget = n;
        if (key == "generations") s.smc.max_generations = static_cast<int>(n);
        if (key == "batch") s.smc.batch = static_cast<int>(n);
        if (key == "screen_replicates") s.screen_replicates = static_cast<int>(n);
        if (key == "forecast") s.forecast = static_cast<int>(n);
        if (key == "value_draws") s.value_draws = static_cast<int>(n);
        return;
      }
      if (key == "quantile") {
        if (const auto x = number(v, where, key, 0.05, 0.95,
                                  "the share of particles epsilon keeps each generation, e.g. "
                                  "quantile = 0.5")) {
          s.smc.quantile = *x;
        }
      } else if (key == "min_acceptance") {
        if (const auto x = number(v, where, key, 0.0, 0.5,
                                  "stop when fewer proposals than this share are accepted, e.g. "
                                  "min_acceptance = 0.01")) {
          s.smc.min_acceptance = *x;
        }
      }
    }
  }

  std::string relative_to_scenario(const std::string& file) const {
    const std::filesystem::path p(file);
    if (p.is_absolute()) return file;
    const std::filesystem::path scenario(doc_.source_name());
    const std::filesystem::path folder = scenario.parent_path();
    return folder.empty() ? file : (folder / p).lexically_normal().string();
  }

  // ---- priors ----

  // Names of a collection in declared order (from the built scenario).
  std::vector<std::string> names_of(const std::string& collection) const {
    std::vector<std::string> out;
    if (collection == "channels") {
      for (const ChannelDef& c : base_.channels) out.push_back(c.name);
    } else if (collection == "segments") {
      for (const SegmentDef& s : base_.segments) out.push_back(s.name);
    } else if (collection == "stages") {
      for (const StageDef& s : base_.stages) out.push_back(s.name);
    } else if (collection == "edges") {
      for (const EdgeDef& e : base_.edges) out.push_back(edge_name(e));
    }
    return out;
  }

  void read_priors(const toml::table& t) {
    for (const std::string& key : ordered(t, "calibrate.priors")) {
      prior_entry(key, join_key("calibrate.priors", key), *t.get(key));
    }
  }

  // A bare dotted key is nested tables in TOML: walk down until a table with `dist`.
  void prior_entry(const std::string& path, const std::string& where, const toml::node& v) {
    const auto* t = v.as_table();
    if (t == nullptr) {
      bad(where, path, fmt::format("a prior must be a table with dist = ..., not {}", what_is(v)),
          kPriorFix);
      return;
    }
    if (!t->contains("dist")) {
      if (t->empty()) {
        bad(where, path, "an empty table is not a prior", kPriorFix);
        return;
      }
      for (const std::string& k : ordered(*t, where)) {
        prior_entry(path + "." + render_key(k), join_key(where, k), *t->get(k));
      }
      return;
    }
    prior(path, where, *t);
  }

  void prior(const std::string& path, const std::string& where, const toml::table& t) {
    const auto* dist_node = t.get("dist")->as_string();
    const std::string dist = dist_node ? dist_node->get() : "";
    if (std::find(kDists.begin(), kDists.end(), dist) == kDists.end()) {
      bad(join_key(where, "dist"), path,
          dist_node ? fmt::format("unknown distribution \"{}\"", dist)
                    : fmt::format("dist must be a string, not {}", what_is(*t.get("dist"))),
          did_you_mean(dist, kDists,
                       "dist is one of lognormal, normal, beta, gamma, uniform, log-uniform, "
                       "dirichlet"));
      return;
    }
    std::vector<std::string> allowed = {"dist", "lower", "upper", "shared"};
    if (dist == "lognormal") allowed.insert(allowed.end(), {"median", "sigma"});
    if (dist == "normal") allowed.insert(allowed.end(), {"mean", "sd"});
    if (dist == "beta") allowed.insert(allowed.end(), {"alpha", "beta"});
    if (dist == "gamma") allowed.insert(allowed.end(), {"shape", "rate"});
    if (dist == "dirichlet") allowed = {"dist", "concentration", "alpha"};
    const std::size_t before = problems_.size();
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        bad(join_key(where, key), path,
            fmt::format("'{}' is not a parameter of a {} prior", key, dist),
            did_you_mean(key, allowed,
                         fmt::format("a {} prior takes {}", dist, join_names(allowed))));
      }
    }
    if (problems_.size() > before) return;
    // Expand wildcards.
    const KeyPathParse parsed = parse_key_path(path);
    if (!parsed.error.empty()) {
      bad(where, path, fmt::format("not a key path: {}", parsed.error),
          "components are separated by '.', e.g. channels.search.lift.aware -> consideration");
      return;
    }
    std::vector<std::string> keys = {""};
    bool wildcard = false;
    for (std::size_t i = 0; i < parsed.path.size(); ++i) {
      const KeyStep& step = parsed.path[i];
      std::string rendered = render_key(step.key);
      for (const std::size_t idx : step.indices) rendered += fmt::format("[{}]", idx);
      if (step.key == "*") {
        const char* singular = i > 0 ? collection_of(parsed.path[i - 1].key) : nullptr;
        if (singular == nullptr || i != 1) {
          bad(where, path, "a wildcard '*' may only stand for a channel, segment, stage or edge",
              "write e.g. \"channels.*.salience\" or \"segments.*.tempo\"");
          return;
        }
        wildcard = true;
        std::vector<std::string> next;
        for (const std::string& k : keys) {
          for (const std::string& name : names_of(parsed.path[0].key)) {
            next.push_back(k + "." + render_key(name));
          }
        }
        keys = std::move(next);
      } else {
        for (std::string& k : keys) k += (i == 0 ? "" : ".") + rendered;
      }
    }
    if (dist == "dirichlet") {
      dirichlet(path, where, t, keys, wildcard);
      return;
    }
    const auto get = [&](const char* name, double lo, double hi,
                         const char* fix) -> std::optional<double> {
      const toml::node* n = t.get(name);
      if (n == nullptr) {
        bad(where, path, fmt::format("a {} prior needs {}", dist, name), fix);
        return std::nullopt;
      }
      return number(*n, join_key(where, name), path, lo, hi, fix);
    };
    constexpr double kBig = 1e300;
    PriorDef def;
    std::optional<double> a, b;
    if (dist == "lognormal") {
      def.kind = PriorKind::lognormal;
      a = get("median", 1e-300, kBig, "the median is > 0, e.g. median = 0.04");
      b = get("sigma", 1e-6, 20, "sigma is the sd of the log, e.g. sigma = 0.7 (x2 at one sd)");
    } else if (dist == "normal") {
      def.kind = PriorKind::normal;
      a = get("mean", -kBig, kBig, "e.g. mean = 1.5");
      b = get("sd", 1e-300, kBig, "the sd is > 0, e.g. sd = 0.5");
    } else if (dist == "beta") {
      def.kind = PriorKind::beta;
      a = get("alpha", 1e-3, 1e6, "alpha > 0, e.g. alpha = 2");
      b = get("beta", 1e-3, 1e6, "beta > 0, e.g. beta = 5");
    } else if (dist == "gamma") {
      def.kind = PriorKind::gamma;
      a = get("shape", 1e-3, 1e6, "shape > 0, e.g. shape = 2");
      b = get("rate", 1e-300, kBig, "rate > 0 (mean = shape / rate), e.g. rate = 50");
    } else {
      def.kind = dist == "uniform" ? PriorKind::uniform : PriorKind::log_uniform;
      a = get("lower", dist == "uniform" ? -kBig : 1e-300, kBig,
              dist == "uniform" ? "e.g. lower = 0.5" : "lower > 0, e.g. lower = 0.001");
      b = get("upper", -kBig, kBig, "e.g. upper = 2");
      if (a && b && !(*a < *b)) {
        bad(where, path, fmt::format("lower ({}) must be below upper ({})", num(*a), num(*b)),
            "give lower < upper");
        return;
      }
    }
    if (!a || !b) return;
    def.a = *a;
    def.b = *b;
    if (def.kind != PriorKind::uniform && def.kind != PriorKind::log_uniform) {
      if (const toml::node* n = t.get("lower")) {
        if (auto x = number(*n, join_key(where, "lower"), path, -kBig, kBig, "e.g. lower = 0")) {
          def.lower = *x;
        }
      }
      if (const toml::node* n = t.get("upper")) {
        if (auto x = number(*n, join_key(where, "upper"), path, -kBig, kBig, "e.g. upper = 1")) {
          def.upper = *x;
        }
      }
    }
    const double lo = support_lower(def), hi = support_upper(def);
    if (!(lo < hi) || !(prior_cdf(def, hi) > 0) ||
        prior_quantile(def, 0.99) <= prior_quantile(def, 0.01)) {
      bad(where, path,
          fmt::format("the bounds {} .. {} leave the {} prior no room", num(def.lower),
                      num(def.upper), dist),
          "widen lower and upper, or move the prior between them");
      return;
    }
    bool shared = false;
    if (const toml::node* n = t.get("shared")) {
      if (!n->is_boolean()) {
        bad(join_key(where, "shared"), path,
            fmt::format("shared must be true or false, not {}", what_is(*n)),
            "shared = true makes one parameter for every name the wildcard stands for");
        return;
      }
      shared = n->as_boolean()->get();
      if (shared && !wildcard) {
        bad(join_key(where, "shared"), path, "shared = true without a wildcard shares nothing",
            "use a '*' in the key, e.g. \"segments.*.tempo\", or leave shared out");
        return;
      }
    }
    const double probe = prior_quantile(def, 0.5);
    if (wildcard) {
      // A wildcard stands for the names where the key can act ("channels.*.lift.lead -> buy"
      // means the channels that reach 'lead'); when it can act nowhere, say why for the first.
      std::vector<std::string> acting;
      for (const std::string& key : keys) {
        const std::size_t mark = problems_.size();
        if (check_key(key, where, path, probe)) {
          acting.push_back(key);
        } else {
          problems_.erase(problems_.begin() + static_cast<std::ptrdiff_t>(mark), problems_.end());
        }
      }
      if (acting.empty()) {
        if (!keys.empty()) static_cast<void>(check_key(keys.front(), where, path, probe));
        return;
      }
      keys = std::move(acting);
    } else {
      for (const std::string& key : keys) {
        if (!check_key(key, where, path, probe)) return;
      }
    }
    const auto add = [&](const std::string& name, std::vector<std::string> ks) {
      if (!claim(ks, where, path)) return;
      spec_.priors.parameters.push_back(Parameter{name, def, -1});
      spec_.parameters.push_back(FitParameter{name, std::move(ks), impl_.place_of(where)});
    };
    if (shared) {
      add(path, keys);
    } else {
      for (const std::string& key : keys) add(key, {key});
    }
  }

  void dirichlet(const std::string& path, const std::string& where, const toml::table& t,
                 const std::vector<std::string>& keys, bool wildcard) {
    const bool shares = path == "segments.*.share" || path == "stages.*.start";
    if (!wildcard || !shares) {
      bad(where, path, "a Dirichlet prior is for shares that add up to one",
          "write it on \"segments.*.share\" or \"stages.*.start\"");
      return;
    }
    if (keys.size() < 2) {
      bad(where, path, "a Dirichlet prior needs at least two shares",
          "fit shares only when there are several segments (or start stages)");
      return;
    }
    std::vector<double> current;
    const bool segments = path.rfind("segments", 0) == 0;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      current.push_back(segments ? base_.segments[k].share : base_.stages[k].start);
    }
    if (!segments && std::all_of(current.begin(), current.end(), [](double x) { return x == 0; })) {
      current.assign(keys.size(), 0.0);
      current[0] = 1.0;  // everyone starts in the first stage
    }
    std::vector<double> alpha;
    if (const toml::node* n = t.get("alpha")) {
      const auto* a = n->as_array();
      if (a == nullptr || a->size() != keys.size()) {
        bad(join_key(where, "alpha"), path,
            fmt::format("alpha must list {} numbers, one per share", keys.size()),
            "e.g. alpha = [2, 6, 2]");
        return;
      }
      for (std::size_t i = 0; i < a->size(); ++i) {
        const auto x = as_number(*a->get(i));
        if (!x || !(*x > 0) || !std::isfinite(*x)) {
          bad(join_key(where, "alpha"), path, "every alpha is a number > 0",
              "e.g. alpha = [2, 6, 2]");
          return;
        }
        alpha.push_back(*x);
      }
    } else if (const toml::node* c = t.get("concentration")) {
      const auto x = number(*c, join_key(where, "concentration"), path, 1e-3, 1e9,
                            "the prior's shares centre on the scenario's; concentration says "
                            "how firmly, e.g. concentration = 50");
      if (!x) return;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        if (current[k] <= 0) {
          bad(where, path,
              fmt::format("{} is 0 in the scenario, so a concentration around it is 0", keys[k]),
              "give alpha = [...] with one number > 0 per share instead");
          return;
        }
        alpha.push_back(*x * current[k]);
      }
    } else {
      bad(where, path, "a Dirichlet prior needs concentration or alpha",
          "write concentration = 50 (around the scenario's shares) or alpha = [2, 6, 2]");
      return;
    }
    if (!claim(keys, where, path)) return;
    DirichletGroup g;
    g.alpha = alpha;
    for (const std::string& key : keys) {
      g.members.push_back(static_cast<int>(spec_.priors.parameters.size()));
      spec_.priors.parameters.push_back(
          Parameter{key, PriorDef{}, static_cast<int>(spec_.priors.groups.size())});
      spec_.parameters.push_back(FitParameter{key, {key}, impl_.place_of(where)});
    }
    spec_.priors.groups.push_back(std::move(g));
  }

  // Each key is fitted once.
  bool claim(const std::vector<std::string>& keys, const std::string& where,
             const std::string& path) {
    for (const std::string& k : keys) {
      const auto [it, added] = claimed_.emplace(k, path);
      if (!added) {
        bad(where, path, fmt::format("{} already has a prior (from \"{}\")", k, it->second),
            "give each key one prior");
        return false;
      }
    }
    return true;
  }

  // The key must be a number of the scenario, or a key the scenario takes a number at.
  bool check_key(const std::string& key, const std::string& where, const std::string& path,
                 double probe) {
    const KeyPathParse parsed = parse_key_path(key);
    if (!parsed.error.empty()) {
      bad(where, path, fmt::format("not a key path: {}", parsed.error),
          "components are separated by '.', e.g. channels.search.lift.aware -> consideration");
      return false;
    }
    if (parsed.path.front().key == "calibrate" || parsed.path.front().key == "variants" ||
        parsed.path.front().key == "sweep") {
      bad(where, path, fmt::format("{} is not a key of the world", key),
          "fit keys of the world: simulation, segments, stages, edges, channels, salience, "
          "experience, order, word_of_mouth");
      return false;
    }
    if (const toml::node* n = find_node(impl_.root, parsed.path)) {
      if (!n->is_number()) {
        bad(where, path, fmt::format("{} is {} in the scenario, not a number", key, what_is(*n)),
            "fit a numeric key, e.g. edges.\"<from> -> <to>\".rate");
        return false;
      }
    } else if (parsed.path.size() >= 2) {
      if (const char* singular = collection_of(parsed.path[0].key)) {
        const std::vector<std::string> names = names_of(parsed.path[0].key);
        const std::string name = canonical_key(parsed.path[1].key);
        if (std::find(names.begin(), names.end(), name) == names.end()) {
          bad(where, path,
              fmt::format("the scenario has no {} named '{}'", singular, parsed.path[1].key),
              did_you_mean(parsed.path[1].key, names,
                           fmt::format("the {}s are: {}", singular, join_names(names))));
          return false;
        }
      }
    }
    ScenarioDocument trial = doc_;
    try {
      trial.set_number(key, probe);
      static_cast<void>(build_scenario(trial));
    } catch (const InputError& e) {
      for (const Diagnostic& d : e.diagnostics()) {
        problems_.push_back(Diagnostic{
            impl_.place_of(where), path,
            fmt::format("with {} = {} (the prior's median): {}", key, num(probe), d.message),
            d.fix});
      }
      return false;
    }
    return true;
  }

  // ---- targets ----

  void read_targets(const toml::table& t) {
    for (const std::string& key : ordered(t, "calibrate.targets")) {
      const std::string where = join_key("calibrate.targets", key);
      const toml::node& v = *t.get(key);
      // A bare dotted key (entered.lead = 1) is nested tables in TOML.
      if (const auto* sub = v.as_table(); sub && !sub->contains("weight")) {
        for (const std::string& k2 : ordered(*sub, where)) {
          target(key + "." + k2, join_key(where, k2), *sub->get(k2));
        }
        continue;
      }
      target(key, where, v);
    }
  }

  void target(const std::string& name, const std::string& where, const toml::node& v) {
    const toml::node* w = &v;
    if (const auto* t = v.as_table()) w = t->get("weight");
    const auto x = number(*w, where, "calibrate.targets." + name, 0, 1e6,
                          "a target's weight in the distance, e.g. new_customers = 1 (0 leaves "
                          "it out)");
    if (!x) return;
    const std::vector<std::string> fixed = {"new_customers", "purchases", "repeat_purchases",
                                            "revenue",       "margin",    "customers"};
    const auto dot = name.find('.');
    const std::string head = name.substr(0, dot);
    bool ok = std::find(fixed.begin(), fixed.end(), name) != fixed.end();
    if (!ok && dot != std::string::npos) {
      const std::string tail = name.substr(dot + 1);
      if (head == "exposures") {
        ok = true;
        const auto names = names_of("channels");
        if (std::find(names.begin(), names.end(), tail) == names.end()) {
          bad(where, name, fmt::format("no channel '{}' in the scenario", tail),
              did_you_mean(tail, names, "the channels are " + join_names(names)));
          return;
        }
      } else if (head == "entered" || head == "stock") {
        ok = true;
        const auto names = names_of("stages");
        if (std::find(names.begin(), names.end(), tail) == names.end()) {
          bad(where, name, fmt::format("no stage '{}' in the scenario", tail),
              did_you_mean(tail, names, "the stages are " + join_names(names)));
          return;
        }
      } else if (head == "spend") {
        bad(where, name, "spend is an input of the fit, not a target",
            "leave spend out of [calibrate.targets]: observed spend becomes the channel's "
            "flights");
        return;
      }
    }
    if (!ok) {
      std::vector<std::string> candidates = fixed;
      for (const auto& c : names_of("channels")) candidates.push_back("exposures." + c);
      for (const auto& s : names_of("stages")) candidates.push_back("entered." + s);
      for (const auto& s : names_of("stages")) candidates.push_back("stock." + s);
      bad(where, name, fmt::format("unknown target '{}'", name),
          did_you_mean(name, candidates,
                       "targets are new_customers, purchases, repeat_purchases, revenue, "
                       "margin, exposures.<channel>, entered.<stage>, stock.<stage> and "
                       "customers (an event log's purchases per customer and recency)"));
      return;
    }
    spec_.targets.push_back(TargetSpec{name, *x, impl_.place_of(where)});
  }

  // ---- experiments ----

  void read_experiments(const toml::node& v, const std::string& where) {
    const auto* a = v.as_array();
    if (a == nullptr) {
      bad(where, "experiments",
          fmt::format("experiments must be a list of tables, not {}", what_is(v)),
          "write each as [[calibrate.experiments]] with channel, holdout, from, to, measure, "
          "result and se");
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string at = join_index(where, i);
      const auto* t = a->get(i)->as_table();
      if (t == nullptr) {
        bad(at, "experiments", "an experiment must be a table", "write [[calibrate.experiments]]");
        continue;
      }
      experiment(*t, at, i);
    }
  }

  void experiment(const toml::table& t, const std::string& at, std::size_t index) {
    ExperimentSpec e;
    e.place = impl_.place_of(at);
    e.name = fmt::format("experiment {}", index + 1);
    const std::size_t before = problems_.size();
    for (auto&& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(kExperimentKeys.begin(), kExperimentKeys.end(), key) == kExperimentKeys.end()) {
        bad(join_key(at, key), "experiments." + key,
            fmt::format("unknown key '{}' in an experiment", key),
            did_you_mean(
                key, kExperimentKeys,
                "an experiment has name, channel, holdout, from, to, measure, result, se"));
      }
    }
    if (problems_.size() > before) return;
    const auto need = [&](const char* key) -> const toml::node* {
      const toml::node* n = t.get(key);
      if (n == nullptr) {
        bad(at, std::string("experiments.") + key, fmt::format("the experiment has no {}", key),
            "an experiment needs channel, holdout, from, to, result and se (measure defaults "
            "to purchases)");
      }
      return n;
    };
    if (const toml::node* n = t.get("name")) {
      if (const auto* s = n->as_string()) e.name = s->get();
    }
    if (const toml::node* n = need("channel")) {
      const auto names = names_of("channels");
      const auto* s = n->as_string();
      if (s == nullptr || std::find(names.begin(), names.end(), s->get()) == names.end()) {
        bad(join_key(at, "channel"), "experiments.channel",
            s ? fmt::format("no channel '{}' in the scenario", s->get())
              : fmt::format("channel must be a channel's name, not {}", what_is(*n)),
            did_you_mean(s ? s->get() : "", names, "the channels are " + join_names(names)));
      } else {
        e.channel = s->get();
      }
    }
    if (const toml::node* n = need("holdout")) {
      if (auto x = number(*n, join_key(at, "holdout"), "experiments.holdout", 1e-4, 0.9999,
                          "the share of customers held out, e.g. holdout = 0.2")) {
        e.holdout = *x;
      }
    }
    std::optional<std::int32_t> from, to;
    if (const toml::node* n = need("from"))
      from = date(*n, join_key(at, "from"), "experiments.from");
    if (const toml::node* n = need("to")) to = date(*n, join_key(at, "to"), "experiments.to");
    if (from && to && *from > *to) {
      bad(join_key(at, "to"), "experiments.to", "the test ends before it starts",
          "give from <= to");
    }
    if (from) e.from = *from;
    if (to) e.to = *to;
    if (const toml::node* n = t.get("measure")) {
      const auto* s = n->as_string();
      if (s == nullptr ||
          std::find(kMeasures.begin(), kMeasures.end(), s->get()) == kMeasures.end()) {
        bad(join_key(at, "measure"), "experiments.measure",
            fmt::format("unknown measure {}", what_is(*n)),
            did_you_mean(s ? s->get() : "", kMeasures,
                         "measure is purchases, new_customers or revenue (incremental, among "
                         "the customers not held out)"));
      } else {
        e.measure = s->get();
      }
    }
    if (const toml::node* n = need("result")) {
      if (auto x = number(*n, join_key(at, "result"), "experiments.result", -1e15, 1e15,
                          "the incremental result the test found, e.g. result = 1240")) {
        e.result = *x;
      }
    }
    if (const toml::node* n = need("se")) {
      if (auto x = number(*n, join_key(at, "se"), "experiments.se", 1e-9, 1e15,
                          "the result's standard error (> 0), e.g. se = 310")) {
        e.se = *x;
      }
    }
    if (problems_.size() == before) spec_.experiments.push_back(std::move(e));
  }

  const ScenarioDocument& doc_;
  const ScenarioDocument::Impl& impl_;
  const ScenarioDef& base_;
  CalibrationSpec spec_;
  std::vector<Diagnostic> problems_;
  std::map<std::string, std::string> claimed_;
  bool seed_given_ = false;

 public:
  bool seed_given() const { return seed_given_; }
};

}  // namespace

CalibrationSpec read_calibrate_section(const ScenarioDocument& doc) {
  const toml::node* node = document_impl(doc).root.get("calibrate");
  if (node == nullptr) {
    throw InputError(SourcePlace{doc.source_name(), 0, 0}, "calibrate",
                     "the scenario has no [calibrate] table: nothing says what to fit",
                     "add [calibrate.priors] with a prior per key to fit (scenarios/README.md "
                     "\"calibrate\")");
  }
  if (!node->is_table()) {
    throw InputError(document_impl(doc).place_of("calibrate"), "calibrate",
                     "calibrate must be a table", "write [calibrate] with its keys below it");
  }
  const Scenario base = build_scenario(doc);
  Reader reader(doc, base);
  CalibrationSpec spec;
  spec.settings.smc.projection = true;  // the default for worlds (many statistics)
  spec = reader.read(*node->as_table(), std::move(spec));
  if (!reader.seed_given()) spec.settings.smc.seed = base.variants.front().def.simulation.seed;
  return spec;
}

}  // namespace cjsim
