// cjsim compare: paired differences with 95% confidence intervals.
//   cjsim compare A.h5 B.h5       two runs (one variant each, or --a-variant / --b-variant),
//                                 paired by replicate: B - A per KPI
//   cjsim compare SWEEP.h5        every sweep row against a baseline row (--baseline)
// A '*' marks a difference whose interval excludes 0.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/sweep_io.hpp"
#include "commands/commands.hpp"
#include "common/key_words.hpp"
#include "common/kpi_table.hpp"
#include "common/number_format.hpp"
#include "common/options.hpp"
#include "common/table_output.hpp"
#include "common/text_table.hpp"
#include "common/variants.hpp"
#include "sweep/compare_stats.hpp"
#include "sweep/print.hpp"

namespace cjsim::cli {

namespace {

const char* const kUsage = "cjsim compare A.h5 B.h5 | cjsim compare SWEEP.h5 [options]";

const char* const kExamples =
    "  cjsim compare results/plan_a.h5 results/plan_b.h5\n"
    "  cjsim compare results/funnel_vs_loop.h5 results/funnel_vs_loop.h5 \\\n"
    "      --a-variant funnel_minded --b-variant loop_minded\n"
    "  cjsim compare results/flowers_sweep.h5 --baseline 0 --kpi profit --kpi new_customers\n"
    "  cjsim compare results/flowers_sweep.h5 --csv results/vs_baseline.csv --xlsx "
    "results/vs_baseline.xlsx\n"
    "\n"
    "Pairs are replicates with the same number: with the same seed they share their random\n"
    "streams (common random numbers), which is what makes small differences visible. The\n"
    "interval is Student's t over the paired differences (95%); '*' marks one that excludes 0.\n";

const std::vector<std::string> kHeadline = {"new_customers", "revenue", "profit"};

// A paired difference as a table cell: "+1.2K ± 0.3K *" (the mark: the interval excludes 0).
TableCell difference_cell(const PairedDifference& d) {
  TableCell c = TableCell::estimate(d.diff, d.ci_low, d.ci_high);
  if (d.excludes_zero()) c.mark = "*";
  return c;
}

TableColumn difference_column(const std::string& header, Quantity q, const std::string& unit) {
  TableColumn c = TableColumn::numbers(header, q, true, unit);
  c.signed_values = true;
  c.own_convention = true;
  return c;
}

const char* view_title(KpiView v) {
  switch (v) {
    case KpiView::funnel:
      return "Funnel view";
    case KpiView::loop:
      return "Loop view";
    case KpiView::money:
      return "Money";
    case KpiView::nonlinearity:
      return "Nonlinearity";
  }
  return "";
}

struct Side {
  std::string variant;
  std::map<int, KpiTable> by_replicate;
  std::set<std::uint64_t> seeds;
  // The world of the first run (every run of a variant shares it).
  Names names;
  std::uint64_t customers = 0;
  int days = 0;
};

Side load_side(const ResultFile& file, const std::string& variant) {
  Side s;
  s.variant = variant;
  for (const auto& [v, r] : file.runs()) {
    if (v != variant) continue;
    StoredRun run = file.load(v, r, false);
    s.seeds.insert(run.run.seed);
    if (s.by_replicate.empty()) {
      s.names = run.run.names;
      s.customers = run.run.customers_total;
      s.days = run.run.daily.days;
    }
    s.by_replicate[r] = std::move(run.kpis);
  }
  return s;
}

std::string listed(const std::vector<std::string>& names) {
  return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
}

// What makes A and B different worlds (not two plans in one world): each difference in words.
std::vector<std::string> world_differences(const Side& a, const Side& b) {
  std::vector<std::string> out;
  if (a.customers != b.customers) {
    out.push_back(fmt::format("customers {} vs {}",
                              format_value(static_cast<double>(a.customers), "customers"),
                              format_value(static_cast<double>(b.customers), "customers")));
  }
  if (a.days != b.days) out.push_back(fmt::format("horizon {} vs {} days", a.days, b.days));
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"stages", &a.names.stages},
      {"segments", &a.names.segments},
      {"channels", &a.names.channels}};
  const std::vector<std::string>* other[] = {&b.names.stages, &b.names.segments, &b.names.channels};
  for (std::size_t k = 0; k < 3; ++k) {
    if (*lists[k].second != *other[k]) {
      out.push_back(fmt::format("{} [{}] vs [{}]", lists[k].first, listed(*lists[k].second),
                                listed(*other[k])));
    }
  }
  if (a.names.edges != b.names.edges) out.push_back("the edges between stages differ");
  return out;
}

