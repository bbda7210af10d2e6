// What every input the fuzzers make must satisfy (tests/fuzz/README.md). Shared by the libFuzzer
// targets (clang, fuzz preset) and by test_fuzz_inputs, the Catch2 test that replays the seed
// corpus and every input that once broke a check (tests/fuzz/regressions/), in every build.
//
// A check that does not hold throws InvariantBroken. Any exception other than InputError
// escaping the loader is a defect too: the checks let it through, so the fuzzer reports it as a
// crash (uncaught exception -> std::terminate -> abort) and Catch2 as a failed test.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cjsim/scenario_io.hpp"

namespace cjsim::fuzz {

class InvariantBroken : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// The scenario loader: ScenarioDocument::from_string + build_scenario on `text` as a file.
//  - a refusal is one InputError whose diagnostics each have a message, a fix and a place inside
//    the text (or no place at all);
//  - an accepted scenario passes check_scenario in every variant, and its effective TOML loads
//    again, builds again and prints the same (the text stored in every result file is re-run by
//    `cjsim report`);
//  - with overrides on top, the effective TOML with the same overrides applied again builds the
//    same variants, field for field (what a reader of a result file must be able to do);
//  - a small accepted world (few customers, short horizon; the shortened world must still be
//    valid) also simulates, keeps every customer in some stage on every day, and gives KPIs that
//    make sense: money finite and >= 0 (profit may be negative, ROMI >= -1), shares in [0, 1],
//    counts of customers between 0 and the population, purchases >= new customers, every
//    customer with one acquisition source.
void check_scenario_text(std::string_view text);

// The scenarios the --set and --vary targets apply their input to: every scenarios/*.toml of
// the source tree by file stem. An input's first line names one ("bench"), so a seed means the
// same thing whatever scenarios are added later; a first line that names none (most of what a
// fuzzer makes) picks one by a stable hash of that line.
struct Bases {
  std::vector<std::string> names;  // sorted
  std::vector<ScenarioDocument> docs;
  bool empty() const { return docs.empty(); }
  std::size_t size() const { return docs.size(); }
  // The base the input's first line names (or hashes to); removes that line from `input`.
  const ScenarioDocument& pick(std::string_view& input) const;
};

// `--set` values (ScenarioDocument::set) and the sweeps' set_number, on one of `bases`.
// Input: the first line picks the base scenario (Bases::pick); the rest is one override per
// line. A line "~PATH=NUMBER" goes through set_number(PATH, strtod(NUMBER)) instead, the way
// a sweep sets its points. Overrides are applied until one is refused (a refusal must name
// "--set" as its place and a column inside the argument); the result must then satisfy
// everything check_scenario_text asks of an accepted or refused scenario.
void check_set_input(std::string_view input, const Bases& bases);

// `--vary` arguments of sweeps (parse_vary, then plan_sweep), on one of `bases`. Input: the first
// line picks the base scenario (Bases::pick); the rest is one --vary argument per line, or
// "lhs N" for a Latin hypercube of N % 9 points. A refused argument must be an InputError placed
// inside it; the accepted ones are planned as a sweep of one replicate (designs up to 2,048 rows;
// a larger grid costs the fuzzer seconds per input and is refused by nothing but its size, so
// it is only counted): a refusal must be placed in an argument or the scenario, an accepted plan
// has a row for every point and variant, every row passes check_scenario, and its first, middle
// and last rows simulate.
void check_vary_input(std::string_view input, const Bases& bases);

// The observed-data reader of cjsim calibrate (read_observed): period aggregates and event logs.
// Input: the first byte chooses the options (bit 0: monthly periods for a log read alone; bit 1:
// a window from 2025-01-06 to 2025-03-30; bit 2: day 0 given as 2025-01-01); the rest is the
// file's text, written to `scratch_path` and read as a scenario with channels search and social,
// stages unaware, lead, buy (a purchase stage) and loyal (the world export wrote the seeds from).
//  - a refusal is one InputError whose diagnostics each have a message, a fix and a place in the
//    file (a line at most one past its last) or on a window option;
//  - accepted data have at least one period, contiguous and ascending, of 1 to 31 days; one
//    place per period; unique column names, each with one value per period, NaN (missing) or
//    finite and not negative; from a log, histograms of 7 and 6 bins over the same cohort (equal
//    sums), finite and not negative.
// Returns whether the data were accepted.
bool check_observed_input(std::string_view input, const std::string& scratch_path);

// The base scenarios of the --set and --vary targets, parsed once.
Bases load_set_bases(const std::string& source_dir);

}  // namespace cjsim::fuzz
