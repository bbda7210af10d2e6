#include "io/hdf5_objects.hpp"

#include <fmt/format.h>

#include <limits>
#include <string>
#include <vector>

#include "io/hdf5_crash_guard.hpp"

namespace cjsim::h5 {

namespace {

std::string attribute_place(hid_t object, const char* name) {
  return fmt::format("attribute '{}' of {}", name, path_of(object));
}

std::string child_place(hid_t parent, const std::string& name) {
  std::string base = path_of(parent);
  return base == "/" ? "/" + name : base + "/" + name;
}

hsize_t element_count(const std::vector<hsize_t>& dims) {
  hsize_t count = 1;
  for (hsize_t d : dims) {
    if (d != 0 && count > std::numeric_limits<hsize_t>::max() / d) {
      return std::numeric_limits<hsize_t>::max();
    }
    count *= d;
  }
  return count;
}

[[noreturn]] void damaged(const std::string& place, const std::string& detail) {
  throw Hdf5Failure(place, detail, Hdf5Failure::Cause::other);
}

// The largest factor by which a dataset's filters can grow its stored bytes: deflate (zlib)
// inflates at most 1032:1, shuffle and Fletcher-32 not at all. cjsim writes no other filter.
hsize_t max_expansion(hid_t dataset, const std::string& place) {
  PropList props(check(H5Dget_create_plist(dataset), "reading the filters of " + place));
  const int filters = check(H5Pget_nfilters(props.get()), "reading the filters of " + place);
  hsize_t expansion = 1;
  for (int k = 0; k < filters; ++k) {
    unsigned flags = 0;
    std::size_t values = 8;
    unsigned cd_values[8] = {};
    const H5Z_filter_t filter = check(H5Pget_filter2(props.get(), static_cast<unsigned>(k), &flags,
                                                     &values, cd_values, 0, nullptr, nullptr),
                                      "reading the filters of " + place);
    if (filter == H5Z_FILTER_DEFLATE) {
      expansion = 1032;
    } else if (filter != H5Z_FILTER_SHUFFLE && filter != H5Z_FILTER_FLETCHER32) {
      damaged(place, fmt::format("compressed with filter {}, which cjsim never writes", filter));
    }
  }
  return expansion;
}

Dataspace simple_space(const std::vector<hsize_t>& dims) {
  return Dataspace(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                         "creating a dataspace"));
}

std::vector<const char*> c_strings(const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  return pointers;
}

// The size of the file `object` is in (0 when HDF5 cannot say).
hsize_t file_size_of(hid_t object) {
  hsize_t bytes = 0;
  const hid_t id = H5Iget_file_id(object);
  if (id >= 0) {
    File file(id);
    if (H5Fget_filesize(file.get(), &bytes) < 0) bytes = 0;
  }
  H5Eclear2(H5E_DEFAULT);
  return bytes;
}

// An attribute, opened, with its element count checked against the bytes of its file: an
// attribute's values are stored in the file (in its object's header or a heap), so a count whose
// bytes exceed the whole file is damage, refused before anything is allocated for it.
struct OpenAttribute {
  Attribute attr;
  Datatype type;
  Dataspace space;
  hsize_t count = 0;
};
OpenAttribute open_attribute(hid_t object, const char* name, const std::string& place) {
  reading_object(place);
  OpenAttribute a;
  a.attr = Attribute(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  a.type = Datatype(check(H5Aget_type(a.attr.get()), "reading " + place));
  a.space = Dataspace(check(H5Aget_space(a.attr.get()), "reading " + place));
  const hssize_t count = check(H5Sget_simple_extent_npoints(a.space.get()), "reading " + place);
  const std::size_t element_bytes = H5Tget_size(a.type.get());
  const hsize_t file_bytes = file_size_of(object);
  if (count < 0 || element_bytes == 0 ||
      (file_bytes > 0 && static_cast<hsize_t>(count) > file_bytes / element_bytes)) {
    damaged(place, fmt::format("claims {} values of {} bytes in a file of {} bytes", count,
                               element_bytes, file_bytes));
  }
  a.count = static_cast<hsize_t>(count);
  return a;
}

// Copies variable-length strings HDF5 allocated, then lets HDF5 free them.
std::vector<std::string> take_strings(std::vector<char*>& raw, hid_t mem_type, hid_t space) {
  std::vector<std::string> values;
  values.reserve(raw.size());
  for (const char* s : raw) values.emplace_back(s == nullptr ? "" : s);
  if (!raw.empty()) H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, raw.data());
  return values;
}

void require_variable_string(hid_t type, const std::string& place) {
  if (H5Tget_class(type) != H5T_STRING || H5Tis_variable_str(type) <= 0) {
    throw Hdf5Failure(place, "expected variable-length strings", Hdf5Failure::Cause::other);
  }
}

}  // namespace

