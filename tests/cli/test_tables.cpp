// Tables out (tools/cli/common/number_format.*, table.*, table_files.*): the number conventions
// a planner reads, the aligned terminal table, the CSV text, and the currency data behind
// simulation.currency. The Excel workbook and the CSV files of real commands are read back by
// openpyxl and pandas in tests/cli/check_tables.py.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "cjsim/currency.hpp"
#include "common/number_format.hpp"
#include "common/table.hpp"
#include "common/table_files.hpp"

using namespace cjsim;
using namespace cjsim::cli;

namespace {

const double kNaN = std::nan("");

std::string printed(const Table& t, const Money& m) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  print_table(f, t, m);
  std::fclose(f);
  std::string s(buf, size);
  std::free(buf);
  return s;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Column (in code points) of the first occurrence of `what` in `line`, npos if absent.
std::size_t column_of(const std::string& line, const std::string& what) {
  const std::size_t at = line.find(what);
  if (at == std::string::npos) return at;
  std::size_t w = 0;
  for (std::size_t k = 0; k < at; ++k) w += (static_cast<unsigned char>(line[k]) & 0xC0) != 0x80;
  return w;
}

}  // namespace

TEST_CASE("currency: ISO 4217 codes and symbols come from ICU", "[tables]") {
  CHECK(is_iso_currency("RUB"));
  CHECK(is_iso_currency("EUR"));
  CHECK(is_iso_currency("JPY"));
  CHECK_FALSE(is_iso_currency("rub"));  // codes are capitals
  CHECK_FALSE(is_iso_currency("XXX"));  // "no currency" is said by leaving the key out
  CHECK_FALSE(is_iso_currency("RUR"));  // the rouble's code before 1998
  CHECK_FALSE(is_iso_currency(""));
  CHECK(iso_currency_codes().size() > 140);
  CHECK(std::is_sorted(iso_currency_codes().begin(), iso_currency_codes().end()));
  CHECK(currency_info("RUB").symbol == "\u20bd");  // ₽: English writes "RUB", ICU's narrow ₽
  CHECK(currency_info("USD").symbol == "$");
  CHECK(currency_info("EUR").symbol == "\u20ac");
  CHECK(currency_info("CAD").symbol == "CA$");
  CHECK(currency_info("ARS").symbol == "ARS");  // its narrow "$" is the US dollar's
  CHECK(currency_info("SEK").symbol == "SEK");  // "kr" is shared by four crowns
  CHECK(currency_info("JPY").digits == 0);
  CHECK(currency_info("RUB").name == "Russian Ruble");
  CHECK_THROWS_AS(currency_info("ABC"), std::invalid_argument);
}

