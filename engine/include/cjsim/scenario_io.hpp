// Reading scenarios: TOML file -> document (+ command-line overrides) -> validated Scenario.
//
// Every problem becomes a Diagnostic naming file, line, column, key and the fix, and all of them
// are reported at once in one InputError. A Scenario holds one ScenarioDef per variant: the
// [variants.NAME] tables of a file are deep-merged over the base, so one file can compare
// strategies on the same world (funnel_vs_loop.toml). Reference: scenarios/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cjsim/errors.hpp"
#include "cjsim/scenario.hpp"

namespace cjsim {

// A parsed scenario file plus the overrides applied to it. Cheap to copy; a sweep copies one
// per point and sets the point's values.
class ScenarioDocument {
 public:
  // Throws InputError: missing or unreadable file, malformed TOML (with line and column).
  static ScenarioDocument from_file(const std::string& path);
  // `source_name` stands in for a path in messages (tests, fuzzing, stdin).
  static ScenarioDocument from_string(const std::string& text, const std::string& source_name);

  ScenarioDocument(const ScenarioDocument&);
  ScenarioDocument& operator=(const ScenarioDocument&);
  ScenarioDocument(ScenarioDocument&&) noexcept;
  ScenarioDocument& operator=(ScenarioDocument&&) noexcept;
  ~ScenarioDocument();

  // Applies "dotted.key.path=value" from the command line. The value is TOML
  // (numbers, true/false, "strings", [arrays], {inline tables}); a bare word is taken as a
  // string. Edge names may appear as path components: edges.consideration -> purchase.rate=0.05
  // Throws InputError (file "--set", column within the argument) for malformed assignments.
  // An override that applies to the base scenario also wins over each variant's own value.
  void set(const std::string& assignment);

  // Sets a number at a dotted path (sweeps). Integers stay integers when `value` is integral.
  void set_number(const std::string& dotted_path, double value);

  // The number at a dotted path, if there is one (sweeps check their axes with it).
  bool has_number(const std::string& dotted_path) const;

  // The variants that set `dotted_path` themselves (for a channel's budget, or its flights
  // instead), as "variant 'X' sets channels.loyalty.budget = 0". An override or a sweep axis at
  // that path replaces their value in every variant, which cjsim says in a warning.
  std::vector<std::string> variants_setting(const std::string& dotted_path) const;

  const std::string& source_name() const;             // file path or the stand-in name
  const std::string& text() const;                    // the file's text as read
  const std::vector<std::string>& overrides() const;  // assignments applied, in order

  // The scenario as TOML after overrides, each table's keys in the order the file declares
  // them (overrides' new keys after, alphabetically): it builds the same world as the file with
  // its overrides, variants included. Written into result files beside the original.
  std::string effective_toml() const;

  // Whether both documents hold the same keys and values after their overrides (order aside).
  bool same_tree(const ScenarioDocument& other) const;

  // The parsed tree is the engine's own business (engine/src/scenario/document_impl.hpp, where
  // document_impl() is declared for the engine's sweeps, builder and calibration).
  struct Impl;
  friend const Impl& document_impl(const ScenarioDocument& doc);

 private:
  explicit ScenarioDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Variant {
  std::string name;         // "base" when the file has no [variants]
  std::string description;  // [variants.NAME].description
  ScenarioDef def;
};

struct Scenario {
  std::string source_name;
  std::string text;            // the file as read
  std::string effective_toml;  // after overrides
  std::vector<std::string> overrides;
  std::vector<Variant> variants;  // at least one
  // What the user should know but did not get wrong: an override that replaces a variant's own
  // setting. Commands print them as "warning: ..." on stderr.
  std::vector<std::string> warnings;
};

// Validates everything (unknown keys with did-you-mean, types, ranges, references, shares,
// flights, memory) and throws one InputError listing every problem found.
Scenario build_scenario(const ScenarioDocument& doc);

// Convenience: from_file + set(each override) + build_scenario.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

// Semantic checks of a definition built in code (no source places: file is "<definition>").
// Returns the problems; empty means valid. simulate() calls it and throws InputError.
std::vector<Diagnostic> check_scenario(const ScenarioDef& def);

}  // namespace cjsim