Datatype string_type() {
  Datatype type(check(H5Tcopy(H5T_C_S1), "creating the string type"));
  check(H5Tset_size(type.get(), H5T_VARIABLE), "creating the string type");
  check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "creating the string type");
  return type;
}

PropList file_creation_props() {
  PropList props(check(H5Pcreate(H5P_FILE_CREATE), "creating file properties"));
  check(H5Pset_obj_track_times(props.get(), false), "creating file properties");
  check(H5Pset_link_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating file properties");
  check(H5Pset_attr_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating file properties");
  return props;
}

PropList group_creation_props() {
  PropList props(check(H5Pcreate(H5P_GROUP_CREATE), "creating group properties"));
  check(H5Pset_obj_track_times(props.get(), false), "creating group properties");
  check(H5Pset_link_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating group properties");
  check(H5Pset_attr_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating group properties");
  return props;
}

PropList dataset_creation_props() {
  PropList props(check(H5Pcreate(H5P_DATASET_CREATE), "creating dataset properties"));
  check(H5Pset_obj_track_times(props.get(), false), "creating dataset properties");
  check(H5Pset_attr_creation_order(props.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creating dataset properties");
  return props;
}

std::string path_of(hid_t object) {
  ssize_t length = H5Iget_name(object, nullptr, 0);
  if (length <= 0) return "?";
  std::string name(static_cast<std::size_t>(length) + 1, '\0');
  H5Iget_name(object, name.data(), name.size());
  name.resize(static_cast<std::size_t>(length));
  return name;
}

bool has_link(hid_t parent, const std::string& name) {
  return check(H5Lexists(parent, name.c_str(), H5P_DEFAULT),
               "looking up " + child_place(parent, name)) > 0;
}

Group create_group(hid_t parent, const std::string& name) {
  PropList props = group_creation_props();
  return Group(check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
                     "creating group " + child_place(parent, name)));
}

Group open_group(hid_t parent, const std::string& name) {
  reading_object(child_place(parent, name));
  return Group(check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT),
                     "opening group " + child_place(parent, name)));
}

Dataset open_dataset(hid_t parent, const std::string& name) {
  reading_object(child_place(parent, name));
  return Dataset(check(H5Dopen2(parent, name.c_str(), H5P_DEFAULT),
                       "opening dataset " + child_place(parent, name)));
}

namespace {
herr_t collect_name(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> child_names(hid_t group) {
  reading_object(path_of(group));
  std::vector<std::string> names;
  hsize_t position = 0;
  if (H5Literate(group, H5_INDEX_CRT_ORDER, H5_ITER_INC, &position, collect_name, &names) >= 0) {
    return names;
  }
  // Groups written without a creation-order index (not by cjsim) list by name.
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  position = 0;
  check(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &position, collect_name, &names),
        "listing " + path_of(group));
  return names;
}

bool has_attribute(hid_t object, const char* name) {
  return check(H5Aexists(object, name), "looking up " + attribute_place(object, name)) > 0;
}

void write_attribute(hid_t object, const char* name, const std::string& value) {
  Datatype type = string_type();
  Dataspace space(check(H5Screate(H5S_SCALAR), "creating a dataspace"));
  Attribute attr(check(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "creating " + attribute_place(object, name)));
  const char* text = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &text), "writing " + attribute_place(object, name));
}

void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values) {
  Datatype type = string_type();
  Dataspace space = simple_space({values.size()});
  Attribute attr(check(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "creating " + attribute_place(object, name)));
  if (values.empty()) return;
  std::vector<const char*> pointers = c_strings(values);
  check(H5Awrite(attr.get(), type.get(), pointers.data()),
        "writing " + attribute_place(object, name));
}

void write_number_attribute(hid_t object, const char* name, hid_t mem_type, hid_t file_type,
                            const void* value) {
  Dataspace space(check(H5Screate(H5S_SCALAR), "creating a dataspace"));
  Attribute attr(check(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "creating " + attribute_place(object, name)));
  check(H5Awrite(attr.get(), mem_type, value), "writing " + attribute_place(object, name));
}

void write_numbers_attribute(hid_t object, const char* name, hid_t mem_type, hid_t file_type,
                             std::size_t count, const void* values) {
  Dataspace space = simple_space({count});
  Attribute attr(check(H5Acreate2(object, name, file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
                       "creating " + attribute_place(object, name)));
  if (count == 0) return;
  check(H5Awrite(attr.get(), mem_type, values), "writing " + attribute_place(object, name));
}

std::size_t attribute_size(hid_t object, const char* name) {
  return static_cast<std::size_t>(
      open_attribute(object, name, attribute_place(object, name)).count);
}

void read_numbers_attribute(hid_t object, const char* name, hid_t mem_type, void* values,
                            std::size_t count) {
  const std::string place = attribute_place(object, name);
  OpenAttribute a = open_attribute(object, name, place);
  const H5T_class_t kind = H5Tget_class(a.type.get());
  if (kind != H5T_INTEGER && kind != H5T_FLOAT) damaged(place, "expected numbers");
  if (a.count != count) damaged(place, fmt::format("holds {} values, expected {}", a.count, count));
  if (count == 0) return;
  check(H5Aread(a.attr.get(), mem_type, values), "reading " + place);
}

std::string read_string_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  OpenAttribute a = open_attribute(object, name, place);
  require_variable_string(a.type.get(), place);
  if (a.count != 1) damaged(place, "expected one string");
  Datatype type = string_type();
  std::vector<char*> raw(1, nullptr);
  check(H5Aread(a.attr.get(), type.get(), raw.data()), "reading " + place);
  return take_strings(raw, type.get(), a.space.get()).front();
}

std::vector<std::string> read_strings_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  OpenAttribute a = open_attribute(object, name, place);
  require_variable_string(a.type.get(), place);
  std::vector<char*> raw(static_cast<std::size_t>(a.count), nullptr);
  if (raw.empty()) return {};
  Datatype type = string_type();
  check(H5Aread(a.attr.get(), type.get(), raw.data()), "reading " + place);
  return take_strings(raw, type.get(), a.space.get());
}

