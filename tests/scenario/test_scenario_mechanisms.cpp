// The scenario keys of the mechanisms of issue 16 (calendar demand, individual differences, ...):
// what a planner writes, what it becomes, and what they are told when it is wrong.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include "cjsim/scenario_io.hpp"
#include "scenario/calendar_csv.hpp"

using namespace cjsim;

namespace {

// A small valid world with a start date; tests append to it.
const std::string kWorld = R"([simulation]
customers = 1000
days = 400
start = 2025-01-01

[segments]
a = { share = 0.5 }
b = { share = 0.5 }

[stages]
unaware  = { role = "unaware" }
aware    = { role = "journey" }
buyer    = { role = "purchase" }
loyal    = { role = "retention" }
lost     = { role = "lost" }

[edges]
"unaware -> aware" = { rate = 0.01, forward = true }
"aware -> buyer"   = { rate = 0.02 }
"buyer -> loyal"   = { rate = 1.0 }
"loyal -> buyer"   = { rate = 0.01 }
"loyal -> lost"    = { rate = 0.005 }
)";

Scenario load(const std::string& text, const std::vector<std::string>& overrides = {},
              const std::string& name = "test.toml") {
  ScenarioDocument doc = ScenarioDocument::from_string(text, name);
  for (const auto& o : overrides) doc.set(o);
  return build_scenario(doc);
}

std::vector<Diagnostic> problems(const std::string& text,
                                 const std::vector<std::string>& overrides = {},
                                 const std::string& name = "test.toml") {
  try {
    load(text, overrides, name);
  } catch (const InputError& e) {
    return e.diagnostics();
  }
  FAIL("the scenario was accepted but should have been refused");
  return {};
}

std::string dump(const std::vector<Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds) s += format_diagnostic(d) + "\n";
  return s;
}

Diagnostic with_key(const std::vector<Diagnostic>& ds, const std::string& key) {
  INFO(dump(ds));
  const auto n =
      std::count_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.key == key; });
  REQUIRE(n == 1);
  return *std::find_if(ds.begin(), ds.end(), [&](const Diagnostic& d) { return d.key == key; });
}

std::string where(const Diagnostic& d) {
  return fmt::format("{}:{}:{}", d.place.file, d.place.line, d.place.column);
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A scratch folder for CSV files, removed at the end of the test.
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() /
          fmt::format("cjsim-mechanisms-{}", static_cast<long>(::getpid()));
    std::filesystem::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  }
};

}  // namespace

// ---- calendar demand --------------------------------------------------------------------------

TEST_CASE("calendar: occasions, weekly, monthly and file entries are read", "[scenario]") {
  Scratch scratch;
  scratch.write("sales.csv", "date,factor\n2025-02-14,3.5\r\n\n2025-03-08,\"6\"\n");
  const std::string scenario = scratch.write("world.toml", kWorld + R"(
[calendar.march_8]
label    = "8 March"
edges    = ["unaware->aware"]
segments = ["b"]
date     = "03-08"
peak     = 6.0
before   = 7
after    = 1
shape    = "flat"

[calendar.launch]
edges = ["aware -> buyer"]
date  = 2025-06-01
peak  = 2

[calendar.week]
edges  = ["aware -> buyer"]
weekly = [1, 1, 1, 1, 1.2, 1.5, 0.5]

[calendar.seasons]
edges   = ["loyal -> buyer"]
monthly = [0.8, 1, 1.4, 1, 1, 1, 0.7, 0.7, 1.1, 1, 1, 1.3]

[calendar.history]
edges    = ["loyal -> buyer"]
file     = "sales.csv"
strength = 0.5
)");
  const Scenario s = load_scenario(scenario);
  const ScenarioDef& d = s.variants.front().def;
  REQUIRE(d.simulation.start);
  CHECK(*d.simulation.start == std::chrono::year_month_day{std::chrono::year(2025),
                                                           std::chrono::January,
                                                           std::chrono::day(1)});
  REQUIRE(d.calendar.size() == 5);  // in file order
  const CalendarDef& m8 = d.calendar[0];
  CHECK(m8.name == "march_8");
  CHECK(m8.label == "8 March");
  CHECK(m8.kind == CalendarKind::occasion);
  CHECK(m8.year == 0);  // every year
  CHECK(m8.month == 3);
  CHECK(m8.day == 8);
  CHECK(m8.peak == 6.0);
  CHECK(m8.before == 7);
  CHECK(m8.after == 1);
  CHECK(m8.shape == OccasionShape::flat);
  CHECK(m8.edges == std::vector<std::string>{"unaware -> aware"});  // spelled canonically
  CHECK(m8.segments == std::vector<std::string>{"b"});
  CHECK(d.calendar[1].year == 2025);  // once
  CHECK(d.calendar[1].shape == OccasionShape::ramp);
  CHECK(d.calendar[2].kind == CalendarKind::weekly);
  CHECK(d.calendar[2].factors.size() == 7);
  CHECK(d.calendar[3].kind == CalendarKind::monthly);
  const CalendarDef& h = d.calendar[4];
  CHECK(h.kind == CalendarKind::series);
  CHECK(h.strength == 0.5);
  REQUIRE(h.series.size() == 2);
  CHECK(date_of(h.series[0].first) == std::chrono::year_month_day{std::chrono::year(2025),
                                                                  std::chrono::February,
                                                                  std::chrono::day(14)});
  CHECK(h.series[0].second == 3.5);
  CHECK(h.series[1].second == 6.0);

  // Every number is reachable by --set (the calibration fits them by their dotted paths).
  const Scenario o =
      load_scenario(scenario, {"calendar.march_8.peak=4", "calendar.week.weekly[5]=2",
                               "calendar.history.strength=2", "calendar.march_8.before=3"});
  CHECK(o.variants.front().def.calendar[0].peak == 4.0);
  CHECK(o.variants.front().def.calendar[0].before == 3);
  CHECK(o.variants.front().def.calendar[2].factors[5] == 2.0);
  CHECK(o.variants.front().def.calendar[4].strength == 2.0);
}

