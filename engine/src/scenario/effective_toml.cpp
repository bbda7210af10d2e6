// ScenarioDocument::effective_toml: the scenario after overrides as TOML in declared order.
//
// Why not toml++'s own printer: it writes every table's keys alphabetically, and the order of
// stages, segments, channels and edges is part of the model (a stage's index keys its random
// streams; the first stage is where everyone starts). Here each table's keys come in the order
// the file declares them (SourceIndex), keys that only overrides created after them in
// alphabetical order, as build.cpp's Layers::ordered_keys reads them. So the text builds the
// same world as the file with its overrides, and a reader needs nothing else.
#include <algorithm>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

// A key as TOML writes it: bare when it can be, else a basic string.
std::string toml_key(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  if (bare) return std::string(key);
  std::string out = "\"";
  for (const char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(u));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string value_text(const toml::node& node) {
  std::ostringstream out;
  node.visit([&](const auto& v) { out << v; });
  return out.str();
}

class Emitter {
 public:
  explicit Emitter(const SourceIndex& places) : places_(places) {}

  std::string text(const toml::table& root) {
    table(root, "", "");
    return out_;
  }

 private:
  // The keys of `t` (at `raw` in the document) in declared order.
  std::vector<std::string> ordered(const toml::table& t, const std::string& raw) const {
    struct Entry {
      bool created = true;  // by an override: no place in the file
      int line = 0, column = 0;
      std::string key;
    };
    std::vector<Entry> entries;
    for (auto&& [k, v] : t) {
      const std::string path =
          raw.empty() ? render_key(k.str(), false) : raw + "." + render_key(k.str(), false);
      Entry e{true, 0, 0, std::string(k.str())};
      if (const SourceEntry* found = places_.find(path)) {
        e = Entry{false, found->key.line, found->key.column, e.key};
      }
      entries.push_back(std::move(e));
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.created, a.line, a.column, a.key) <
             std::tie(b.created, b.line, b.column, b.key);
    });
    std::vector<std::string> keys;
    for (auto& e : entries) keys.push_back(std::move(e.key));
    return keys;
  }

  // Values first (a TOML table's values precede its sub-tables), then each sub-table under its
  // own [header]; a table that holds only tables needs no header of its own.
  void table(const toml::table& t, const std::string& raw, const std::string& header) {
    const std::vector<std::string> keys = ordered(t, raw);
    for (const std::string& k : keys) {
      const toml::node& v = *t.get(k);
      if (!v.is_table()) out_ += fmt::format("{} = {}\n", toml_key(k), value_text(v));
    }
    for (const std::string& k : keys) {
      const toml::table* sub = t.get(k)->as_table();
      if (sub == nullptr) continue;
      const std::string sub_raw =
          raw.empty() ? render_key(k, false) : raw + "." + render_key(k, false);
      const std::string sub_header = header.empty() ? toml_key(k) : header + "." + toml_key(k);
      const bool has_values =
          std::any_of(sub->begin(), sub->end(), [](auto&& kv) { return !kv.second.is_table(); });
      if (has_values || sub->empty()) {
        out_ += fmt::format("{}[{}]\n", out_.empty() ? "" : "\n", sub_header);
      }
      table(*sub, sub_raw, sub_header);
    }
  }

  const SourceIndex& places_;
  std::string out_;
};

}  // namespace

std::string ScenarioDocument::effective_toml() const {
  toml::table root = impl_->root;
  // An override of the base also wins over a variant's own value (build_scenario re-applies it
  // to each merged variant), so it is written into each variant's table that touches its
  // section: the text alone then builds every variant as the overrides did. Where it cannot
  // apply (a variant without the array it indexes) the variant inherits the base's value anyway.
  if (toml::table* variants = root["variants"].as_table()) {
    for (auto&& [name, node] : *variants) {
      toml::table* variant = node.as_table();
      if (variant == nullptr) continue;
      for (const Override& o : impl_->overrides) {
        if (o.targets_variant() || o.path.empty() || !variant->contains(o.path.front().key)) {
          continue;
        }
        toml::table edited = *variant;
        if (!set_node(edited, o.path, *o.value.get(0))) *variant = std::move(edited);
      }
    }
  }
  return Emitter(*impl_->places).text(root);
}

bool ScenarioDocument::same_tree(const ScenarioDocument& other) const {
  return impl_->root == other.impl_->root;
}

}  // namespace cjsim
