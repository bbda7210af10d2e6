// ScenarioDocument: reading a scenario file, key paths, source positions and overrides.
// What the keys mean is scenario_build.cpp's business; this file only knows TOML trees.
#include <unicode/utf8.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/did_you_mean.hpp"
#include "base/text_input.hpp"
#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

constexpr std::string_view kSpace = " \t";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

int to_int(std::size_t v) {
  return static_cast<int>(v);
}

SourcePlace place_from(const toml::source_region& region, const std::string& file) {
  if (region.begin.line == 0) return SourcePlace{file, 0, 0};
  return SourcePlace{file, static_cast<int>(region.begin.line),
                     static_cast<int>(region.begin.column)};
}

bool earlier(const SourcePlace& a, const SourcePlace& b) {
  return a.line < b.line || (a.line == b.line && a.column < b.column);
}

// Copies any node into a table slot or an array slot (toml++ wants the concrete type).
void assign(toml::table& table, std::string_view key, const toml::node& value) {
  value.visit([&](const auto& v) { table.insert_or_assign(key, v); });
}
void assign(toml::array& array, std::size_t index, const toml::node& value) {
  value.visit([&](const auto& v) {
    array.replace(array.cbegin() + static_cast<std::ptrdiff_t>(index), v);
  });
}

// The key under which `key` is stored in `table`: itself, or for edge keys any spelling of the
// same edge, so "edges.a -> b.rate" finds a file's "a->b".
std::optional<std::string> stored_key(const toml::table& table, std::string_view key) {
  if (table.contains(key)) return std::string(key);
  if (key.find("->") == std::string_view::npos) return std::nullopt;
  const std::string wanted = canonical_key(key);
  for (auto&& [k, v] : table) {
    if (canonical_key(k.str()) == wanted) return std::string(k.str());
  }
  return std::nullopt;
}

