#include "base/did_you_mean.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

namespace cjsim {

namespace {

char lower(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// How far a suggestion may be from the word: one edit for short words, a third of the length
// for longer ones, never more than three.
std::size_t tolerance(std::string_view word) {
  return std::clamp<std::size_t>(word.size() / 3, 1, 3);
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows of the optimal string alignment table.
  const std::size_t n = b.size();
  std::vector<std::size_t> two_back(n + 1), prev(n + 1), cur(n + 1);
  for (std::size_t j = 0; j <= n; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= n; ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, prev);
    std::swap(prev, cur);
  }
  return prev[n];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::string folded(word);
  std::transform(folded.begin(), folded.end(), folded.begin(), lower);
  std::size_t best = std::numeric_limits<std::size_t>::max();
  const std::string* choice = nullptr;
  for (const std::string& c : candidates) {
    if (c == word) continue;  // the word itself is no suggestion
    std::string c_folded(c);
    std::transform(c_folded.begin(), c_folded.end(), c_folded.begin(), lower);
    // A difference in case only ("Budget") is the smallest possible slip.
    const std::size_t d = c_folded == folded ? 0 : edit_distance(folded, c_folded);
    if (d < best) {
      best = d;
      choice = &c;
    }
  }
  if (choice == nullptr || best > tolerance(word)) return std::nullopt;
  return *choice;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view otherwise) {
  if (auto m = closest_match(word, candidates)) return fmt::format("did you mean '{}'?", *m);
  return std::string(otherwise);
}

std::string join_names(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += separator;
    out += names[i];
  }
  return out;
}

}  // namespace cjsim
