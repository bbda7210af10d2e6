#include "sweep/file_layout.hpp"

#include <fmt/format.h>
#include <hdf5_hl.h>

#include <atomic>

#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"

namespace cjsim::h5layout {

namespace {

[[noreturn]] void missing(hid_t object, const char* name) {
  throw h5::Hdf5Failure("reading " + h5::path_of(object),
                        fmt::format("missing attribute '{}'", name), h5::Hdf5Failure::Cause::other);
}

std::string text_attribute(hid_t object, const char* name) {
  if (!h5::has_attribute(object, name)) missing(object, name);
  return h5::read_string_attribute(object, name);
}

std::vector<std::string> texts_attribute(hid_t object, const char* name) {
  if (!h5::has_attribute(object, name)) missing(object, name);
  return h5::read_strings_attribute(object, name);
}

template <class T>
T number_attribute(hid_t object, const char* name) {
  if (!h5::has_attribute(object, name)) missing(object, name);
  return h5::read_attribute<T>(object, name);
}

}  // namespace

const std::vector<std::string>& band_stats() {
  static const std::vector<std::string> names = {"mean", "p05", "p95"};
  return names;
}

const std::vector<std::string>& kpi_stats() {
  static const std::vector<std::string> names = {"mean", "sd", "ci_low", "ci_high"};
  return names;
}

std::string row_file_name(int row) {
  return fmt::format("row_{:06d}.h5", row);
}

void write_manifest_attributes(hid_t object, const SweepManifest& m) {
  h5::write_attribute(object, "design", m.design);
  h5::write_attribute(object, "lhs_points", static_cast<std::int32_t>(m.lhs_points));
  h5::write_attribute(object, "axes", m.axes);
  h5::write_attribute(object, "variants", m.variants);
  h5::write_attribute(object, "replicates", static_cast<std::int32_t>(m.replicates));
  h5::write_attribute(object, "seed_given", static_cast<std::uint8_t>(m.seed_given));
  h5::write_attribute(object, "keep_runs", static_cast<std::uint8_t>(m.keep_runs));
  h5::write_attribute(object, "days", static_cast<std::int32_t>(m.days));
  h5::write_attribute(object, "overrides", m.overrides);
}

void read_manifest_attributes(hid_t object, SweepManifest& m) {
  m.design = text_attribute(object, "design");
  m.lhs_points = number_attribute<std::int32_t>(object, "lhs_points");
  m.axes = texts_attribute(object, "axes");
  m.variants = texts_attribute(object, "variants");
  m.replicates = number_attribute<std::int32_t>(object, "replicates");
  m.seed_given = number_attribute<std::uint8_t>(object, "seed_given") != 0;
  m.keep_runs = number_attribute<std::uint8_t>(object, "keep_runs") != 0;
  m.days = number_attribute<std::int32_t>(object, "days");
  m.overrides = texts_attribute(object, "overrides");
}

h5::Dataset write_kpi_scale(hid_t group, const std::vector<KpiDef>& defs) {
  std::vector<std::string> ids, labels, views, units, descriptions;
  for (const KpiDef& d : defs) {
    ids.push_back(d.id);
    labels.push_back(d.label);
    views.push_back(view_text(d.view));
    units.push_back(d.unit);
    descriptions.push_back(d.description);
  }
  h5::Dataset scale = h5::write_strings(group, kKpi, ids);
  h5::check(H5DSset_scale(scale.get(), kKpi), "making " + h5::path_of(scale.get()) + " a scale");
  h5::write_attribute(scale.get(), "label", labels);
  h5::write_attribute(scale.get(), "view", views);
  h5::write_attribute(scale.get(), "unit", units);
  h5::write_attribute(scale.get(), "description", descriptions);
  return scale;
}

std::vector<KpiDef> read_kpi_scale(hid_t group) {
  h5::Dataset scale = h5::open_dataset(group, kKpi);
  const hid_t s = scale.get();
  const std::vector<std::string> ids = h5::read_strings(s);
  const std::vector<std::string> labels = texts_attribute(s, "label");
  const std::vector<std::string> views = texts_attribute(s, "view");
  const std::vector<std::string> units = texts_attribute(s, "unit");
  const std::vector<std::string> descriptions = texts_attribute(s, "description");
  if (labels.size() != ids.size() || views.size() != ids.size() || units.size() != ids.size() ||
      descriptions.size() != ids.size()) {
    throw h5::Hdf5Failure("reading " + h5::path_of(s),
                          "needs one label, view, unit and "
                          "description per KPI",
                          h5::Hdf5Failure::Cause::other);
  }
  std::vector<KpiDef> defs;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::optional<KpiView> view = parse_view(views[k]);
    if (!view) {
      throw h5::Hdf5Failure("reading " + h5::path_of(s),
                            fmt::format("unknown KPI view '{}'", views[k]),
                            h5::Hdf5Failure::Cause::other);
    }
    defs.push_back(KpiDef{ids[k], labels[k], *view, units[k], descriptions[k]});
  }
  return defs;
}

