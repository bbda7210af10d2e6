#include "sweep/print.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "cjsim/errors.hpp"
#include "common/key_words.hpp"
#include "common/number_format.hpp"

namespace cjsim::cli {

namespace {

constexpr std::size_t kHeadRows = 40;  // longer tables show their start and end on a terminal
constexpr std::array<const char*, 3> kHeadline = {"new_customers", "revenue", "profit"};

bool headline(const std::string& id) {
  return std::find(kHeadline.begin(), kHeadline.end(), id) != kHeadline.end();
}

}  // namespace

std::unique_ptr<Scenario> sweep_scenario(const SweepFile& file) {
  try {
    const FileMeta meta = file.meta();
    ScenarioDocument doc = ScenarioDocument::from_string(meta.scenario_text, meta.scenario_source);
    for (const std::string& o : file.manifest().overrides) doc.set(o);
    return std::make_unique<Scenario>(build_scenario(doc));
  } catch (const InputError&) {
    return nullptr;  // a scenario this build no longer reads: the table keeps the names
  }
}

std::vector<std::string> axis_notes(const SweepTable& t, const ScenarioDef* def) {
  std::vector<std::string> out;
  for (const std::string& a : t.axes) out.push_back(fmt::format("{}: {}", key_in_words(a, def), a));
  return out;
}

Table sweep_table_model(const SweepTable& t, const ScenarioDef* def, const Money& money) {
  Table table;
  table.name = "Sweep";
  table.terminal_rows = kHeadRows;
  const bool intervals = t.replicates > 1;
  table.columns.push_back(TableColumn::numbers("Point", Quantity::count));
  if (t.variants.size() > 1) table.columns.push_back(TableColumn::words("Variant"));
  for (const std::string& a : t.axes)
    table.columns.push_back(TableColumn::numbers(key_in_words(a, def), key_quantity(a)));
  // The headline KPIs first (the terminal's columns), then every other one for the files.
  std::vector<std::size_t> order;
  for (const char* id : kHeadline)
    for (std::size_t k = 0; k < t.kpis.size(); ++k)
      if (t.kpis[k].id == id) order.push_back(k);
  for (std::size_t k = 0; k < t.kpis.size(); ++k)
    if (!headline(t.kpis[k].id)) order.push_back(k);
  for (std::size_t k : order) {
    const KpiDef& d = t.kpis[k];
    TableColumn c = TableColumn::numbers(d.label, quantity_of_unit(d.unit), intervals,
                                         kpi_unit_label(d.unit, money));
    c.files_only = !headline(d.id);
    table.columns.push_back(std::move(c));
  }
  for (const SweepTableRow& r : t.rows) {
    std::vector<TableCell> row{TableCell::number(r.point)};
    if (t.variants.size() > 1) row.push_back(TableCell::words(r.variant));
    for (double v : r.values) row.push_back(TableCell::number(v));
    for (std::size_t k : order)
      row.push_back(intervals ? TableCell::estimate(r.mean[k], r.ci_low[k], r.ci_high[k])
                              : TableCell::number(r.mean[k]));
    table.rows.push_back(std::move(row));
  }
  table.notes.push_back(
      intervals ? fmt::format("mean ± half-width of the 95% confidence interval over {} replicates",
                              t.replicates)
                : std::string("one replicate: no confidence intervals"));
  if (!t.axes.empty()) {
    table.notes.push_back("varied (the keys --vary and --set take):");
    for (const std::string& n : axis_notes(t, def)) table.notes.push_back("  " + n);
  }
  return table;
}

}  // namespace cjsim::cli