const char* type_word(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// A channel table is where budget and flights are alternatives: channels.X, or the same inside
// a variant (variants.V.channels.X).
bool is_channel_path(const KeyPath& path) {
  auto plain = [&](std::size_t i) { return path[i].indices.empty(); };
  if (path.size() == 2) return path[0].key == "channels" && plain(0) && plain(1);
  if (path.size() == 4) {
    return path[0].key == "variants" && path[2].key == "channels" && plain(0) && plain(1) &&
           plain(2) && plain(3);
  }
  return false;
}

// `--set channels.serch.budget=0` would quietly add a channel 'serch' next to 'search': a typo
// that reads as "search switched off". A new channel, segment, stage or variant whose name is
// one or two keystrokes from an existing one is refused with the suggestion; a genuinely new
// name is still created (and then validated like any other entry).
std::optional<EditError> misspelt_entry(const toml::table& collection, const KeyPath& path,
                                        std::size_t step, const std::string& key) {
  static const char* const kNamed[][2] = {{"channels", "channel"},
                                          {"segments", "segment"},
                                          {"stages", "stage"},
                                          {"variants", "variant"}};
  if (step == 0 || !path[step - 1].indices.empty()) return std::nullopt;
  for (const auto& [plural, singular] : kNamed) {
    if (path[step - 1].key != plural) continue;
    std::vector<std::string> names;
    for (const auto& entry : collection) names.emplace_back(entry.first.str());
    const auto close = closest_match(key, names);
    if (!close) return std::nullopt;
    return EditError{
        fmt::format("there is no {} '{}' in the scenario", singular, key),
        fmt::format("did you mean '{}'? (a new {} belongs in the scenario file)", *close, singular),
        path[step].offset};
  }
  return std::nullopt;
}

void drop_alternative(toml::table& channel, std::string_view key_set) {
  if (key_set == "budget") channel.erase("flights");
  if (key_set == "flights") channel.erase("budget");
}

[[noreturn]] void throw_set_error(std::size_t offset, std::string key, std::string message,
                                  std::string fix) {
  throw InputError(SourcePlace{"--set", 1, to_int(offset) + 1}, std::move(key), std::move(message),
                   std::move(fix));
}

// A value that is not TOML but reads as a word ("small-world", "+", "fast") is taken as a
// string, so `--set word_of_mouth.network=small-world` needs no shell-proof quotes. Anything
// with brackets, braces or quotes was meant as TOML and gets toml++'s message instead.
bool is_bare_word(std::string_view v) {
  return !v.empty() && v.find_first_of("\"'[]{}=\n\r") == std::string_view::npos;
}

// "1e309", "-5", ".5", "99999999999999999999": what a user means as a number.
bool looks_numeric(std::string_view v) {
  std::size_t at = 0;
  if (at < v.size() && (v[at] == '+' || v[at] == '-')) ++at;
  if (at < v.size() && v[at] == '.') ++at;
  if (at >= v.size() || v[at] < '0' || v[at] > '9') return false;
  return v.find_first_not_of("0123456789+-._eE") == std::string_view::npos;
}

// A value as inline TOML text ({ a = 1, b = [2, 3] }), for an override that expands a table.
std::string inline_toml(const toml::node& n) {
  std::string text;
  if (const toml::table* t = n.as_table()) {
    text = "{";
    for (auto&& [k, v] : *t) {
      text += (text.size() > 1 ? ", " : " ") + render_key(k.str()) + " = " + inline_toml(v);
    }
    return text + (text.size() > 1 ? " }" : "}");
  }
  if (const toml::array* a = n.as_array()) {
    text = "[";
    for (const toml::node& e : *a) text += (text.size() > 1 ? ", " : "") + inline_toml(e);
    return text + "]";
  }
  std::ostringstream os;
  n.visit([&](const auto& v) {
    if constexpr (toml::is_value<decltype(v)>) os << v;
  });
  return os.str();
}

// Parses the value of an assignment as TOML; `offset` is where it starts in the argument.
toml::array parse_override_value(std::string_view value, std::size_t offset,
                                 const std::string& key) {
  toml::array holder;
  try {
    toml::table t = toml::parse("v = " + std::string(value), std::string_view("--set"));
    if (t.size() != 1 || !t.contains("v")) {
      throw_set_error(offset, key, "expected one value after '='",
                      "write a single TOML value, e.g. key=0.5 or key=[\"a\", \"b\"]");
    }
    t.get("v")->visit([&](const auto& v) { holder.push_back(v); });
  } catch (const toml::parse_error& e) {
    if (looks_numeric(value)) {
      // A number TOML cannot hold is a number all the same: say that, rather than read it as
      // a word and then complain that a string is not a number.
      const std::string text(value);
      char* end = nullptr;
      errno = 0;
      const double x = std::strtod(text.c_str(), &end);
      if (end != nullptr && *end == '\0' && (errno == ERANGE || !std::isfinite(x))) {
        throw_set_error(
            offset, key,
            fmt::format("{} is out of range: a number must lie within about "
                        "\u00b11.8e308 (and a whole number within \u00b19.2e18)",
                        value),
            "give a smaller number; scenarios/README.md \"Limits\" has each key's range");
      }
      throw_set_error(offset, key,
                      fmt::format("{} is not a number TOML can read: {}", value, e.description()),
                      "write a number such as 150000, 150_000, 1.5e5 or 0.25");
    }
    if (is_bare_word(value)) {
      holder.clear();
      holder.push_back(std::string(value));
      return holder;
    }
    std::size_t col = offset;
    const auto& b = e.source().begin;
    if (b.line == 1 && b.column > 4) {
      col = std::min(offset + (b.column - 5), offset + value.size());
    }
    throw_set_error(col, key, fmt::format("the value is not valid TOML: {}", e.description()),
                    "quote strings (\"text\"), write arrays as [1, 2] and tables as { a = 1 }");
  }
  return holder;
}

// Applies on a copy so that a refused override leaves no half-made tables behind.
void apply_override(ScenarioDocument::Impl& impl, Override o) {
  toml::table edited = impl.root;
  if (auto err = set_node(edited, o.path, *o.value.get(0))) {
    throw_set_error(err->offset, o.rendered, err->message, err->fix);
  }
  impl.root = std::move(edited);
  impl.override_texts.push_back(o.text);
  impl.overrides.push_back(std::move(o));
}

}  // namespace

