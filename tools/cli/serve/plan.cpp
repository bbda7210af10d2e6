#include "serve/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/value.hpp"

namespace cjsim::cli::serve {

namespace {

using nlohmann::json;

struct TooDeep {};

json problem_json(const Diagnostic& d) {
  return {{"place", d.place.line > 0
                        ? fmt::format("{}:{}:{}", d.place.file, d.place.line, d.place.column)
                        : d.place.file},
          {"key", d.key},
          {"message", d.message},
          {"fix", d.fix},
          {"text", format_diagnostic(d)}};
}

// One problem of a request (built field by field: GCC 12 misreads nested braces at -O3).
Diagnostic problem(const char* place, std::string key, std::string message, std::string fix) {
  Diagnostic d;
  d.place.file = place;
  d.key = std::move(key);
  d.message = std::move(message);
  d.fix = std::move(fix);
  return d;
}

[[noreturn]] void refuse(const std::vector<Diagnostic>& problems) {
  json list = json::array();
  std::string text;
  for (const Diagnostic& d : problems) {
    list.push_back(problem_json(d));
    if (!text.empty()) text += '\n';
    text += format_diagnostic(d);
  }
  json body = {{"error", "bad_request"}, {"message", text}, {"problems", std::move(list)}};
  throw RequestError(400, std::move(body));
}

[[noreturn]] void refuse(const std::string& field, const std::string& message,
                         const std::string& fix) {
  refuse({problem("request", field, message, fix)});
}

bool plain_word(const std::string& s, std::size_t max, bool dots) {
  if (s.empty() || s.size() > max || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || (dots && c == '.');
  });
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string names_of(const ServeWorld& world) {
  std::string out;
  for (const VariantSliders& v : world.variants()) {
    if (!out.empty()) out += ", ";
    out += v.name;
  }
  return out;
}

}  // namespace

RequestError::RequestError(int status, nlohmann::json body)
    : std::runtime_error(body.value("message", std::string("request refused"))),
      status_(status),
      body_(std::move(body)) {}

RequestError request_error(int status, const std::string& code, const std::string& message) {
  return RequestError(status, {{"error", code}, {"message", message}, {"problems", json::array()}});
}

PlanRequest parse_plan(std::string_view body, const ServeWorld& world, bool for_save) {
  json j;
  try {
    // Depth is bounded while parsing, before a deep document is built.
    const json::parser_callback_t depth = [](int d, json::parse_event_t, json&) {
      if (d > kMaxJsonDepth) throw TooDeep{};
      return true;
    };
    j = json::parse(body.begin(), body.end(), depth);
  } catch (const json::parse_error& e) {
    refuse("body", fmt::format("the body is not JSON ({})", e.what()),
           "send a JSON object such as {\"variant\": \"...\", \"set\": [\"key=value\"]}");
  } catch (const TooDeep&) {
    refuse("body", fmt::format("the JSON nests deeper than {} levels", kMaxJsonDepth),
           "send a flat JSON object");
  }
  if (!j.is_object()) refuse("body", "the body must be a JSON object", "send {\"set\": [...]}");

  const std::vector<std::string> fields =
      for_save ? std::vector<std::string>{"client", "seq", "variant", "set", "name"}
               : std::vector<std::string>{"client", "seq", "variant", "set"};
  for (const auto& [key, _] : j.items()) {
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      std::string list;
      for (const std::string& f : fields) {
        if (!list.empty()) list += ", ";
        list += f;
      }
      refuse(key.size() > 64 ? key.substr(0, 64) + "..." : key, "unknown field",
             "the fields are: " + list);
    }
  }

  PlanRequest out;
  if (j.contains("client")) {
    const json& c = j["client"];
    if (!c.is_string() || !plain_word(c.get<std::string>(), 64, false))
      refuse("client", "must be a string of 1 to 64 letters, digits, '_' or '-'",
             "send the page's random id, e.g. \"client\": \"k3v9x2\"");
    out.client = c.get<std::string>();
  } else if (!for_save) {
    refuse("client", "missing", "send the page's random id, e.g. \"client\": \"k3v9x2\"");
  }
  if (j.contains("seq")) {
    const json& s = j["seq"];
    if (!s.is_number_unsigned())
      refuse("seq", "must be a whole number >= 0", "count requests 1, 2, 3...");
    out.seq = s.get<std::uint64_t>();
  } else if (!for_save) {
    refuse("seq", "missing", "number the requests of a page 1, 2, 3...");
  }
  out.variant = world.variants().front().name;
  if (j.contains("variant")) {
    const json& v = j["variant"];
    if (!v.is_string()) refuse("variant", "must be a string", "choose one of: " + names_of(world));
    out.variant = v.get<std::string>();
    if (!world.variant(out.variant)) {
      const std::string shown =
          out.variant.size() > 64 ? out.variant.substr(0, 64) + "..." : out.variant;
      refuse("variant", fmt::format("no variant named '{}'", shown),
             "choose one of: " + names_of(world));
    }
  }
  if (j.contains("set")) {
    const json& s = j["set"];
    if (!s.is_array())
      refuse("set", "must be a list of \"key=value\" strings",
             "e.g. \"set\": [\"channels.search.budget=50000\"]");
    if (s.size() > kMaxOverrides)
      refuse("set", fmt::format("{} overrides; at most {}", s.size(), kMaxOverrides), "send fewer");
    for (const json& a : s) {
      if (!a.is_string() || a.get_ref<const std::string&>().size() > kMaxOverrideBytes)
        refuse("set",
               fmt::format("every entry must be a \"key=value\" string of at most {} bytes",
                           kMaxOverrideBytes),
               "e.g. \"channels.search.budget=50000\"");
      out.set.push_back(a.get<std::string>());
    }
  }
  if (for_save && j.contains("name")) {
    const json& n = j["name"];
    if (!n.is_string() || !plain_word(n.get<std::string>(), 64, true))
      refuse("name", "must be 1 to 64 letters, digits, '_', '-' or '.', not starting with '.'",
             "e.g. \"name\": \"loop_plan_2\"");
    out.name = n.get<std::string>();
  }

