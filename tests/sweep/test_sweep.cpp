// Sweeps (engine/include/cjsim/sweep.hpp, sweep_io.hpp): reading what to vary, the designs,
// common random numbers, the statistics of a row, the partial folder and the final file.
// The command-line paths (kill -9 and --resume, threads, MPI, compare) are in tests/sweep/.
#include <fmt/format.h>
#include <hdf5.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "base/parallel.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/sweep.hpp"
#include "cjsim/sweep_io.hpp"

using namespace cjsim;
namespace fs = std::filesystem;

namespace {

// Prospects buy at a constant hazard; an ad exposure multiplies that day's hazard by the lift.
// Without ads, P(bought within T days) = 1 - exp(-rate T) exactly (the engine's exponential
// clock: engine/README.md), which the coverage test uses as the true mean.
std::string two_stage_world(int customers, int days, double rate, double lift, int replicates) {
  return fmt::format(R"(
[simulation]
name = "two_stage"
customers = {}
days = {}
seed = 7
replicates = {}

[stages]
prospect = {{ role = "unaware", start = 1.0 }}
buyer = {{ role = "purchase" }}

[edges]
"prospect -> buyer" = {{ rate = {} }}

[channels.ads]
cost = 1.0
budget = 0
reaches = ["prospect"]
lift = {{ "prospect -> buyer" = {} }}
)",
                     customers, days, replicates, rate, lift);
}

ScenarioDocument doc_of(const std::string& text) {
  return ScenarioDocument::from_string(text, "world.toml");
}

std::vector<std::string> messages(const InputError& e) {
  std::vector<std::string> out;
  for (const Diagnostic& d : e.diagnostics()) out.push_back(format_diagnostic(d));
  return out;
}

// The first diagnostic of the InputError `f` throws, formatted ("file:line:col: key: ...").
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return messages(e).front();
  }
  FAIL("expected an InputError");
  return {};
}

SweepSettings vary(std::initializer_list<const char*> args) {
  SweepSettings s;
  for (const char* a : args) s.vary.push_back(parse_vary(a));
  return s;
}

double kpi(const RunDigest& d, const char* id) {
  return d.kpis.value(id);
}

}  // namespace

// ---- what to vary -------------------------------------------------------------------------------

TEST_CASE("sweep: --vary reads lists and ranges", "[sweep]") {
  SweepAxis list = parse_vary("channels.search.budget=0, 75_000,150000");
  CHECK(list.path == "channels.search.budget");
  CHECK(list.values == std::vector<double>{0, 75000, 150000});
  CHECK_FALSE(list.range);

  // Integral ranges stay exact: 0:300000:7 is 0, 50000, ..., 300000.
  SweepAxis range = parse_vary("channels.search.budget=0:300000:7");
  CHECK(range.values == std::vector<double>{0, 50000, 100000, 150000, 200000, 250000, 300000});
  SweepAxis down = parse_vary("edges.a -> b.rate=0.04:0.01:4");
  CHECK(down.path == "edges.a -> b.rate");  // render_key_path's spelling, as --set shows it
  REQUIRE(down.values.size() == 4);
  CHECK(down.values.front() == 0.04);
  CHECK(down.values.back() == 0.01);

  SweepAxis continuous = parse_vary("salience.decay=0.5:0.95");
  CHECK(continuous.range);
  CHECK(continuous.values.empty());
  CHECK(continuous.from == 0.5);
  CHECK(continuous.to == 0.95);
}

TEST_CASE("sweep: --vary refuses what has no values or is not a number", "[sweep]") {
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget="); }),
             Catch::Contains("--vary") && Catch::Contains("no values"));
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget=0:100:0"); }),
             Catch::Contains("has no values"));
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget=0:100:1"); }),
             Catch::Contains("steps = 1"));
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget=low,high"); }),
             Catch::Contains("'low' is not a number"));
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget=1,,2"); }),
             Catch::Contains("value is missing"));
  CHECK_THAT(input_error_of([] { parse_vary("channels.search.budget"); }),
             Catch::Contains("expected KEY=VALUES"));
  CHECK_THAT(input_error_of([] { parse_vary("channels..budget=1"); }),
             Catch::Contains("not a key path"));
  CHECK_THAT(input_error_of([] { parse_vary("x.y=1:2:3:4"); }), Catch::Contains("from:to:steps"));
  CHECK_THAT(input_error_of([] { parse_vary("x.y=1:nan:3"); }), Catch::Contains("not a number"));
}

