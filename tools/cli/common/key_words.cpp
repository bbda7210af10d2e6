#include "common/key_words.hpp"

#include <fmt/format.h>

#include <vector>

namespace cjsim::cli {

namespace {

// "channels.\"a -> b\".flights[2].amount" -> {channels, a -> b, flights, [2], amount}: names
// cannot contain '.', so a dot outside quotes always separates; an index is a part of its own.
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (c == '.' && !quoted) {
      parts.push_back(cur);
      cur.clear();
    } else if (c == '[' && !quoted) {
      parts.push_back(cur);
      cur.assign(1, '[');  // (not = "[": a GCC 12 -Wrestrict false alarm)
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  std::vector<std::string> out;
  for (auto& part : parts)
    if (!part.empty()) out.push_back(part);
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string words_of(std::string name) {
  for (char& c : name)
    if (c == '_') c = ' ';
  return name;
}

template <class Def>
std::string label_of(const std::vector<Def>* defs, const std::string& name) {
  if (defs != nullptr)
    for (const Def& d : *defs)
      if (d.name == name && !d.label.empty() && d.label != d.name) return short_label(d.label);
  return capitalised(words_of(name));
}

std::string stage(const ScenarioDef* def, const std::string& name) {
  return label_of(def ? &def->stages : nullptr, trim(name));
}

// "aware -> buyer" -> "Aware → Buyer"
std::string edge(const ScenarioDef* def, const std::string& name) {
  const std::size_t arrow = name.find("->");
  if (arrow == std::string::npos) return words_of(name);
  return fmt::format("{} \u2192 {}", stage(def, name.substr(0, arrow)),
                     stage(def, name.substr(arrow + 2)));
}

int index_of(const std::string& part) {
  if (part.size() < 3 || part.front() != '[') return -1;
  try {
    return std::stoi(part.substr(1));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::string short_label(const std::string& label) {
  const std::size_t paren = label.find(" (");
  std::string s = paren == std::string::npos || paren == 0 ? label : label.substr(0, paren);
  return trim(s);
}

std::string channel_words(const std::string& name, const ScenarioDef* def) {
  return label_of(def ? &def->channels : nullptr, name);
}

std::string segment_words(const std::string& name, const ScenarioDef* def) {
  return label_of(def ? &def->segments : nullptr, name);
}

std::string key_in_words(const std::string& path, const ScenarioDef* def) {
  const std::vector<std::string> p = split_path(path);
  const std::size_t n = p.size();
  auto at = [&](std::size_t k) { return k < n ? p[k] : std::string(); };
  const std::string top = at(0);
  if (top == "channels" && n >= 3) {
    const std::string ch = label_of(def ? &def->channels : nullptr, p[1]);
    const std::string field = p[2];
    if (field == "budget") return ch + " budget";
    if (field == "cost") return ch + " cost per contact";
    if (field == "salience") return ch + " weight in ad memory";
    if (field == "quality") return ch + " service quality";
    if (field == "lift" && n >= 4) return fmt::format("{} lift on {}", ch, edge(def, p[3]));
    if (field == "flights" && n >= 5) {
      const int k = index_of(p[3]) + 1;
      if (p[4] == "amount") return fmt::format("{} flight {} budget", ch, k);
      if (p[4] == "from") return fmt::format("{} flight {} first day", ch, k);
      if (p[4] == "to") return fmt::format("{} flight {} last day", ch, k);
    }
    return fmt::format("{} {}", ch, words_of(p.back()));
  }
  if (top == "edges" && n >= 3) return fmt::format("{} rate", edge(def, p[1]));
  if (top == "segments" && n >= 3) {
    const std::string seg = label_of(def ? &def->segments : nullptr, p[1]);
    const std::string field = p[2];
    if (field == "order" && at(3) == "mean") return seg + ": mean order value";
    if (field == "order" && at(3) == "cv") return seg + ": order value spread (cv)";
    if (field == "edges" && n >= 4) return fmt::format("{}: {} multiplier", seg, edge(def, p[3]));
    if (field == "responsiveness") return seg + ": responsiveness to ads";
    return fmt::format("{}: {}", seg, words_of(field));
  }
  if (top == "stages" && n >= 3 && p[2] == "start")
    return stage(def, p[1]) + ": share at the start";
  static const std::pair<const char*, const char*> kFixed[] = {
      {"simulation.customers", "Customers"},
      {"simulation.days", "Days"},
      {"salience.decay", "Ad memory: share kept each day"},
      {"salience.beta", "Ad memory: largest effect"},
      {"salience.half", "Ad memory: half-effect level"},
      {"salience.shape", "Ad memory: shape"},
      {"experience.quality_mean", "Mean product quality"},
      {"experience.quality_sd", "Product quality spread"},
      {"experience.reference", "Satisfaction reference"},
      {"order.value.mean", "Mean order value"},
      {"order.value.cv", "Order value spread (cv)"},
      {"order.margin", "Margin"},
      {"word_of_mouth.rate", "Recommendations per advocate per day"},
      {"word_of_mouth.network.degree", "Contacts per customer"},
      {"word_of_mouth.network.rewire", "Network rewiring"},
      {"word_of_mouth.network.exponent", "Network degree exponent"},
      {"word_of_mouth.complaints.rate", "Complaints per unhappy customer per day"},
      {"word_of_mouth.complaints.below", "Complaints below satisfaction"},
      {"word_of_mouth.complaints.impact", "Ad memory lost per complaint"},
  };
  std::string joined;
  for (const std::string& part : p) {
    if (!joined.empty() && part.front() != '[') joined += '.';
    joined += part;
  }
  for (const auto& [key, words] : kFixed)
    if (joined == key) return words;
  return capitalised(words_of(p.empty() ? path : p.back()));
}

Quantity key_quantity(const std::string& path) {
  const std::vector<std::string> p = split_path(path);
  if (p.empty()) return Quantity::number;
  const std::string& last = p.back();
  const std::string before = p.size() >= 2 ? p[p.size() - 2] : std::string();
  if (last == "budget" || last == "amount" || last == "cost" ||
      (last == "mean" && (before == "order" || before == "value")))
    return Quantity::money;
  if (last == "share" || last == "start" || last == "margin") return Quantity::share;
  if (last == "customers" || last == "days" || last == "from" || last == "to")
    return Quantity::count;
  return Quantity::number;
}

}  // namespace cjsim::cli
