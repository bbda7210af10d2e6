// The inside of a ScenarioDocument: the TOML tree after overrides, the overrides themselves, and
// where every key of the file sits. Engine internals include this (scenario building, sweeps
// reading [sweep]); public headers never do, so toml++ stays out of the API.
//
// Why positions live in a separate index: toml++ drops source positions when a node is copied
// (only moves keep them), and documents are copied (sweeps copy one per point, variants merge
// copies). The index is built once from the parse and shared by every copy.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"

namespace cjsim {

// ---- key paths ------------------------------------------------------------------------------

// One component of a dotted key path: a key and the array indices after it ("flights[0]").
struct KeyStep {
  std::string key;
  std::vector<std::size_t> indices;
  std::size_t offset = 0;  // where the component starts in the parsed text (0-based)
};
using KeyPath = std::vector<KeyStep>;

struct KeyPathParse {
  KeyPath path;  // meaningful when `error` is empty
  std::string error;
  std::size_t error_offset = 0;  // 0-based, within the parsed text
  std::string fix;               // when the usual hint (the form of a key path) does not apply
};

// Parses `channels.service.flights[0].amount`, `edges."a -> b".rate` or `edges.a -> b.rate`:
// components split at '.', may be "quoted", bare ones are trimmed and may hold spaces and "->".
KeyPathParse parse_key_path(std::string_view text);

// "a->b", " a  ->  b" -> "a -> b" (edge_name's spelling); keys without "->" are unchanged.
std::string canonical_key(std::string_view key);

// The two stage names of an edge key ("from -> to", whitespace optional), or nothing when the
// key is not of that shape (no arrow, or a side is empty).
std::optional<std::pair<std::string, std::string>> split_edge_key(std::string_view key);

// One spelling per path, used by diagnostics and every lookup: components joined by '.', edge
// keys canonical, indices as [i], and components quoted when they hold '.', '[', ']' or '"'.
std::string render_key(std::string_view key, bool canonical = true);
std::string render_key_path(const KeyPath& path, std::size_t steps = static_cast<std::size_t>(-1));
std::string join_key(std::string_view parent, std::string_view key);
std::string join_index(std::string_view parent, std::size_t index);

// `path` and its ancestors, longest first ("a.b[0].c", "a.b[0]", "a.b", "a"). `path` itself
// comes first exactly as given (so a deliberately raw spelling such as "edges.a->b" is kept).
std::vector<std::string> key_path_ancestry(const std::string& path);

// ---- source positions -----------------------------------------------------------------------

struct SourceEntry {
  SourcePlace key;    // where the key is written (the name in "[stages.aware]" or "rate = ...")
  SourcePlace value;  // where its value starts
  bool is_table = false;
  // Where a diagnostic about this entry points: the key for tables (whichever of the key and
  // the "[header" comes first) and unknown keys, the value for values.
  SourcePlace anchor(bool prefer_key) const;
};

// Every key path of a parsed file (rendered as render_key_path does) and where it is written.
// A raw spelling that differs from the canonical one ("edges.a->b") is indexed under both.
class SourceIndex {
 public:
  SourceIndex(const toml::table& root, const std::string& file);
  const SourceEntry* find(const std::string& path) const;

 private:
  void walk(const toml::node& node, const std::string& canonical, const std::string& raw,
            bool exact);
  void add(const std::string& path, const SourceEntry& entry, bool overwrite);
  std::string file_;
  std::unordered_map<std::string, SourceEntry> entries_;
};

// ---- editing the tree -----------------------------------------------------------------------

// Looks up a path without creating anything; edge keys match in any spelling.
const toml::node* find_node(const toml::table& root, const KeyPath& path);

// What went wrong applying a path, and at which component.
struct EditError {
  std::string message;
  std::string fix;
  std::size_t offset = 0;  // KeyStep::offset of the offending component
};

// Sets `value` at `path`, creating missing tables (never arrays: an index must exist). Budget
// and flights are alternatives, so setting one on a channel removes the other.
std::optional<EditError> set_node(toml::table& root, const KeyPath& path, const toml::node& value);

// Deep merge: tables merge key by key, anything else in `overlay` replaces. `path` is where
// `into` sits, so a channel's budget in the overlay replaces the base's flights and vice versa.
void merge_tables(toml::table& into, const toml::table& overlay, const KeyPath& path = {});

// A parsed command-line override, kept so it can be re-applied to every merged variant.
struct Override {
  std::string text;  // "channels.search.budget=0", as given
  KeyPath path;
  std::string rendered;  // render_key_path(path)
  toml::array value;     // exactly one element: the value (nodes are copyable inside arrays)
  int value_column = 1;  // 1-based column of the value within `text`
  bool targets_variant() const { return !path.empty() && path.front().key == "variants"; }
};

// ---- the document ---------------------------------------------------------------------------

struct ScenarioDocument::Impl {
  std::string source_name;
  std::string text;
  std::shared_ptr<const SourceIndex> places;  // positions in the file as parsed
  toml::table root;                           // the file after overrides
  std::vector<std::string> override_texts;    // as given, for ScenarioDocument::overrides()
  std::vector<Override> overrides;

  // Where `path` (rendered) is written in the file: the path itself, or its nearest ancestor
  // that is; {source_name, 0, 0} when none is. Ignores overrides. A [sweep] line
  // "channels.search.budget" = [...] is at place_of(join_key("sweep", "channels.search.budget")).
  SourcePlace place_of(const std::string& path) const;
};

// The tree behind a document, for the engine's own readers (sweeps, the builder, calibration).
const ScenarioDocument::Impl& document_impl(const ScenarioDocument& doc);

}  // namespace cjsim