TEST_CASE("sweep: [sweep] sections, in the file's order, with their places", "[sweep]") {
  const std::string text = two_stage_world(100, 10, 0.01, 2, 3) + R"(
[sweep]
replicates = 5
"edges.prospect -> buyer.rate" = [0.01, 0.02]
channels.ads.budget = { from = 0, to = 900, steps = 4 }
)";
  const SweepSpec spec = read_sweep_section(doc_of(text));
  REQUIRE(spec.axes.size() == 2);
  CHECK(spec.axes[0].path == "edges.prospect -> buyer.rate");
  CHECK(spec.axes[0].values == std::vector<double>{0.01, 0.02});
  CHECK(spec.axes[1].path == "channels.ads.budget");
  CHECK(spec.axes[1].values == std::vector<double>{0, 300, 600, 900});
  CHECK(spec.axes[0].place.line < spec.axes[1].place.line);
  CHECK(spec.replicates == 5);

  const SweepPlan plan = plan_sweep(doc_of(text), {});
  CHECK(plan.points.size() == 8);
  CHECK(plan.replicates == 5);
  // Row-major: the last axis varies fastest.
  CHECK(plan.points[1] == std::vector<double>{0.01, 300});
  CHECK(plan.points[4] == std::vector<double>{0.02, 0});
  CHECK(plan.rows[5].def.channels[0].flights[0].amount == 300);
  CHECK(plan.rows[5].def.edges[0].rate == 0.02);
}

TEST_CASE("sweep: bad [sweep] sections name the line", "[sweep]") {
  const std::string world = two_stage_world(100, 10, 0.01, 2, 3);
  auto error = [&](const std::string& section) {
    return input_error_of([&] { read_sweep_section(doc_of(world + "[sweep]\n" + section)); });
  };
  const int line = static_cast<int>(std::count(world.begin(), world.end(), '\n')) + 2;
  CHECK_THAT(
      error("\"channels.ads.budget\" = []\n"),
      Catch::StartsWith(fmt::format("world.toml:{}:", line)) && Catch::Contains("no values"));
  CHECK_THAT(error("\"channels.ads.budget\" = { from = 0, to = 9, steps = 0 }\n"),
             Catch::Contains("no values"));
  CHECK_THAT(error("\"channels.ads.budget\" = [1, \"two\"]\n"), Catch::Contains("not a number"));
  CHECK_THAT(error("\"channels.ads.budget\" = { from = 0, to = 9, step = 3 }\n"),
             Catch::Contains("did you mean 'steps'"));
  CHECK_THAT(error("desing = \"lhs\"\n"), Catch::Contains("did you mean 'design'"));
  CHECK_THAT(error("design = \"random\"\n"), Catch::Contains("unknown design"));
  CHECK_THAT(error("\"channels.ads.budget\" = 5\n"), Catch::Contains("expected a list"));
}

