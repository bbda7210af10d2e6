// cjsim export: a result file's touch paths in ChannelAttribution's input form, weekly
// aggregates for marketing-mix tools (Robyn, Meridian, PyMC-Marketing) and an event log of
// purchases (what a shop exports, what cjsim calibrate reads). Documented in results/README.md
// "Exports".
#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "cjsim/attribution.hpp"
#include "cjsim/files.hpp"
#include "cjsim/hdf5_io.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

std::string number(double v) {
  return fmt::format("{:.10g}", v);
}

// "2025-01-01" -> the date; InputError naming --start-date otherwise.
std::chrono::sys_days parse_date(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d-%u-%u%c", &y, &m, &d, &tail) == 3) {
    const std::chrono::year_month_day parsed{std::chrono::year{y}, std::chrono::month{m},
                                             std::chrono::day{d}};
    if (parsed.ok()) return std::chrono::sys_days{parsed};
  }
  throw InputError({"--start-date", 0, 0}, "start-date",
                   fmt::format("expected a date YYYY-MM-DD, got '{}'", text),
                   "give day 0's date, e.g. --start-date 2025-01-01");
}

std::string date_text(std::chrono::sys_days day) {
  const std::chrono::year_month_day d{day};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(d.year()),
                     static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
}

std::string paths_csv(const PathSummary& s, const std::vector<std::string>& channels) {
  std::string out = "path,total_conversions,total_conversion_value,total_null\n";
  for (const PathCount& p : s.paths) {
    std::string path;
    for (const std::uint8_t c : p.channels) {
      if (!path.empty()) path += " > ";
      path += channels[c];
    }
    out +=
        fmt::format("{},{},{},{}\n", path, number(p.conversions), number(p.value), number(p.nulls));
  }
  return out;
}

// One row per 7-day week from day 0 (results/README.md "Exports"). Column names are those
// cjsim calibrate reads (spend.<channel>, new_customers, entered.<stage>, ...), so a file
// exported here is observed data a calibration can fit.
std::string weekly_csv(const RunResult& run, std::chrono::sys_days start) {
  const DailySeries& d = run.daily;
  const auto C = static_cast<std::size_t>(d.channels), G = static_cast<std::size_t>(d.segments),
             S = static_cast<std::size_t>(d.stages);
  const bool entered = d.entered.size() == static_cast<std::size_t>(d.days) * S;
  std::string out = "week,date,first_day,days";
  for (const char* prefix : {",spend.", ",exposures."}) {
    for (const std::string& c : run.names.channels) {
      out += prefix;
      out += c;
    }
  }
  out += ",new_customers,purchases,repeat_purchases,revenue,margin";
  for (const char* prefix : {",entered.", ",stock."}) {
    if (std::string(prefix) == ",entered." && !entered) continue;
    for (const std::string& s : run.names.stages) {
      out += prefix;
      out += s;
    }
  }
  out += "\n";
  for (int week = 0; week * 7 < d.days; ++week) {
    const int first = week * 7, last = std::min(d.days, first + 7);
    std::vector<double> spend(C, 0.0), exposures(C, 0.0), into(S, 0.0), stock(S, 0.0);
    double fresh = 0, purchases = 0, revenue = 0, margin = 0;
    for (int t = first; t < last; ++t) {
      for (std::size_t c = 0; c < C; ++c) {
        spend[c] += d.spend[d.at_channel(t, static_cast<int>(c))];
        exposures[c] += static_cast<double>(d.exposed[d.at_channel(t, static_cast<int>(c))]);
      }
      for (std::size_t g = 0; g < G; ++g) {
        const std::size_t at = d.at_segment(t, static_cast<int>(g));
        fresh += static_cast<double>(d.first_purchases[at]);
        purchases += static_cast<double>(d.purchases[at]);
        revenue += d.revenue[at];
        margin += d.margin[at];
      }
      for (std::size_t s = 0; s < S && entered; ++s) {
        into[s] += static_cast<double>(d.entered[d.at_entered(t, static_cast<int>(s))]);
      }
    }
    // Stocks at the week's end: the occupancy at the start of the next day.
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t g = 0; g < G; ++g) {
        stock[s] += static_cast<double>(
            d.stage_counts[d.at_stage(last, static_cast<int>(s), static_cast<int>(g))]);
      }
    }
    out += fmt::format("{},{},{},{}", week, date_text(start + std::chrono::days{first}), first,
                       last - first);
    for (const auto* column : {&spend, &exposures}) {
      for (const double v : *column) {
        out += ',';
        out += number(v);
      }
    }
    out += fmt::format(",{},{},{},{},{}", number(fresh), number(purchases),
                       number(purchases - fresh), number(revenue), number(margin));
    for (const auto* column : {&into, &stock}) {
      if (column == &into && !entered) continue;
      for (const double v : *column) {
        out += ',';
        out += number(v);
      }
    }
    out += "\n";
  }
  return out;
}

