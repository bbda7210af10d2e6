// cjsim report: one self-contained HTML page of a result file (charts drawn by Apache ECharts,
// inlined, so the page opens offline). Layout of the page: tools/report/README.md.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"
#include "cjsim/hdf5_io.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/progress.hpp"
#include "report/data.hpp"
#include "report/page.hpp"

namespace cjsim::cli {

namespace {

// "a,b" -> {a, b}
std::pair<std::string, std::string> split_pair(const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 == text.size() ||
      text.find(',', comma + 1) != std::string::npos) {
    throw InputError({"--compare", 0, 0}, "compare",
                     fmt::format("expected two variant names separated by a comma, got '{}'", text),
                     "write e.g. --compare funnel_minded,loop_minded");
  }
  return {text.substr(0, comma), text.substr(comma + 1)};
}

}  // namespace

int cmd_report(const Args& args, const std::string& command_line) {
  std::string input, output, compare, assets_dir;
  ReportOptions ro;
  std::uint64_t customer = 0;
  std::string customer_text;
  bool no_story = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "output,o", po::value(&output)->value_name("FILE"),
      "HTML file to write (default: the result file with .html)")(
      "compare", po::value(&compare)->value_name("A,B"),
      "the two variants on the cumulative chart (default: funnel_minded,loop_minded when "
      "present, else the first two)")(
      "customer", po::value(&customer_text)->value_name("ID"),
      "the customer whose story the page tells (default: one whose journey loops)")(
      "story-variant", po::value(&ro.story_variant)->value_name("NAME"),
      "whose world the story is told in (default: the second variant compared)")(
      "no-story", po::bool_switch(&no_story),
      "leave the story out (it re-runs the stored scenario once)")(
      "threads,t", po::value(&ro.threads)->default_value(0)->value_name("N"),
      "threads for the story's re-run; 0 = every core")(
      "assets", po::value(&assets_dir)->value_name("DIR"),
      "page template and chart library folder (default: tools/report of this cjsim)")(
      "quiet,q", po::bool_switch(&ro.quiet), "no progress lines");
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, input, true, vm, "cjsim report RESULT.h5 [-o REPORT.html] [options]",
          "  cjsim report results/funnel_vs_loop.h5 -o results/funnel_vs_loop.html\n"
          "  cjsim report results/flower_delivery.h5 --compare holiday_flights,no_after_sales\n"
          "  cjsim report results/funnel_vs_loop.h5 --customer 12 --story-variant "
          "funnel_minded\n")) {
    return 0;
  }
  check_threads(ro.threads);
  if (!compare.empty()) std::tie(ro.compare_a, ro.compare_b) = split_pair(compare);
  if (vm.count("customer")) {
    customer = parse_whole_number(customer_text, "--customer", "12");
    ro.story_customer = customer;
  }
  ro.story = !no_story;
  ro.command_line = command_line;
  if (output.empty()) output = std::filesystem::path(input).replace_extension(".html").string();

  // Cheap checks first: a foreign or damaged file, a missing chart library.
  const OutputClaim page_out = claim_output(output, vm.count("output") ? "-o" : "-o (default)");
  const ResultFile file = ResultFile::open(input);
  const ReportAssets assets = find_report_assets(assets_dir);
  install_interrupt_handler();

  const nlohmann::json data = collect_report(file, ro);
  const std::string title =
      fmt::format("{} \u2014 cjsim report", data["meta"]["scenario_name"].get<std::string>());
  Progress progress("report: page", ro.quiet);
  write_claimed(page_out, render_page(assets, data, title));
  progress.done(fmt::format("wrote {}", output));
  fmt::print("report: {}\n", output);
  return 0;
}

}  // namespace cjsim::cli