TEST_CASE("sweep: keys that do not exist or are not numbers are refused", "[sweep]") {
  const std::string world = two_stage_world(100, 10, 0.01, 2, 3);
  auto plan = [&](std::initializer_list<const char*> args) {
    return input_error_of([&] { plan_sweep(doc_of(world), vary(args)); });
  };
  CHECK_THAT(plan({"channels.adz.budget=1,2"}),
             Catch::Contains("no channel named 'adz'") && Catch::Contains("did you mean 'ads'"));
  CHECK_THAT(plan({"channels.ads.budjet=1,2"}),
             Catch::Contains("unknown key 'budjet'") && Catch::Contains("did you mean 'budget'"));
  CHECK_THAT(plan({"edges.prospect -> nowhere.rate=1,2"}), Catch::Contains("no edge named"));
  CHECK_THAT(plan({"simulation.name=1,2"}),
             Catch::Contains("a string in the scenario, not a number"));
  CHECK_THAT(plan({"channels.ads=1,2"}), Catch::Contains("a table in the scenario, not a number"));
  CHECK_THAT(plan({"channels.ads.reaches=1,2"}), Catch::Contains("a list in the scenario"));
  // A key the file leaves at its default is fine.
  CHECK_NOTHROW(plan_sweep(doc_of(world), vary({"salience.decay=0.5,0.9"})));
  // Values the scenario refuses are named with their point.
  CHECK_THAT(plan({"channels.ads.budget=100,-5"}),
             Catch::Contains("at point 1 (channels.ads.budget = -5)"));
  CHECK_THAT(plan({"simulation.customers=1000:2000:4"}),
             Catch::Contains("at point 1") && Catch::Contains("customers"));
  CHECK_THAT(plan({"channels.ads.budget=1", "channels.ads.budget=2"}),
             Catch::Contains("varied twice"));
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), {}); }),
             Catch::Contains("nothing to vary"));
}

TEST_CASE("sweep: every shipped scenario's [sweep] section plans", "[sweep]") {
  int planned = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(CJSIM_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    const ScenarioDocument doc = ScenarioDocument::from_file(entry.path().string());
    const SweepSpec spec = read_sweep_section(doc);
    if (spec.axes.empty()) continue;
    const SweepPlan plan = plan_sweep(doc, {});
    std::size_t points = 1;
    for (const SweepAxis& a : spec.axes) points *= a.values.size();
    CHECK(plan.points.size() == points);
    CHECK(plan.rows.size() == points * plan.variants.size());
    ++planned;
  }
  CHECK(planned >= 6);
}

TEST_CASE("sweep: designs that yield no points are refused", "[sweep]") {
  const std::string world = two_stage_world(100, 10, 0.01, 2, 3);
  SweepSettings lhs = vary({"channels.ads.budget=0:1000"});
  lhs.design = SweepDesign::lhs;
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), lhs); }),
             Catch::Contains("--points") && Catch::Contains("no points"));
  lhs.points = 0;
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), lhs); }), Catch::Contains("no points"));
  lhs.points = -3;
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), lhs); }), Catch::Contains("no points"));
  SweepSettings grid = vary({"channels.ads.budget=0:1000"});
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), grid); }),
             Catch::Contains("continuous, and a grid needs values"));
  grid.points = 5;
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), grid); }),
             Catch::Contains("points is for a Latin hypercube"));
  SweepSettings reps = vary({"channels.ads.budget=1"});
  reps.replicates = 0;
  CHECK_THAT(input_error_of([&] { plan_sweep(doc_of(world), reps); }),
             Catch::Contains("--replicates") && Catch::Contains("must be 1 to 10000"));
}

TEST_CASE("sweep: a Latin hypercube puts one point in every stratum of every axis", "[sweep]") {
  SweepSpec spec;
  spec.design = SweepDesign::lhs;
  spec.points = 50;
  SweepAxis budget;
  budget.path = "channels.ads.budget";
  budget.range = true;
  budget.from = 1000;
  budget.to = 6000;
  SweepAxis rate = budget;
  rate.path = "edges.x.rate";
  rate.from = 0.5;
  rate.to = 0.25;  // ranges may go down
  SweepAxis list;
  list.path = "simulation.customers";
  list.values = {100, 200, 300, 400, 500};
  spec.axes = {budget, rate, list};
  const auto points = design_points(spec, 11);
  REQUIRE(points.size() == 50);
  for (std::size_t a = 0; a < 2; ++a) {
    const double from = spec.axes[a].from, to = spec.axes[a].to;
    std::set<int> strata;
    for (const auto& p : points) {
      const double q = (p[a] - from) / (to - from);
      CHECK(q > 0);
      CHECK(q < 1);
      strata.insert(static_cast<int>(q * 50));
    }
    CHECK(strata.size() == 50);  // every stratum exactly once
  }
  // A list of 5 values in 50 points: each value in 10 of them.
  std::map<double, int> counts;
  for (const auto& p : points) ++counts[p[2]];
  CHECK(counts.size() == 5);
  for (const auto& [v, n] : counts) CHECK(n == 10);
  // Reproducible from the seed, and another seed draws other points.
  CHECK(design_points(spec, 11) == points);
  CHECK(design_points(spec, 12) != points);
  // Keys the scenario writes as integers get integral draws.
  spec.axes[0].whole = true;
  for (const auto& p : design_points(spec, 11)) CHECK(p[0] == std::round(p[0]));
}

