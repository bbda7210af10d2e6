// Currency data from ICU (libicu, Debian's libicu-dev): the list of current ISO 4217 codes and
// each one's symbol, name and minor unit. Nothing here is written out by hand: ICU follows the
// ISO maintenance agency's changes with each release.
#include "cjsim/currency.hpp"

#include <unicode/ucurr.h>
#include <unicode/uenum.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

namespace cjsim {

namespace {

std::string to_utf8(const UChar* s, int32_t length) {
  UErrorCode e = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strToUTF8(nullptr, 0, &needed, s, length, &e);  // U_BUFFER_OVERFLOW_ERROR: the size
  if (needed <= 0) return {};
  std::string out(static_cast<std::size_t>(needed), '\0');
  e = U_ZERO_ERROR;
  u_strToUTF8(out.data(), needed, nullptr, s, length, &e);
  return U_SUCCESS(e) ? out : std::string();
}

// One of ICU's names of a currency in English ("en": the language of every table and report).
std::string icu_name(const std::string& code, UCurrNameStyle style) {
  UChar iso[4] = {};
  u_charsToUChars(code.c_str(), iso, 3);
  UErrorCode e = U_ZERO_ERROR;
  UBool is_choice = 0;
  int32_t length = 0;
  const UChar* name = ucurr_getName(iso, "en", style, &is_choice, &length, &e);
  return U_SUCCESS(e) && name != nullptr ? to_utf8(name, length) : code;
}

struct Table {
  std::vector<std::string> codes;
  std::map<std::string, CurrencyInfo, std::less<>> info;
};

const Table& table() {
  static const Table t = [] {
    Table out;
    UErrorCode e = U_ZERO_ERROR;
    UEnumeration* list = ucurr_openISOCurrencies(UCURR_COMMON | UCURR_NON_DEPRECATED, &e);
    if (U_FAILURE(e) || list == nullptr) return out;  // no ICU data: every code is refused
    while (const char* code = uenum_next(list, nullptr, &e)) {
      if (U_FAILURE(e)) break;
      out.codes.emplace_back(code);
    }
    uenum_close(list);
    std::sort(out.codes.begin(), out.codes.end());
    // The symbol: English's own ("$", "€", "CA$"), or where English writes the code ("RUB"),
    // the narrow local one ("₽"). A symbol two currencies share ("kr", "Rs"; "$" for ARS) or a
    // lone letter ("R", "K": read as thousands beside 1.2K) gives way to the code.
    // English's symbols are English's to give ("$" is USD's), so they count among themselves;
    // a narrow symbol must be unique among both.
    std::map<std::string, int> symbols, any;
    for (const std::string& c : out.codes) {
      const std::string symbol = icu_name(c, UCURR_SYMBOL_NAME);
      const std::string narrow = icu_name(c, UCURR_NARROW_SYMBOL_NAME);
      ++symbols[symbol];
      ++any[symbol];
      if (narrow != symbol) ++any[narrow];
    }
    const auto usable = [](const std::string& symbol, const std::string& code, int users) {
      const bool letters = std::all_of(symbol.begin(), symbol.end(), [](char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
      });
      return !symbol.empty() && symbol != code && users == 1 && !(letters && symbol.size() < 2);
    };
    for (const std::string& c : out.codes) {
      CurrencyInfo info;
      info.code = c;
      info.name = icu_name(c, UCURR_LONG_NAME);
      const std::string symbol = icu_name(c, UCURR_SYMBOL_NAME);
      const std::string narrow = icu_name(c, UCURR_NARROW_SYMBOL_NAME);
      info.symbol = usable(symbol, c, symbols[symbol]) ? symbol
                    : usable(narrow, c, any[narrow])   ? narrow
                                                       : c;
      UChar iso[4] = {};
      u_charsToUChars(c.c_str(), iso, 3);
      UErrorCode de = U_ZERO_ERROR;
      const int32_t digits = ucurr_getDefaultFractionDigits(iso, &de);
      info.digits = U_SUCCESS(de) ? std::clamp(digits, 0, 4) : 2;
      out.info.emplace(c, std::move(info));
    }
    return out;
  }();
  return t;
}

}  // namespace

const std::vector<std::string>& iso_currency_codes() {
  return table().codes;
}

bool is_iso_currency(std::string_view code) {
  return table().info.count(code) > 0;
}

CurrencyInfo currency_info(std::string_view code) {
  const auto& info = table().info;
  const auto it = info.find(code);
  if (it == info.end())
    throw std::invalid_argument(fmt::format("'{}' is not a current ISO 4217 currency code", code));
  return it->second;
}

}  // namespace cjsim