TEST_CASE("calendar: the factors of each kind, day by day", "[scenario]") {
  using namespace std::chrono;
  const year_month_day start{year(2025), January, day(1)};  // a Wednesday
  CalendarDef occasion;
  occasion.kind = CalendarKind::occasion;
  occasion.month = 1;
  occasion.day = 20;  // day 19 of 2025, day 384 of 2026
  occasion.peak = 4.0;
  occasion.before = 3;
  occasion.after = 2;
  const std::vector<double> f = calendar_factors(occasion, start, 400);
  // Ramp: 1 + 3 (1 - |offset| / (window side + 1)).
  const std::vector<double> want = {1, 1.75, 2.5, 3.25, 4, 3, 2, 1};
  for (int k = 0; k < 8; ++k) {
    INFO("day " << 15 + k);
    CHECK(f[static_cast<std::size_t>(15 + k)] == Approx(want[static_cast<std::size_t>(k)]));
    CHECK(f[static_cast<std::size_t>(15 + 365 + k)] == Approx(want[static_cast<std::size_t>(k)]));
  }
  CHECK(std::count_if(f.begin(), f.end(), [](double x) { return x != 1.0; }) == 12);
  occasion.shape = OccasionShape::flat;
  const std::vector<double> flat = calendar_factors(occasion, start, 30);
  CHECK(std::count(flat.begin(), flat.end(), 4.0) == 6);
  occasion.year = 2026;  // once: only the 2026 occurrence
  const std::vector<double> once = calendar_factors(occasion, start, 400);
  CHECK(once[19] == 1.0);
  CHECK(once[384] == 4.0);
  // An occasion just before day 0 still acts through its after-glow.
  occasion.year = 2024;
  occasion.month = 12;
  occasion.day = 31;
  occasion.after = 2;
  const std::vector<double> glow = calendar_factors(occasion, start, 5);
  CHECK(glow == std::vector<double>{4, 4, 1, 1, 1});
  // 29 February: only in leap years.
  CalendarDef leap;
  leap.month = 2;
  leap.day = 29;
  leap.peak = 2.0;
  const std::vector<double> l = calendar_factors(leap, start, 4 * 365);
  CHECK(std::count(l.begin(), l.end(), 2.0) == 1);
  CHECK(l[static_cast<std::size_t>(days_since_epoch(year_month_day{year(2028), February, day(29)}) -
                                   days_since_epoch(start))] == 2.0);

  CalendarDef week;
  week.kind = CalendarKind::weekly;
  week.factors = {1, 2, 3, 4, 5, 6, 7};  // Monday .. Sunday
  const std::vector<double> w = calendar_factors(week, start, 14);
  CHECK(w[0] == 3);  // 1 January 2025 is a Wednesday
  CHECK(w[4] == 7);  // Sunday
  CHECK(w[5] == 1);  // Monday
  CHECK(w[11] == 7);

  CalendarDef months;
  months.kind = CalendarKind::monthly;
  months.factors = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const std::vector<double> mo = calendar_factors(months, start, 400);
  CHECK(mo[30] == 1);    // 31 January
  CHECK(mo[31] == 2);    // 1 February
  CHECK(mo[364] == 12);  // 31 December
  CHECK(mo[365] == 1);

  CalendarDef series;
  series.kind = CalendarKind::series;
  series.series = {{days_since_epoch(start) + 2, 4.0}, {days_since_epoch(start) - 5, 9.0}};
  series.strength = 0.5;
  const std::vector<double> se = calendar_factors(series, start, 4);
  CHECK(se == std::vector<double>{1, 1, 2, 1});
}