  // A plan without a population runs at the server's (the file's, capped by --max-customers);
  // written out so the equivalent `cjsim run` command says it too.
  const bool sized = std::any_of(out.set.begin(), out.set.end(), [](const std::string& a) {
    return trimmed(std::string_view(a).substr(0, a.find('='))) == "simulation.customers";
  });
  if (!sized) {
    out.set.insert(out.set.begin(),
                   fmt::format("simulation.customers={}", world.default_customers()));
  }

  // The same validation as --set: each override on the server's document, in order.
  ScenarioDocument doc = world.document();
  std::vector<Diagnostic> problems;
  for (const std::string& a : out.set) {
    try {
      doc.set(a);
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
  }
  if (!problems.empty()) refuse(problems);
  // The whitelist: a key the scenario takes but the page may not change.
  for (std::size_t k = 0; k < out.set.size(); ++k) {
    const std::string key = trimmed(std::string_view(out.set[k]).substr(0, out.set[k].find('=')));
    if (world.allowed_key(key)) continue;
    problems.push_back(problem(
        "--set", key, "the live page may not change this key",
        "it may change simulation.customers and each channel's budget "
        "(channels.<name>.budget, or the amounts of its flights: GET /api/scenario lists the "
        "keys); change anything else with --set on the cjsim serve command line"));
  }
  if (!problems.empty()) refuse(problems);
  Scenario built;
  try {
    built = build_scenario(doc);
  } catch (const InputError& e) {
    refuse(e.diagnostics());
  }
  const Variant* variant = nullptr;
  for (const Variant& v : built.variants)
    if (v.name == out.variant) variant = &v;
  if (!variant)
    refuse("variant", "the overrides removed this variant", "send overrides of budgets only");
  out.plan = variant->def;
  out.customers = out.plan.simulation.customers;

  // The caps: customers per run, and budgets within the sliders' range in the file's shape.
  const ServeLimits& limits = world.limits();
  if (out.customers > limits.max_customers) {
    problems.push_back(
        problem("--set", "simulation.customers",
                fmt::format("{} customers is more than this server runs (at most {})",
                            out.customers, limits.max_customers),
                "ask for fewer, or restart cjsim serve with --max-customers"));
  }
  const VariantSliders& sliders = *world.variant(out.variant);
  for (const Variant& v : world.scenario().variants) {
    if (v.name != out.variant) continue;
    for (std::size_t c = 0; c < sliders.channels.size(); ++c) {
      const ChannelSlider& s = sliders.channels[c];
      const auto& was = v.def.channels[c].flights;
      const auto& now = out.plan.channels[c].flights;
      bool same_shape = was.size() == now.size() || (was.empty() && now.size() == 1);
      for (std::size_t i = 0; same_shape && i < was.size(); ++i)
        same_shape = was[i].from == now[i].from && was[i].to == now[i].to;
      if (!same_shape) {
        problems.push_back(
            problem("--set", "channels." + s.name,
                    "the page may change the amounts of a channel's flights, not their days",
                    "keep each flight's from and to as the scenario has them"));
      }
      const double budget = channel_budget(out.plan.channels[c]);
      if (budget > s.slider_max * (1 + 1e-9) + 0.01) {
        problems.push_back(
            problem("--set", "channels." + s.name,
                    fmt::format("a budget of {} is more than the page's range (0 to {}, "
                                "twice the plan)",
                                budget, s.slider_max),
                    "choose an amount within the slider's range"));
      }
    }
  }
  if (!problems.empty()) refuse(problems);
  return out;
}

std::vector<std::string> full_overrides(const ServeWorld& world, const PlanRequest& plan) {
  std::vector<std::string> out = world.overrides();
  out.insert(out.end(), plan.set.begin(), plan.set.end());
  return out;
}

}  // namespace cjsim::cli::serve
