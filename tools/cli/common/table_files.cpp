#include "common/table_files.hpp"

#include <csv.h>
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"

namespace cjsim::cli {

namespace fs = std::filesystem;

namespace {

bool is_numeric(const TableColumn& c) {
  return c.quantity != Quantity::text;
}

bool has_mark(const Table& t, std::size_t c) {
  return std::any_of(t.rows.begin(), t.rows.end(), [&](const std::vector<TableCell>& row) {
    return c < row.size() && !row[c].mark.empty();
  });
}

// The unit a file header states: shares are stored as fractions, so "share", not "%".
std::string file_unit(const TableColumn& c, const Money& money) {
  if (c.quantity == Quantity::share) return "share";
  return unit_label(c.quantity, c.unit, money);
}

std::string with_unit(const std::string& header, const std::string& unit) {
  return unit.empty() ? header : fmt::format("{} ({})", header, unit);
}

// One file column: where its value comes from.
enum class Part { text, value, low, high, mark, group };
struct FileColumn {
  std::string header;
  std::size_t column = 0;  // into Table::columns
  Part part = Part::value;
};

// The columns both files write, in order: the group, then each column (an interval column as
// value, low, high; a marked column with its mark after it).
std::vector<FileColumn> file_columns(const Table& t, const Money& money, bool excel) {
  std::vector<FileColumn> out;
  if (!t.group_header.empty()) out.push_back({t.group_header, 0, Part::group});
  const bool by_row = !t.row_quantity.empty();
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    const TableColumn& col = t.columns[c];
    if (!is_numeric(col)) {
      out.push_back({col.header, c, Part::text});
      continue;
    }
    // A table of quantities states each row's unit in a column of its own.
    const std::string unit =
        by_row ? std::string()
               : (excel && col.quantity == Quantity::share ? "%" : file_unit(col, money));
    out.push_back({with_unit(col.header, unit), c, Part::value});
    if (col.interval) {
      out.push_back({with_unit(col.header + " 95% CI low", unit), c, Part::low});
      out.push_back({with_unit(col.header + " 95% CI high", unit), c, Part::high});
    }
    if (has_mark(t, c)) out.push_back({col.header + " mark", c, Part::mark});
  }
  return out;
}

double part_value(const TableCell& cell, Part p) {
  switch (p) {
    case Part::low:
      return cell.low;
    case Part::high:
      return cell.high;
    default:
      return cell.value;
  }
}

std::string part_text(const Table& t, std::size_t row, const FileColumn& fc) {
  if (fc.part == Part::group) return row < t.groups.size() ? t.groups[row] : std::string();
  if (fc.column >= t.rows[row].size()) return {};
  const TableCell& cell = t.rows[row][fc.column];
  return fc.part == Part::mark ? cell.mark : cell.text;
}

bool is_text_part(Part p) {
  return p == Part::text || p == Part::mark || p == Part::group;
}

std::string csv_field(const std::string& s) {
  // libcsv quotes every field it writes; numbers are written bare instead (below).
  std::string out(2 * s.size() + 2, '\0');
  const std::size_t n = csv_write(out.data(), out.size(), s.data(), s.size());
  out.resize(n);
  return out;
}

[[noreturn]] void fail_write(const std::string& path, const std::string& what, int err) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT) {
    throw RuntimeError(fmt::format(
        "disk full or file too large while writing {} ({}): free some space, raise the file "
        "size limit (ulimit -f) or write elsewhere",
        path, what));
  }
  if (err == EACCES || err == EPERM || err == EROFS) {
    throw RuntimeError(
        fmt::format("cannot write {}: the folder is read-only ({}): make it "
                    "writable or write elsewhere",
                    path, what));
  }
  throw RuntimeError(fmt::format("cannot write {}: {}", path, what));
}

// The file a path names after following symbolic links (a link to a file keeps being a link:
// its target is replaced).
std::string resolved(const std::string& path) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    const fs::path target = fs::weakly_canonical(path, ec);
    if (!ec) return target.string();
  }
  return path;
}

