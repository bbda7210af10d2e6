// One request of the page turned into a plan to run, checked like the command line: the body
// is JSON with known fields only; every override goes through ScenarioDocument::set and
// build_scenario (so a typo gets the same message as `--set`, did-you-mean included), then
// through the page's whitelist (world.hpp) and the work caps. No I/O: every refusal is a
// RequestError (tests/serve/check_serve.py sends malformed, deep, oversized and foreign bodies).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cjsim/scenario.hpp"
#include "serve/world.hpp"

namespace cjsim::cli::serve {

// Bounds on a request body's contents (the HTTP layer bounds its size).
inline constexpr std::size_t kMaxOverrides = 256;
inline constexpr std::size_t kMaxOverrideBytes = 4096;
inline constexpr int kMaxJsonDepth = 8;

struct PlanRequest {
  std::string client;  // the page's id: a newer request of one client supersedes its older ones
  std::uint64_t seq = 0;
  std::string variant;
  std::vector<std::string> set;  // the page's overrides, as sent and accepted
  std::uint64_t customers = 0;
  ScenarioDef plan;  // the variant with the server's and the page's overrides
  std::string name;  // /api/save: the file name stem ("" = the server picks one)
};

// A refused request: the HTTP status and the JSON body that says why.
class RequestError : public std::runtime_error {
 public:
  RequestError(int status, nlohmann::json body);
  int status() const { return status_; }
  const nlohmann::json& body() const { return body_; }

 private:
  int status_;
  nlohmann::json body_;
};

// {"error": code, "message": text, "problems": [...]} with a status.
RequestError request_error(int status, const std::string& code, const std::string& message);

// Parses the body of POST /api/run (`for_save` false: client and seq required) or /api/save
// (name allowed). Throws RequestError (400) naming every problem.
PlanRequest parse_plan(std::string_view body, const ServeWorld& world, bool for_save);

// The --set list that gives the plan from the scenario file: the server's overrides, then the
// page's (what `cjsim run --set` needs to reproduce it).
std::vector<std::string> full_overrides(const ServeWorld& world, const PlanRequest& plan);

}  // namespace cjsim::cli::serve