TEST_CASE("calendar: bad entries are refused with their place and fix", "[scenario][diagnostics]") {
  SECTION("a calendar without a start date") {
    std::string text = kWorld;
    text.erase(text.find("start = 2025-01-01\n"), 19);
    const auto ds = problems(text + R"(
[calendar.x]
edges  = ["aware -> buyer"]
weekly = [1, 1, 1, 1, 1, 1, 2]
)");
    const Diagnostic d = with_key(ds, "simulation.start");
    CHECK(contains(d.message, "which date day 0 is"));
    CHECK(contains(d.fix, "simulation.start = 2025-01-01"));
  }
  SECTION("typos, kinds, ranges and names") {
    const auto ds = problems(kWorld + R"(
[calendar.x]
edges  = ["awre -> buyer"]
date   = "13-40"
peak   = -1
befor  = 3
shape  = "rmap"

[calendar.y]
edges   = ["aware -> buyer"]
weekly  = [1, 1, 1]
monthly = [1]

[calendar.z]
edges    = ["aware -> buyer", "aware->buyer"]
weekly   = [1, 1, 1, 1, 1, 1, "x"]
peak     = 2
segments = ["c"]

[calendar.w]
edges = ["aware -> buyer"]
date  = "02-29"
after = 200
)");
    const Diagnostic typo = with_key(ds, "calendar.x.befor");
    CHECK(typo.fix == "did you mean 'before'?");
    CHECK(where(typo) == "test.toml:28:1");
    CHECK(contains(with_key(ds, "calendar.x.edges[0]").fix, "did you mean 'aware -> buyer'?"));
    CHECK(contains(with_key(ds, "calendar.x.date").message, "'13-40' is not a month and day"));
    CHECK(contains(with_key(ds, "calendar.x.peak").message, "peak must be >= 0"));
    CHECK(with_key(ds, "calendar.x.shape").fix == "did you mean 'ramp'?");
    const Diagnostic two = with_key(ds, "calendar.y");
    CHECK(contains(two.message, "gives weekly, monthly"));
    CHECK(contains(with_key(ds, "calendar.z.edges[1]").message, "listed twice"));
    CHECK(contains(with_key(ds, "calendar.z.weekly[6]").message, "must be a number"));
    CHECK(contains(with_key(ds, "calendar.z.peak").message, "belongs to an occasion"));
    CHECK(contains(with_key(ds, "calendar.z.segments[0]").message, "unknown segment 'c'"));
    CHECK(contains(with_key(ds, "calendar.w.after").message, "between 0 and 180"));
  }
  SECTION("weekly needs seven factors") {
    const auto ds = problems(kWorld + R"(
[calendar.y]
edges  = ["aware -> buyer"]
weekly = [1, 1, 1]
)");
    CHECK(contains(with_key(ds, "calendar.y.weekly").message, "3 factors, not 7"));
  }
  SECTION("dated flights need a start, and are days of it") {
    const Scenario s = load(kWorld + R"(
[channels.ads]
cost    = 1
reaches = ["aware"]
flights = [{ from = 2025-03-01, to = 2025-03-08, amount = 100 }]
)");
    const FlightDef& f = s.variants.front().def.channels.front().flights.front();
    CHECK(f.from == 59);
    CHECK(f.to == 66);
    std::string text = kWorld;
    text.erase(text.find("start = 2025-01-01\n"), 19);
    const auto ds = problems(text + R"(
[channels.ads]
cost    = 1
reaches = ["aware"]
flights = [{ from = 2025-03-01, to = 70, amount = 100 }]
)");
    CHECK(contains(with_key(ds, "channels.ads.flights[0].from").message, "no start date"));
  }
  SECTION("a start that is not a date") {
    const auto ds = problems(kWorld, {"simulation.start=\"2025-01-01\""});
    const Diagnostic d = with_key(ds, "simulation.start");
    CHECK(contains(d.message, "must be a date"));
    CHECK(where(d) == "--set:1:18");
  }
}

