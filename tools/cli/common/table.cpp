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

// The cells one number convention covers: a column, or in a table of quantities a row's
// numeric cells.
struct Span {
  std::vector<std::pair<std::size_t, std::size_t>> cells;  // (row, column)
  Quantity quantity = Quantity::number;
};

std::vector<Span> spans(const Table& t) {
  std::vector<Span> out;
  auto shown_number = [&](std::size_t c) {
    return is_numeric(t.columns[c].quantity) && !t.columns[c].files_only;
  };
  if (!t.row_quantity.empty()) {
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      Span s;
      s.quantity = t.row_quantity[r];
      for (std::size_t c = 0; c < t.columns.size(); ++c)
        if (shown_number(c)) s.cells.emplace_back(r, c);
      out.push_back(std::move(s));
    }
    return out;
  }
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (!shown_number(c)) continue;
    Span s;
    s.quantity = t.columns[c].quantity;
    for (std::size_t r = 0; r < t.rows.size(); ++r) s.cells.emplace_back(r, c);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

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
  return unit;
}

TextTable to_text_table(const Table& t, const Money& money) {
  const std::size_t R = t.rows.size(), C = t.columns.size();
  // Every cell's text, built span by span so that a span shares one convention.
  std::vector<std::vector<std::string>> text(R, std::vector<std::string>(C));
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C && c < t.rows[r].size(); ++c)
      if (!is_numeric(t.columns[c].quantity)) text[r][c] = t.rows[r][c].text;
  for (const Span& s : spans(t)) {
    std::vector<double> values, spreads;
    for (auto [r, c] : s.cells) {
      if (c >= t.rows[r].size()) continue;
      values.push_back(t.rows[r][c].value);
      if (t.columns[c].interval) spreads.push_back(half_width(t.rows[r][c]));
    }
    const NumberFormat f = NumberFormat::choose(s.quantity, values, spreads, money);
    // Within a column, means and half-widths are padded to common widths, so the ± signs and
    // the symbols line up.
    std::vector<std::size_t> cols;
    for (auto [r, c] : s.cells)
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
    for (std::size_t c : cols) {
      std::size_t wm = 0, wh = 0, wmark = 0;
      for (auto [r, k] : s.cells) {
        if (k != c || c >= t.rows[r].size()) continue;
        const TableCell& cell = t.rows[r][c];
        wmark = std::max(wmark, width(cell.mark));
        if (!std::isfinite(cell.value)) continue;
        wm = std::max(wm, width(f.bare(cell.value)));
        if (t.columns[c].interval && std::isfinite(half_width(cell)))
          wh = std::max(wh, width(f.bare_spread(half_width(cell))));
      }
      for (auto [r, k] : s.cells) {
        if (k != c || c >= t.rows[r].size()) continue;
        const TableCell& cell = t.rows[r][c];
        std::string out;
        if (!std::isfinite(cell.value)) {
          out = "n/a";
        } else {
          out = pad_left(f.bare(cell.value), wm);
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
  }

  TextTable tt;
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
