// How numbers read in every table the program prints: one convention per column, money in the
// scenario's currency, rates in words. The CSV and Excel files keep the exact numbers; this is
// only what a person reads (tools/cli/README.md "Numbers").
#pragma once

#include <string>
#include <vector>

namespace cjsim::cli {

// What a column of numbers measures; it decides how the column is written.
enum class Quantity {
  text,   // not a number
  count,  // customers, purchases: 12,345 (one decimal for small means: 3.4)
  money,  // amounts: ₽ 1.23M, 1,234.50 CHF, 45.7K (no currency)
  share,  // fractions shown as percent: 45.2%
  days,   // 12.5
  ratio,  // 1.23
  number  // anything else: three significant digits, grouped
};

// The scenario's currency as amounts are written: "₽ 1.2M" (a symbol goes first) or "1.2M CHF"
// (a code, or a symbol made of letters, goes last). No code: plain numbers.
struct Money {
  std::string code;    // ISO 4217, or "" for none
  std::string symbol;  // "₽", "$", "CHF"; "" when there is no currency
  bool prefix = true;  // symbol before the number
  int digits = 2;      // decimals of the minor unit

  // From a code validated when the scenario or the file was read ("" = no currency); throws
  // std::invalid_argument for anything else.
  static Money of(const std::string& code);
  // "₽ 12.5" -> the number with the symbol on its side; "12.5" when there is no currency.
  std::string wrap(const std::string& number) const;
  // For headers and axis names: "RUB" or "currency units".
  std::string unit_words() const;
};

// KPI units (cjsim/kpi.hpp: "customers", "currency", "share", ...) as quantities.
Quantity quantity_of_unit(const std::string& unit);

// A column's convention, chosen once from all its values so that every cell reads alike: the
// same scale (K, M, B for money), the same decimals, the same symbol. Half-widths of confidence
// intervals are written with the same convention as the means beside them.
class NumberFormat {
 public:
  // `values`: every number the column shows (means; NaN ignored). `spreads`: the half-widths.
  static NumberFormat choose(Quantity q, const std::vector<double>& values,
                             const std::vector<double>& spreads, const Money& money);
  std::string operator()(double v) const;  // "n/a" for NaN
  // A half-width: like a value, but never rounded to nothing ("<0.01M" instead of "0.00M").
  std::string spread(double half_width) const;
  // "mean ± half-width", or the mean alone when the half-width is NaN.
  std::string with_spread(double mean, double half_width) const;
  // The same without the currency symbol, and the symbol put on: for tables that line up the
  // numbers of a column before dressing them.
  std::string bare(double v) const;
  std::string bare_spread(double half_width) const;
  std::string dress(const std::string& bare_text) const;

  Quantity quantity() const { return q_; }
  int decimals() const { return decimals_; }
  double scale() const { return scale_; }

 private:
  Quantity q_ = Quantity::number;
  Money money_;
  double scale_ = 1;  // 1, 1e3, 1e6, 1e9, 1e12
  int decimals_ = 0;
};

// "1,234,567" / "1,234.57": thousands grouped, fixed decimals.
std::string group_thousands(double v, int decimals);

// A number on its own in a sentence, money with its symbol: "₽ 1.2M", "45.2%", "12,345".
std::string format_compact(double v, Quantity q, const Money& money);

// A large count in words: "77 million", "1.2 billion", "950 thousand", "640".
std::string in_words(double v);

// "77 million customer-days per second".
std::string rate_in_words(double per_second, const std::string& what);

}  // namespace cjsim::cli
