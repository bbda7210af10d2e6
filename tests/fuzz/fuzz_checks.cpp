#include "fuzz_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cjsim/kpi.hpp"
#include "cjsim/observed.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/simulation.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim::fuzz {

namespace {

constexpr const char* kSource = "fuzz.toml";
constexpr std::size_t kMaxOverrides = 16;
// Small enough that a simulation costs well under a millisecond per input, large enough that
// every stage and channel has someone in it.
constexpr std::uint64_t kMaxSimulatedCustomers = 400;
constexpr int kMaxSimulatedDays = 60;
// Sweeps build every row's scenario: designs up to this many rows are planned (well under a
// second per input); larger ones are counted and left.
constexpr std::size_t kMaxSweepRows = 2048;

[[noreturn]] void broken(const std::string& what) {
  throw InvariantBroken(what);
}

std::size_t line_count(std::string_view text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// Where the refused input came from, for checking the places diagnostics point at.
struct Origin {
  std::string_view text;                      // the scenario text
  std::vector<std::string> assignments = {};  // the overrides applied before building
};

void check_refusal(const InputError& e, const Origin& origin) {
  const auto& ds = e.diagnostics();
  if (ds.empty()) broken("InputError without diagnostics");
  std::size_t longest = 0;
  for (const auto& a : origin.assignments) longest = std::max(longest, a.size());
  for (const Diagnostic& d : ds) {
    const std::string shown = format_diagnostic(d);
    if (d.message.empty()) broken("diagnostic without a message: " + shown);
    if (d.fix.empty()) broken("diagnostic without a fix: " + shown);
    const SourcePlace& p = d.place;
    if (p.line < 0 || p.column < 0) broken("negative place: " + shown);
    if (p.file == kSource) {
      if (static_cast<std::size_t>(p.line) > line_count(origin.text)) {
        broken(
            fmt::format("line {} of a {}-line text: {}", p.line, line_count(origin.text), shown));
      }
    } else if (p.file == "--set" || p.file == "--vary") {
      if (origin.assignments.empty()) broken("a --set place without overrides: " + shown);
      if (p.line > 1 || static_cast<std::size_t>(p.column) > longest + 1) {
        broken(fmt::format("a --set place beyond the longest override ({} chars): {}", longest,
                           shown));
      }
    } else if (p.file == "--design" || p.file == "--points" || p.file == "--replicates") {
      // A sweep's own options (check_vary_input sets them): the option is the place.
    } else if (d.key.size() > 5 && d.key.compare(d.key.size() - 5, 5, ".file") == 0) {
      // A file the scenario names (a calendar series): the problem is placed in that file.
    } else if (!p.file.empty()) {
      broken("diagnostic placed in an unknown file: " + shown);
    }
  }
}

// Every customer is in exactly one stage on every day (docs/model.md, conservation).
void check_conservation(const RunResult& r) {
  const DailySeries& d = r.daily;
  for (int t = 0; t <= d.days; ++t) {
    std::uint64_t total = 0;
    for (int s = 0; s < d.stages; ++s) {
      for (int g = 0; g < d.segments; ++g) total += d.stage_counts[d.at_stage(t, s, g)];
    }
    if (total != r.customers_total) {
      broken(
          fmt::format("day {}: {} customers in stages, {} simulated", t, total, r.customers_total));
    }
  }
}

// The KPIs of a run make sense, whatever the world: money finite and >= 0 (profit may be
// negative; ROMI = profit / spend >= -1), shares in [0, 1], customers between 0 and the
// population, purchases at least the new customers, days to a first purchase at least 1; and
// every customer of the table has exactly one acquisition source. KPIs of units this check does
// not know are left alone (it grows with the KPI list, it does not block it).
void check_kpis(const RunResult& r) {
  const KpiTable k = compute_kpis(r);
  const auto n = static_cast<double>(r.customers_total);
  for (std::size_t i = 0; i < k.defs.size(); ++i) {
    const KpiDef& def = k.defs[i];
    const double v = k.values[i];
    auto bad = [&](const char* why) { broken(fmt::format("KPI {} = {}: {}", def.id, v, why)); };
    if (std::isnan(v)) {
      // Undefined is allowed where a ratio has no denominator or no table; never for totals.
      if (def.id == "revenue" || def.id == "spend" || def.id == "purchases" ||
          def.id == "new_customers" || def.id == "margin") {
        bad("a total is never undefined");
      }
      continue;
    }
    if (!std::isfinite(v)) bad("not finite");
    if (def.unit == "currency" && def.id != "profit" && v < 0) bad("money below 0");
    if (def.unit == "currency/customer" && v < 0) bad("money per customer below 0");
    if (def.unit == "share" && def.id.rfind("conversion.", 0) != 0 && (v < 0 || v > 1)) {
      bad("a share outside [0, 1]");
    }
    if (def.unit == "share" && v < 0) bad("a share below 0");
    if (def.unit == "customers" && (v < 0 || v > n)) bad("customers outside [0, population]");
    if (def.unit == "ratio" && def.id == "romi" && v < -1) bad("ROMI below -1");
    if (def.unit == "days" && v < 1) bad("a first purchase before day 1");
    if (def.unit == "transitions/customer" && v < 0) bad("below 0");
    if (def.unit == "quality" && (v < 0 || v > 1)) bad("a quality outside [0, 1]");
    if (def.unit == "recommendations" && v < 0) bad("recommendations below 0");
  }
  if (k.value("purchases") < k.value("new_customers")) broken("fewer purchases than new customers");
  const CustomerTable& c = r.customers;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (c.source[i] >= r.names.sources.size()) {
      broken(
          fmt::format("customer {} has source {} of {}", i, c.source[i], r.names.sources.size()));
    }
  }
  for (const double x : r.daily.spend) {
    if (!(x >= 0 && std::isfinite(x))) broken(fmt::format("a day's spend is {}", x));
  }
  for (const double x : r.daily.revenue) {
    if (!(x >= 0 && std::isfinite(x))) broken(fmt::format("a day's revenue is {}", x));
  }
}

// A small copy of an accepted world: few customers, and a horizon cut to kMaxSimulatedDays with
// the flights cut to fit (those that start later dropped; a channel left without any gets a
// budget of 0). The cut world must still be valid: cutting a horizon or a flight never makes a
// valid world invalid.
void simulate_small(ScenarioDef def) {
  def.simulation.customers = std::min(def.simulation.customers, kMaxSimulatedCustomers);
  if (def.simulation.days > kMaxSimulatedDays) {
    def.simulation.days = kMaxSimulatedDays;
    for (ChannelDef& c : def.channels) {
      std::erase_if(c.flights, [](const FlightDef& f) { return f.from >= kMaxSimulatedDays; });
      for (FlightDef& f : c.flights) f.to = std::min(f.to, kMaxSimulatedDays - 1);
      // Every flight started later: the channel is off (a channel needs a budget, 0 is one).
      if (c.flights.empty()) c.flights.push_back(FlightDef{0, kMaxSimulatedDays - 1, 0.0});
    }
  }
  const auto left = check_scenario(def);
  if (!left.empty()) {
    broken("the accepted world, cut to " + std::to_string(def.simulation.customers) +
           " customers and " + std::to_string(def.simulation.days) +
           " days, is refused: " + format_diagnostic(left.front()));
  }
  RunOptions options;
  options.threads = 1;
  const RunResult r = simulate(def, options);
  check_conservation(r);
  check_kpis(r);
}

// Every field of a definition, printed exactly, for comparing two builds of one world. Segments,
// stages, edges and channels are listed by name: the effective TOML is written in alphabetical
// order (issue 15 moves it to declared order, which also keeps channel indices and so the
// random streams), so only what each named thing is can be compared yet.
std::string describe(ScenarioDef d) {
  auto by_name = [](auto& v, auto key) {
    std::sort(v.begin(), v.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  };
  by_name(d.segments, [](const SegmentDef& g) { return g.name; });
  by_name(d.stages, [](const StageDef& g) { return g.name; });
  by_name(d.edges, [](const EdgeDef& e) { return edge_name(e); });
  by_name(d.channels, [](const ChannelDef& c) { return c.name; });
  for (SegmentDef& g : d.segments) std::sort(g.edges.begin(), g.edges.end());
  for (ChannelDef& c : d.channels) {
    std::sort(c.lifts.begin(), c.lifts.end());
    std::sort(c.reaches.begin(), c.reaches.end());
    std::sort(c.segments.begin(), c.segments.end());
  }
  std::sort(d.word_of_mouth.reaches.begin(), d.word_of_mouth.reaches.end());
  std::string o;
  auto num = [&](double v) { o += fmt::format("{:.17g} ", v); };
  auto str = [&](const std::string& v) { o += v + "|"; };
  auto list = [&](const std::vector<std::string>& v) {
    for (const auto& x : v) str(x);
    o += ";";
  };
  str(d.simulation.name);
  str(d.simulation.description);
  num(static_cast<double>(d.simulation.customers));
  num(d.simulation.days);
  num(static_cast<double>(d.simulation.seed));
  num(d.simulation.replicates);
  for (const SegmentDef& g : d.segments) {
    str(g.name);
    str(g.label);
    for (const double v : {g.share, g.tempo, g.curiosity, g.responsiveness, g.advocacy}) num(v);
    if (g.order) {
      num(g.order->mean);
      num(g.order->cv);
    }
    for (const auto& [e, m] : g.edges) {
      str(e);
      num(m);
    }
    o += "\n";
  }
  for (const StageDef& s : d.stages) {
    str(s.name);
    str(s.label);
    num(static_cast<int>(s.role));
    num(s.start);
    num(s.advocate);
  }
  o += "\n";
  for (const EdgeDef& e : d.edges) {
    str(edge_name(e));
    num(e.rate);
    num(e.forward);
    num(e.salience);
    num(static_cast<int>(e.satisfaction));
    num(e.curiosity);
  }
  o += "\n";
  for (const ChannelDef& c : d.channels) {
    str(c.name);
    str(c.label);
    num(c.cost);
    for (const FlightDef& f : c.flights) {
      num(f.from);
      num(f.to);
      num(f.amount);
    }
    list(c.reaches);
    list(c.segments);
    for (const auto& [e, l] : c.lifts) {
      str(e);
      num(l);
    }
    num(c.salience);
    num(c.quality);
    o += "\n";
  }
  for (const double v :
       {d.salience.decay, d.salience.beta, d.salience.half, d.salience.shape,
        d.experience.quality_mean, d.experience.quality_sd, d.experience.reference.value_or(-1),
        d.order.value.mean, d.order.value.cv, d.order.margin}) {
    num(v);
  }
  const WordOfMouthDef& w = d.word_of_mouth;
  num(static_cast<int>(w.network.kind));
  num(w.network.degree);
  num(w.network.rewire);
  num(w.network.exponent);
  num(w.rate);
  list(w.reaches);
  str(w.moves_to);
  num(w.complaints.rate);
  num(w.complaints.below);
  num(w.complaints.impact);
  return o;
}

void check_accepted(const ScenarioDocument& doc, const Scenario& scenario) {
  if (scenario.variants.empty()) broken("an accepted scenario without variants");
  for (const Variant& v : scenario.variants) {
    const auto left = check_scenario(v.def);
    if (!left.empty()) {
      broken(fmt::format("variant '{}' was accepted but check_scenario refuses it: {}", v.name,
                         format_diagnostic(left.front())));
    }
  }
  // effective_toml() is documented as the scenario after overrides; it is what result files
  // store. Without overrides, or without named variants, it loads, builds and prints back the
  // same. With overrides on a file with [variants] it is not the whole story (build_scenario
  // re-applies overrides inside each variant; the TOML keeps each variant's own value), so there
  // the check is what a reader with the stored overrides can do: the effective TOML with the
  // same overrides applied again builds the same variants, field for field.
  const bool named_variants = scenario.variants.size() > 1 ||
                              scenario.variants.front().name != "base" ||
                              scenario.text.find("variants") != std::string::npos;
  const std::string toml = doc.effective_toml();
  try {
    ScenarioDocument again = ScenarioDocument::from_string(toml, kSource);
    if (scenario.overrides.empty() || !named_variants) {
      static_cast<void>(build_scenario(again));
      if (again.effective_toml() != toml) broken("effective TOML is not a fixed point:\n" + toml);
    } else {
      for (const std::string& o : doc.overrides()) again.set(o);
      const Scenario rebuilt = build_scenario(again);
      if (rebuilt.variants.size() != scenario.variants.size()) {
        broken(fmt::format("the effective TOML with the overrides again has {} variants, not {}",
                           rebuilt.variants.size(), scenario.variants.size()));
      }
      for (const Variant& original : scenario.variants) {  // by name: see describe()
        const auto it = std::find_if(rebuilt.variants.begin(), rebuilt.variants.end(),
                                     [&](const Variant& x) { return x.name == original.name; });
        if (it == rebuilt.variants.end() || describe(it->def) != describe(original.def)) {
          broken("variant '" + original.name +
                 "' differs when built from the effective TOML with the overrides again:\n" + toml);
        }
      }
    }
  } catch (const InputError& e) {
    broken(fmt::format("the effective TOML of an accepted scenario is refused: {}\n{}",
                       format_diagnostic(e.diagnostics().front()), toml));
  }
  simulate_small(scenario.variants.front().def);
}

// Builds the document and checks the outcome, accepted or refused.
void check_build(const ScenarioDocument& doc, const Origin& origin) {
  std::optional<Scenario> scenario;
  try {
    scenario = build_scenario(doc);
  } catch (const InputError& e) {
    check_refusal(e, origin);
    return;
  }
  check_accepted(doc, *scenario);
}

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < kMaxOverrides) {
    const auto end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// One override line: "~PATH=NUMBER" through set_number, anything else through set.
void apply(ScenarioDocument& doc, const std::string& line) {
  if (!line.empty() && line.front() == '~') {
    const auto eq = line.find('=');
    const std::string path = line.substr(1, eq == std::string::npos ? std::string::npos : eq - 1);
    const std::string number = eq == std::string::npos ? std::string() : line.substr(eq + 1);
    doc.set_number(path, std::strtod(number.c_str(), nullptr));
  } else {
    doc.set(line);
  }
}

}  // namespace

void check_scenario_text(std::string_view text) {
  const Origin origin{text};
  std::optional<ScenarioDocument> doc;
  try {
    doc = ScenarioDocument::from_string(std::string(text), kSource);
  } catch (const InputError& e) {
    check_refusal(e, origin);
    return;
  }
  check_build(*doc, origin);
}

void check_set_input(std::string_view input, const Bases& bases) {
  if (input.empty() || bases.empty()) return;
  ScenarioDocument doc = bases.pick(input);
  const std::string& base = doc.text();
  Origin origin{base};
  const std::vector<std::string> lines = split_lines(input);
  // The second half goes to a copy, as a sweep copies the document per point: the original
  // must not change with it.
  const std::size_t half = lines.size() / 2;
  std::optional<ScenarioDocument> copy;
  std::string before_copy;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == half) {
      before_copy = doc.effective_toml();
      copy.emplace(doc);
    }
    ScenarioDocument& target = copy ? *copy : doc;
    const std::size_t applied = target.overrides().size();
    try {
      apply(target, lines[i]);
    } catch (const InputError& e) {
      check_refusal(e, Origin{base, {lines[i]}});
      // A refused override leaves the document as it was; the next ones still apply.
      if (target.overrides().size() != applied) broken("a refused override was recorded");
      continue;
    }
    // Build problems point into the argument as typed, or into set_number's rendering of it.
    origin.assignments.push_back(lines[i]);
    origin.assignments.push_back(target.overrides().back());
  }
  if (copy && doc.effective_toml() != before_copy) broken("setting a copy changed the original");
  check_build(copy ? *copy : doc, origin);
}

