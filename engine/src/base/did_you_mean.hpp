// "Did you mean ...?" suggestions for misspelt keys and names.
//
// A typo is usually one or two keystrokes away from what was meant (a dropped, doubled, swapped
// or wrong letter), so candidates are ranked by optimal string alignment distance and offered
// only when they are that close: suggesting 'cost' for 'colour' would mislead more than help.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cjsim {

// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` if it is close enough to be the intended spelling; ties go
// to the earlier candidate (declaration order, so the suggestion is stable).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

// "did you mean 'budget'?" when there is a close candidate, otherwise `otherwise`.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view otherwise);

// "a, b, c" - for fixes that list what is allowed.
std::string join_names(const std::vector<std::string>& names, std::string_view separator = ", ");

}  // namespace cjsim