// ---- statistics of a row ------------------------------------------------------------------------

TEST_CASE("sweep: quantiles interpolate between order statistics (numpy's default)", "[sweep]") {
  // numpy.quantile([1, 2, 4, 8, 16], [0.05, 0.5, 0.95]) = [1.2, 4.0, 14.4]
  const std::vector<double> v{1, 2, 4, 8, 16};
  CHECK(quantile_sorted(v, 0.05) == Approx(1.2).epsilon(1e-12));
  CHECK(quantile_sorted(v, 0.5) == 4.0);
  CHECK(quantile_sorted(v, 0.95) == Approx(14.4).epsilon(1e-12));
  CHECK(quantile_sorted({3.0}, 0.05) == 3.0);
  CHECK(std::isnan(quantile_sorted({}, 0.5)));
}

TEST_CASE("sweep: a row's summary does not depend on the order its runs arrive in", "[sweep]") {
  const SweepPlan plan =
      plan_sweep(doc_of(two_stage_world(300, 20, 0.01, 3, 5)), vary({"channels.ads.budget=2000"}));
  std::vector<RunDigest> digests;
  for (int r = 0; r < 5; ++r) digests.push_back(run_sweep_replicate(plan, 0, r, 1, false));
  const SweepRowResult in_order = summarize_row(0, digests);
  std::vector<RunDigest> shuffled = digests;
  std::mt19937 g(3);
  std::shuffle(shuffled.begin(), shuffled.end(), g);
  const SweepRowResult any_order = summarize_row(0, shuffled);
  auto same_bits = [](const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  CHECK(same_bits(in_order.kpi_values, any_order.kpi_values));
  CHECK(same_bits(in_order.summary.mean, any_order.summary.mean));
  CHECK(same_bits(in_order.summary.ci_low, any_order.summary.ci_low));
  CHECK(same_bits(in_order.stage_counts.p95, any_order.stage_counts.p95));

  // The bands are the mean and quantiles of the replicates, element by element.
  const std::size_t day = 10 * 2 + 1;  // day 10, stage "buyer"
  std::vector<double> values;
  for (const RunDigest& d : digests) values.push_back(d.stage_counts[day]);
  CHECK(in_order.stage_counts.mean[day] ==
        Approx(std::accumulate(values.begin(), values.end(), 0.0) / 5));
  std::sort(values.begin(), values.end());
  CHECK(in_order.stage_counts.p05[day] == Approx(quantile_sorted(values, 0.05)));
  CHECK(in_order.stage_counts.p95[day] == Approx(quantile_sorted(values, 0.95)));
  CHECK(in_order.stage_counts.p05[day] <= in_order.stage_counts.mean[day]);
  CHECK(in_order.kpi_values.size() == 5 * in_order.summary.defs.size());
}

// ---- common random numbers ----------------------------------------------------------------------

TEST_CASE("sweep: with common random numbers more ad budget never buys fewer customers",
          "[sweep][crn]") {
  // 8,000 prospects, 60 days, hazard h = 0.002/day, lift L = 11 on the exposure day. Budget b
  // buys b / 60 contacts a day (cost 1); neighbouring points differ by 24,000 contacts. Each
  // extra contact adds (L - 1) h = 0.02 to that day's hazard, so the expected increase in new
  // customers between neighbours is about 24,000 x 0.02 = 480, less depletion (at most a third
  // of the prospects buy): at least 300. The paired difference of one replicate changes only for
  // customers whose contacts differ between the two points; bounding its variance by the
  // Poisson count of extra purchases over all contacts of both points (<= 120,000 x 0.02 =
  // 2,400) gives a standard deviation below 49, so a decrease is more than 6.1 standard
  // deviations away: one-sided, below 1e-6 for the 12 steps together (each needs 5.6). Without
  // common random numbers the same step would carry the noise of two independent runs.
  const SweepPlan plan = plan_sweep(doc_of(two_stage_world(8000, 60, 0.002, 11, 4)),
                                    vary({"channels.ads.budget=0:72000:4"}));
  REQUIRE(plan.rows.size() == 4);
  std::vector<std::vector<double>> curve(4, std::vector<double>(4));
  cjsim::parallel_for(0, 16, [&](int task) {
    const int row = task / 4, r = task % 4;
    curve[static_cast<std::size_t>(r)][static_cast<std::size_t>(row)] =
        kpi(run_sweep_replicate(plan, row, r, 1, false), "new_customers");
  });
  double smallest_step = 1e9;
  for (int r = 0; r < 4; ++r) {
    const auto& c = curve[static_cast<std::size_t>(r)];
    INFO("replicate " << r << ": " << c[0] << ", " << c[1] << ", " << c[2] << ", " << c[3]);
    for (std::size_t p = 1; p < 4; ++p) {
      CHECK(c[p] >= c[p - 1]);
      smallest_step = std::min(smallest_step, c[p] - c[p - 1]);
    }
  }
  // Replicate r of every point is the same random world: with no ads at all, every replicate
  // differs from the others (they are different worlds), yet each curve is monotone.
  CHECK(curve[0][0] != curve[1][0]);
  WARN("smallest step between neighbouring budgets: " << smallest_step << " new customers");
}

TEST_CASE("sweep: 95% intervals cover the true mean about 95% of the time", "[sweep][slow]") {
  // 1,000 small replicated sweeps (seeds 1..1000, the sweep's first axis), each over two
  // purchase rates with 5 replicates: a world with no ads, where new customers ~ Binomial(N, p)
  // with p = 1 - exp(-h T) exactly, so the true mean is N p. Sweeps with different seeds are
  // independent, so for each rate the number of the 1,000 intervals that contain N p is
  // Binomial(1000, 0.95) when the intervals are right. The accepted range is that binomial's
  // central range at a false-alarm rate of 1e-6 for both rates together (1e-6 / 4 in each tail):
  // [912, 981], about +-5.5 sd of the 950 expected. Binomial(1000, p) is near normal for these p
  // (mean 58 and 259), so Student t's nominal 95% holds. What it detects: an interval from the
  // normal quantile (1.96 instead of t(4) = 2.78) covers ~88% (880), one with the sd in place of
  // sd / sqrt(n) ~100% (1000); both fail, and so does any coverage off by 4 points or more.
  const int sweeps = 1000;
  const int customers = 1000, days = 30;
  const std::vector<double> rates{0.002, 0.01};
  const SweepPlan plan =
      plan_sweep(doc_of(two_stage_world(customers, days, 0.002, 1, 5)),
                 vary({"simulation.seed=1:1000:1000", "edges.prospect -> buyer.rate=0.002,0.01"}));
  REQUIRE(plan.rows.size() == static_cast<std::size_t>(2 * sweeps));
  REQUIRE(plan.replicates == 5);
  std::vector<int> covered(plan.rows.size(), 0);
  cjsim::parallel_for(0, static_cast<int>(plan.rows.size()), [&](int row) {
    std::vector<RunDigest> digests;
    for (int r = 0; r < plan.replicates; ++r)
      digests.push_back(run_sweep_replicate(plan, row, r, 1, false));
    const SweepRowResult result = summarize_row(row, std::move(digests));
    const double rate = plan.points[static_cast<std::size_t>(row)][1];
    const double truth = customers * (1 - std::exp(-rate * days));
    std::size_t k = 0;
    while (result.summary.defs[k].id != "new_customers") ++k;
    covered[static_cast<std::size_t>(row)] =
        result.summary.ci_low[k] <= truth && truth <= result.summary.ci_high[k];
  });
  const boost::math::binomial_distribution<double> coverage(sweeps, 0.95);
  const double lo = boost::math::quantile(coverage, 1e-6 / 4);
  const double hi = boost::math::quantile(boost::math::complement(coverage, 1e-6 / 4));
  REQUIRE(lo > 0.88 * sweeps);  // the normal-quantile interval would fail
  REQUIRE(hi < sweeps);         // the sd-for-standard-error interval would fail
  for (std::size_t which = 0; which < rates.size(); ++which) {
    int count = 0;
    for (std::size_t row = which; row < covered.size(); row += 2) count += covered[row];
    WARN("rate " << rates[which] << ": " << count << " of " << sweeps
                 << " intervals cover N p (accepted " << lo << " to " << hi << ")");
    CHECK(count >= lo);
    CHECK(count <= hi);
  }
}

// ---- the partial folder and the final file
// -------------------------------------------------------

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / fmt::format("cjsim-test-sweep-{}", ::getpid());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::vector<std::vector<char>> encoded_rows(const SweepPlan& plan, bool keep) {
  std::vector<std::vector<char>> rows;
  for (int row = 0; row < static_cast<int>(plan.rows.size()); ++row) {
    std::vector<RunDigest> d;
    for (int r = 0; r < plan.replicates; ++r)
      d.push_back(run_sweep_replicate(plan, row, r, 1, keep));
    rows.push_back(encode_sweep_row(summarize_row(row, std::move(d)), plan));
  }
  return rows;
}

SweepManifest manifest_of(const SweepPlan& plan, const std::string& text, bool keep = false) {
  FileMeta meta;
  meta.scenario_name = "two_stage";
  meta.scenario_source = "world.toml";
  meta.scenario_text = text;
  meta.effective_toml = doc_of(text).effective_toml();
  meta.command_line = "test";
  return make_manifest(plan, meta, {}, keep);
}

}  // namespace

