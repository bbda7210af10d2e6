#include "cjsim/errors.hpp"

#include <fmt/format.h>

namespace cjsim {

std::string format_diagnostic(const Diagnostic& d) {
  std::string where = d.place.file.empty() ? std::string("<scenario>") : d.place.file;
  if (d.place.line > 0) {
    where += fmt::format(":{}", d.place.line);
    if (d.place.column > 0) where += fmt::format(":{}", d.place.column);
  }
  std::string out = where + ": ";
  if (!d.key.empty()) out += d.key + ": ";
  out += d.message;
  if (!d.fix.empty()) out += "\n  fix: " + d.fix;
  return out;
}

namespace {
std::string summary(const std::vector<Diagnostic>& ds) {
  if (ds.empty()) return "invalid input";
  std::string s = format_diagnostic(ds.front());
  if (ds.size() > 1) s += fmt::format("\n(and {} more)", ds.size() - 1);
  return s;
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summary(diagnostics)), diagnostics_(std::move(diagnostics)) {}

InputError::InputError(SourcePlace place, std::string key, std::string message, std::string fix)
    : InputError(std::vector<Diagnostic>{
          Diagnostic{std::move(place), std::move(key), std::move(message), std::move(fix)}}) {}

}  // namespace cjsim
