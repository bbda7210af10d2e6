// Replays every fuzz seed and every input that once broke a fuzz check (tests/fuzz/README.md)
// through the same checks the libFuzzer targets run, in every build (release, asan, tsan): a
// defect the fuzzer found stays fixed without clang or libFuzzer.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_checks.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kSource = CJSIM_SOURCE_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every regular file below the folders, sorted (README files of corpus folders included: they
// are inputs like any other).
std::vector<fs::path> inputs(const std::vector<fs::path>& folders) {
  std::vector<fs::path> out;
  for (const fs::path& folder : folders) {
    if (!fs::exists(folder)) continue;
    for (const auto& e : fs::recursive_directory_iterator(folder)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("fuzz inputs: the scenario seeds and regressions pass the loader's checks",
          "[scenario][fuzz]") {
  const auto files = inputs(
      {kSource / "scenarios", kSource / "tests/data", kSource / "tests/fuzz/regressions/scenario"});
  REQUIRE(files.size() >= 8);
  for (const fs::path& f : files) {
    INFO(f.string());
    CHECK_NOTHROW(cjsim::fuzz::check_scenario_text(read_file(f)));
  }
}

TEST_CASE("fuzz inputs: the --set seeds and regressions pass the override checks",
          "[scenario][fuzz]") {
  const auto bases = cjsim::fuzz::load_set_bases(CJSIM_SOURCE_DIR);
  REQUIRE(bases.size() >= 7);
  const auto files =
      inputs({kSource / "tests/fuzz/seeds/set", kSource / "tests/fuzz/regressions/set"});
  REQUIRE(files.size() >= 20);
  for (const fs::path& f : files) {
    INFO(f.string());
    CHECK_NOTHROW(cjsim::fuzz::check_set_input(read_file(f), bases));
  }
}

TEST_CASE("fuzz inputs: a seed names its scenario, so adding one never retargets it",
          "[scenario][fuzz]") {
  const auto bases = cjsim::fuzz::load_set_bases(CJSIM_SOURCE_DIR);
  for (std::size_t i = 0; i < bases.size(); ++i) {
    const std::string text = bases.names[i] + "\nsimulation.customers=5";
    std::string_view input = text;
    const cjsim::ScenarioDocument& picked = bases.pick(input);
    CHECK(&picked == &bases.docs[i]);
    CHECK(input == "simulation.customers=5");
  }
  // Seed files start with the stem of a shipped scenario.
  for (const fs::path& f :
       inputs({kSource / "tests/fuzz/seeds/set", kSource / "tests/fuzz/seeds/vary"})) {
    const std::string text = read_file(f);
    const std::string first = text.substr(0, text.find('\n'));
    INFO(f.string() << " starts with '" << first << "'");
    CHECK(std::find(bases.names.begin(), bases.names.end(), first) != bases.names.end());
  }
  // Anything else picks by a hash of its first line: the same every time.
  std::string_view a = "zzz\nx=1", b = "zzz\nx=1";
  CHECK(&bases.pick(a) == &bases.pick(b));
}

TEST_CASE("fuzz inputs: the --vary seeds and regressions pass the sweep checks",
          "[scenario][fuzz][sweep]") {
  const auto bases = cjsim::fuzz::load_set_bases(CJSIM_SOURCE_DIR);
  const auto files =
      inputs({kSource / "tests/fuzz/seeds/vary", kSource / "tests/fuzz/regressions/vary"});
  REQUIRE(files.size() >= 12);
  for (const fs::path& f : files) {
    INFO(f.string());
    CHECK_NOTHROW(cjsim::fuzz::check_vary_input(read_file(f), bases));
  }
}

TEST_CASE("fuzz inputs: the observed-data seeds and regressions pass the reader's checks",
          "[calibrate][fuzz]") {
  const auto files =
      inputs({kSource / "tests/fuzz/seeds/observed", kSource / "tests/fuzz/regressions/observed"});
  REQUIRE(files.size() >= 10);
  const std::string scratch = (fs::temp_directory_path() /
                               ("cjsim-test-fuzz-observed-" + std::to_string(::getpid()) + ".csv"))
                                  .string();
  // The seeds hold six good files (export's weekly and events, spend alone, a monthly file with
  // blanks, a messy log, a log read by months) and four bad ones: both paths are replayed.
  int accepted = 0;
  for (const fs::path& f : files) {
    INFO(f.string());
    bool ok = false;
    CHECK_NOTHROW(ok = cjsim::fuzz::check_observed_input(read_file(f), scratch));
    accepted += ok ? 1 : 0;
  }
  fs::remove(scratch);
  CHECK(accepted >= 6);
  CHECK(static_cast<std::size_t>(accepted) + 4 <= files.size());
}
