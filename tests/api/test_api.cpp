// The umbrella header cjsim/cjsim.hpp compiles on its own and gives the whole public API: the
// README's first example runs through it alone, and every public header is included by it
// (a header added to engine/include/cjsim/ and forgotten here fails this test).
#include "cjsim/cjsim.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

TEST_CASE("cjsim.hpp: one include gives the whole public API", "[api]") {
  const std::string source = CJSIM_SOURCE_DIR;
  const cjsim::Scenario s = cjsim::load_scenario(source + "/scenarios/flower_delivery.toml",
                                                 {"simulation.customers=2000"});
  cjsim::RunOptions o;
  o.threads = 1;
  const cjsim::RunResult r = cjsim::simulate(s.variants.front().def, o);
  const cjsim::KpiTable k = cjsim::compute_kpis(r);
  CHECK(r.customers_total == 2000);
  CHECK(k.values.size() == k.defs.size());
  CHECK_FALSE(k.defs.empty());
  // Every public header is in the umbrella.
  const std::filesystem::path include = std::filesystem::path(source) / "engine/include/cjsim";
  std::ifstream in(include / "cjsim.hpp");
  const std::string umbrella((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  for (const auto& entry : std::filesystem::directory_iterator(include)) {
    const std::string name = entry.path().filename().string();
    if (name == "cjsim.hpp") continue;
    INFO(name);
    CHECK(umbrella.find("#include \"cjsim/" + name + "\"") != std::string::npos);
  }
}
