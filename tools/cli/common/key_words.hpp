// A scenario key in a planner's words, for sweep and compare tables, the report and the files:
// "channels.search.budget" -> "Search budget", "edges.aware -> consideration.rate" -> "Aware →
// Consideration rate", "order.margin" -> "Margin". Labels come from the scenario (a channel's
// `label`), so a table says what the file says.
#pragma once

#include <string>

#include "cjsim/scenario.hpp"
#include "common/number_format.hpp"

namespace cjsim::cli {

// `def` may be null (no scenario at hand): names then stand in for labels.
std::string key_in_words(const std::string& path, const ScenarioDef* def);

// What the key's values measure: budgets and costs are money, shares are shares, ...
Quantity key_quantity(const std::string& path);

// A channel's or segment's label for a table ("Search"), its name in words without a scenario
// or a label.
std::string channel_words(const std::string& name, const ScenarioDef* def);
std::string segment_words(const std::string& name, const ScenarioDef* def);

// A stage, segment or channel label short enough for a legend: "Order placed (действие: заказ)"
// -> "Order placed".
std::string short_label(const std::string& label);

}  // namespace cjsim::cli
