#include "common/number_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cjsim/currency.hpp"

namespace cjsim::cli {

namespace {

bool finite(double v) {
  return std::isfinite(v);
}

// The largest |v| among the finite values, 0 when there is none.
double largest(const std::vector<double>& values) {
  double m = 0;
  for (double v : values)
    if (finite(v)) m = std::max(m, std::fabs(v));
  return m;
}

// The smallest positive |v|, +inf when there is none.
double smallest_positive(const std::vector<double>& values) {
  double m = std::numeric_limits<double>::infinity();
  for (double v : values)
    if (finite(v) && v != 0) m = std::min(m, std::fabs(v));
  return m;
}

// Whether every value, in units of `scale`, is written exactly with `decimals` decimals: the
// amounts a planner typed (budgets in a sweep's columns) rather than means of replicates; with
// scale 1 and no decimals, whether the column holds whole numbers (counts).
bool all_exact(const std::vector<double>& values, double scale, int decimals) {
  const double unit = std::pow(10.0, decimals) / scale;
  return std::all_of(values.begin(), values.end(), [unit](double v) {
    if (!finite(v)) return true;
    const double x = v * unit;
    return std::fabs(x - std::round(x)) <= 1e-9 * std::max(1.0, std::fabs(x));
  });
}

// Decimals that show `x` (> 0) with `significant` digits: 1234 -> 0, 12.3 -> 1 (for 3), 0.05 -> 3.
int decimals_for(double x, int significant) {
  if (!(x > 0) || !finite(x)) return 0;
  const int magnitude = static_cast<int>(std::floor(std::log10(x)));
  return std::max(0, significant - 1 - magnitude);
}

const char* scale_suffix(double scale) {
  if (scale >= 1e12) return "T";
  if (scale >= 1e9) return "B";
  if (scale >= 1e6) return "M";
  if (scale >= 1e3) return "K";
  return "";
}

// The scale that writes m (>= 10,000) with at most three digits before the point.
double scale_for(double m) {
  double scale = 1e3;
  while (scale < 1e12 && m >= scale * 1000 * (1 - 5e-4)) scale *= 1000;
  return scale;
}

// "-0.0" reads as a sign error: a value that rounds to zero is written unsigned.
std::string fixed(double v, int decimals) {
  std::string s = group_thousands(v, decimals);
  if (s.front() == '-' && s.find_first_not_of("-0.,") == std::string::npos) s.erase(0, 1);
  return s;
}

}  // namespace

std::string group_thousands(double v, int decimals) {
  const std::string digits = fmt::format("{:.{}f}", std::fabs(v), std::max(decimals, 0));
  const std::size_t int_end = std::min(digits.find('.'), digits.size());
  std::string out = v < 0 ? "-" : "";
  for (std::size_t k = 0; k < int_end; ++k) {
    if (k > 0 && (int_end - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out + digits.substr(int_end);
}

Money Money::of(const std::string& code) {
  Money m;
  if (code.empty()) return m;
  const CurrencyInfo info = currency_info(code);
  m.code = info.code;
  m.symbol = info.symbol;
  m.digits = info.digits;
  // A symbol of letters ("CHF", "Ft", "lei") reads as a word: after the number.
  m.prefix = std::any_of(m.symbol.begin(), m.symbol.end(), [](char c) {
    return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ');
  });
  return m;
}

std::string Money::wrap(const std::string& number) const {
  if (symbol.empty()) return number;
  return prefix ? symbol + " " + number : number + " " + symbol;
}

std::string Money::unit_words() const {
  return code.empty() ? "currency units" : code;
}

Quantity quantity_of_unit(const std::string& unit) {
  if (unit == "customers" || unit == "purchases") return Quantity::count;
  if (unit.rfind("currency", 0) == 0) return Quantity::money;
  if (unit == "share") return Quantity::share;
  if (unit == "days") return Quantity::days;
  if (unit == "ratio") return Quantity::ratio;
  return Quantity::number;
}

NumberFormat NumberFormat::choose(Quantity q, const std::vector<double>& values,
                                  const std::vector<double>& spreads, const Money& money) {
  NumberFormat f;
  f.q_ = q;
  f.money_ = money;
  const double m = largest(values);
  const double s = smallest_positive(spreads);
  switch (q) {
    case Quantity::text:
      break;
    case Quantity::count:
      // Means of counts over replicates are fractional; below 100 the fraction matters.
      f.decimals_ = all_exact(values, 1, 0) || m >= 100 ? 0 : 1;
      break;
    case Quantity::money:
      if (m >= 1e4) {
        f.scale_ = scale_for(m);
        f.decimals_ = decimals_for(m / f.scale_, 3);
        // One more decimal when the smallest interval would otherwise round to nothing.
        if (finite(s))
          f.decimals_ =
              std::min(f.decimals_ + 1, std::max(f.decimals_, decimals_for(s / f.scale_, 1)));
        // Typed amounts keep their digits: 3,150,000 next to 12,600,000 is "3.15M", not
        // "3.1M" (up to two more decimals; means of replicates are never exact and keep three
        // significant digits).
        for (int d = f.decimals_ + 1; d <= f.decimals_ + 2; ++d) {
          if (!all_exact(values, f.scale_, f.decimals_) && all_exact(values, f.scale_, d)) {
            f.decimals_ = d;
            break;
          }
        }
      } else {
        f.decimals_ = m >= 100 || all_exact(values, 1, 0) ? 0 : money.digits;
      }
      break;
    case Quantity::share:
      f.decimals_ = m > 0 && m < 0.01 ? 2 : 1;
      break;
    case Quantity::days:
      f.decimals_ = 1;
      break;
    case Quantity::ratio:
      f.decimals_ = m >= 100 ? 0 : 2;
      break;
    case Quantity::number:
      f.decimals_ = all_exact(values, 1, 0) ? 0 : std::min(decimals_for(m, 3), 6);
      break;
  }
  return f;
}

std::string NumberFormat::bare(double v) const {
  if (!finite(v)) return "n/a";
  switch (q_) {
    case Quantity::share:
      return fixed(v * 100, decimals_) + "%";
    case Quantity::money:
      return fixed(v / scale_, decimals_) + scale_suffix(scale_);
    default:
      return fixed(v, decimals_);
  }
}

std::string NumberFormat::bare_spread(double half_width) const {
  if (!finite(half_width)) return "n/a";
  // The smallest step this column writes; a positive half-width below half of it is "<step".
  double step = std::pow(10.0, -decimals_);
  if (q_ == Quantity::share) step /= 100;
  if (q_ == Quantity::money) step *= scale_;
  if (half_width > 0 && half_width < step / 2) {
    std::string out = "<";  // (built in two steps: GCC 12 warns wrongly on "<" + string)
    out += bare(step);
    return out;
  }
  return bare(half_width);
}

std::string NumberFormat::dress(const std::string& bare_text) const {
  return q_ == Quantity::money ? money_.wrap(bare_text) : bare_text;
}

std::string NumberFormat::operator()(double v) const {
  return finite(v) ? dress(bare(v)) : "n/a";
}

std::string NumberFormat::spread(double half_width) const {
  return finite(half_width) ? dress(bare_spread(half_width)) : "n/a";
}

std::string NumberFormat::with_spread(double mean, double half_width) const {
  if (!finite(mean)) return "n/a";
  if (!finite(half_width)) return (*this)(mean);
  return dress(bare(mean) + " \u00b1 " + bare_spread(half_width));
}

std::string format_compact(double v, Quantity q, const Money& money) {
  if (!finite(v)) return "n/a";
  switch (q) {
    case Quantity::share:
      return fixed(v * 100, std::fabs(v) < 0.01 && v != 0 ? 2 : 1) + "%";
    case Quantity::money: {
      const double m = std::fabs(v);
      std::string s;
      if (m >= 1e4) {
        const double scale = scale_for(m);
        s = fmt::format("{:.{}f}", v / scale, decimals_for(m / scale, 3));
        // 3 significant digits, trailing zeros dropped: 1.20M -> 1.2M
        if (s.find('.') != std::string::npos) {
          while (s.back() == '0') s.pop_back();
          if (s.back() == '.') s.pop_back();
        }
        s += scale_suffix(scale);
      } else {
        s = fixed(v, m >= 100 || v == std::round(v) ? 0 : money.digits);
      }
      return money.wrap(s);
    }
    case Quantity::count:
      return fixed(v, v == std::round(v) || std::fabs(v) >= 100 ? 0 : 1);
    case Quantity::days:
      return fixed(v, 1);
    case Quantity::ratio:
      return fixed(v, 2);
    default:
      return fixed(v, v == std::round(v) ? 0 : std::min(decimals_for(std::fabs(v), 3), 6));
  }
}

std::string in_words(double v) {
  if (!finite(v)) return "n/a";
  const double m = std::fabs(v);
  static const std::pair<double, const char*> kWords[] = {
      {1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}};
  if (m >= 1e4) {
    for (const auto& [scale, word] : kWords) {
      if (m < scale * (1 - 5e-3)) continue;  // 999,600 is "1 million", not "1,000 thousand"
      const double x = v / scale;
      std::string s = fmt::format("{:.{}f}", x, std::fabs(x) < 9.95 ? 1 : 0);
      if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
      return s + " " + word;
    }
  }
  return fixed(v, m >= 10 || v == std::round(v) ? 0 : decimals_for(m, 2));
}

std::string rate_in_words(double per_second, const std::string& what) {
  return fmt::format("{} {} per second", in_words(per_second), what);
}

}  // namespace cjsim::cli