// Which KPIs to show: --kpi ids (checked), or every one.
std::vector<std::size_t> chosen_kpis(const std::vector<KpiDef>& defs,
                                     const std::vector<std::string>& asked,
                                     const std::vector<std::string>& fallback) {
  std::vector<std::size_t> out;
  auto index_of = [&](const std::string& id) -> std::optional<std::size_t> {
    for (std::size_t k = 0; k < defs.size(); ++k) {
      if (defs[k].id == id) return k;
    }
    return std::nullopt;
  };
  for (const std::string& id : asked) {
    const auto k = index_of(id);
    if (!k) {
      std::vector<std::string> ids;
      for (const KpiDef& d : defs) ids.push_back(d.id);
      throw InputError({"--kpi", 0, 0}, "kpi", fmt::format("no KPI named '{}'", id),
                       fmt::format("the KPIs are: {}", fmt::join(ids, ", ")));
    }
    out.push_back(*k);
  }
  if (!asked.empty()) return out;
  for (const std::string& id : fallback) {
    if (const auto k = index_of(id)) out.push_back(*k);
  }
  if (fallback.empty() || out.empty()) {
    out.clear();
    for (std::size_t k = 0; k < defs.size(); ++k) out.push_back(k);
  }
  return out;
}

int compare_runs(const std::string& path_a, const std::string& path_b, const std::string& va,
                 const std::string& vb, const std::vector<std::string>& kpis,
                 const TableOutput& files, const std::string& command_line) {
  const ResultFile a = ResultFile::open(path_a), b = ResultFile::open(path_b);
  for (const ResultFile* f : {&a, &b}) {
    if (f->meta().kind != "run") {
      throw InputError({f->path(), 0, 0}, "kind",
                       fmt::format("a '{}' file: compare takes two run files, or one sweep file",
                                   f->meta().kind),
                       "compare sweep points with: cjsim compare SWEEP.h5 --baseline ROW");
    }
  }
  const FileMeta meta_a = a.meta(), meta_b = b.meta();
  if (meta_a.currency != meta_b.currency) {
    throw InputError({path_b, 0, 0}, "currency",
                     fmt::format("A's amounts are in {} and B's in {}: their differences would "
                                 "mean nothing",
                                 meta_a.currency.empty() ? "no named currency" : meta_a.currency,
                                 meta_b.currency.empty() ? "no named currency" : meta_b.currency),
                     "compare runs of scenarios with the same simulation.currency");
  }
  const Money money = Money::of(meta_a.currency);
  const bool same_file = path_a == path_b;
  // Default: the file's first variant; B of one file given twice: its second.
  const Side sa = load_side(a, pick_file_variant(a, va, "--a-variant", 0));
  const Side sb = load_side(b, pick_file_variant(b, vb, "--b-variant", same_file ? 1 : 0));
  std::vector<int> pairs;
  for (const auto& [r, t] : sa.by_replicate) {
    if (sb.by_replicate.count(r)) pairs.push_back(r);
  }
  if (pairs.empty()) {
    throw InputError({path_b, 0, 0}, "replicates",
                     "the two runs share no replicate number, so nothing can be paired",
                     "run both with the same --replicates (and --seed)");
  }
  // KPIs of both, in A's order.
  const std::vector<KpiDef>& da = sa.by_replicate.begin()->second.defs;
  const std::vector<KpiDef>& db = sb.by_replicate.begin()->second.defs;
  std::vector<KpiDef> defs;
  std::vector<std::size_t> ia, ib;
  for (std::size_t k = 0; k < da.size(); ++k) {
    for (std::size_t j = 0; j < db.size(); ++j) {
      if (db[j].id == da[k].id) {
        defs.push_back(da[k]);
        ia.push_back(k);
        ib.push_back(j);
      }
    }
  }
  std::vector<double> va_values, vb_values;
  for (int r : pairs) {
    for (std::size_t k = 0; k < defs.size(); ++k) {
      va_values.push_back(sa.by_replicate.at(r).values[ia[k]]);
      vb_values.push_back(sb.by_replicate.at(r).values[ib[k]]);
    }
  }
  const std::vector<PairedDifference> d = paired_differences(va_values, vb_values, defs.size());

  std::FILE* out = files.text();
  fmt::print(out, "A: {} ({})\nB: {} ({})\n", path_a, sa.variant, path_b, sb.variant);
  // Common random numbers hold only for one world under two plans: the same seed, customers,
  // horizon, stages, segments and channels (random streams are keyed by them).
  const std::vector<std::string> differ = world_differences(sa, sb);
  const bool same_seed = sa.seeds == sb.seeds && sa.seeds.size() == 1;
  const bool crn = same_seed && differ.empty();
  fmt::print(out, "{} pair{} of replicates{}\n\n", pairs.size(), pairs.size() == 1 ? "" : "s",
             crn ? fmt::format(" with common random numbers (seed {})", *sa.seeds.begin())
             : !differ.empty()
                 ? " (different worlds: the pairs share no random numbers; see the warning)"
                 : " (the seeds differ: the pairs share no random numbers, so intervals are "
                   "wider)");
  if (!differ.empty()) {
    std::fflush(out);
    print_warnings({fmt::format(
        "A and B are different worlds ({}): the differences mix the plans with the worlds, and "
        "no random numbers are shared; compare two plans of one scenario to see what a plan "
        "changes",
        fmt::join(differ, "; "))});
  }
  // A row per KPI, one convention per row for A and B and one for their difference.
  Table table;
  table.name = "Comparison";
  const std::vector<std::size_t> shown = chosen_kpis(defs, kpis, {});
  if (kpis.empty()) table.group_header = "View";
  table.columns = {TableColumn::words("KPI"),
                   TableColumn::words("KPI id", true),
                   TableColumn::words("Unit", true),
                   TableColumn::numbers(fmt::format("A: {}", sa.variant), Quantity::number),
                   TableColumn::numbers(fmt::format("B: {}", sb.variant), Quantity::number),
                   difference_column("B - A", Quantity::number, {})};
  int marked = 0;
  for (std::size_t k : shown) {
    const KpiDef& def = defs[k];
    if (kpis.empty()) table.groups.push_back(view_title(def.view));
    table.row_quantity.push_back(quantity_of_unit(def.unit));
    table.row_unit.push_back(def.unit);
    marked += d[k].excludes_zero();
    table.rows.push_back({TableCell::words(def.label), TableCell::words(def.id),
                          TableCell::words(kpi_unit_label(def.unit, money)),
                          TableCell::number(d[k].a_mean), TableCell::number(d[k].b_mean),
                          difference_cell(d[k])});
  }
  table.notes.push_back(fmt::format(
      "B - A: mean of the paired differences ± half-width of its 95% confidence interval; * the "
      "interval excludes 0 ({} of {} KPIs){}",
      marked, shown.size(), pairs.size() < 2 ? "; one pair gives no interval" : ""));
  // Why a KPI is n/a, in the words the runs stored with it (one line per reason and side).
  std::vector<std::pair<std::string, std::vector<std::string>>> why;
  for (std::size_t k : shown) {
    for (const auto& [side, mean, kpis_of, at] :
         {std::tuple{"A", d[k].a_mean, &sa.by_replicate.begin()->second, ia[k]},
          std::tuple{"B", d[k].b_mean, &sb.by_replicate.begin()->second, ib[k]}}) {
      if (!std::isnan(mean)) continue;
      const std::string note = fmt::format("{}: {}", side, kpis_of->note(at));
      if (kpis_of->note(at).empty()) continue;
      auto it =
          std::find_if(why.begin(), why.end(), [&](const auto& w) { return w.first == note; });
      if (it == why.end()) {
        why.emplace_back(note, std::vector<std::string>{});
        it = std::prev(why.end());
      }
      it->second.push_back(defs[k].label);
    }
  }
  for (const auto& [note, labels] : why) {
    table.notes.push_back(fmt::format("n/a ({}) in {}", fmt::join(labels, ", "), note));
  }
  if (files.print_tables()) print_table(stdout, table, money);
  files.write({table},
              table_source(meta_a, same_file ? path_a : path_a + ", " + path_b, command_line),
              money);
  return 0;
}

