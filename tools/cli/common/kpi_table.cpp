#include "common/kpi_table.hpp"

#include "common/number_format.hpp"
#include "common/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cjsim::cli {

namespace {

bool is_count(const std::string& unit) {
  return unit == "customers" || unit == "purchases";
}

// Display width in terminal columns (UTF-8: count code points, not bytes).
std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

std::string pad_left(const std::string& s, std::size_t w) {
  return std::string(w > width(s) ? w - width(s) : 0, ' ') + s;
}
std::string pad_right(const std::string& s, std::size_t w) {
  return s + std::string(w > width(s) ? w - width(s) : 0, ' ');
}

}  // namespace

std::string format_value(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "n/a";
  if (unit == "share") return fmt::format("{:.1f}%", v * 100);
  if (is_count(unit)) {
    return group_thousands(v, std::fabs(v) >= 100 || std::fabs(v - std::round(v)) < 1e-9 ? 0 : 1);
  }
  if (unit.rfind("currency", 0) == 0) return group_thousands(v, std::fabs(v) >= 1000 ? 0 : 2);
  if (unit == "days") return fmt::format("{:.1f}", v);
  return fmt::format("{:.2f}", v);
}

namespace {

constexpr KpiView kViews[] = {KpiView::funnel, KpiView::loop, KpiView::money,
                              KpiView::nonlinearity};
const char* const kViewTitles[] = {"Funnel view", "Loop view", "Money", "Nonlinearity"};

}  // namespace

Table kpi_table_model(const std::vector<KpiColumn>& columns, const Money& money) {
  Table t;
  t.name = "KPIs";
  if (columns.empty()) return t;
  const std::vector<KpiDef>& defs = columns.front().summary.defs;
  const int replicates = columns.front().summary.replicates;
  t.title = replicates > 1 ? fmt::format(
                                 "KPIs by strategy: mean and 95% confidence interval over "
                                 "{} replicates",
                                 replicates)
                           : std::string("KPIs by strategy (one replicate: no intervals)");
  t.group_header = "View";
  t.columns = {TableColumn::words("KPI"), TableColumn::words("KPI id", true),
               TableColumn::words("Unit", true)};
  for (const KpiColumn& c : columns)
    t.columns.push_back(TableColumn::numbers(c.title, Quantity::number, replicates > 1));
  for (std::size_t v = 0; v < std::size(kViews); ++v) {
    for (std::size_t k = 0; k < defs.size(); ++k) {
      if (defs[k].view != kViews[v]) continue;
      t.groups.push_back(kViewTitles[v]);
      t.row_quantity.push_back(quantity_of_unit(defs[k].unit));
      t.row_unit.push_back(defs[k].unit);
      std::vector<TableCell> row{TableCell::words(defs[k].label), TableCell::words(defs[k].id),
                                 TableCell::words(kpi_unit_label(defs[k].unit, money))};
      for (const KpiColumn& c : columns) {
        const KpiSummary& s = c.summary;
        row.push_back(replicates > 1 ? TableCell::estimate(s.mean[k], s.ci_low[k], s.ci_high[k])
                                     : TableCell::number(s.mean[k]));
      }
      t.rows.push_back(std::move(row));
    }
  }
  return t;
}

