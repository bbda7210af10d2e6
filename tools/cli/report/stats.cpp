#include "report/stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace cjsim::cli {

Crossover find_crossover(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("find_crossover: curves differ in length");
  if (a.empty()) return {"empty", std::nullopt};
  if (!(b.back() > a.back())) return {"never", std::nullopt};
  // Walk back from the end while b stays ahead: the first day of that final lead.
  std::size_t t = a.size();
  while (t > 0 && b[t - 1] > a[t - 1]) --t;
  if (t == 0) return {"ahead_throughout", std::nullopt};
  return {"overtakes", static_cast<int>(t)};
}

std::vector<double> cumulative_sum(const std::vector<double>& x) {
  std::vector<double> out(x.size());
  double s = 0;
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = (s += x[i]);
  return out;
}

std::vector<std::string> split_command_line(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      in_word = true;
      for (++i; i < line.size() && line[i] != '\''; ++i) word += line[i];
    } else if (c == '"') {
      in_word = true;
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        word += line[i];
      }
    } else if (c == '\\' && i + 1 < line.size()) {
      in_word = true;
      word += line[++i];
    } else {
      in_word = true;
      word += c;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::vector<std::string> stored_overrides(const std::string& command_line) {
  const std::vector<std::string> words = split_command_line(command_line);
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "--set" && i + 1 < words.size())
      out.push_back(words[++i]);
    else if (words[i].rfind("--set=", 0) == 0)
      out.push_back(words[i].substr(6));
  }
  return out;
}

}  // namespace cjsim::cli