TEST_CASE("sweep: rows saved in any order give the same sweep table", "[sweep]") {
  TempDir dir;
  const std::string text = two_stage_world(200, 15, 0.01, 4, 3);
  const SweepPlan plan = plan_sweep(doc_of(text), vary({"channels.ads.budget=0,600,1200"}));
  const SweepManifest manifest = manifest_of(plan, text);
  const auto rows = encoded_rows(plan, false);

  auto write = [&](const std::string& name, const std::vector<int>& order) {
    const std::string out = (dir.path / name).string();
    SweepStore store(out, manifest, false);
    CHECK(store.missing_rows() == std::vector<int>{0, 1, 2});
    for (int row : order) store.save_row(row, rows[static_cast<std::size_t>(row)]);
    store.finish();
    CHECK_FALSE(fs::exists(out + ".partial"));
    return SweepFile::open(out);
  };
  const SweepFile a = write("a.h5", {0, 1, 2});
  const SweepFile b = write("b.h5", {2, 0, 1});
  const SweepTable ta = a.table(), tb = b.table();
  REQUIRE(ta.rows.size() == 3);
  CHECK(ta.axes == std::vector<std::string>{"channels.ads.budget"});
  for (std::size_t r = 0; r < 3; ++r) {
    CHECK(ta.rows[r].values == tb.rows[r].values);
    CHECK(ta.rows[r].values[0] == plan.points[r][0]);
    for (std::size_t k = 0; k < ta.kpis.size(); ++k) {
      // Bit for bit (NaN where a KPI is undefined in both).
      CHECK(std::memcmp(&ta.rows[r].mean[k], &tb.rows[r].mean[k], sizeof(double)) == 0);
      CHECK(std::memcmp(&ta.rows[r].ci_high[k], &tb.rows[r].ci_high[k], sizeof(double)) == 0);
    }
    const std::vector<double> va = a.kpi_values(static_cast<int>(r)),
                              vb = b.kpi_values(static_cast<int>(r));
    REQUIRE(va.size() == vb.size());
    CHECK(std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0);
  }
  CHECK(manifest_difference(a.manifest(), manifest) == std::nullopt);
}

