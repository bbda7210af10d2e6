#include "common/text_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/kpi_table.hpp"

namespace cjsim::cli {

namespace {

std::size_t width(const std::string& s) {
  std::size_t w = 0;
  for (const char c : s) w += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return w;
}

}  // namespace

std::string format_number(double v) {
  if (!std::isfinite(v)) return "n/a";
  if (v == std::round(v) && std::fabs(v) < 1e15) {
    const std::string digits = fmt::format("{:.0f}", std::fabs(v));
    std::string out = v < 0 ? "-" : "";
    for (std::size_t k = 0; k < digits.size(); ++k) {
      if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
      out += digits[k];
    }
    return out;
  }
  return fmt::format("{:.6g}", v);
}

std::string estimate_cell(const Estimate& e, const std::string& unit) {
  if (!std::isfinite(e.mean)) return "n/a";
  if (!std::isfinite(e.ci_high)) return format_value(e.mean, unit);
  return format_value(e.mean, unit) + " ± " + format_value(e.half_width(), unit);
}

void TextTable::print(std::FILE* out) const {
  const bool titles = header.size() > 1;
  auto is_title = [&](const std::vector<std::string>& row) { return titles && row.size() == 1; };
  std::vector<std::size_t> w(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) w[c] = width(header[c]);
  for (const auto& row : rows) {
    if (is_title(row)) continue;
    for (std::size_t c = 0; c < row.size() && c < w.size(); ++c)
      w[c] = std::max(w[c], width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < cells.size() && c < w.size(); ++c) {
      const std::string pad(w[c] - std::min(w[c], width(cells[c])), ' ');
      const bool at_left = c < left.size() && left[c];
      s += (c ? "  " : "") + (at_left ? cells[c] + pad : pad + cells[c]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    fmt::print(out, "{}\n", s);
  };
  line(header);
  if (rule) {
    std::size_t total = 0;
    for (const std::size_t x : w) total += x + 2;
    fmt::print(out, "{}\n", std::string(total > 2 ? total - 2 : 0, '-'));
  }
  for (const auto& row : rows) {
    if (is_title(row)) {
      fmt::print(out, "{}\n", row.front());
    } else {
      line(row);
    }
  }
}

}  // namespace cjsim::cli