// One row per purchase (customer_id, date, event, value), as a shop exports its orders; cjsim
// calibrate reads it as an event log (scenarios/README.md "calibrate"). A customer who was
// already a customer on day 0 gets one row the day before, value blank: the log's way of saying
// "bought before the window" (a shop's export holds those earlier orders), so calibrating with
// `from` = day 0 counts their purchases as repeat purchases, as the simulation does.
std::string events_csv(const TouchPaths& t, const CustomerTable& customers, std::size_t existing,
                       std::chrono::sys_days start) {
  std::string out = "customer_id,date,event,value\n";
  const std::string before = date_text(start - std::chrono::days{1});
  for (std::size_t i = 0; i < t.customers(); ++i) {
    if (i < customers.size() && customers.source[i] == existing) {
      out += fmt::format("{},{},purchase,\n", i + 1, before);
    }
    for (std::uint64_t k = t.offsets[i]; k < t.offsets[i + 1]; ++k) {
      if (t.event[k] != TouchPaths::kPurchase) continue;
      out +=
          fmt::format("{},{},purchase,{}\n", i + 1, date_text(start + std::chrono::days{t.day[k]}),
                      number(static_cast<double>(t.value[k])));
    }
  }
  return out;
}

}  // namespace

int cmd_export(const Args& args, const std::string& command_line) {
  static_cast<void>(command_line);
  std::string input, only_variant, paths_file, weekly_file, events_file, start_date = "2025-01-01";
  int replicate = 0;
  bool quiet = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "paths", po::value(&paths_file)->value_name("FILE"),
      "touch paths in ChannelAttribution's form: path, total_conversions, "
      "total_conversion_value, total_null (needs a file written with --touch-paths)")(
      "weekly", po::value(&weekly_file)->value_name("FILE"),
      "weekly spend and exposures per channel, new customers, purchases, revenue, margin")(
      "events", po::value(&events_file)->value_name("FILE"),
      "an event log: one row per purchase (customer_id, date, event, value), what cjsim "
      "calibrate --observed reads (needs a file written with --touch-paths)")(
      "variant", po::value(&only_variant)->value_name("NAME"),
      "which variant (default: the first)")(
      "replicate", po::value(&replicate)->default_value(0)->value_name("R"), "which replicate")(
      "start-date", po::value(&start_date)->default_value("2025-01-01")->value_name("DATE"),
      "the date of day 0, for the weekly file's date column (default: the run's simulation.start, "
      "else 2025-01-01)")("quiet,q", po::bool_switch(&quiet), "print nothing but errors");
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, input, true, vm,
          "cjsim export RESULT.h5 [--paths FILE.csv] [--weekly FILE.csv] [--events FILE.csv] "
          "[options]",
          "  cjsim export results/run.h5 --paths paths.csv --weekly weekly.csv\n"
          "  cjsim export results/run.h5 --events orders.csv   # a run written with "
          "--touch-paths\n"
          "  cjsim export results/flower_delivery.h5 --variant always_on --weekly weekly.csv "
          "--start-date 2025-01-01\n")) {
    return 0;
  }
  if (paths_file.empty() && weekly_file.empty() && events_file.empty()) {
    throw InputError({"--paths", 0, 0}, "paths", "nothing to export",
                     "give --paths FILE.csv, --weekly FILE.csv, --events FILE.csv or several");
  }
  std::chrono::sys_days start = parse_date(start_date);
  if ((paths_file == "-") + (weekly_file == "-") + (events_file == "-") > 1) {
    throw InputError({"--weekly", 0, 0}, "weekly",
                     "only one of --paths, --weekly and --events can go to standard output (-)",
                     "write the others to files");
  }
  OutputClaim paths_out, weekly_out, events_out;
  if (!paths_file.empty()) paths_out = claim_output(paths_file, "--paths", true);
  if (!weekly_file.empty()) weekly_out = claim_output(weekly_file, "--weekly", true);
  if (!events_file.empty()) events_out = claim_output(events_file, "--events", true);
  // A table on standard output keeps it to itself: the notes go to stderr.
  std::FILE* notes =
      paths_out.to_stdout() || weekly_out.to_stdout() || events_out.to_stdout() ? stderr : stdout;
  const ResultFile file = ResultFile::open(input);
  const std::string variant = pick_file_variant(file, only_variant);
  const std::vector<int> reps = file_replicates(file, variant);
  if (std::find(reps.begin(), reps.end(), replicate) == reps.end()) {
    throw InputError({"--replicate", 0, 0}, "replicate",
                     fmt::format("the file holds no replicate {} of '{}'", replicate, variant),
                     fmt::format("choose 0 to {}", reps.back()));
  }
  const StoredRun run = file.load(variant, replicate, !events_file.empty());
  // A run with simulation.start knows its dates: day 0 is that date unless --start-date says.
  if (!vm.count("start-date") || vm["start-date"].defaulted()) {
    if (run.run.daily.start) start = std::chrono::sys_days{*run.run.daily.start};
  }
  std::string paths_text;
  if (!paths_file.empty()) {
    const std::optional<TouchPaths> paths = file.touch_paths(variant, replicate);
    if (!paths) {
      throw InputError(
          {input, 0, 0}, fmt::format("/runs/{}/replicate_{}/touch_paths", variant, replicate),
          "the run was written without touch paths", "write it with cjsim run --touch-paths");
    }
    const PathSummary summary = summarize_paths(*paths);
    paths_text = paths_csv(summary, run.run.names.channels);
    if (!quiet)
      fmt::print(
          notes,
          "paths: {} unique paths, {} conversions, {} null; left out: {} organic conversions "
          "(no touch before them), {} customers never touched\n",
          summary.paths.size(), summary.conversions, summary.nulls, summary.organic_conversions,
          summary.untouched_customers);
  }
  std::string events_text;
  if (!events_file.empty()) {
    const std::optional<TouchPaths> paths = file.touch_paths(variant, replicate);
    if (!paths) {
      throw InputError(
          {input, 0, 0}, fmt::format("/runs/{}/replicate_{}/touch_paths", variant, replicate),
          "the run was written without touch paths, so its purchases per customer are not in it",
          "write it with cjsim run --touch-paths");
    }
    events_text = events_csv(*paths, run.run.customers, run.run.names.source_existing(), start);
  }
  // Every file is built before any is written: bad input leaves nothing behind.
  if (!paths_file.empty()) {
    write_claimed(paths_out, paths_text);
    if (!quiet && !paths_out.to_stdout()) fmt::print(notes, "wrote {}\n", paths_file);
  }
  if (!weekly_file.empty()) {
    write_claimed(weekly_out, weekly_csv(run.run, start));
    if (!quiet && !weekly_out.to_stdout()) fmt::print(notes, "wrote {}\n", weekly_file);
  }
  if (!events_file.empty()) {
    write_claimed(events_out, events_text);
    if (!quiet && !events_out.to_stdout()) fmt::print(notes, "wrote {}\n", events_file);
  }
  return 0;
}

}  // namespace cjsim::cli
