// The [calibrate] table (cjsim/calibrate.hpp read_calibrate_section) and the fit problem built
// from it: priors expanded and checked against the scenario, and every bad key refused with its
// line and a fix.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cjsim/calibrate.hpp"

using namespace cjsim;

namespace {

const char* const kWorld = R"([simulation]
customers = 2_000
days = 28
seed = 3

[segments]
young = { share = 0.4 }
old = { share = 0.6 }

[stages]
unaware = { role = "unaware", start = 0.9 }
lead = { role = "journey", start = 0.1 }
buy = { role = "purchase" }
loyal = { role = "retention" }

[edges]
"unaware -> lead" = { rate = 0.01 }
"lead -> buy" = { rate = 0.05 }
"buy -> loyal" = { rate = 1.0 }
"loyal -> buy" = { rate = 0.02 }

[channels.search]
cost = 0.5
budget = 200
reaches = ["lead"]
lift = { "lead -> buy" = 2.0 }

[channels.social]
cost = 0.01
budget = 100
reaches = ["unaware"]
lift = { "unaware -> lead" = 2.0 }
)";

ScenarioDocument doc_with(const std::string& calibrate) {
  return ScenarioDocument::from_string(std::string(kWorld) + "\n" + calibrate, "world.toml");
}

// The line the [calibrate] text's n-th line lands on in the file.
int line_of(int n) {
  int lines = 1;
  for (const char* c = kWorld; *c; ++c) lines += *c == '\n';
  return lines + n;  // kWorld ends with a newline, then "\n" joins
}

