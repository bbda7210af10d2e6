#include "io/hdf5_objects.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/hdf5_attribute_strings.hpp"
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

// --- lengths of variable-length strings, checked before HDF5 reads them ----------------------
//
// HDF5 1.10 trusts each stored string's length: it allocates and clears that many bytes before
// it looks at the heap the string lives in. One damaged length (4 bytes of a record) therefore
// costs up to 4 GiB and minutes per string before the library reports the damage. So before a
// dataset with such strings is read, its raw records are read from the file (bounded blocks)
// and every string's stored length and heap address are checked against the file's size.

// Where each variable-length string sits in a record on disk, given the record's size on disk.
// The type HDF5 hands back may describe memory (an 8-byte pointer per string) or disk (length,
// heap address and index per string): both are tried. Empty when the type holds no strings.
std::vector<std::size_t> string_spots(hid_t type, hsize_t disk_record, std::size_t disk_string,
                                      const std::string& place) {
  struct Member {
    std::size_t offset;
    bool string;
    std::size_t size;
  };
  std::vector<Member> members;
  auto is_string = [](hid_t t) {
    return H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0;
  };
  const H5T_class_t kind = H5Tget_class(type);
  if (kind == H5T_COMPOUND) {
    const int n = check(H5Tget_nmembers(type), "reading the type of " + place);
    for (int k = 0; k < n; ++k) {
      Datatype member(check(H5Tget_member_type(type, static_cast<unsigned>(k)),
                            "reading the type of " + place));
      const H5T_class_t c = H5Tget_class(member.get());
      if (c == H5T_VLEN || c == H5T_COMPOUND || c == H5T_ARRAY || c == H5T_REFERENCE) {
        damaged(place, "a field of a kind cjsim never writes");
      }
      members.push_back({H5Tget_member_offset(type, static_cast<unsigned>(k)),
                         is_string(member.get()), H5Tget_size(member.get())});
    }
  } else if (is_string(type)) {
    members.push_back({0, true, H5Tget_size(type)});
  } else if (kind == H5T_VLEN) {
    damaged(place, "a field of a kind cjsim never writes");
  }
  std::sort(members.begin(), members.end(),
            [](const Member& a, const Member& b) { return a.offset < b.offset; });
  std::vector<std::size_t> as_is, shifted;
  std::size_t grown = 0;
  for (const Member& m : members) {
    if (!m.string) continue;
    as_is.push_back(m.offset);
    shifted.push_back(m.offset + grown);
    grown += disk_string > m.size ? disk_string - m.size : 0;
  }
  if (as_is.empty()) return {};
  const std::size_t size = H5Tget_size(type);
  if (disk_record == size) return as_is;
  if (disk_record == size + grown) return shifted;
  damaged(place, fmt::format("records of {} bytes on disk, expected {} or {}", disk_record, size,
                             size + grown));
}

