#include "common/text_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

void print_text_table(std::FILE* out, const TextTable& t) {
  std::vector<std::size_t> w(t.header.size(), 0);
  for (std::size_t c = 0; c < t.header.size(); ++c) w[c] = width(t.header[c]);
  for (const auto& row : t.rows) {
    if (row.size() == 1) continue;
    for (std::size_t c = 0; c < row.size() && c < w.size(); ++c)
      w[c] = std::max(w[c], width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t c = 0; c < cells.size() && c < w.size(); ++c) {
      const std::string pad(w[c] - std::min(w[c], width(cells[c])), ' ');
      const bool left = c < t.left.size() && t.left[c];
      s += (c ? "  " : "") + (left ? cells[c] + pad : pad + cells[c]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    fmt::print(out, "{}\n", s);
  };
  line(t.header);
  std::size_t total = 0;  // a rule under the header, as wide as the table
  for (std::size_t c = 0; c < w.size(); ++c) total += w[c] + (c ? 2 : 0);
  fmt::print(out, "{}\n", std::string(total, '-'));
  for (const auto& row : t.rows) {
    if (row.size() == 1) {
      fmt::print(out, "{}\n", row.front());
    } else {
      line(row);
    }
  }
}

}  // namespace cjsim::cli