TEST_CASE("calendar: a hostile CSV file is refused with its line", "[scenario][diagnostics]") {
  Scratch scratch;
  auto read = [&](const std::string& text) {
    return read_calendar_csv(scratch.write("c.csv", text), "calendar.x.file");
  };
  CHECK(read("2025-01-01,2\n2025-01-02,0\n").problems.empty());
  const CalendarSeries bad = read(
      "date,factor\n2025-01-01,2\n\n2025-13-01,1\n2025-01-01,1e9\n"
      "2025-01-01,2\n2025-01-03\nx\"y,1\n");
  INFO(dump(bad.problems));
  REQUIRE(bad.problems.size() >= 4);
  CHECK(bad.problems[0].place.line == 4);
  CHECK(contains(bad.problems[0].message, "'2025-13-01' is not a date"));
  CHECK(bad.problems[1].place.line == 5);
  CHECK(contains(bad.problems[1].message, "outside 0"));
  CHECK(bad.problems[2].place.line == 6);
  CHECK(contains(bad.problems[2].message, "listed twice"));
  CHECK(bad.problems[3].place.line == 7);
  CHECK(contains(bad.problems[3].message, "1 fields, not 2"));
  CHECK(bad.problems[0].key == "calendar.x.file");
  CHECK(contains(read("").problems.at(0).message, "has no dates"));
  CHECK(contains(read("2025-01-01,nan\n").problems.at(0).message, "not a number"));
  CHECK(contains(read("2025-01-01,\"2\n").problems.at(0).message, "not valid CSV"));
  // Too large: refused before it is parsed.
  const std::string big(static_cast<std::size_t>(kMaxCalendarFileBytes) + 10, '\n');
  CHECK(contains(read(big).problems.at(0).message, "larger than 16 MiB"));
  // Missing, or a folder.
  CHECK(contains(read_calendar_csv((scratch.dir / "none.csv").string(), "k").problems.at(0).message,
                 "No such file"));
  CHECK(contains(read_calendar_csv(scratch.dir.string(), "k").problems.at(0).message, "folder"));
  CHECK(contains(read_calendar_csv("/dev/zero", "k").problems.at(0).message, "not a regular file"));
  // From a scenario: the file's own place, relative to the scenario's folder.
  scratch.write("bad.csv", "2025-01-01,2\n2025-01-02,-1\n");
  const std::string scenario = scratch.write("w.toml", kWorld + R"(
[calendar.h]
edges = ["aware -> buyer"]
file  = "bad.csv"
)");
  try {
    load_scenario(scenario);
    FAIL("accepted a negative factor");
  } catch (const InputError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    const Diagnostic& d = e.diagnostics().front();
    CHECK(d.place.file == (scratch.dir / "bad.csv").string());
    CHECK(d.place.line == 2);
    CHECK(d.key == "calendar.h.file");
  }
}

// ---- individual differences -------------------------------------------------------------------

TEST_CASE("heterogeneity: groups are read, and their numbers reachable by --set", "[scenario]") {
  const std::string text = kWorld + R"(
[heterogeneity.buying]
label        = "heavy and light buyers"
edges        = ["loyal->buyer", "aware -> buyer"]
segments     = ["a"]
cv           = 1.2

[heterogeneity.churn]
edges        = ["loyal -> lost"]
cv           = 0.5
distribution = "lognormal"
)";
  const Scenario s = load(text);
  const ScenarioDef& d = s.variants.front().def;
  REQUIRE(d.heterogeneity.size() == 2);
  CHECK(d.heterogeneity[0].name == "buying");
  CHECK(d.heterogeneity[0].label == "heavy and light buyers");
  CHECK(d.heterogeneity[0].edges == std::vector<std::string>{"loyal -> buyer", "aware -> buyer"});
  CHECK(d.heterogeneity[0].segments == std::vector<std::string>{"a"});
  CHECK(d.heterogeneity[0].cv == 1.2);
  CHECK(d.heterogeneity[0].distribution == HeterogeneityKind::gamma);
  CHECK(d.heterogeneity[1].distribution == HeterogeneityKind::lognormal);
  const Scenario o = load(text, {"heterogeneity.buying.cv=2.5"});
  CHECK(o.variants.front().def.heterogeneity[0].cv == 2.5);
}

