// Currencies by their ISO 4217 code (simulation.currency), with the data of ICU (Debian's
// libicu): which codes are current, and how a table or a report writes an amount in one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cjsim {

// The current ISO 4217 codes: ICU's list of common, non-deprecated currencies, sorted
// ("AED" ... "ZMW"). Precious metals, test codes and "XXX" (no currency) are not among them.
const std::vector<std::string>& iso_currency_codes();

bool is_iso_currency(std::string_view code);

struct CurrencyInfo {
  std::string code;    // "RUB"
  std::string symbol;  // what a planner reads before an amount: "₽", "$", "€", "CA$"; the code
                       // itself when the symbol would be ambiguous ("CHF", "ARS")
  std::string name;    // "Russian Ruble"
  int digits = 2;      // decimals of the currency's minor unit (JPY 0, RUB 2)
};

// Throws std::invalid_argument for a code that is not a current ISO 4217 code.
CurrencyInfo currency_info(std::string_view code);

}  // namespace cjsim