// ---- key paths ------------------------------------------------------------------------------

std::optional<std::pair<std::string, std::string>> split_edge_key(std::string_view key) {
  const auto arrow = key.find("->");
  if (arrow == std::string_view::npos) return std::nullopt;
  const std::string_view from = trim(key.substr(0, arrow));
  const std::string_view to = trim(key.substr(arrow + 2));
  if (from.empty() || to.empty() || to.find("->") != std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(from), std::string(to));
}

std::string canonical_key(std::string_view key) {
  if (auto e = split_edge_key(key)) return e->first + " -> " + e->second;
  return std::string(key);
}

std::string render_key(std::string_view key, bool canonical) {
  std::string k = canonical ? canonical_key(key) : std::string(key);
  const bool needs_quotes =
      k.empty() || k.find_first_of(".[]\"") != std::string::npos || trim(k).size() != k.size();
  if (!needs_quotes) return k;
  std::string q = "\"";
  for (char c : k) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + '"';
}

std::string join_key(std::string_view parent, std::string_view key) {
  if (parent.empty()) return render_key(key);
  return fmt::format("{}.{}", parent, render_key(key));
}

std::string join_index(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string render_key_path(const KeyPath& path, std::size_t steps) {
  std::string out;
  for (std::size_t i = 0; i < path.size() && i < steps; ++i) {
    out = join_key(out, path[i].key);
    for (std::size_t index : path[i].indices) out = join_index(out, index);
  }
  return out;
}

KeyPathParse parse_key_path(std::string_view text) {
  KeyPathParse r;
  auto fail = [&](std::size_t at, std::string message) {
    r.path.clear();
    r.error = std::move(message);
    r.error_offset = at;
    return r;
  };
  // A key is TOML text and TOML text is UTF-8. The file parser checks that for files; a key from
  // the command line (--set, --vary) comes here unchecked, and a byte that is not UTF-8 would be
  // accepted now and refused when the file's effective scenario is read back (fuzz_set found it).
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const auto length = static_cast<int32_t>(std::min<std::size_t>(text.size(), INT32_MAX));
  for (int32_t at = 0; at < length;) {
    const int32_t start = at;
    UChar32 c = 0;
#pragma GCC diagnostic push  // ICU's macro narrows int to uint8_t on purpose
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
    U8_NEXT(bytes, at, length, c);
#pragma GCC diagnostic pop
    if (c < 0) {
      fail(static_cast<std::size_t>(start), "a byte that is not UTF-8 text");
      r.fix =
          "retype the key in UTF-8, as a TOML file is (was it copied from text in another "
          "encoding?)";
      return r;
    }
  }
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_space = [&] {
    while (i < n && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  while (true) {
    skip_space();
    KeyStep step;
    step.offset = i;
    if (i < n && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        if (text[i] == '\\' && i + 1 < n) {
          step.key += text[i + 1];
          i += 2;
        } else if (text[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          step.key += text[i++];
        }
      }
      if (!closed) return fail(step.offset, "the quoted key is not closed");
      skip_space();
    } else {
      const std::size_t start = i;
      while (i < n && text[i] != '.' && text[i] != '[') {
        if (text[i] == '"' || text[i] == ']') {
          return fail(i, fmt::format("unexpected '{}' in a key", text[i]));
        }
        ++i;
      }
      step.key = std::string(trim(text.substr(start, i - start)));
      if (step.key.empty()) {
        return fail(start, start == 0 ? "the key is empty" : "empty key between dots");
      }
    }
    while (i < n && text[i] == '[') {
      const std::size_t open = i++;
      std::size_t index = 0;
      const std::size_t digits = i;
      while (i < n && text[i] >= '0' && text[i] <= '9') {
        index = index * 10 + static_cast<std::size_t>(text[i] - '0');
        ++i;
      }
      if (i == digits || i >= n || text[i] != ']') {
        return fail(open, "an array index is written [0], [1], ...");
      }
      ++i;
      step.indices.push_back(index);
      skip_space();
    }
    r.path.push_back(std::move(step));
    if (i >= n) break;
    if (text[i] != '.') return fail(i, fmt::format("expected '.' here, found '{}'", text[i]));
    ++i;
    if (i >= n) return fail(i, "the key ends with '.'");
  }
  return r;
}

std::vector<std::string> key_path_ancestry(const std::string& path) {
  std::vector<std::string> out{path};
  const KeyPathParse parsed = parse_key_path(path);
  if (!parsed.error.empty()) return out;
  const KeyPath& p = parsed.path;
  for (std::size_t k = p.size(); k-- > 0;) {
    for (std::size_t m = p[k].indices.size() + 1; m-- > 0;) {
      std::string s = render_key_path(p, k);
      s = join_key(s, p[k].key);
      for (std::size_t j = 0; j < m; ++j) s = join_index(s, p[k].indices[j]);
      if (s != out.back()) out.push_back(std::move(s));
    }
  }
  return out;
}

// ---- source positions -----------------------------------------------------------------------

SourcePlace SourceEntry::anchor(bool prefer_key) const {
  if (prefer_key && key.line > 0) return key;
  if (is_table) {
    // "[stages.aware]" starts before its key; "aware = { ... }" starts at its key.
    if (key.line == 0) return value;
    return earlier(value, key) && value.line > 0 ? value : key;
  }
  return value.line > 0 ? value : key;
}

SourceIndex::SourceIndex(const toml::table& root, const std::string& file) : file_(file) {
  walk(root, "", "", true);
}

const SourceEntry* SourceIndex::find(const std::string& path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

void SourceIndex::add(const std::string& path, const SourceEntry& entry, bool overwrite) {
  if (overwrite) {
    entries_.insert_or_assign(path, entry);
  } else {
    entries_.try_emplace(path, entry);
  }
}

// `canonical` is the rendered canonical path of `node`, `raw` the same with keys as written;
// `exact` says they agree, in which case this spelling owns the canonical entry.
void SourceIndex::walk(const toml::node& node, const std::string& canonical, const std::string& raw,
                       bool exact) {
  if (const auto* table = node.as_table()) {
    for (auto&& [k, v] : *table) {
      const std::string c = join_key(canonical, k.str());
      const std::string r =
          raw.empty() ? render_key(k.str(), false) : raw + "." + render_key(k.str(), false);
      const bool e = exact && canonical_key(k.str()) == std::string(k.str());
      const SourceEntry entry{place_from(k.source(), file_), place_from(v.source(), file_),
                              v.is_table()};
      add(c, entry, e);
      if (!e) add(r, entry, true);
      walk(v, c, r, e);
    }
  } else if (const auto* array = node.as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& v = *array->get(i);
      const SourcePlace at = place_from(v.source(), file_);
      const SourceEntry entry{at, at, v.is_table()};
      const std::string c = join_index(canonical, i);
      const std::string r = join_index(raw, i);
      add(c, entry, exact);
      if (!exact) add(r, entry, true);
      walk(v, c, r, exact);
    }
  }
}

// ---- editing the tree -----------------------------------------------------------------------

const toml::node* find_node(const toml::table& root, const KeyPath& path) {
  const toml::node* cur = &root;
  for (const KeyStep& step : path) {
    const auto* table = cur->as_table();
    if (table == nullptr) return nullptr;
    const auto key = stored_key(*table, step.key);
    if (!key) return nullptr;
    cur = table->get(*key);
    for (std::size_t index : step.indices) {
      const auto* array = cur->as_array();
      if (array == nullptr || index >= array->size()) return nullptr;
      cur = array->get(index);
    }
  }
  return cur;
}

std::optional<EditError> set_node(toml::table& root, const KeyPath& path, const toml::node& value) {
  if (path.empty()) return EditError{"the key is empty", "write key=value", 0};
  toml::node* cur = &root;
  for (std::size_t s = 0; s < path.size(); ++s) {
    const KeyStep& step = path[s];
    const bool last = s + 1 == path.size();
    auto* table = cur->as_table();
    if (table == nullptr) {
      const std::string where = render_key_path(path, s);
      return EditError{fmt::format("{} is {}, not a table, so it has no key '{}'", where,
                                   type_word(*cur), step.key),
                       fmt::format("set {} as a whole instead", where), step.offset};
    }
    const std::string key = stored_key(*table, step.key).value_or(canonical_key(step.key));
    if (step.indices.empty()) {
      if (last) {
        assign(*table, key, value);
        if (is_channel_path(KeyPath(path.begin(), path.end() - 1))) drop_alternative(*table, key);
        return std::nullopt;
      }
      if (!table->contains(key)) {
        if (auto err = misspelt_entry(*table, path, s, key)) return err;
        table->insert(key, toml::table{});
      }
      cur = table->get(key);
      continue;
    }
    const std::string here = join_key(render_key_path(path, s), step.key);
    if (!table->contains(key)) {
      return EditError{
          fmt::format("{} does not exist, so it has no [{}]", here, step.indices.front()),
          "set the whole array instead, e.g. key=[...]", step.offset};
    }
    cur = table->get(key);
    for (std::size_t i = 0; i < step.indices.size(); ++i) {
      auto* array = cur->as_array();
      const std::size_t index = step.indices[i];
      if (array == nullptr) {
        return EditError{
            fmt::format("{} is {}, not an array, so it has no [{}]", here, type_word(*cur), index),
            "drop the [index], or set the whole value", step.offset};
      }
      if (index >= array->size()) {
        return EditError{fmt::format("{} has {} entr{}, so [{}] does not exist", here,
                                     array->size(), array->size() == 1 ? "y" : "ies", index),
                         array->empty()
                             ? std::string("set the whole array instead, e.g. key=[...]")
                             : fmt::format("use an index from 0 to {}, or set the whole array",
                                           array->size() - 1),
                         step.offset};
      }
      if (last && i + 1 == step.indices.size()) {
        assign(*array, index, value);
        return std::nullopt;
      }
      cur = array->get(index);
    }
  }
  return std::nullopt;
}

void merge_tables(toml::table& into, const toml::table& overlay, const KeyPath& path) {
  for (auto&& [k, v] : overlay) {
    const std::string key = stored_key(into, k.str()).value_or(canonical_key(k.str()));
    toml::node* existing = into.get(key);
    if (existing != nullptr && existing->is_table() && v.is_table()) {
      KeyPath child = path;
      child.push_back(KeyStep{key, {}, 0});
      merge_tables(*existing->as_table(), *v.as_table(), child);
    } else {
      assign(into, key, v);
    }
  }
  // A variant that switches a channel from one budget to flights (or back) must not inherit
  // the other: both at once is an error, and the variant clearly meant to replace it.
  if (is_channel_path(path)) {
    if (overlay.contains("budget") && !overlay.contains("flights"))
      drop_alternative(into, "budget");
    if (overlay.contains("flights") && !overlay.contains("budget"))
      drop_alternative(into, "flights");
  }
}

SourcePlace ScenarioDocument::Impl::place_of(const std::string& path) const {
  for (const std::string& p : key_path_ancestry(path)) {
    if (const SourceEntry* e = places->find(p)) return e->anchor(false);
  }
  return SourcePlace{source_name, 0, 0};
}

// ---- ScenarioDocument -----------------------------------------------------------------------

ScenarioDocument::ScenarioDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

const ScenarioDocument::Impl& document_impl(const ScenarioDocument& doc) {
  return *doc.impl_;
}
ScenarioDocument::ScenarioDocument(const ScenarioDocument& other)
    : impl_(std::make_unique<Impl>(*other.impl_)) {}
ScenarioDocument& ScenarioDocument::operator=(const ScenarioDocument& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
ScenarioDocument::ScenarioDocument(ScenarioDocument&&) noexcept = default;
ScenarioDocument& ScenarioDocument::operator=(ScenarioDocument&&) noexcept = default;
ScenarioDocument::~ScenarioDocument() = default;

ScenarioDocument ScenarioDocument::from_file(const std::string& path) {
  return from_string(
      read_text_input(path, "scenario", "check the path; scenarios ship in scenarios/"), path);
}

ScenarioDocument ScenarioDocument::from_string(const std::string& text,
                                               const std::string& source_name) {
  auto impl = std::make_unique<Impl>();
  impl->source_name = source_name;
  impl->text = text;
  try {
    impl->root = toml::parse(text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    throw InputError(place_from(e.source(), source_name), "", std::string(e.description()),
                     "fix the TOML syntax here; scenarios/README.md shows the form of every key");
  }
  impl->places = std::make_shared<const SourceIndex>(impl->root, source_name);
  return ScenarioDocument(std::move(impl));
}

void ScenarioDocument::set(const std::string& assignment) {
  // The first '=' outside a quoted key separates key and value.
  std::size_t eq = std::string::npos;
  std::size_t open_quote = std::string::npos;
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    if (assignment[i] == '"' && (i == 0 || assignment[i - 1] != '\\')) {
      open_quote = open_quote == std::string::npos ? i : std::string::npos;
    }
    if (assignment[i] == '=' && open_quote == std::string::npos) {
      eq = i;
      break;
    }
  }
  if (eq == std::string::npos && open_quote != std::string::npos) {
    throw_set_error(
        open_quote, "", "the quoted key is not closed",
        "close the quotes around the key, e.g. edges.\"aware -> consideration\".rate=0.05");
  }
  if (eq == std::string::npos) {
    throw_set_error(assignment.size(), "", "expected key=value",
                    "write the dotted key, '=' and the value, e.g. channels.search.budget=0");
  }
  const std::string_view key_text = std::string_view(assignment).substr(0, eq);
  KeyPathParse parsed = parse_key_path(key_text);
  if (!parsed.error.empty()) {
    throw_set_error(parsed.error_offset, std::string(trim(key_text)), parsed.error,
                    !parsed.fix.empty()
                        ? parsed.fix
                        : "components are separated by '.', e.g. channels.search.budget or "
                          "edges.\"aware -> consideration\".rate");
  }
  const std::string rendered = render_key_path(parsed.path);
  const std::string_view rest = std::string_view(assignment).substr(eq + 1);
  const std::string_view value = trim(rest);
  const std::size_t value_offset = eq + 1 + (value.empty() ? 0 : rest.find_first_not_of(kSpace));
  if (value.empty()) {
    throw_set_error(eq + 1, rendered, "missing value after '='",
                    "give a value, e.g. channels.search.budget=0");
  }
  Override o;
  o.text = assignment;
  o.path = std::move(parsed.path);
  o.rendered = rendered;
  o.value = parse_override_value(value, value_offset, rendered);
  // A table value for a table that exists would replace it, dropping every key it does not
  // repeat (--set 'simulation={customers=500}' would reset the seed, the name, the
  // replicates): it is merged instead, key by key, as if each were given with its dotted path.
  // A table value for a new path (a stage, a channel, a calendar entry) creates it; {} empties
  // a table on purpose (channels.x.lift={} takes a channel's lifts away).
  if (const toml::table* t = o.value.get(0)->as_table(); t != nullptr && !t->empty()) {
    const toml::node* existing = find_node(impl_->root, o.path);
    if (existing != nullptr && existing->is_table()) {
      std::vector<std::string> keys;
      for (auto&& [k, v] : *t) {
        keys.push_back(fmt::format("{}.{}={}", rendered, render_key(k.str()), inline_toml(v)));
      }
      for (const std::string& k : keys) set(k);
      return;
    }
  }
  o.value_column = to_int(value_offset) + 1;
  apply_override(*impl_, std::move(o));
}

void ScenarioDocument::set_number(const std::string& dotted_path, double value) {
  KeyPathParse parsed = parse_key_path(dotted_path);
  if (!parsed.error.empty()) {
    throw_set_error(parsed.error_offset, dotted_path, parsed.error,
                    "components are separated by '.', e.g. channels.search.budget");
  }
  Override o;
  o.path = std::move(parsed.path);
  o.rendered = render_key_path(o.path);
  // 2^63 bounds what an int64 holds; beyond it (and for fractions) the value stays a float.
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.2e18) {
    const auto i = static_cast<std::int64_t>(value);
    o.value.push_back(i);
    o.text = fmt::format("{}={}", o.rendered, i);
  } else {
    o.value.push_back(value);
    o.text = fmt::format("{}={}", o.rendered, value);
  }
  o.value_column = to_int(o.rendered.size()) + 2;
  apply_override(*impl_, std::move(o));
}

bool ScenarioDocument::has_number(const std::string& dotted_path) const {
  const KeyPathParse parsed = parse_key_path(dotted_path);
  if (!parsed.error.empty()) return false;
  const toml::node* n = find_node(impl_->root, parsed.path);
  return n != nullptr && n->is_number();
}

std::vector<std::string> ScenarioDocument::variants_setting(const std::string& dotted_path) const {
  std::vector<std::string> found;
  const KeyPathParse parsed = parse_key_path(dotted_path);
  if (!parsed.error.empty() || parsed.path.empty() || parsed.path.front().key == "variants") {
    return found;
  }
  const toml::node* variants = impl_->root.get("variants");
  if (variants == nullptr || !variants->is_table()) return found;
  // The key itself, and for a channel's budget its alternative (flights), which a variant may
  // set instead: either way the variant's own plan for that channel is replaced.
  std::vector<KeyPath> paths{parsed.path};
  if (is_channel_path(KeyPath(parsed.path.begin(), parsed.path.end() - 1)) &&
      parsed.path.back().indices.empty() &&
      (parsed.path.back().key == "budget" || parsed.path.back().key == "flights")) {
    KeyPath other = parsed.path;
    other.back().key = parsed.path.back().key == "budget" ? "flights" : "budget";
    paths.push_back(std::move(other));
  }
  for (auto&& [name, table] : *variants->as_table()) {
    if (!table.is_table()) continue;
    for (const KeyPath& path : paths) {
      const toml::node* n = find_node(*table.as_table(), path);
      if (n == nullptr) continue;
      std::ostringstream value;
      if (n->is_table() || n->is_array()) {
        value << "its own " << (n->is_table() ? "table" : "list");
      } else {
        n->visit([&](const auto& v) {
          if constexpr (toml::is_value<decltype(v)>) value << v;
        });
      }
      found.push_back(fmt::format("variant '{}' sets {} = {}", std::string(name.str()),
                                  render_key_path(path), value.str()));
      break;
    }
  }
  return found;
}

const std::string& ScenarioDocument::source_name() const {
  return impl_->source_name;
}
const std::string& ScenarioDocument::text() const {
  return impl_->text;
}
const std::vector<std::string>& ScenarioDocument::overrides() const {
  return impl_->override_texts;
}

}  // namespace cjsim