TEST_CASE("heterogeneity: bad groups are refused with their place and fix",
          "[scenario][diagnostics]") {
  const auto ds = problems(kWorld + R"(
[heterogeneity.x]
edges        = ["loyal -> buyer", "loyal -> byer"]
cv           = 11
distribution = "gama"
segmnets     = ["a"]

[heterogeneity.y]
edges = ["loyal -> buyer"]
)");
  CHECK(with_key(ds, "heterogeneity.x.segmnets").fix == "did you mean 'segments'?");
  CHECK(contains(with_key(ds, "heterogeneity.x.edges[1]").fix, "did you mean 'loyal -> buyer'?"));
  CHECK(contains(with_key(ds, "heterogeneity.x.cv").message, "cv must be at most 10"));
  CHECK(with_key(ds, "heterogeneity.x.distribution").fix == "did you mean 'gamma'?");
  CHECK(contains(with_key(ds, "heterogeneity.y.cv").message, "has no cv"));
  CHECK(contains(with_key(ds, "heterogeneity.y.edges[0]").message,
                 "already in heterogeneity group 'x'"));
  const auto set = problems(kWorld, {"heterogeneity.z.cv=-1"});
  CHECK(contains(with_key(set, "heterogeneity.z.edges").message, "names no edges"));
  CHECK(contains(with_key(set, "heterogeneity.z.cv").message, "cv must be >= 0"));
  CHECK(where(with_key(set, "heterogeneity.z.cv")) == "--set:1:20");
}

// ---- relationship memory ----------------------------------------------------------------------

TEST_CASE("relationship: groups are read, and their numbers reachable by --set", "[scenario]") {
  const std::string text = kWorld + R"(
[relationship.blind_eye]
label        = "a loyal customer forgives small flaws"
edges        = ["loyal->lost"]
segments     = ["b"]
per_purchase = 0.7
memory       = 0.9
weight       = "satisfaction"

[relationship.habit]
edges        = ["loyal -> buyer"]
per_purchase = 1.2
)";
  const Scenario s = load(text);
  const ScenarioDef& d = s.variants.front().def;
  REQUIRE(d.relationship.size() == 2);
  CHECK(d.relationship[0].name == "blind_eye");
  CHECK(d.relationship[0].label == "a loyal customer forgives small flaws");
  CHECK(d.relationship[0].edges == std::vector<std::string>{"loyal -> lost"});
  CHECK(d.relationship[0].segments == std::vector<std::string>{"b"});
  CHECK(d.relationship[0].per_purchase == 0.7);
  CHECK(d.relationship[0].memory == 0.9);
  CHECK(d.relationship[0].weight == BondWeight::satisfaction);
  CHECK(d.relationship[1].memory == 1.0);
  CHECK(d.relationship[1].weight == BondWeight::purchases);
  const Scenario o = load(text, {"relationship.habit.per_purchase=1.5"});
  CHECK(o.variants.front().def.relationship[1].per_purchase == 1.5);
}

TEST_CASE("relationship: bad groups are refused with their place and fix",
          "[scenario][diagnostics]") {
  const auto ds = problems(kWorld + R"(
[relationship.x]
edges        = ["loyal -> lost", "loyal -> lots"]
per_purchase = 20
memory       = 1.5
weight       = "satisfation"
segmnets     = ["a"]

[relationship.y]
edges = ["loyal -> lost"]
)");
  CHECK(with_key(ds, "relationship.x.segmnets").fix == "did you mean 'segments'?");
  CHECK(contains(with_key(ds, "relationship.x.edges[1]").fix, "did you mean 'loyal -> lost'?"));
  CHECK(contains(with_key(ds, "relationship.x.per_purchase").message,
                 "per_purchase must be at most 10"));
  CHECK(contains(with_key(ds, "relationship.x.memory").message, "memory must be"));
  CHECK(with_key(ds, "relationship.x.weight").fix == "did you mean 'satisfaction'?");
  CHECK(contains(with_key(ds, "relationship.y.per_purchase").message, "has no per_purchase"));
  CHECK(contains(with_key(ds, "relationship.y.edges[0]").message, "already in relationship 'x'"));
  const auto set = problems(kWorld, {"relationship.z.per_purchase=0.01"});
  CHECK(contains(with_key(set, "relationship.z.edges").message, "names no edges"));
  CHECK(contains(with_key(set, "relationship.z.per_purchase").message,
                 "per_purchase must be at least 0.1"));
  CHECK(where(with_key(set, "relationship.z.per_purchase")) == "--set:1:29");
}
