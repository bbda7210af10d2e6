#include "io/hdf5_touch_paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "cjsim/errors.hpp"
#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"

namespace cjsim::h5layout {

namespace {

// 2^18 events per chunk (~1 MiB for the day column): big enough to compress well, small
// enough that reading one customer's path touches little.
constexpr hsize_t kEventChunk = hsize_t{1} << 18;

template <class T>
void write_column(hid_t group, const char* name, const std::vector<T>& values, const char* units,
                  const char* long_name) {
  const hsize_t n = values.size();
  h5::Dataspace space(h5::check(H5Screate_simple(1, &n, nullptr), "creating a dataspace"));
  h5::PropList props = h5::dataset_creation_props();
  const std::string place = h5::path_of(group) + "/" + name;
  const hsize_t chunk = std::clamp<hsize_t>(n, 1, kEventChunk);
  h5::check(H5Pset_chunk(props.get(), 1, &chunk), "chunking " + place);
  h5::check(H5Pset_shuffle(props.get()), "compressing " + place);
  h5::check(H5Pset_deflate(props.get(), kDeflateLevel), "compressing " + place);
  h5::Dataset dataset(h5::check(H5Dcreate2(group, name, h5::file_type<T>(), space.get(),
                                           H5P_DEFAULT, props.get(), H5P_DEFAULT),
                                "creating dataset " + place));
  if (n > 0) {
    h5::check(
        H5Dwrite(dataset.get(), h5::memory_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
        "writing " + place);
  }
  h5::write_attribute(dataset.get(), "units", std::string(units));
  h5::write_attribute(dataset.get(), "long_name", std::string(long_name));
}

}  // namespace

void write_touch_paths(hid_t run_group, const TouchPaths& paths) {
  h5::Group group = h5::create_group(run_group, kTouchPaths);
  h5::write_attribute(group.get(), "purchase_code",
                      static_cast<std::uint8_t>(TouchPaths::kPurchase));
  write_column(group.get(), "offsets", paths.offsets, "index",
               "customer i's events are offsets[i] .. offsets[i+1]-1");
  write_column(group.get(), "day", paths.day, "day", "day of the event (0-based)");
  write_column(group.get(), "event", paths.event, "",
               "channel index (into channel), or purchase_code for a purchase");
  write_column(group.get(), "value", paths.value, "currency",
               "order value of a purchase, 0 for an exposure");
}

TouchPaths read_touch_paths(hid_t run_group, std::uint64_t customers, std::size_t channels,
                            int days, const std::string& file) {
  h5::Group group = h5::open_group(run_group, kTouchPaths);
  const std::string where = h5::path_of(group.get());
  auto bad = [&](const std::string& message) {
    throw InputError(SourcePlace{file, 0, 0}, where, "the file is damaged (" + message + ")",
                     "write it again with cjsim run --touch-paths (or cjsim value -o FILE "
                     "--touch-paths)");
  };
  auto column = [&]<class T>(const char* name, std::vector<T>& out) {
    if (!h5::has_link(group.get(), name)) bad(fmt::format("missing dataset '{}'", name));
    h5::Dataset d = h5::open_dataset(group.get(), name);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1) bad(fmt::format("'{}' must be one-dimensional", name));
    out = h5::read_all<T>(d.get(), h5::stored_elements(d.get()));
  };
  TouchPaths paths;
  column.operator()<std::uint64_t>("offsets", paths.offsets);
  column.operator()<std::int32_t>("day", paths.day);
  column.operator()<std::uint8_t>("event", paths.event);
  column.operator()<float>("value", paths.value);
  const std::size_t events = paths.event.size();
  if (paths.offsets.empty() || paths.offsets.size() - 1 != customers) {
    bad(fmt::format("offsets holds {} entries, expected customers + 1 = {}", paths.offsets.size(),
                    customers + 1));
  }
  if (paths.day.size() != events || paths.value.size() != events) {
    bad("day, event and value must have one entry per event");
  }
  if (paths.offsets.front() != 0 || paths.offsets.back() != events ||
      !std::is_sorted(paths.offsets.begin(), paths.offsets.end())) {
    bad("offsets must rise from 0 to the number of events");
  }
  for (std::size_t e = 0; e < events; ++e) {
    if ((paths.event[e] >= channels && paths.event[e] != TouchPaths::kPurchase) ||
        paths.day[e] < 0 || paths.day[e] >= days) {
      bad(fmt::format("event {} names channel {} on day {}: no such channel or day", e,
                      paths.event[e], paths.day[e]));
    }
  }
  return paths;
}

}  // namespace cjsim::h5layout