void refused(const std::string& calibrate, int line, const std::string& message,
             const std::string& fix) {
  try {
    read_calibrate_section(doc_with(calibrate));
    FAIL("accepted:\n" << calibrate);
  } catch (const InputError& e) {
    INFO(e.what());
    REQUIRE(!e.diagnostics().empty());
    const Diagnostic& d = e.diagnostics().front();
    CHECK(d.place.file == "world.toml");
    CHECK(d.place.line == line);
    CHECK(d.message.find(message) != std::string::npos);
    CHECK(d.fix.find(fix) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("calibrate spec: priors, wildcards, shared parameters and share groups", "[calibrate]") {
  const CalibrationSpec s = read_calibrate_section(doc_with(R"([calibrate]
particles = 50
budget = 1000
[calibrate.priors]
"edges.lead -> buy.rate" = { dist = "lognormal", median = 0.05, sigma = 0.5, upper = 1 }
"channels.*.lift.lead -> buy" = { dist = "gamma", shape = 4, rate = 2 }
"channels.*.salience" = { dist = "uniform", lower = 0.5, upper = 2 }
"segments.*.tempo" = { dist = "log-uniform", lower = 0.5, upper = 2, shared = true }
"segments.*.share" = { dist = "dirichlet", concentration = 20 }
)"));
  std::vector<std::string> names;
  for (const FitParameter& p : s.parameters) names.push_back(p.name);
  // The wildcard lift stands for the channels that reach 'lead' (search, not social).
  CHECK(names ==
        std::vector<std::string>{"edges.lead -> buy.rate", "channels.search.lift.lead -> buy",
                                 "channels.search.salience", "channels.social.salience",
                                 "segments.*.tempo", "segments.young.share", "segments.old.share"});
  CHECK(s.parameters[4].keys ==
        std::vector<std::string>{"segments.young.tempo", "segments.old.tempo"});
  REQUIRE(s.priors.groups.size() == 1);
  CHECK(s.priors.groups[0].alpha == std::vector<double>{20 * 0.4, 20 * 0.6});
  CHECK(s.priors.parameters[0].prior.upper == 1);
  CHECK(s.settings.smc.particles == 50);
  CHECK(s.settings.smc.seed == 3);  // simulation.seed when [calibrate] gives none
  CHECK(s.settings.smc.projection);
}

TEST_CASE("calibrate spec: every bad key names its line and a fix", "[calibrate]") {
  refused("[calibrate]\nparticle = 10\n", line_of(2), "unknown key 'particle'",
          "did you mean 'particles'");
  refused("[calibrate]\nparticles = 1\n", line_of(2), "outside", "particles");
  refused(
      "[calibrate]\nbudget = 20\nparticles = 50\n[calibrate.priors]\n"
      "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05, sigma = 0.5 }\n",
      line_of(2), "below particles", "budget");
  refused("[calibrate]\nfrom = \"2025-02-30\"\n", line_of(2), "must be a date", "YYYY-MM-DD");
  refused("[calibrate]\nsummaries = \"some\"\n", line_of(2), "regression", "regression");
  refused("[calibrate]\n", line_of(1), "no priors", "[calibrate.priors]");
  const std::string p = "[calibrate]\n[calibrate.priors]\n";
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"lognorm\", median = 0.05, sigma = 0.5 }\n",
          line_of(3), "unknown distribution", "did you mean 'lognormal'");
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05 }\n", line_of(3),
          "needs sigma", "sigma");
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05, sigma = 0.5, "
              "sd = 1 }\n",
          line_of(3), "not a parameter of a lognormal", "median, sigma");
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"uniform\", lower = 2, upper = 1 }\n",
          line_of(3), "below upper", "lower < upper");
  refused(p + "\"channels.serch.cost\" = { dist = \"uniform\", lower = 0.1, upper = 1 }\n",
          line_of(3), "no channel named 'serch'", "did you mean 'search'");
  refused(p + "\"channels.search.reaches\" = { dist = \"uniform\", lower = 0.1, upper = 1 }\n",
          line_of(3), "not a number", "numeric key");
  // Each share at the prior's median 0.3: together 0.6, not 1.
  refused(p + "\"segments.*.share\" = { dist = \"uniform\", lower = 0.1, upper = 0.5 }\n",
          line_of(3), "the prior's median", "");
  refused(p + "\"edges.*.rate\" = { dist = \"uniform\", lower = 0.1, upper = 1, shared = 2 }\n",
          line_of(3), "true or false", "shared");
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"uniform\", lower = 0.1, upper = 1, shared = "
              "true }\n",
          line_of(3), "shares nothing", "'*'");
  // A wildcard whose key acts on no channel: the first channel's problem.
  refused(p + "\"channels.*.lift.buy -> loyal\" = { dist = \"uniform\", lower = 1, upper = 2 }\n",
          line_of(3), "can never act", "reaches");
  refused(p + "\"salience.*\" = { dist = \"uniform\", lower = 0.1, upper = 1 }\n", line_of(3),
          "wildcard", "channels.*.salience");
  refused(p + "\"channels.*.cost\" = { dist = \"dirichlet\", concentration = 5 }\n", line_of(3),
          "shares that add up to one", "segments.*.share");
  refused(p + "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05, sigma = 0.5 }\n"
              "\"edges.*.rate\" = { dist = \"lognormal\", median = 0.05, sigma = 0.5 }\n",
          line_of(4), "already has a prior", "one prior");
  refused(p + "\"edges.lead -> buy.rate\" = 0.05\n", line_of(3), "must be a table", "dist");
  const std::string t = p +
                        "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05, sigma "
                        "= 0.5 }\n[calibrate.targets]\n";
  refused(t + "new_customer = 1\n", line_of(5), "unknown target", "did you mean 'new_customers'");
  refused(t + "\"spend.search\" = 1\n", line_of(5), "an input of the fit", "flights");
  refused(t + "\"entered.leed\" = 1\n", line_of(5), "no stage 'leed'", "did you mean 'lead'");
  refused(t + "purchases = -1\n", line_of(5), "outside", "weight");
  const std::string e = p +
                        "\"edges.lead -> buy.rate\" = { dist = \"lognormal\", median = 0.05, sigma "
                        "= 0.5 }\n[[calibrate.experiments]]\n";
  refused(e + "channel = \"socail\"\nholdout = 0.2\nfrom = 2025-01-06\nto = 2025-01-12\nresult = "
              "10\nse = 2\n",
          line_of(5), "no channel 'socail'", "did you mean 'social'");
  refused(e + "channel = \"social\"\nholdout = 0.2\nfrom = 2025-01-06\nto = 2025-01-12\nresult = "
              "10\nse = 0\n",
          line_of(10), "outside", "standard error");
  refused(e + "channel = \"social\"\nholdout = 0.2\nfrom = 2025-01-06\nto = 2025-01-12\nse = 2\n",
          line_of(4), "no result", "result");
  refused(e + "channel = \"social\"\nholdout = 0.2\nfrom = 2025-01-06\nto = 2025-01-12\nresult = "
              "1\nse = 2\nmeasure = \"sales\"\n",
          line_of(11), "unknown measure", "purchases, new_customers or revenue");
}