int compare_sweep(const std::string& path, int baseline, const std::vector<std::string>& kpis,
                  const TableOutput& files, const std::string& command_line) {
  if (ResultFile::open(path).meta().kind == "run") {
    throw InputError({path, 0, 0}, "kind", "a run file alone: there is nothing to compare it with",
                     "give two run files (cjsim compare A.h5 B.h5), or a sweep file");
  }
  const SweepFile file = SweepFile::open(path);
  const SweepTable t = file.table();
  const int rows = static_cast<int>(t.rows.size());
  if (baseline < 0 || baseline >= rows) {
    throw InputError({"--baseline", 0, 0}, "baseline",
                     fmt::format("row {} is not in the sweep (rows 0 to {})", baseline, rows - 1),
                     "give a row number of the sweep table");
  }
  const std::vector<std::size_t> shown = chosen_kpis(t.kpis, kpis, kHeadline);
  // The files get every KPI unless --kpi chose some; the terminal the headline ones.
  std::vector<std::size_t> in_files = kpis.empty() ? chosen_kpis(t.kpis, {}, {}) : shown;
  for (std::size_t k : shown) std::erase(in_files, k);
  in_files.insert(in_files.begin(), shown.begin(), shown.end());
  const std::size_t K = t.kpis.size();
  const std::vector<double> base = file.kpi_values(baseline);
  const FileMeta meta = file.meta();
  const Money money = Money::of(meta.currency);
  const std::unique_ptr<Scenario> scenario = sweep_scenario(file);
  const ScenarioDef* def = scenario ? &scenario->variants.front().def : nullptr;
  auto describe_row = [&](const SweepTableRow& r) {
    std::string s = fmt::format("point {}", r.point);
    if (t.variants.size() > 1) s += fmt::format(" ({})", r.variant);
    for (std::size_t a = 0; a < t.axes.size(); ++a) {
      s += fmt::format("{} {} = {}", a ? "," : ":", key_in_words(t.axes[a], def),
                       format_compact(r.values[a], key_quantity(t.axes[a]), money));
    }
    return s;
  };
  std::FILE* out = files.text();
  fmt::print(out, "{}: {} rows, {} replicates each, common random numbers (seed {})\n", path, rows,
             t.replicates, meta.seed);
  fmt::print(out, "baseline: row {}, {}\n\n", baseline,
             describe_row(t.rows[static_cast<std::size_t>(baseline)]));

  Table table;
  table.name = "Comparison";
  table.terminal_rows = 40;
  table.columns.push_back(TableColumn::numbers("Row", Quantity::count));
  table.columns.push_back(TableColumn::numbers("Point", Quantity::count));
  if (t.variants.size() > 1) table.columns.push_back(TableColumn::words("Variant"));
  for (const std::string& a : t.axes)
    table.columns.push_back(TableColumn::numbers(key_in_words(a, def), key_quantity(a)));
  for (std::size_t k : in_files) {
    TableColumn c =
        difference_column(t.kpis[k].label + " vs baseline", quantity_of_unit(t.kpis[k].unit),
                          kpi_unit_label(t.kpis[k].unit, money));
    c.files_only = std::find(shown.begin(), shown.end(), k) == shown.end();
    table.columns.push_back(std::move(c));
  }
  int marked = 0, cells = 0;
  for (int row = 0; row < rows; ++row) {
    if (row == baseline) continue;
    const SweepTableRow& r = t.rows[static_cast<std::size_t>(row)];
    const std::vector<PairedDifference> d = paired_differences(base, file.kpi_values(row), K);
    std::vector<TableCell> line{TableCell::number(row), TableCell::number(r.point)};
    if (t.variants.size() > 1) line.push_back(TableCell::words(r.variant));
    for (double v : r.values) line.push_back(TableCell::number(v));
    for (std::size_t k : in_files) {
      if (std::find(shown.begin(), shown.end(), k) != shown.end()) {
        marked += d[k].excludes_zero();
        ++cells;
      }
      line.push_back(difference_cell(d[k]));
    }
    table.rows.push_back(std::move(line));
  }
  table.notes.push_back(
      fmt::format("each row minus the baseline, paired by replicate: mean ± half-width of the 95% "
                  "confidence interval; * the interval excludes 0 ({} of {}){}",
                  marked, cells, t.replicates < 2 ? "; one replicate gives no interval" : ""));
  if (!t.axes.empty()) {
    table.notes.push_back("varied (the keys --vary and --set take):");
    for (const std::string& n : axis_notes(t, def)) table.notes.push_back("  " + n);
  }
  if (files.print_tables()) print_table(stdout, table, money);
  files.write({table}, table_source(meta, path, command_line), money);
  return 0;
}

}  // namespace