// "results/kpis.csv" + "By segment" -> "results/kpis-by_segment.csv" (the table's name in
// lower case, anything but letters and digits as '_': a name any shell takes unquoted).
std::string sibling_path(const std::string& path, const std::string& table_name) {
  std::string name;
  for (const char c : table_name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      name += static_cast<char>(c - 'A' + 'a');
    } else if (keep) {
      name += c;
    } else if (name.empty() || name.back() != '_') {
      name += '_';
    }
  }
  const fs::path p(path);
  const std::string ext = p.has_extension() ? p.extension().string() : std::string(".csv");
  return (p.parent_path() / (p.stem().string() + "-" + name + ext)).string();
}

// ---- Excel ----------------------------------------------------------------------------------

// The terminal's convention as an Excel number format: "₽ 1.23M" is `"₽ "#,##0.00,,"M"`. A
// signed column writes "+" before positive values: a format section each for >0, <0 and 0.
std::string excel_format(const NumberFormat& f, const Money& money, const std::string& sign) {
  const int d = f.decimals();
  // (fmt, not "." + string: GCC 12 warns wrongly on a literal plus a temporary string)
  const std::string digits =
      d > 0 ? fmt::format(".{}", std::string(static_cast<std::size_t>(d), '0')) : "";
  const std::string s = sign.empty() ? std::string() : fmt::format("\"{}\"", sign);
  switch (f.quantity()) {
    case Quantity::share:
      return fmt::format("{}0{}%", s, digits);
    case Quantity::money: {
      std::string scaled = fmt::format("#,##0{}", digits);
      for (double x = f.scale(); x >= 1000; x /= 1000) scaled += ",";
      const double x = f.scale();
      if (x >= 1e3)
        scaled += x >= 1e12 ? "\"T\"" : x >= 1e9 ? "\"B\"" : x >= 1e6 ? "\"M\"" : "\"K\"";
      if (money.symbol.empty()) return s + scaled;
      return money.prefix ? fmt::format("\"{} {}\"{}", money.symbol, sign, scaled)
                          : fmt::format("{}{}\" {}\"", s, scaled, money.symbol);
    }
    case Quantity::text:
      return "@";
    default:
      return fmt::format("{}#,##0{}", s, digits);
  }
}

std::string excel_format(const NumberFormat& f, const Money& money, bool signed_values) {
  if (!signed_values) return excel_format(f, money, std::string());
  return fmt::format("{};{};{}", excel_format(f, money, std::string("+")),
                     excel_format(f, money, std::string("-")),
                     excel_format(f, money, std::string()));
}

// Excel's rules for sheet names: 1 to 31 characters, none of []:*?/\, unique in the workbook.
std::string sheet_name(std::string name, std::vector<std::string>& used) {
  for (char& c : name)
    if (std::strchr("[]:*?/\\", c) != nullptr) c = '_';
  if (name.empty()) name = "table";
  if (name.size() > 31) name.resize(31);
  std::string out = name;
  for (int k = 2; std::find(used.begin(), used.end(), out) != used.end(); ++k) {
    const std::string suffix = fmt::format(" {}", k);
    out = name.substr(0, 31 - suffix.size()) + suffix;
  }
  used.push_back(out);
  return out;
}

