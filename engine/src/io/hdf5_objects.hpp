// Typed helpers over the HDF5 C API for the few object kinds the result file uses: groups,
// attributes, plain n-dimensional datasets and string lists. Every failure throws Hdf5Failure
// naming the object (hdf5_handles.hpp).
//
// Everything is created without time stamps and with creation order tracked, so the same
// content gives the same bytes and readers list objects in the order they were written.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "io/hdf5_handles.hpp"

namespace cjsim::h5 {

// The HDF5 types of the C++ numbers we store: native in memory, little-endian in the file.
template <class T>
hid_t memory_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_NATIVE_UINT16;
  if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
}
template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_STD_U8LE;
  if constexpr (std::is_same_v<T, std::uint16_t>) return H5T_STD_U16LE;
  if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_STD_U32LE;
  if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_STD_U64LE;
  if constexpr (std::is_same_v<T, std::int32_t>) return H5T_STD_I32LE;
  if constexpr (std::is_same_v<T, std::int64_t>) return H5T_STD_I64LE;
  if constexpr (std::is_same_v<T, float>) return H5T_IEEE_F32LE;
  if constexpr (std::is_same_v<T, double>) return H5T_IEEE_F64LE;
}

// Variable-length UTF-8 strings: what h5py, pandas and xarray read as str.
Datatype string_type();

// Creation property lists: no time stamps, creation order tracked and indexed.
PropList file_creation_props();
PropList group_creation_props();
PropList dataset_creation_props();

// The path of an open object, for messages ("/runs/base/replicate_0/revenue").
std::string path_of(hid_t object);

// Links. `name` is one link name, relative to `parent`.
bool has_link(hid_t parent, const std::string& name);
Group create_group(hid_t parent, const std::string& name);
Group open_group(hid_t parent, const std::string& name);
Dataset open_dataset(hid_t parent, const std::string& name);
// Names of the children of `group`, in creation order (name order if none was tracked).
std::vector<std::string> child_names(hid_t group);

// Attributes.
bool has_attribute(hid_t object, const char* name);
void write_attribute(hid_t object, const char* name, const std::string& value);
void write_attribute(hid_t object, const char* name, const std::vector<std::string>& values);
void write_number_attribute(hid_t object, const char* name, hid_t mem_type, hid_t file_type,
                            const void* value);
template <class T>
void write_attribute(hid_t object, const char* name, T value) {
  static_assert(std::is_arithmetic_v<T>);
  write_number_attribute(object, name, memory_type<T>(), file_type<T>(), &value);
}
void write_numbers_attribute(hid_t object, const char* name, hid_t mem_type, hid_t file_type,
                             std::size_t count, const void* values);
template <class T>
void write_attribute(hid_t object, const char* name, const std::vector<T>& values) {
  static_assert(std::is_arithmetic_v<T>);
  write_numbers_attribute(object, name, memory_type<T>(), file_type<T>(), values.size(),
                          values.data());
}
std::string read_string_attribute(hid_t object, const char* name);
std::vector<std::string> read_strings_attribute(hid_t object, const char* name);
bool is_integer_attribute(hid_t object, const char* name);
void read_number_attribute(hid_t object, const char* name, hid_t mem_type, void* value);
template <class T>
T read_attribute(hid_t object, const char* name) {
  T value{};
  read_number_attribute(object, name, memory_type<T>(), &value);
  return value;
}
// Number of elements; a count whose bytes exceed the file is refused as damage.
std::size_t attribute_size(hid_t object, const char* name);
// Exactly `count` numbers (Hdf5Failure when the attribute holds another count or no numbers).
void read_numbers_attribute(hid_t object, const char* name, hid_t mem_type, void* values,
                            std::size_t count);
template <class T>
std::vector<T> read_array_attribute(hid_t object, const char* name) {
  std::vector<T> values(attribute_size(object, name));
  read_numbers_attribute(object, name, memory_type<T>(), values.data(), values.size());
  return values;
}

// Datasets of numbers, row-major, contiguous.
Dataset write_numbers(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                      hid_t mem_type, hid_t file_type, const void* data);
template <class T>
Dataset write_dataset(hid_t parent, const std::string& name, const std::vector<hsize_t>& dims,
                      const std::vector<T>& values) {
  return write_numbers(parent, name, dims, memory_type<T>(), file_type<T>(), values.data());
}
std::vector<hsize_t> dims_of(hid_t dataset);
// The dataset's element count, checked before anything is allocated for it: the product of its
// dimensions must not overflow and must fit in the bytes the dataset stores (times what its
// filters can expand them to, deflate at most 1032:1). Hdf5Failure otherwise.
hsize_t stored_elements(hid_t dataset);
// Exactly `count` numbers, converted to mem_type (Hdf5Failure when the dataset holds another
// count, or no numbers).
void read_numbers(hid_t dataset, hid_t mem_type, void* data, std::size_t count);
template <class T>
std::vector<T> read_all(hid_t dataset, std::size_t count) {
  if (stored_elements(dataset) != count) {
    throw Hdf5Failure(path_of(dataset),
                      "holds " + std::to_string(stored_elements(dataset)) + " values, expected " +
                          std::to_string(count),
                      Hdf5Failure::Cause::other);
  }
  std::vector<T> values(count);
  read_numbers(dataset, memory_type<T>(), values.data(), count);
  return values;
}

// Strings: a 1-D dataset of them, or one (a scalar dataset).
Dataset write_strings(hid_t parent, const std::string& name,
                      const std::vector<std::string>& values);
Dataset write_string(hid_t parent, const std::string& name, const std::string& value);
std::vector<std::string> read_strings(hid_t dataset);
std::string read_string(hid_t dataset);

}  // namespace cjsim::h5