SweepColumns sweep_columns(const std::vector<std::string>& axes,
                           const std::vector<std::string>& kpi_ids) {
  SweepColumns c;
  c.numeric = axes;
  for (const std::string& id : kpi_ids) {
    for (const std::string& stat : kpi_stats()) c.numeric.push_back(id + "." + stat);
  }
  return c;
}

h5::Datatype SweepColumns::memory_type() const {
  h5::Datatype type(h5::check(H5Tcreate(H5T_COMPOUND, record_size()), "building the sweep type"));
  h5::Datatype text = h5::string_type();
  h5::check(H5Tinsert(type.get(), "point", 0, H5T_NATIVE_INT32), "building the sweep type");
  h5::check(H5Tinsert(type.get(), "variant", kVariantOffset, text.get()),
            "building the sweep type");
  for (std::size_t k = 0; k < numeric.size(); ++k) {
    h5::check(H5Tinsert(type.get(), numeric[k].c_str(), kNumbersOffset + 8 * k, H5T_NATIVE_DOUBLE),
              fmt::format("adding field '{}' to the sweep type", numeric[k]));
  }
  return type;
}

h5::Datatype SweepColumns::file_type() const {
  h5::Datatype text = h5::string_type();
  const std::size_t text_size = H5Tget_size(text.get());
  h5::Datatype type(h5::check(H5Tcreate(H5T_COMPOUND, 4 + text_size + 8 * numeric.size()),
                              "building the sweep type"));
  h5::check(H5Tinsert(type.get(), "point", 0, H5T_STD_I32LE), "building the sweep type");
  h5::check(H5Tinsert(type.get(), "variant", 4, text.get()), "building the sweep type");
  for (std::size_t k = 0; k < numeric.size(); ++k) {
    h5::check(H5Tinsert(type.get(), numeric[k].c_str(), 4 + text_size + 8 * k, H5T_IEEE_F64LE),
              fmt::format("adding field '{}' to the sweep type", numeric[k]));
  }
  return type;
}

h5::File create_memory_file(const std::string& label) {
  static std::atomic<unsigned> counter{0};
  h5::PropList access(h5::check(H5Pcreate(H5P_FILE_ACCESS), "creating file access properties"));
  h5::check(H5Pset_fapl_core(access.get(), 1 << 20, false), "choosing the in-memory driver");
  h5::PropList create = h5::file_creation_props();
  // The core driver tells files apart by name: give each its own.
  const std::string name = fmt::format("{}-{}", label, counter++);
  return h5::File(h5::check(H5Fcreate(name.c_str(), H5F_ACC_TRUNC, create.get(), access.get()),
                            "creating " + label + " in memory"));
}

std::vector<char> file_image(hid_t file) {
  h5::check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flushing a file in memory");
  const ssize_t size = h5::check(H5Fget_file_image(file, nullptr, 0), "sizing a file image");
  std::vector<char> bytes(static_cast<std::size_t>(size));
  h5::check(H5Fget_file_image(file, bytes.data(), bytes.size()), "copying a file image");
  return bytes;
}

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace cjsim::h5layout
