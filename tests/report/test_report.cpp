// cjsim report: the pure pieces (tools/cli/report/stats.*) and the page's assembly
// (tools/cli/report/page.*). The page itself is checked in a real browser by
// tests/report/check_report.py.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

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