void check_string_lengths(hid_t dataset, hsize_t elements, const std::string& place) {
  Datatype stored(check(H5Dget_type(dataset), "reading the type of " + place));
  const H5T_class_t kind = H5Tget_class(stored.get());
  if (kind != H5T_STRING && kind != H5T_COMPOUND && kind != H5T_VLEN) return;
  if (kind == H5T_STRING && H5Tis_variable_str(stored.get()) <= 0) return;
  if (kind == H5T_COMPOUND) {
    // Only tables with string fields (KPIs, channel value, the sweep table): the customer table
    // has none, and is compressed.
    bool strings = false;
    const int n = check(H5Tget_nmembers(stored.get()), "reading the type of " + place);
    for (int k = 0; k < n && !strings; ++k) {
      Datatype member(check(H5Tget_member_type(stored.get(), static_cast<unsigned>(k)),
                            "reading the type of " + place));
      const H5T_class_t c = H5Tget_class(member.get());
      strings = (c == H5T_STRING && H5Tis_variable_str(member.get()) > 0) || c == H5T_VLEN;
    }
    if (!strings) return;
  }
  hsize_t file_bytes = 0;
  std::size_t address_bytes = 8;
  std::string file_name;
  {
    const hid_t id = H5Iget_file_id(dataset);
    if (id < 0) damaged(place, "HDF5 cannot say which file holds it");
    File file(id);
    if (H5Fget_filesize(file.get(), &file_bytes) < 0) damaged(place, "HDF5 cannot size its file");
    PropList create(check(H5Fget_create_plist(file.get()), "reading the file's properties"));
    std::size_t length_bytes = 0;
    check(H5Pget_sizes(create.get(), &address_bytes, &length_bytes), "reading the file's sizes");
    const ssize_t n = H5Fget_name(file.get(), nullptr, 0);
    if (n <= 0) damaged(place, "HDF5 cannot name its file");
    file_name.assign(static_cast<std::size_t>(n) + 1, '\0');
    H5Fget_name(file.get(), file_name.data(), file_name.size());
    file_name.resize(static_cast<std::size_t>(n));
  }
  if (address_bytes != 8 && address_bytes != 4) damaged(place, "addresses of an unusual size");
  const std::size_t disk_string = 4 + address_bytes + 4;  // length, heap address, index

  // The extents holding the records: one for a contiguous dataset, one per chunk otherwise.
  struct Extent {
    haddr_t address;
    hsize_t bytes;
  };
  std::vector<Extent> extents;
  hsize_t disk_record = 0;
  PropList props(check(H5Dget_create_plist(dataset), "reading the layout of " + place));
  const H5D_layout_t layout = H5Pget_layout(props.get());
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t address = H5Dget_offset(dataset);
    H5Eclear2(H5E_DEFAULT);
    if (address == HADDR_UNDEF) return;  // never written: HDF5 returns empty strings
    const hsize_t bytes = H5Dget_storage_size(dataset);
    if (bytes % elements != 0) damaged(place, "its storage is not whole records");
    disk_record = bytes / elements;
    extents.push_back({address, bytes});
  } else if (layout == H5D_CHUNKED) {
    if (check(H5Pget_nfilters(props.get()), "reading the filters of " + place) > 0) {
      damaged(place, "strings compressed, which cjsim never writes");
    }
    hsize_t chunk[H5S_MAX_RANK] = {};
    const int rank = check(H5Pget_chunk(props.get(), H5S_MAX_RANK, chunk), "reading " + place);
    hsize_t chunk_elements = 1;
    for (int d = 0; d < rank; ++d) chunk_elements *= std::max<hsize_t>(chunk[d], 1);
    Dataspace space(check(H5Dget_space(dataset), "reading the shape of " + place));
    hsize_t chunks = 0;
    check(H5Dget_num_chunks(dataset, space.get(), &chunks), "reading the chunks of " + place);
    if (chunks > elements) damaged(place, "more chunks than elements");
    for (hsize_t k = 0; k < chunks; ++k) {
      hsize_t offset[H5S_MAX_RANK] = {};
      unsigned mask = 0;
      haddr_t address = HADDR_UNDEF;
      hsize_t bytes = 0;
      check(H5Dget_chunk_info(dataset, space.get(), k, offset, &mask, &address, &bytes),
            "reading the chunks of " + place);
      if (chunk_elements == 0 || bytes % chunk_elements != 0) {
        damaged(place, "a chunk that is not whole records");
      }
      if (disk_record != 0 && bytes / chunk_elements != disk_record) {
        damaged(place, "chunks of different record sizes");
      }
      disk_record = bytes / chunk_elements;
      extents.push_back({address, bytes});
    }
    if (extents.empty()) return;
  } else {
    damaged(place, "strings stored in a layout cjsim never writes");
  }
  const std::vector<std::size_t> spots =
      string_spots(stored.get(), disk_record, disk_string, place);
  if (spots.empty()) return;

  const int fd = ::open(file_name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) damaged(place, "cannot open its file again to check its strings");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // Whole records per block, at most about 1 MiB.
  const hsize_t per_block = std::max<hsize_t>(1, (hsize_t{1} << 20) / disk_record);
  std::vector<unsigned char> block;
  for (const Extent& e : extents) {
    if (e.address == HADDR_UNDEF || e.address > file_bytes || e.bytes > file_bytes - e.address) {
      damaged(place, "its records lie outside the file");
    }
    for (hsize_t at = 0; at < e.bytes; at += per_block * disk_record) {
      const hsize_t bytes = std::min(per_block * disk_record, e.bytes - at);
      block.resize(static_cast<std::size_t>(bytes));
      const ssize_t got =
          ::pread(fd, block.data(), block.size(), static_cast<off_t>(e.address + at));
      if (got != static_cast<ssize_t>(block.size())) damaged(place, "its records cannot be read");
      for (std::size_t r = 0; r + disk_record <= block.size(); r += disk_record) {
        for (const std::size_t spot : spots) {
          const unsigned char* p = block.data() + r + spot;
          std::uint32_t length = 0;
          for (int b = 3; b >= 0; --b) length = (length << 8) | p[b];
          std::uint64_t heap = 0;
          for (int b = static_cast<int>(address_bytes) - 1; b >= 0; --b)
            heap = (heap << 8) | p[4 + b];
          if (length > file_bytes || (length > 0 && heap >= file_bytes)) {
            damaged(place, fmt::format("a string claims {} bytes at {} in a file of {} bytes",
                                       length, heap, file_bytes));
          }
        }
      }
    }
  }
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

// Names are mostly asked for to describe a failure: check(H5Dwrite(...), "writing " +
// path_of(d)) evaluates its two arguments in either order, and every HDF5 call clears the calling
// thread's error stack on entry. Clang evaluates the write first, so naming the dataset afterwards
// erased the reason for the failure (a full disk told as a bare "cannot write"). The stack is
// set aside while asking for the name and put back after.
std::string path_of(hid_t object) {
  const hid_t pending = H5Eget_current_stack();
  ssize_t length = H5Iget_name(object, nullptr, 0);
  std::string name = "?";
  if (length > 0) {
    name.assign(static_cast<std::size_t>(length) + 1, '\0');
    H5Iget_name(object, name.data(), name.size());
    name.resize(static_cast<std::size_t>(length));
  }
  if (pending >= 0) H5Eset_current_stack(pending);  // restores it, and closes the copy
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
  check_attribute_strings(object, name, place);  // their stored lengths, before HDF5 allocates
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
  check_attribute_strings(object, name, place);  // their stored lengths, before HDF5 allocates
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
  check_string_lengths(dataset, elements, place);
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