TEST_CASE("sweep: a partial folder is resumed, and refused when the sweep changed", "[sweep]") {
  TempDir dir;
  const std::string text = two_stage_world(200, 15, 0.01, 4, 2);
  const SweepPlan plan = plan_sweep(doc_of(text), vary({"channels.ads.budget=0,600,1200"}));
  const SweepManifest manifest = manifest_of(plan, text);
  const std::string out = (dir.path / "s.h5").string();
  const auto rows = encoded_rows(plan, false);
  {
    SweepStore store(out, manifest, false);
    store.save_row(1, rows[1]);
  }  // the process "dies": the folder stays
  // Without --resume: refused, saying how to go on.
  CHECK_THAT(input_error_of([&] { SweepStore again(out, manifest, false); }),
             Catch::Contains("a partial sweep is in") && Catch::Contains("1 of 3 rows saved") &&
                 Catch::Contains("add --resume"));
  // A changed scenario: refused, saying what changed.
  std::string changed_text = text;
  changed_text.replace(changed_text.find("rate = 0.01"), 11, "rate = 0.02");
  const SweepPlan changed =
      plan_sweep(doc_of(changed_text), vary({"channels.ads.budget=0,600,1200"}));
  CHECK_THAT(input_error_of([&] { SweepStore r(out, manifest_of(changed, changed_text), true); }),
             Catch::Contains("cannot resume: the scenario changed") &&
                 Catch::Contains("line 14 was `\"prospect -> buyer\" = { rate = 0.01 }`"));
  const SweepPlan other_values = plan_sweep(doc_of(text), vary({"channels.ads.budget=0,600,1500"}));
  CHECK_THAT(input_error_of([&] { SweepStore r(out, manifest_of(other_values, text), true); }),
             Catch::Contains("point 2 had channels.ads.budget = 1200, now 1500"));
  // The same sweep resumes with only the missing rows.
  {
    SweepStore store(out, manifest, true);
    CHECK(store.found_partial());
    CHECK(store.missing_rows() == std::vector<int>{0, 2});
    store.save_row(0, rows[0]);
    store.save_row(2, rows[2]);
    store.finish();
  }
  const SweepTable t = SweepFile::open(out).table();
  CHECK(t.rows.size() == 3);
  // Resuming a finished sweep finds it complete; another sweep at that output is refused.
  CHECK(SweepStore(out, manifest, true).already_complete());
  CHECK_THAT(input_error_of([&] { SweepStore r(out, manifest_of(other_values, text), true); }),
             Catch::Contains("holds another sweep"));
}

TEST_CASE("sweep: kept runs are stored as run groups", "[sweep]") {
  TempDir dir;
  const std::string text = two_stage_world(150, 12, 0.01, 4, 2);
  const SweepPlan plan = plan_sweep(doc_of(text), vary({"channels.ads.budget=0,500"}));
  const std::string out = (dir.path / "keep.h5").string();
  SweepStore store(out, manifest_of(plan, text, true), false);
  const auto rows = encoded_rows(plan, true);
  for (int row = 0; row < 2; ++row) store.save_row(row, rows[static_cast<std::size_t>(row)]);
  store.finish();
  CHECK(SweepFile::open(out).manifest().keep_runs);
  // Every run's group, laid out as in a run file (results/README.md): /runs/point_<p>/<variant>.
  const hid_t file = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  for (const char* name :
       {"/runs/point_0/base/replicate_0/customers", "/runs/point_1/base/replicate_1/customers"}) {
    INFO(name);
    const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    REQUIRE(d >= 0);
    const hid_t space = H5Dget_space(d);
    hsize_t customers = 0;
    H5Sget_simple_extent_dims(space, &customers, nullptr);
    CHECK(customers == 150);
    H5Sclose(space);
    H5Dclose(d);
  }
  H5Fclose(file);
}
