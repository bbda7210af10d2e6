// Reading TOML values for messages: one home for the scenario, sweep and calibration readers.
#pragma once

#include <fmt/format.h>

#include <toml++/toml.h>
#include <optional>
#include <string>

namespace cjsim::toml_values {

// A number as a message prints it: ten significant digits, no trailing zeros.
inline std::string num(double v) {
  return fmt::format("{:.10g}", v);
}

// A TOML integer or float as a double; nothing for other types.
inline std::optional<double> as_number(const toml::node& n) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) return f->get();
  return std::nullopt;
}

// What a value is, for "expected X, got Y" messages.
inline std::string what_is(const toml::node& n) {
  if (const auto* s = n.as_string()) return fmt::format("the string \"{}\"", s->get());
  if (n.is_boolean()) return "a boolean";
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  if (auto v = as_number(n)) return fmt::format("the number {}", num(*v));
  return "a date or time";
}

}  // namespace cjsim::toml_values