void print_kpi_table(std::FILE* out, const std::vector<KpiColumn>& columns, const Money& money) {
  if (columns.empty()) return;
  const std::vector<KpiDef>& defs = columns.front().summary.defs;
  // A cell is "mean ± half-width"; the ± signs of a column line up, so the eye reads the means
  // down the column and the uncertainties beside them. An n/a carries a footnote saying why.
  struct Cell {
    std::string mean, half_width;  // half_width empty: one replicate, or undefined
  };
  std::vector<std::string> footnotes;
  auto footnote = [&](const std::string& note) {
    auto it = std::find(footnotes.begin(), footnotes.end(), note);
    if (it == footnotes.end()) it = footnotes.insert(footnotes.end(), note);
    static const char* const kMarks[] = {"\u00b9", "\u00b2", "\u00b3", "\u2074", "\u2075",
                                         "\u2076", "\u2077", "\u2078", "\u2079"};
    const auto k = static_cast<std::size_t>(it - footnotes.begin());
    return k < 9 ? std::string(kMarks[k]) : fmt::format("[{}]", k + 1);
  };
  // One convention per KPI across the strategies: the same scale, decimals and symbol.
  std::vector<std::vector<Cell>> cells(defs.size());
  for (std::size_t k = 0; k < defs.size(); ++k) {
    std::vector<double> means, spreads;
    for (const KpiColumn& col : columns) {
      means.push_back(col.summary.mean[k]);
      if (col.summary.replicates > 1)
        spreads.push_back((col.summary.ci_high[k] - col.summary.ci_low[k]) / 2);
    }
    const NumberFormat f =
        NumberFormat::choose(quantity_of_unit(defs[k].unit), means, spreads, money);
    for (const KpiColumn& col : columns) {
      const KpiSummary& s = col.summary;
      Cell cell{f(s.mean[k]), {}};
      if (cell.mean == "n/a" && k < s.notes.size() && !s.notes[k].empty()) {
        cell.mean += footnote(s.notes[k]);
      }
      if (s.replicates > 1 && std::isfinite(s.ci_high[k]) && std::isfinite(s.mean[k])) {
        cell.half_width = f.bare_spread((s.ci_high[k] - s.ci_low[k]) / 2);
      }
      cells[k].push_back(cell);
    }
  }
  std::size_t label_w = 0;
  for (const KpiDef& d : defs) label_w = std::max(label_w, width(d.label));
  std::vector<std::size_t> mean_w(columns.size()), half_w(columns.size()), col_w(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    for (const auto& row : cells) {
      mean_w[c] = std::max(mean_w[c], width(row[c].mean));
      half_w[c] = std::max(half_w[c], width(row[c].half_width));
    }
    col_w[c] = std::max(width(columns[c].title), mean_w[c] + (half_w[c] ? 3 + half_w[c] : 0));
  }
  auto render = [&](const Cell& cell, std::size_t c) {
    std::string s = pad_left(cell.mean, mean_w[c]);
    if (half_w[c]) {
      s += cell.half_width.empty() ? std::string(3 + half_w[c], ' ')
                                   : " \u00b1 " + pad_left(cell.half_width, half_w[c]);
    }
    return pad_left(s, col_w[c]);
  };
  const int replicates = columns.front().summary.replicates;
  for (const KpiView view : kViews) {
    std::string header = pad_right(kViewTitles[static_cast<int>(view)], label_w);
    for (std::size_t c = 0; c < columns.size(); ++c)
      header += "  " + pad_left(columns[c].title, col_w[c]);
    fmt::print(out, "\n{}\n{}\n", header, std::string(width(header), '-'));
    for (std::size_t k = 0; k < defs.size(); ++k) {
      if (defs[k].view != view) continue;
      std::string line = pad_right(defs[k].label, label_w);
      for (std::size_t c = 0; c < columns.size(); ++c) line += "  " + render(cells[k][c], c);
      fmt::print(out, "{}\n", line);
    }
  }
  if (replicates > 1)
    fmt::print(out,
               "\n(mean \u00b1 half-width of the 95% confidence interval over {} replicates)\n",
               replicates);
  if (!footnotes.empty()) fmt::print(out, "\n");
  for (std::size_t k = 0; k < footnotes.size(); ++k) {
    const std::string mark = k < 9 ? std::string() : fmt::format("[{}]", k + 1);
    static const char* const kMarks[] = {"\u00b9", "\u00b2", "\u00b3", "\u2074", "\u2075",
                                         "\u2076", "\u2077", "\u2078", "\u2079"};
    fmt::print(out, "{} n/a: {}\n", k < 9 ? kMarks[k] : mark.c_str(), footnotes[k]);
  }
  fmt::print(out, "(every KPI's formula: cjsim run SCENARIO --explain)\n");
}

void print_kpi_definitions(std::FILE* out, const KpiTable& table) {
  std::size_t id_w = 0;
  for (const KpiDef& d : table.defs) id_w = std::max(id_w, width(d.id));
  for (const KpiView view :
       {KpiView::funnel, KpiView::loop, KpiView::money, KpiView::nonlinearity}) {
    static const char* const kTitles[] = {"Funnel view", "Loop view", "Money", "Nonlinearity"};
    fmt::print(out, "\n{}\n", kTitles[static_cast<int>(view)]);
    for (const KpiDef& d : table.defs) {
      if (d.view != view) continue;
      fmt::print(out, "  {} {} [{}]\n  {} {}\n", pad_right(d.id, id_w), d.label, d.unit,
                 std::string(id_w, ' '), d.description);
    }
  }
}

}  // namespace cjsim::cli