void check_vary_input(std::string_view input, const Bases& bases) {
  if (input.empty() || bases.empty()) return;
  const ScenarioDocument& doc = bases.pick(input);
  SweepSettings settings;
  settings.replicates = 1;
  std::vector<std::string> accepted;
  for (const std::string& line : split_lines(input)) {
    if (line.rfind("lhs ", 0) == 0) {
      settings.design = SweepDesign::lhs;
      settings.points = static_cast<int>(std::strtol(line.c_str() + 4, nullptr, 10) % 9);
      continue;
    }
    try {
      SweepAxis axis = parse_vary(line);
      if (axis.path.empty()) broken("an accepted --vary without a key path: " + line);
      if (!axis.range && axis.values.empty()) broken("an accepted --vary list without values");
      if (axis.range && axis.steps > 0 &&
          axis.values.size() != static_cast<std::size_t>(axis.steps)) {
        broken(fmt::format("'{}': a range of {} steps expanded to {} values", line, axis.steps,
                           axis.values.size()));
      }
      settings.vary.push_back(std::move(axis));
      accepted.push_back(line);
    } catch (const InputError& e) {
      check_refusal(e, Origin{doc.text(), {line}});
    }
  }
  // Without --vary the scenario's own [sweep] applies: that is the scenario loader's business.
  if (settings.vary.empty()) return;
  std::size_t rows = settings.design == SweepDesign::lhs ? 8 : 1;
  for (const SweepAxis& a : settings.vary) {
    if (settings.design != SweepDesign::lhs) rows *= std::max<std::size_t>(1, a.values.size());
    if (rows > kMaxSweepRows) return;
  }
  std::optional<SweepPlan> plan;
  try {
    plan = plan_sweep(doc, settings);
  } catch (const InputError& e) {
    check_refusal(e, Origin{doc.text(), accepted});
    return;
  }
  if (plan->rows.empty()) broken("an accepted sweep without rows");
  if (plan->rows.size() != plan->points.size() * plan->variants.size()) {
    broken(fmt::format("{} rows for {} points x {} variants", plan->rows.size(),
                       plan->points.size(), plan->variants.size()));
  }
  for (const SweepRow& row : plan->rows) {
    const auto left = check_scenario(row.def);
    if (!left.empty()) {
      broken(fmt::format("sweep row {} was planned but check_scenario refuses it: {}", row.point,
                         format_diagnostic(left.front())));
    }
  }
  // The first, a middle and the last row (different points, and variants when there are).
  const std::size_t planned = plan->rows.size();
  for (const std::size_t r : {std::size_t{0}, planned / 2, planned - 1}) {
    simulate_small(plan->rows[r].def);
    if (planned == 1) break;
  }
}

