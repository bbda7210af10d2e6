// The identity of a sweep (what --resume compares) and the words for what changed.
#include <fmt/format.h>

#include <sstream>

#include "cjsim/sweep_io.hpp"
#include "cjsim/version.hpp"

namespace cjsim {

namespace {

std::string list(const std::vector<std::string>& items) {
  if (items.empty()) return "none";
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string shorten(std::string s) {
  if (s.size() > 70) s = s.substr(0, 67) + "...";
  return s;
}

// "line 12 was `budget = 150_000`, is now `budget = 100_000`"
std::string first_changed_line(const std::string& before, const std::string& after) {
  const std::vector<std::string> a = lines_of(before), b = lines_of(after);
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    const bool in_a = i < a.size(), in_b = i < b.size();
    if (in_a && in_b && a[i] == b[i]) continue;
    if (!in_a) return fmt::format("line {} was added: `{}`", i + 1, shorten(b[i]));
    if (!in_b) return fmt::format("line {} was removed: `{}`", i + 1, shorten(a[i]));
    return fmt::format("line {} was `{}`, is now `{}`", i + 1, shorten(a[i]), shorten(b[i]));
  }
  return "the line endings changed";
}

}  // namespace

int SweepManifest::points() const {
  return axes.empty() ? 0 : static_cast<int>(point_values.size() / axes.size());
}

SweepManifest make_manifest(const SweepPlan& plan, FileMeta meta,
                            std::vector<std::string> overrides, bool keep_runs) {
  SweepManifest m;
  m.meta = std::move(meta);
  m.meta.kind = "sweep";
  m.meta.engine_version = engine_version();  // what the files will say (the reader fills it too)
  m.meta.format = kFormatVersion;
  m.meta.seed = plan.seed;
  // Every row shares the currency: variants cannot change it and --vary sets only numbers.
  if (!plan.rows.empty()) m.meta.currency = plan.rows.front().def.simulation.currency;
  m.overrides = std::move(overrides);
  m.design = design_name(plan.design);
  m.lhs_points = plan.lhs_points;
  m.axes = plan.axes;
  for (const std::vector<double>& p : plan.points) {
    m.point_values.insert(m.point_values.end(), p.begin(), p.end());
  }
  m.variants = plan.variants;
  m.replicates = plan.replicates;
  m.seed_given = plan.seed_override.has_value();
  m.keep_runs = keep_runs;
  m.days = plan.days;
  return m;
}

std::optional<std::string> manifest_difference(const SweepManifest& stored,
                                               const SweepManifest& now) {
  if (stored.meta.engine_version != now.meta.engine_version) {
    return fmt::format(
        "the saved points were computed by cjsim {}, this is cjsim {}, whose runs "
        "may differ",
        stored.meta.engine_version, now.meta.engine_version);
  }
  if (stored.meta.scenario_text != now.meta.scenario_text) {
    return fmt::format("the scenario changed since the saved points were computed ({}: {})",
                       now.meta.scenario_source,
                       first_changed_line(stored.meta.scenario_text, now.meta.scenario_text));
  }
  if (stored.overrides != now.overrides) {
    return fmt::format("the --set overrides changed: they were [{}], now [{}]",
                       list(stored.overrides), list(now.overrides));
  }
  if (stored.axes != now.axes) {
    return fmt::format("the varied keys changed: they were {}; now {}", list(stored.axes),
                       list(now.axes));
  }
  if (stored.design != now.design || stored.lhs_points != now.lhs_points) {
    return fmt::format("the design changed: it was {}{}, now {}{}", stored.design,
                       stored.lhs_points ? fmt::format(" with {} points", stored.lhs_points) : "",
                       now.design,
                       now.lhs_points ? fmt::format(" with {} points", now.lhs_points) : "");
  }
  if (stored.point_values != now.point_values) {
    if (stored.points() != now.points()) {
      return fmt::format("the varied values changed: {} points then, {} now", stored.points(),
                         now.points());
    }
    const std::size_t A = now.axes.size();
    for (std::size_t i = 0; i < now.point_values.size(); ++i) {
      if (stored.point_values[i] != now.point_values[i]) {
        return fmt::format("the varied values changed: point {} had {} = {}, now {}", i / A,
                           now.axes[i % A], stored.point_values[i], now.point_values[i]);
      }
    }
  }
  if (stored.variants != now.variants) {
    return fmt::format("the variants changed: they were {}; now {}", list(stored.variants),
                       list(now.variants));
  }
  if (stored.replicates != now.replicates) {
    return fmt::format("the replicates per point changed: {} then, {} now", stored.replicates,
                       now.replicates);
  }
  if (stored.meta.seed != now.meta.seed || stored.seed_given != now.seed_given) {
    return fmt::format("the seed changed: {} then, {} now", stored.meta.seed, now.meta.seed);
  }
  if (stored.keep_runs != now.keep_runs) {
    return stored.keep_runs ? "the sweep was started with --keep-runs, and now is not"
                            : "the sweep was started without --keep-runs, and now has it";
  }
  if (stored.meta.effective_toml != now.meta.effective_toml || stored.days != now.days) {
    return "the effective scenario changed";
  }
  return std::nullopt;
}

}  // namespace cjsim