bool is_integer_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  OpenAttribute a = open_attribute(object, name, place);
  return H5Tget_class(a.type.get()) == H5T_INTEGER && a.count == 1;
}

void read_number_attribute(hid_t object, const char* name, hid_t mem_type, void* value) {
  std::string place = attribute_place(object, name);
  OpenAttribute a = open_attribute(object, name, place);
  const H5T_class_t kind = H5Tget_class(a.type.get());
  if ((kind != H5T_INTEGER && kind != H5T_FLOAT) || a.count != 1) {
    damaged(place, "expected one number");
  }
  check(H5Aread(a.attr.get(), mem_type, value), "reading " + place);
}

Dataset write_numbers(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                      hid_t mem_type, hid_t file_type, const void* data) {
  std::string place = child_place(parent, name);
  Dataspace space = simple_space(dims);
  PropList props = dataset_creation_props();
  Dataset dataset(check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                   props.get(), H5P_DEFAULT),
                        "creating dataset " + place));
  if (element_count(dims) > 0) {
    check(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          "writing dataset " + place);
  }
  return dataset;
}

std::vector<hsize_t> dims_of(hid_t dataset) {
  const std::string place = path_of(dataset);
  reading_object(place);
  Dataspace space(check(H5Dget_space(dataset), "reading the shape of " + place));
  const int rank = check(H5Sget_simple_extent_ndims(space.get()), "reading the shape of " + place);
  if (rank > H5S_MAX_RANK) damaged(place, fmt::format("has {} dimensions", rank));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr),
        "reading the shape of " + place);
  return dims;
}