const ScenarioDocument& Bases::pick(std::string_view& input) const {
  const auto end = input.find('\n');
  const std::string_view first = input.substr(0, end);
  input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (first == names[i]) return docs[i];
  }
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: the same on every machine
  for (const char c : first) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return docs[h % docs.size()];
}

Bases load_set_bases(const std::string& source_dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir + "/scenarios")) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  Bases bases;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::ostringstream text;
    text << in.rdbuf();
    bases.names.push_back(f.stem().string());
    bases.docs.push_back(ScenarioDocument::from_string(text.str(), kSource));
  }
  return bases;
}

bool check_observed_input(std::string_view input, const std::string& scratch_path) {
  const unsigned char flags = input.empty() ? 0 : static_cast<unsigned char>(input[0]);
  const std::string_view text = input.empty() ? input : input.substr(1);
  {
    std::ofstream out(scratch_path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) broken("cannot write the scratch file " + scratch_path);
  }
  ObservedOptions o;
  o.channels = {"search", "social"};
  o.stages = {"unaware", "lead", "buy", "loyal"};
  o.purchase_stages = {"buy"};
  if (flags & 1) o.period = "month";
  if (flags & 2) {
    o.from = 20094;  // 2025-01-06
    o.to = 20177;    // 2025-03-30
    o.from_place = {"calibrate.from", 0, 0};
    o.to_place = {"calibrate.to", 0, 0};
  }
  if (flags & 4) o.day0 = 20089;  // 2025-01-01
  ObservedData d;
  try {
    d = read_observed({scratch_path}, o);
  } catch (const InputError& e) {
    const auto& ds = e.diagnostics();
    if (ds.empty()) broken("InputError without diagnostics");
    for (const Diagnostic& x : ds) {
      const std::string shown = format_diagnostic(x);
      if (x.message.empty()) broken("diagnostic without a message: " + shown);
      if (x.fix.empty()) broken("diagnostic without a fix: " + shown);
      const SourcePlace& p = x.place;
      if (p.line < 0 || p.column < 0) broken("negative place: " + shown);
      if (p.file == scratch_path) {
        if (static_cast<std::size_t>(p.line) > line_count(text) + 1) {
          broken(fmt::format("line {} of a {}-line file: {}", p.line, line_count(text), shown));
        }
      } else if (p.file != "calibrate.from" && p.file != "calibrate.to" &&
                 p.file != "calibrate.period" && !p.file.empty()) {
        broken("diagnostic placed in an unknown file: " + shown);
      }
    }
    return false;
  }
  const std::size_t P = d.periods.size();
  if (P == 0) broken("accepted data without a period");
  if (d.period_places.size() != P) broken("not one place per period");
  for (std::size_t k = 0; k < P; ++k) {
    const Period& p = d.periods[k];
    if (p.days < 1 || p.days > 31) broken(fmt::format("period {} of {} days", k, p.days));
    if (k > 0 && p.first != d.periods[k - 1].first + d.periods[k - 1].days) {
      broken(
          fmt::format("period {} starts on day {}, not where period {} ends", k, p.first, k - 1));
    }
  }
  std::vector<std::string> names;
  for (const ObservedColumn& c : d.columns) {
    if (c.values.size() != P) {
      broken(fmt::format("column {} has {} values for {} periods", c.name, c.values.size(), P));
    }
    for (const double v : c.values) {
      if (!std::isnan(v) && !(std::isfinite(v) && v >= 0)) {
        broken(fmt::format("column {} holds {}", c.name, v));
      }
    }
    names.push_back(c.name);
  }
  std::sort(names.begin(), names.end());
  if (std::adjacent_find(names.begin(), names.end()) != names.end()) broken("a column twice");
  if (d.customers) {
    const CustomerHistograms& h = *d.customers;
    if (h.purchases.size() != 7 || h.recency.size() != 6) broken("histograms of the wrong size");
    double a = 0, b = 0;
    for (const double v : h.purchases) {
      if (!(std::isfinite(v) && v >= 0)) broken(fmt::format("purchases bin {}", v));
      a += v;
    }
    for (const double v : h.recency) {
      if (!(std::isfinite(v) && v >= 0)) broken(fmt::format("recency bin {}", v));
      b += v;
    }
    if (a != b) broken(fmt::format("cohort of {} by purchases but {} by recency", a, b));
  }
  return true;
}

}  // namespace cjsim::fuzz