std::size_t text_width(const std::string& s) {
  std::size_t w = 0;
  for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

class Workbook {
 public:
  Workbook(const std::string& temp, const std::string& final_path) : final_(final_path) {
    lxw_workbook_options options{};
    options.constant_memory = LXW_FALSE;
    wb_ = workbook_new_opt(temp.c_str(), &options);
    if (wb_ == nullptr) fail_write(final_, fmt::format("cannot create {}", temp), errno);
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
    header_ = workbook_add_format(wb_);
    format_set_bold(header_);
    format_set_text_wrap(header_);
    format_set_align(header_, LXW_ALIGN_VERTICAL_TOP);
    format_set_bottom(header_, LXW_BORDER_THIN);
    title_ = workbook_add_format(wb_);
    format_set_bold(title_);
    format_set_font_size(title_, 13);
    code_ = workbook_add_format(wb_);
    format_set_font_name(code_, "Courier New");
    muted_ = workbook_add_format(wb_);
    format_set_font_color(muted_, 0x5B6570);
  }
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;
  ~Workbook() {
    if (wb_ != nullptr) workbook_close(wb_);  // only after a failure: the file is removed
  }

  lxw_worksheet* sheet(const std::string& name) {
    lxw_worksheet* ws = workbook_add_worksheet(wb_, name.c_str());
    if (ws == nullptr) fail_write(final_, fmt::format("cannot add the sheet '{}'", name), 0);
    return ws;
  }

  lxw_format* number_format(const std::string& excel) {
    auto it = formats_.find(excel);
    if (it != formats_.end()) return it->second;
    lxw_format* f = workbook_add_format(wb_);
    format_set_num_format(f, excel.c_str());
    formats_.emplace(excel, f);
    return f;
  }

  void check(lxw_error e, const std::string& what) const {
    if (e != LXW_NO_ERROR) fail_write(final_, fmt::format("{}: {}", what, lxw_strerror(e)), 0);
  }

  void text(lxw_worksheet* ws, std::size_t row, std::size_t col, const std::string& s,
            lxw_format* f = nullptr) {
    // Excel keeps at most 32,767 characters in a cell.
    const std::string cut = s.size() > 32000 ? s.substr(0, 32000) : s;
    check(worksheet_write_string(ws, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col),
                                 cut.c_str(), f),
          "cannot write a cell");
  }

  void number(lxw_worksheet* ws, std::size_t row, std::size_t col, double v, lxw_format* f) {
    const auto r = static_cast<lxw_row_t>(row);
    const auto c = static_cast<lxw_col_t>(col);
    // n/a is an empty cell: readers (pandas, Excel's own functions) see it as missing.
    check(std::isfinite(v) ? worksheet_write_number(ws, r, c, v, f)
                           : worksheet_write_blank(ws, r, c, f),
          "cannot write a cell");
  }

  void close() {
    errno = 0;
    const lxw_error e = workbook_close(wb_);
    wb_ = nullptr;
    if (e != LXW_NO_ERROR) fail_write(final_, lxw_strerror(e), errno);
  }

  lxw_format *bold_ = nullptr, *header_ = nullptr, *title_ = nullptr, *code_ = nullptr,
             *muted_ = nullptr;

 private:
  lxw_workbook* wb_ = nullptr;
  std::string final_;
  std::map<std::string, lxw_format*> formats_;
};

void table_sheet(Workbook& wb, lxw_worksheet* ws, const Table& t, const Money& money) {
  const std::vector<FileColumn> cols = file_columns(t, money, true);
  std::size_t row = 0;
  if (!t.title.empty()) {
    wb.text(ws, row, 0, t.title, wb.title_);
    row += 2;
  }
  const std::size_t header_row = row;
  std::vector<std::size_t> widths(cols.size(), 8);
  for (std::size_t k = 0; k < cols.size(); ++k) {
    wb.text(ws, row, k, cols[k].header, wb.header_);
    widths[k] = std::min<std::size_t>(std::max(widths[k], text_width(cols[k].header) / 2 + 2), 28);
  }
  ++row;
  // Number formats: the terminal's convention per span (a column, or a row in a table of
  // quantities), the files-only columns included.
  std::map<std::pair<std::size_t, std::size_t>, std::string> cell_format;
  for (const NumberSpan& span : number_spans(t, true)) {
    const NumberFormat f = span_format(t, span, money);
    for (auto [r, c] : span.cells)
      cell_format[{r, c}] = excel_format(f, money, t.columns[c].signed_values);
  }
  for (std::size_t r = 0; r < t.rows.size(); ++r, ++row) {
    for (std::size_t k = 0; k < cols.size(); ++k) {
      const FileColumn& fc = cols[k];
      if (is_text_part(fc.part)) {
        const std::string s = part_text(t, r, fc);
        widths[k] = std::min<std::size_t>(std::max(widths[k], text_width(s) + 2), 48);
        if (!s.empty()) wb.text(ws, row, k, s);
        continue;
      }
      const double v = fc.column < t.rows[r].size() ? part_value(t.rows[r][fc.column], fc.part)
                                                    : TableCell::kNaN;
      wb.number(ws, row, k, v, wb.number_format(cell_format[{r, fc.column}]));
      widths[k] = std::max<std::size_t>(widths[k], 14);
    }
  }
  for (std::size_t k = 0; k < cols.size(); ++k)
    wb.check(worksheet_set_column(ws, static_cast<lxw_col_t>(k), static_cast<lxw_col_t>(k),
                                  static_cast<double>(widths[k]), nullptr),
             "cannot size a column");
  worksheet_freeze_panes(ws, static_cast<lxw_row_t>(header_row + 1), 0);
  ++row;
  for (const std::string& n : t.notes) wb.text(ws, row++, 0, n, wb.muted_);
}

