#include "io/hdf5_objects.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

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
  for (hsize_t d : dims) count *= d;
  return count;
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
  return Group(check(H5Gopen2(parent, name.c_str(), H5P_DEFAULT),
                     "opening group " + child_place(parent, name)));
}

Dataset open_dataset(hid_t parent, const std::string& name) {
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
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  Dataspace space(check(H5Aget_space(attr.get()), "reading " + place));
  return static_cast<std::size_t>(
      check(H5Sget_simple_extent_npoints(space.get()), "reading " + place));
}

void read_numbers_attribute(hid_t object, const char* name, hid_t mem_type, void* values) {
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  check(H5Aread(attr.get(), mem_type, values), "reading " + place);
}

std::string read_string_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  Datatype stored(check(H5Aget_type(attr.get()), "reading " + place));
  require_variable_string(stored.get(), place);
  Dataspace space(check(H5Aget_space(attr.get()), "reading " + place));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Hdf5Failure(place, "expected one string", Hdf5Failure::Cause::other);
  }
  Datatype type = string_type();
  std::vector<char*> raw(1, nullptr);
  check(H5Aread(attr.get(), type.get(), raw.data()), "reading " + place);
  return take_strings(raw, type.get(), space.get()).front();
}

std::vector<std::string> read_strings_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  Datatype stored(check(H5Aget_type(attr.get()), "reading " + place));
  require_variable_string(stored.get(), place);
  Dataspace space(check(H5Aget_space(attr.get()), "reading " + place));
  hssize_t count = check(H5Sget_simple_extent_npoints(space.get()), "reading " + place);
  std::vector<char*> raw(static_cast<std::size_t>(count), nullptr);
  if (raw.empty()) return {};
  Datatype type = string_type();
  check(H5Aread(attr.get(), type.get(), raw.data()), "reading " + place);
  return take_strings(raw, type.get(), space.get());
}

bool is_integer_attribute(hid_t object, const char* name) {
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  Datatype stored(check(H5Aget_type(attr.get()), "reading " + place));
  Dataspace space(check(H5Aget_space(attr.get()), "reading " + place));
  return H5Tget_class(stored.get()) == H5T_INTEGER &&
         H5Sget_simple_extent_npoints(space.get()) == 1;
}

void read_number_attribute(hid_t object, const char* name, hid_t mem_type, void* value) {
  std::string place = attribute_place(object, name);
  Attribute attr(check(H5Aopen(object, name, H5P_DEFAULT), "opening " + place));
  Dataspace space(check(H5Aget_space(attr.get()), "reading " + place));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) {
    throw Hdf5Failure(place, "expected one number", Hdf5Failure::Cause::other);
  }
  check(H5Aread(attr.get(), mem_type, value), "reading " + place);
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
  Dataspace space(check(H5Dget_space(dataset), "reading the shape of " + path_of(dataset)));
  int rank =
      check(H5Sget_simple_extent_ndims(space.get()), "reading the shape of " + path_of(dataset));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr),
        "reading the shape of " + path_of(dataset));
  return dims;
}

void read_numbers(hid_t dataset, hid_t mem_type, void* data) {
  if (element_count(dims_of(dataset)) == 0) return;
  check(H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
        "reading dataset " + path_of(dataset));
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
  Dataspace space(check(H5Dget_space(dataset), "reading " + place));
  hssize_t count = check(H5Sget_simple_extent_npoints(space.get()), "reading " + place);
  std::vector<char*> raw(static_cast<std::size_t>(count), nullptr);
  if (raw.empty()) return {};
  Datatype type = string_type();
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
