#include "common/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cjsim::cli {

namespace {

constexpr std::size_t kTailRows = 10;  // a shortened table keeps its last rows too

// Display width in terminal columns (UTF-8: code points, not bytes).
std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

std::string pad_left(const std::string& s, std::size_t w) {
  return std::string(w > width(s) ? w - width(s) : 0, ' ') + s;
}

bool is_numeric(Quantity q) {
  return q != Quantity::text;
}

double half_width(const TableCell& c) {
  return std::isfinite(c.low) && std::isfinite(c.high) ? (c.high - c.low) / 2 : TableCell::kNaN;
}

// "+1.2K" for a signed column's positive values (not for one that rounds to zero).
std::string bare_value(const NumberFormat& f, double v, bool signed_values) {
  const std::string s = f.bare(v);
  if (!signed_values || !(v > 0) || s.find_first_of("123456789") == std::string::npos) return s;
  std::string out(1, '+');  // (not "+" + s or insert: GCC 12 -Wrestrict false alarms)
  out += s;
  return out;
}

}  // namespace

std::vector<NumberSpan> number_spans(const Table& t, bool with_files_only) {
  std::vector<NumberSpan> out;
  auto numeric = [&](std::size_t c) {
    return is_numeric(t.columns[c].quantity) && (with_files_only || !t.columns[c].files_only);
  };
  if (!t.row_quantity.empty()) {
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      NumberSpan shared;
      shared.quantity = t.row_quantity[r];
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (!numeric(c)) continue;
        if (t.columns[c].own_convention) {
          const Quantity q = t.columns[c].quantity;
          out.push_back({{{r, c}}, q == Quantity::number ? t.row_quantity[r] : q});
        } else {
          shared.cells.emplace_back(r, c);
        }
      }
      if (!shared.cells.empty()) out.push_back(std::move(shared));
    }
    return out;
  }
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (!numeric(c)) continue;
    NumberSpan s;
    s.quantity = t.columns[c].quantity;
    for (std::size_t r = 0; r < t.rows.size(); ++r) s.cells.emplace_back(r, c);
    out.push_back(std::move(s));
  }
  return out;
}

NumberFormat span_format(const Table& t, const NumberSpan& s, const Money& money) {
  std::vector<double> values, spreads;
  for (auto [r, c] : s.cells) {
    if (c >= t.rows[r].size()) continue;
    values.push_back(t.rows[r][c].value);
    if (t.columns[c].interval) spreads.push_back(half_width(t.rows[r][c]));
  }
  return NumberFormat::choose(s.quantity, values, spreads, money);
}

std::string unit_label(Quantity q, const std::string& unit, const Money& money) {
  switch (q) {
    case Quantity::money:
      return money.unit_words();
    case Quantity::share:
      return "%";
    case Quantity::days:
      return "days";
    case Quantity::count:
    case Quantity::ratio:
    case Quantity::number:
    case Quantity::text:
      return unit;
  }
  return unit;
}

std::string kpi_unit_label(const std::string& unit, const Money& money) {
  if (unit == "currency") return money.unit_words();
  if (unit == "currency/customer") return money.unit_words() + " per customer";
  if (unit == "share") return "share";
  if (unit == "transitions/customer") return "moves per customer";
  if (unit == "quality") return "quality, 0 to 1";
  return unit;
}

TextTable to_text_table(const Table& t, const Money& money) {
  const std::size_t R = t.rows.size(), C = t.columns.size();
  // Every cell's text, built span by span so that a span shares one convention.
  std::vector<std::vector<std::string>> text(R, std::vector<std::string>(C));
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C && c < t.rows[r].size(); ++c)
      if (!is_numeric(t.columns[c].quantity)) text[r][c] = t.rows[r][c].text;
  // Each cell's convention is its span's; the widths are the column's, over every row, so the
  // ± signs and the marks of a column line up whatever the quantity of each row.
  std::vector<NumberFormat> formats;
  std::vector<std::vector<int>> format_of(R, std::vector<int>(C, -1));
  for (const NumberSpan& s : number_spans(t, false)) {
    formats.push_back(span_format(t, s, money));
    for (auto [r, c] : s.cells) format_of[r][c] = static_cast<int>(formats.size() - 1);
  }
  for (std::size_t c = 0; c < C; ++c) {
    if (!is_numeric(t.columns[c].quantity) || t.columns[c].files_only) continue;
    const TableColumn& col = t.columns[c];
    std::size_t wm = 0, wh = 0, wmark = 0;
    for (std::size_t r = 0; r < R; ++r) {
      if (c >= t.rows[r].size() || format_of[r][c] < 0) continue;
      const NumberFormat& f = formats[static_cast<std::size_t>(format_of[r][c])];
      const TableCell& cell = t.rows[r][c];
      wmark = std::max(wmark, width(cell.mark));
      if (!std::isfinite(cell.value)) continue;
      wm = std::max(wm, width(bare_value(f, cell.value, col.signed_values)));
      if (col.interval && std::isfinite(half_width(cell)))
        wh = std::max(wh, width(f.bare_spread(half_width(cell))));
    }
    for (std::size_t r = 0; r < R; ++r) {
      if (c >= t.rows[r].size() || format_of[r][c] < 0) continue;
      const NumberFormat& f = formats[static_cast<std::size_t>(format_of[r][c])];
      const TableCell& cell = t.rows[r][c];
      std::string out;
      if (!std::isfinite(cell.value)) {
        out = "n/a";
      } else {
        out = pad_left(bare_value(f, cell.value, col.signed_values), wm);
        if (wh > 0) {
          const double hw = half_width(cell);
          out += std::isfinite(hw) ? fmt::format(" \u00b1 {}", pad_left(f.bare_spread(hw), wh))
                                   : std::string(3 + wh, ' ');
        }
        out = f.dress(out);
      }
      if (wmark > 0)
        out += fmt::format(" {}{}", cell.mark, std::string(wmark - width(cell.mark), ' '));
      text[r][c] = out;
    }
  }

  TextTable tt;
  tt.rule = true;  // a line of dashes under the header
  std::vector<std::size_t> shown;
  for (std::size_t c = 0; c < C; ++c) {
    if (t.columns[c].files_only) continue;
    shown.push_back(c);
    tt.header.push_back(t.columns[c].header);
    tt.left.push_back(!is_numeric(t.columns[c].quantity));
  }
  const bool cut = t.terminal_rows > 0 && R > t.terminal_rows + kTailRows;
  std::string group;
  for (std::size_t r = 0; r < R; ++r) {
    if (cut && r == t.terminal_rows) {
      tt.rows.push_back({fmt::format("... {} more rows (--csv and --xlsx write every row)",
                                     R - t.terminal_rows - kTailRows)});
      r = R - kTailRows;
    }
    if (!t.group_header.empty() && r < t.groups.size() && (r == 0 || t.groups[r] != group)) {
      group = t.groups[r];
      tt.rows.push_back({group});
    }
    std::vector<std::string> row;
    for (std::size_t c : shown) row.push_back(text[r][c]);
    tt.rows.push_back(std::move(row));
  }
  return tt;
}

void print_table(std::FILE* out, const Table& t, const Money& money) {
  if (!t.title.empty()) fmt::print(out, "{}\n\n", t.title);
  to_text_table(t, money).print(out);
  if (!t.notes.empty()) fmt::print(out, "\n");
  for (const std::string& n : t.notes) fmt::print(out, "{}\n", n);
}

}  // namespace cjsim::cli