int cmd_compare(const Args& args, const std::string& command_line) {
  std::vector<std::string> files, kpis;
  TableOutput tables;
  std::string va, vb;
  int baseline = 0;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("a-variant", po::value(&va)->value_name("NAME"),
                                                 "the variant of A (when it has several)")(
      "b-variant", po::value(&vb)->value_name("NAME"), "the variant of B (when it has several)")(
      "baseline", po::value(&baseline)->value_name("ROW"),
      "sweep files: the row every other row is compared with (default 0)")(
      "quiet,q", po::bool_switch(),
      "accepted as by every command; compare prints only its table, and no progress")(
      "kpi", po::value(&kpis)->composing()->value_name("ID"),
      "show this KPI (repeatable; default: every KPI for two runs, new customers, revenue and "
      "profit for a sweep)");
  tables.add_options(opts, "the comparison (a sweep's: every KPI unless --kpi)");
  po::options_description hidden;
  hidden.add_options()("file", po::value(&files)->composing());
  po::positional_options_description pos;
  pos.add("file", -1);
  po::variables_map vm;
  if (!parse(args, opts, hidden, pos, vm, kUsage, kExamples)) return 0;
  tables.check(vm);  // before any work
  if (files.empty() || files.size() > 2) {
    throw InputError(
        {"compare", 0, 0}, "",
        fmt::format("expected two result files or one sweep file, got {}", files.size()),
        "cjsim compare A.h5 B.h5, or cjsim compare SWEEP.h5");
  }
  if (files.size() == 2) {
    if (vm.count("baseline")) {
      throw InputError({"--baseline", 0, 0}, "baseline", "--baseline is for one sweep file",
                       "cjsim compare SWEEP.h5 --baseline ROW");
    }
    return compare_runs(files[0], files[1], va, vb, kpis, tables, command_line);
  }
  if (!va.empty() || !vb.empty()) {
    throw InputError({"--a-variant", 0, 0}, "variant",
                     "--a-variant and --b-variant are for two run files",
                     "to compare two variants of one run file, give it twice: cjsim compare "
                     "F.h5 F.h5 --a-variant X --b-variant Y");
  }
  return compare_sweep(files[0], baseline, kpis, tables, command_line);
}

}  // namespace cjsim::cli