void about_sheet(Workbook& wb, lxw_worksheet* ws, const TableSource& s, const Money& money) {
  std::size_t row = 0;
  wb.text(ws, row, 0, "Where these numbers come from", wb.title_);
  row += 2;
  std::string currency = "none named: amounts are in the scenario's own units";
  if (!money.code.empty())
    currency = fmt::format("{} ({}), written {}", money.code, currency_info(money.code).name,
                           money.wrap("1,234"));
  const std::pair<const char*, std::string> facts[] = {
      {"Command", s.command_line},
      {"Scenario", s.scenario_name},
      {"Scenario file", s.scenario_source},
      {"Result file", s.result_file},
      {"Currency", currency},
      {"Seed", s.seed},
      {"cjsim version", s.engine_version},
      {"How to read",
       "Numbers are means over replicates; a \"95% CI\" column pair is the Student-t 95% "
       "confidence interval of the mean. Empty cells are n/a (undefined, e.g. a cost per "
       "customer when there are none). Shares are fractions shown as percent."}};
  for (const auto& [key, value] : facts) {
    if (value.empty()) continue;
    wb.text(ws, row, 0, key, wb.bold_);
    wb.text(ws, row++, 1, value);
  }
  if (!s.scenario_text.empty()) {
    ++row;
    wb.text(ws, row++, 0, "Scenario as run", wb.bold_);
    std::size_t start = 0;
    while (start <= s.scenario_text.size()) {
      std::size_t end = s.scenario_text.find('\n', start);
      if (end == std::string::npos) end = s.scenario_text.size();
      const std::string line = s.scenario_text.substr(start, end - start);
      if (!line.empty()) wb.text(ws, row, 1, line, wb.code_);
      ++row;
      start = end + 1;
    }
  }
  wb.check(worksheet_set_column(ws, 0, 0, 16, nullptr), "cannot size a column");
  wb.check(worksheet_set_column(ws, 1, 1, 110, nullptr), "cannot size a column");
}

}  // namespace

std::string table_csv(const Table& t, const Money& money) {
  const std::vector<FileColumn> cols = file_columns(t, money, false);
  std::string out;
  for (std::size_t k = 0; k < cols.size(); ++k) {
    if (k) out += ",";
    out += csv_field(cols[k].header);
  }
  out += "\n";
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    for (std::size_t k = 0; k < cols.size(); ++k) {
      if (k) out += ",";
      const FileColumn& fc = cols[k];
      if (is_text_part(fc.part)) {
        out += csv_field(part_text(t, r, fc));
      } else if (fc.column < t.rows[r].size()) {
        const double v = part_value(t.rows[r][fc.column], fc.part);
        if (std::isfinite(v)) out += fmt::format("{}", v);  // the shortest exact text
      }
    }
    out += "\n";
  }
  return out;
}

std::vector<std::string> write_csv_tables(const std::string& path, const std::vector<Table>& tables,
                                          const Money& money) {
  if (path == "-") {
    for (std::size_t k = 0; k < tables.size(); ++k)
      fmt::print(stdout, "{}{}", k ? "\n" : "", table_csv(tables[k], money));
    std::fflush(stdout);
    if (std::ferror(stdout)) throw RuntimeError("cannot write the CSV to standard output");
    return {};
  }
  std::vector<std::string> written;
  for (std::size_t k = 0; k < tables.size(); ++k) {
    const std::string p = k == 0 ? path : sibling_path(path, tables[k].name);
    write_file_atomically(resolved(p), table_csv(tables[k], money));
    written.push_back(p);
  }
  return written;
}

void write_xlsx(const std::string& path, const std::vector<Table>& tables,
                const TableSource& source, const Money& money) {
  PendingFile file(resolved(path));  // written under a temporary name, renamed when whole
  {
    Workbook wb(file.temp_path(), path);
    std::vector<std::string> used{"About"};
    for (const Table& t : tables) table_sheet(wb, wb.sheet(sheet_name(t.name, used)), t, money);
    about_sheet(wb, wb.sheet("About"), source, money);
    wb.close();
  }
  file.commit();
}

}  // namespace cjsim::cli
