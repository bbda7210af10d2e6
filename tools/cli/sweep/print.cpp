#include "sweep/print.hpp"

#include <fmt/format.h>

#include <cmath>

#include "common/kpi_table.hpp"
#include "common/text_table.hpp"

namespace cjsim::cli {

namespace {

constexpr std::size_t kHeadRows = 40;  // longer tables show their start and end
constexpr std::size_t kTailRows = 10;

std::string cell(const SweepTableRow& r, std::size_t k, const KpiDef& def) {
  std::string s = format_value(r.mean[k], def.unit);
  const double half = (r.ci_high[k] - r.ci_low[k]) / 2;
  if (std::isfinite(half)) s += " \u00b1 " + format_value(half, def.unit);
  return s;
}

}  // namespace

void print_sweep_table(std::FILE* out, const SweepTable& t) {
  std::vector<std::size_t> shown;
  for (const char* id : {"new_customers", "revenue", "profit"}) {
    for (std::size_t k = 0; k < t.kpis.size(); ++k) {
      if (t.kpis[k].id == id) shown.push_back(k);
    }
  }
  TextTable table;
  table.header.push_back("point");
  if (t.variants.size() > 1) table.header.push_back("variant");
  for (const std::string& a : t.axes) table.header.push_back(a);
  for (std::size_t k : shown) table.header.push_back(t.kpis[k].label);
  table.left.assign(table.header.size(), false);
  if (t.variants.size() > 1) table.left[1] = true;
  const std::size_t n = t.rows.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (n > kHeadRows + kTailRows && i == kHeadRows) {
      table.rows.push_back({fmt::format("... {} more rows (all of them are in the file)",
                                        n - kHeadRows - kTailRows)});
      i = n - kTailRows;
    }
    const SweepTableRow& r = t.rows[i];
    std::vector<std::string> row{std::to_string(r.point)};
    if (t.variants.size() > 1) row.push_back(r.variant);
    for (double v : r.values) row.push_back(format_number(v));
    for (std::size_t k : shown) row.push_back(cell(r, k, t.kpis[k]));
    table.rows.push_back(std::move(row));
  }
  fmt::print(out, "\n");
  table.print(out);
  fmt::print(out, "\nmean \u00b1 half-width of the 95% confidence interval over {} replicate{}\n",
             t.replicates, t.replicates == 1 ? " (one replicate: no interval)" : "s");
}

}  // namespace cjsim::cli