TEST_CASE("money: a symbol goes first, a code last, nothing without a currency", "[tables]") {
  const Money rub = Money::of("RUB"), chf = Money::of("CHF"), none = Money::of("");
  CHECK(rub.wrap("1.2M") == "\u20bd 1.2M");
  CHECK(chf.wrap("1.2M") == "1.2M CHF");
  CHECK(none.wrap("1.2M") == "1.2M");
  CHECK(rub.unit_words() == "RUB");
  CHECK(none.unit_words() == "currency units");
  CHECK(format_compact(1'234'567, Quantity::money, rub) == "\u20bd 1.23M");
  CHECK(format_compact(1'200'000, Quantity::money, rub) == "\u20bd 1.2M");
  CHECK(format_compact(-45'678, Quantity::money, chf) == "-45.7K CHF");
  CHECK(format_compact(950, Quantity::money, none) == "950");
  CHECK(format_compact(12.5, Quantity::money, rub) == "\u20bd 12.50");
  CHECK(format_compact(999'999, Quantity::money, none) == "1M");  // not "1000K"
}

TEST_CASE("numbers: one convention per column", "[tables]") {
  const Money rub = Money::of("RUB"), none = Money::of("");
  SECTION("money: one scale and one number of decimals down the column") {
    const NumberFormat f =
        NumberFormat::choose(Quantity::money, {1'234'567, 987'654, kNaN}, {12'345}, rub);
    CHECK(f(1'234'567) == "\u20bd 1.23M");
    CHECK(f(987'654) == "\u20bd 0.99M");
    CHECK(f(kNaN) == "n/a");
    CHECK(f.with_spread(1'234'567, 12'345) == "\u20bd 1.23M \u00b1 0.01M");
    // An interval too small for the column's decimals is not written as 0.
    CHECK(f.spread(1) == "\u20bd <0.01M");
  }
  SECTION("money: a narrow interval earns one more decimal, no more") {
    const NumberFormat f = NumberFormat::choose(Quantity::money, {1'234'567}, {1'234}, none);
    CHECK(f.with_spread(1'234'567, 1'234) == "1.235M \u00b1 0.001M");
    const NumberFormat g = NumberFormat::choose(Quantity::money, {1'234'567}, {12}, none);
    CHECK(g.decimals() == 3);
  }
  SECTION("money: typed amounts keep their digits, means do not grow any") {
    // A sweep's budgets: 3.15M beside 12.6M is written 3.15M (not 3.1M), the column alike.
    const NumberFormat f =
        NumberFormat::choose(Quantity::money, {3'150'000, 6'300'000, 12'600'000}, {}, rub);
    CHECK(f(3'150'000) == "\u20bd 3.15M");
    CHECK(f(12'600'000) == "\u20bd 12.60M");
    // Three more decimals would be needed: the usual three significant digits stand.
    const NumberFormat g = NumberFormat::choose(Quantity::money, {3'150'125, 12'600'000}, {}, rub);
    CHECK(g(3'150'125) == "\u20bd 3.2M");
    // Means of replicates are not exact: no extra decimals.
    const NumberFormat h =
        NumberFormat::choose(Quantity::money, {3'151'234.5, 12'604'321}, {}, rub);
    CHECK(h.decimals() == 1);
  }
  SECTION("money: small amounts keep the currency's minor unit") {
    const NumberFormat f = NumberFormat::choose(Quantity::money, {12.5, 3.25}, {}, rub);
    CHECK(f(12.5) == "\u20bd 12.50");
    CHECK(f(3.25) == "\u20bd 3.25");
    const NumberFormat jpy = NumberFormat::choose(Quantity::money, {12.5}, {}, Money::of("JPY"));
    CHECK(jpy(12.5) == "\u00a5 12");  // yen have no minor unit; 12.5 rounds to even
    const NumberFormat big = NumberFormat::choose(Quantity::money, {4'321.2, 15}, {}, none);
    CHECK(big(4'321.2) == "4,321");
    CHECK(big(15) == "15");
  }
  SECTION("counts: grouped integers, one decimal for small means") {
    const NumberFormat f = NumberFormat::choose(Quantity::count, {12'345, 6'789.4}, {}, none);
    CHECK(f(12'345) == "12,345");
    CHECK(f(6'789.4) == "6,789");
    const NumberFormat g = NumberFormat::choose(Quantity::count, {3.4, 5}, {0.26}, none);
    CHECK(g.with_spread(3.4, 0.26) == "3.4 \u00b1 0.3");
    CHECK(g(5) == "5.0");
  }
  SECTION("shares are percent, their intervals in points") {
    const NumberFormat f = NumberFormat::choose(Quantity::share, {0.4523, 0.5}, {0.011}, none);
    CHECK(f.with_spread(0.4523, 0.011) == "45.2% \u00b1 1.1%");
    CHECK(NumberFormat::choose(Quantity::share, {0.004}, {}, none)(0.004) == "0.40%");
  }
  SECTION("no minus sign on a zero") {
    const NumberFormat f = NumberFormat::choose(Quantity::ratio, {1.5}, {}, none);
    CHECK(f(-0.001) == "0.00");
    CHECK(f(-0.5) == "-0.50");
  }
}

TEST_CASE("numbers: rates in words", "[tables]") {
  CHECK(in_words(7.72e7) == "77 million");
  CHECK(in_words(1.234e9) == "1.2 billion");
  CHECK(in_words(12'345) == "12 thousand");
  CHECK(in_words(999'600) == "1 million");
  CHECK(in_words(640) == "640");
  CHECK(in_words(2.5) == "2.5");
  CHECK(rate_in_words(7.72e7, "customer-days") == "77 million customer-days per second");
}

TEST_CASE("tables: the terminal lines up means, ± signs and symbols", "[tables]") {
  Table t;
  t.columns = {TableColumn::words("Strategy"),
               TableColumn::numbers("Revenue", Quantity::money, true),
               TableColumn::numbers("New customers", Quantity::count, true),
               TableColumn::words("name", true)};
  t.rows = {
      {TableCell::words("Funnel-minded"), TableCell::estimate(1'234'567, 1'200'000, 1'269'134),
       TableCell::estimate(5'432, 5'400, 5'464), TableCell::words("funnel_minded")},
      {TableCell::words("Loop-minded"), TableCell::estimate(12'345'678, 12'000'000, 12'691'356),
       TableCell::estimate(987, kNaN, kNaN), TableCell::words("loop_minded")},
      {TableCell::words("Nothing"), TableCell::number(kNaN), TableCell::number(12),
       TableCell::words("none")}};
  const std::string out = printed(t, Money::of("RUB"));
  const auto lines = lines_of(out);
  REQUIRE(lines.size() == 5);                         // header, rule, three rows
  CHECK(lines[0].find("name") == std::string::npos);  // files only
  CHECK(lines[1].find_first_not_of('-') == std::string::npos);
  CHECK(lines[1].size() == column_of(lines[2] + "|", "|"));  // the rule: as wide as the table
  CHECK(lines[2].find("\u20bd  1.23M \u00b1 0.03M") != std::string::npos);
  CHECK(lines[3].find("\u20bd 12.35M \u00b1 0.35M") != std::string::npos);
  CHECK(lines[4].find("n/a") != std::string::npos);
  CHECK(column_of(lines[2], "\u00b1") == column_of(lines[3], "\u00b1"));
  CHECK(column_of(lines[2], "\u20bd") == column_of(lines[3], "\u20bd"));
  CHECK(lines[2].find("5,432 \u00b1 32") != std::string::npos);
  CHECK(lines[3].find("  987") != std::string::npos);  // no interval: the mean alone, aligned
}

TEST_CASE("tables: groups, quantities by row, and long tables cut on the terminal", "[tables]") {
  Table t;
  t.columns = {TableColumn::words("KPI"), TableColumn::numbers("A", Quantity::number, true)};
  t.group_header = "View";
  t.groups = {"Funnel view", "Funnel view", "Loop view"};
  t.row_quantity = {Quantity::count, Quantity::money, Quantity::share};
  t.rows = {{TableCell::words("New customers"), TableCell::estimate(1'500, 1'400, 1'600)},
            {TableCell::words("CAC"), TableCell::estimate(41.5, 40, 43)},
            {TableCell::words("Repeat rate"), TableCell::estimate(0.25, 0.2, 0.3)}};
  const auto lines = lines_of(printed(t, Money::of("EUR")));
  REQUIRE(lines.size() == 7);  // header, rule, two groups of rows
  CHECK(lines[2] == "Funnel view");
  CHECK(lines[3].find("1,500 \u00b1  100") != std::string::npos);
  CHECK(lines[4].find("\u20ac 41.50 \u00b1 1.50") != std::string::npos);
  CHECK(lines[5] == "Loop view");
  CHECK(lines[6].find("25.0% \u00b1 5.0%") != std::string::npos);
  // Each row its own convention, the ± signs of the column in one place.
  CHECK(column_of(lines[3], "\u00b1") == column_of(lines[4], "\u00b1"));
  CHECK(column_of(lines[3], "\u00b1") == column_of(lines[6], "\u00b1"));

  Table big;
  big.columns = {TableColumn::numbers("point", Quantity::count)};
  for (int k = 0; k < 100; ++k) big.rows.push_back({TableCell::number(k)});
  big.terminal_rows = 40;
  const auto cut = lines_of(printed(big, Money::of("")));
  REQUIRE(cut.size() == 2 + 40 + 1 + 10);
  CHECK(cut[42].find("50 more rows") != std::string::npos);
  CHECK(cut.back().find("99") != std::string::npos);
}

TEST_CASE("tables: differences carry their sign and a convention of their own", "[tables]") {
  // Compare's layout: a row per KPI, A and B share the row's convention, B - A has its own
  // (a 2,000-customer difference beside 1.2 million would otherwise read "0.00M").
  Table t;
  TableColumn diff = TableColumn::numbers("B - A", Quantity::number, true);
  diff.signed_values = true;
  diff.own_convention = true;
  t.columns = {TableColumn::words("KPI"), TableColumn::numbers("A", Quantity::number),
               TableColumn::numbers("B", Quantity::number), diff};
  t.row_quantity = {Quantity::money, Quantity::count};
  TableCell up = TableCell::estimate(2'000, 1'000, 3'000);
  up.mark = "*";
  t.rows = {
      {TableCell::words("Revenue"), TableCell::number(1'200'000), TableCell::number(1'202'000), up},
      {TableCell::words("Customers"), TableCell::number(50), TableCell::number(45),
       TableCell::estimate(-5, -12, 2)}};
  const auto lines = lines_of(printed(t, Money::of("USD")));
  REQUIRE(lines.size() == 4);
  // A and B: the row's scale (amounts exact in thousands keep their digits: 1.202M)
  CHECK(lines[2].find("$ 1.200M") != std::string::npos);
  CHECK(lines[2].find("$ +2,000 \u00b1 1,000 *") != std::string::npos);  // B - A: its own
  CHECK(lines[3].find("-5 \u00b1     7") != std::string::npos);
  CHECK(column_of(lines[2], "\u00b1") == column_of(lines[3], "\u00b1"));
  const NumberSpan* own = nullptr;
  const auto spans = number_spans(t, true);
  for (const NumberSpan& s : spans)
    if (s.cells.size() == 1 && s.cells.front() == std::pair<std::size_t, std::size_t>{0, 3})
      own = &s;
  CHECK(spans.size() == 4);  // per row: A and B together, B - A alone
  REQUIRE(own != nullptr);
  CHECK(own->quantity == Quantity::money);  // a number column measures the row's quantity
}

TEST_CASE("tables: CSV keeps every digit, units in headers, n/a empty", "[tables]") {
  Table t;
  t.group_header = "View";
  t.groups = {"Loop, view", "Loop, view"};
  t.columns = {TableColumn::words("Channel"), TableColumn::numbers("Budget", Quantity::money),
               TableColumn::numbers("Profit", Quantity::money, true),
               TableColumn::numbers("Retention", Quantity::share),
               TableColumn::numbers("Moves", Quantity::number, false, "moves per customer")};
  t.rows = {
      {TableCell::words("Search \"brand\""), TableCell::number(150'000),
       TableCell::estimate(0.1 + 0.2, -1, 2), TableCell::number(0.25), TableCell::number(1.5)},
      {TableCell::words("Social"), TableCell::number(kNaN), TableCell::estimate(5, kNaN, kNaN),
       TableCell::number(1e-7), TableCell::number(-3)}};
  t.rows[0][2].mark = std::string(1, '*');  // (not = "*": a GCC 12 -Wrestrict false alarm)
  const std::string csv = table_csv(t, Money::of("RUB"));
  const auto lines = lines_of(csv);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "\"View\",\"Channel\",\"Budget (RUB)\",\"Profit (RUB)\",\"Profit 95% CI low (RUB)\","
        "\"Profit 95% CI high (RUB)\",\"Profit mark\",\"Retention (share)\","
        "\"Moves (moves per customer)\"");
  CHECK(lines[1] ==
        "\"Loop, view\",\"Search \"\"brand\"\"\",150000,0.30000000000000004,-1,2,\"*\",0.25,1.5");
  CHECK(lines[2] == "\"Loop, view\",\"Social\",,5,,,\"\",1e-07,-3");
}