hsize_t stored_elements(hid_t dataset) {
  const std::string place = path_of(dataset);
  const hsize_t elements = element_count(dims_of(dataset));
  if (elements == 0) return 0;
  Datatype stored(check(H5Dget_type(dataset), "reading the type of " + place));
  const std::size_t element_bytes = H5Tget_size(stored.get());
  if (element_bytes == 0) damaged(place, "has elements of no size");
  const hsize_t storage = H5Dget_storage_size(dataset);
  H5Eclear2(H5E_DEFAULT);
  hid_t file_id = H5Iget_file_id(dataset);
  hsize_t file_bytes = 0;
  if (file_id >= 0) {
    File file(file_id);
    if (H5Fget_filesize(file.get(), &file_bytes) < 0) file_bytes = 0;
  }
  H5Eclear2(H5E_DEFAULT);
  const hsize_t held = std::min(storage, file_bytes == 0 ? storage : file_bytes);
  const hsize_t expansion = max_expansion(dataset, place);
  const hsize_t limit = held > std::numeric_limits<hsize_t>::max() / expansion
                            ? std::numeric_limits<hsize_t>::max()
                            : held * expansion;
  if (elements == std::numeric_limits<hsize_t>::max() || elements > limit / element_bytes) {
    damaged(place, fmt::format("claims {} elements of {} bytes but stores {} bytes",
                               elements == std::numeric_limits<hsize_t>::max()
                                   ? std::string("more than 2^64")
                                   : std::to_string(elements),
                               element_bytes, storage));
  }
  return elements;
}

void read_numbers(hid_t dataset, hid_t mem_type, void* data, std::size_t count) {
  const std::string place = path_of(dataset);
  if (stored_elements(dataset) != count) {
    damaged(place,
            fmt::format("holds {} values, expected {}", element_count(dims_of(dataset)), count));
  }
  if (count == 0) return;
  Datatype stored(check(H5Dget_type(dataset), "reading the type of " + place));
  const H5T_class_t kind = H5Tget_class(stored.get());
  if (kind != H5T_INTEGER && kind != H5T_FLOAT) damaged(place, "expected numbers");
  reading_object(place);
  check(H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
        "reading dataset " + place);
}

Dataset write_strings(hid_t parent, const std::string& name,
                      const std::vector<std::string>& values) {
  Datatype type = string_type();
  std::vector<const char*> pointers = c_strings(values);
  return write_numbers(parent, name, {values.size()}, type.get(), type.get(), pointers.data());
}

Dataset write_string(hid_t parent, const std::string& name, const std::string& value) {
  std::string place = child_place(parent, name);
  Datatype type = string_type();
  Dataspace space(check(H5Screate(H5S_SCALAR), "creating a dataspace"));
  PropList props = dataset_creation_props();
  Dataset dataset(check(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                   props.get(), H5P_DEFAULT),
                        "creating dataset " + place));
  const char* text = value.c_str();
  check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text),
        "writing dataset " + place);
  return dataset;
}

std::vector<std::string> read_strings(hid_t dataset) {
  std::string place = path_of(dataset);
  Datatype stored(check(H5Dget_type(dataset), "reading " + place));
  require_variable_string(stored.get(), place);
  if (dims_of(dataset).size() > 1) damaged(place, "expected a list of strings");
  const hsize_t count = stored_elements(dataset);
  Dataspace space(check(H5Dget_space(dataset), "reading " + place));
  std::vector<char*> raw(static_cast<std::size_t>(count), nullptr);
  if (raw.empty()) return {};
  Datatype type = string_type();
  reading_object(place);
  check(H5Dread(dataset, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()),
        "reading " + place);
  return take_strings(raw, type.get(), space.get());
}

std::string read_string(hid_t dataset) {
  std::vector<std::string> values = read_strings(dataset);
  if (values.size() != 1) {
    throw Hdf5Failure(path_of(dataset), "expected one string", Hdf5Failure::Cause::other);
  }
  return values.front();
}

}  // namespace cjsim::h5
