#include "cjsim/scenario.hpp"

namespace cjsim {

SimulationDef default_simulation() {
  return SimulationDef{};
}

SegmentDef default_segment(std::string name) {
  SegmentDef s;
  s.name = std::move(name);
  return s;
}

ScenarioDef default_scenario() {
  ScenarioDef d;
  d.segments.push_back(default_segment("everyone"));
  return d;
}

std::string edge_name(const std::string& from, const std::string& to) {
  return from + " -> " + to;
}
std::string edge_name(const EdgeDef& e) {
  return edge_name(e.from, e.to);
}

const char* role_name(Role r) {
  switch (r) {
    case Role::unaware:
      return "unaware";
    case Role::journey:
      return "journey";
    case Role::purchase:
      return "purchase";
    case Role::retention:
      return "retention";
    case Role::lost:
      return "lost";
  }
  return "?";
}

}  // namespace cjsim