TEST_CASE("calibrate: the fit problem puts observed spend into flights and picks targets",
          "[calibrate]") {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("cjsim_fit_" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/weekly.csv";
  std::ofstream(path)
      << "date,spend.search,new_customers,purchases,repeat_purchases,margin,revenue\n"
         "2025-01-06,100,3,5,2,10,30\n"
         "2025-01-13,,4,6,2,12,36\n"
         "2025-01-20,0,2,2,0,6,18\n"
         "2025-01-27,300,5,9,4,20,60\n";
  const ScenarioDocument doc = doc_with(R"([calibrate]
scale = 10
[calibrate.priors]
"edges.lead -> buy.rate" = { dist = "lognormal", median = 0.05, sigma = 0.5 }
)");
  CalibrationSpec spec = read_calibrate_section(doc);
  ObservedOptions oo;
  oo.channels = {"search", "social"};
  oo.stages = {"unaware", "lead", "buy", "loyal"};
  ObservedData observed = read_observed({path}, oo);
  const FitProblem fit(doc, "", spec, observed);
  std::vector<std::string> targets;
  for (const TargetSpec& t : fit.targets()) targets.push_back(t.name);
  // purchases repeats new + repeat purchases, margin repeats revenue: left out by default.
  CHECK(targets == std::vector<std::string>{"new_customers", "repeat_purchases", "revenue"});
  const ScenarioDef world = fit.world({0.07});
  CHECK(world.simulation.days == 28);
  CHECK(world.edges[1].rate == 0.07);
  const ChannelDef& search = world.channels[0];
  // Spend / scale per week; the blank week keeps the plan's 200 over 28 days (50 a week).
  REQUIRE(search.flights.size() == 3);  // weeks of 0 spend make no flight
  CHECK(search.flights[0].amount == 10);
  CHECK(std::fabs(search.flights[1].amount - 50) < 1e-9);
  CHECK(search.flights[2].from == 21);
  CHECK(search.flights[2].amount == 30);
  // Statistics: square roots of market-scaled weekly sums, in distance order.
  RunOptions o = fit.run_options();
  const RunResult run = simulate(world, o);
  const std::vector<double> stats = fit.statistics(run);
  REQUIRE(stats.size() == 3 * 4);
  for (int w = 0; w < 4; ++w) {
    double fresh = 0;
    for (int d = 7 * w; d < 7 * w + 7; ++d) {
      for (int g = 0; g < 2; ++g)
        fresh += static_cast<double>(run.daily.first_purchases[run.daily.at_segment(d, g)]);
    }
    CHECK(stats[static_cast<std::size_t>(w)] == std::sqrt(10 * fresh));
  }
  CHECK(fit.distance().observed[4] == std::sqrt(2.0));  // repeat purchases, week 1
  // A target the data do not hold is refused at its line.
  spec.targets = {TargetSpec{"stock.loyal", 1.0, SourcePlace{"world.toml", 77, 1}}};
  try {
    FitProblem bad(doc, "", spec, observed);
    FAIL("accepted a target without data");
  } catch (const InputError& e) {
    CHECK(e.diagnostics().front().place.line == 77);
    CHECK(e.diagnostics().front().fix.find("add a column stock.loyal") != std::string::npos);
  }
}
