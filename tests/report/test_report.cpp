// cjsim report: the pure pieces (tools/cli/report/stats.*) and the page writer
// (tools/cli/report/page.*). The page itself is checked in a real browser by
// tests/report/check_report.py.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cjsim/errors.hpp"
#include "report/page.hpp"
#include "report/stats.hpp"

using namespace cjsim::cli;
namespace fs = std::filesystem;

TEST_CASE("report: the crossover is the first day of the final lead", "[report]") {
  const std::vector<double> a{0, 10, 20, 30, 40, 50};
  SECTION("overtakes and stays ahead") {
    const Crossover x = find_crossover(a, {0, 5, 21, 29, 41, 60});
    CHECK(x.status == "overtakes");
    REQUIRE(x.day);
    CHECK(*x.day == 4);  // ahead on day 2, behind on day 3, ahead for good from day 4
  }
  SECTION("a tie is not a lead") {
    CHECK(*find_crossover(a, {0, 5, 15, 30, 41, 51}).day == 4);
  }
  SECTION("ahead from the first day") {
    CHECK(find_crossover(a, {1, 11, 21, 31, 41, 51}).status == "ahead_throughout");
  }
  SECTION("behind at the end") {
    const Crossover x = find_crossover(a, {1, 11, 21, 31, 41, 49});
    CHECK(x.status == "never");
    CHECK(!x.day);
  }
  SECTION("no days, or curves of different lengths") {
    CHECK(find_crossover({}, {}).status == "empty");
    CHECK_THROWS_AS(find_crossover({1}, {1, 2}), std::invalid_argument);
  }
}

TEST_CASE("report: cumulative sums", "[report]") {
  CHECK(cumulative_sum({1, 2, 3.5}) == std::vector<double>{1, 3, 6.5});
  CHECK(cumulative_sum({}).empty());
}

TEST_CASE("report: Kaplan-Meier retention from event and censoring counts", "[report]") {
  // 10 followed: 2 lost after 1 day, 3 censored after 2 days, 1 lost after 3 days, 4 censored
  // after 4 days. S(1) = 8/10, S(3) = 0.8 * (1 - 1/5) = 0.64.
  const std::vector<std::uint64_t> events{0, 2, 0, 1, 0, 0}, censored{0, 0, 3, 0, 4, 0};
  const std::vector<double> s = kaplan_meier(events, censored);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(0.8));
  CHECK(s[2] == Approx(0.8));
  CHECK(s[3] == Approx(0.64));
  CHECK(s[4] == Approx(0.64));
  CHECK(std::isnan(s[5]));  // nobody followed that long
  CHECK_THROWS_AS(kaplan_meier({1}, {1, 2}), std::invalid_argument);
}

TEST_CASE("report: mean and 95% Student-t interval", "[report]") {
  const MeanCi m = mean_ci95({1, 2, 3, 4, 5});
  CHECK(m.n == 5);
  CHECK(m.mean == Approx(3.0));
  // sd = sqrt(2.5); t(0.975, 4) = 2.7764451
  CHECK(m.half_width == Approx(2.7764451 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-6));
  CHECK(mean_ci95({7}).half_width == 0.0);
  CHECK(mean_ci95({}).n == 0);
}

TEST_CASE("report: the --set overrides of a stored command line", "[report]") {
  CHECK(split_command_line("cjsim run 'a b' 'c'\\''d' \"e f\" g\\ h") ==
        std::vector<std::string>{"cjsim", "run", "a b", "c'd", "e f", "g h"});
  CHECK(stored_overrides("build/cjsim run s.toml --set simulation.customers=20000 -r 3 "
                         "'--set=channels.search.budget=5' --set "
                         "'edges.consideration -> purchase.rate=0.05'") ==
        std::vector<std::string>{"simulation.customers=20000", "channels.search.budget=5",
                                 "edges.consideration -> purchase.rate=0.05"});
  CHECK(stored_overrides("cjsim run s.toml").empty());
  CHECK(stored_overrides("cjsim run s.toml --set").empty());
}

TEST_CASE("report: JSON inside a script element cannot end it", "[report]") {
  const nlohmann::json data{{"label", "</script><script>alert(1)</script> & <!--"}};
  const std::string text = json_for_script(data);
  CHECK(text.find('<') == std::string::npos);
  CHECK(text.find('>') == std::string::npos);
  CHECK(text.find('&') == std::string::npos);
  CHECK(nlohmann::json::parse(text) == data);  // still the same JSON
}

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("cjsim-test-report-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("report: the page is the template with every marker filled once", "[report]") {
  const fs::path dir = scratch("assets");
  fs::create_directories(dir / "node_modules/echarts/dist");
  std::ofstream(dir / "template.html")
      << "<title>@CJSIM:title@</title><style>@CJSIM:css@</style><script>@CJSIM:echarts@</script>"
         "<script>@CJSIM:js@</script><script type=\"application/json\">@CJSIM:data@</script>";
  std::ofstream(dir / "report.css") << "body{}";
  std::ofstream(dir / "report.js") << "var s = '</script>';";
  std::ofstream(dir / "node_modules/echarts/dist/echarts.min.js") << "var echarts = {};";
  const ReportAssets assets = find_report_assets(dir.string());
  const std::string page = render_page(assets, {{"x", 1}}, "A & B");
  CHECK(page ==
        "<title>A &amp; B</title><style>body{}</style><script>var echarts = {};</script>"
        "<script>var s = '<\\/script>';</script><script type=\"application/json\">{\"x\":1}"
        "</script>");

  SECTION("a marker twice is refused") {
    std::ofstream(dir / "template.html") << "@CJSIM:title@ @CJSIM:title@ @CJSIM:css@";
    CHECK_THROWS_AS(render_page(assets, {}, "t"), cjsim::RuntimeError);
  }
  SECTION("a missing chart library names the fix") {
    fs::remove(dir / "node_modules/echarts/dist/echarts.min.js");
    try {
      find_report_assets(dir.string());
      FAIL("no error");
    } catch (const cjsim::RuntimeError& e) {
      CHECK_THAT(e.what(), Catch::Contains("tools/setup"));
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("report: the page is written whole or not at all", "[report]") {
  const fs::path dir = scratch("write");
  const fs::path out = dir / "r.html";
  write_file_atomically(out.string(), "first");
  CHECK(slurp(out) == "first");
  write_file_atomically(out.string(), "second");
  CHECK(slurp(out) == "second");
  CHECK_THROWS_AS(write_file_atomically((dir / "missing" / "r.html").string(), "x"),
                  cjsim::RuntimeError);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temporary file left behind
  fs::remove_all(dir);
}
