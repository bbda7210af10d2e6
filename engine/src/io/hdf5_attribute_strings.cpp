// Layout of object headers and attribute messages: the HDF5 file format specification, version
// 2.0 (sections IV.A.1 "Object Header", IV.A.2.m "Attribute Message", IV.A.2.b "Dataspace
// Message", IV.A.2.d "Datatype Message").
#include "io/hdf5_attribute_strings.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "io/hdf5_handles.hpp"

namespace cjsim::h5 {

namespace {

[[noreturn]] void damaged(const std::string& place, const std::string& detail) {
  throw Hdf5Failure(place, detail, Hdf5Failure::Cause::other);
}

std::uint64_t little_endian(const unsigned char* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t b = bytes; b-- > 0;) v = (v << 8) | p[b];
  return v;
}

// The file, read with pread, every range checked against its size.
struct RawFile {
  int fd = -1;
  std::uint64_t size = 0;
  std::uint64_t base = 0;   // the user block: HDF5 addresses count from its end
  std::size_t offsets = 8;  // bytes of an address (the superblock's "size of offsets")
  std::size_t lengths = 8;  // bytes of a length ("size of lengths")
  const std::string* place = nullptr;

  RawFile() = default;
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;
  ~RawFile() {
    if (fd >= 0) ::close(fd);
  }

  std::vector<unsigned char> read(std::uint64_t address, std::uint64_t bytes) const {
    const std::uint64_t at = base + address;
    if (address > size || at > size || bytes > size - at) {
      damaged(*place, "its object header lies outside the file");
    }
    std::vector<unsigned char> out(static_cast<std::size_t>(bytes));
    std::size_t got = 0;
    while (got < out.size()) {
      const ssize_t n =
          ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(at + got));
      if (n <= 0) damaged(*place, "its object header cannot be read");
      got += static_cast<std::size_t>(n);
    }
    return out;
  }
};

// Reads fields of one message in order; running past its end is damage.
struct Cursor {
  const unsigned char* p;
  std::size_t left;
  const std::string& place;

  std::uint64_t take(std::size_t bytes) {
    const std::uint64_t v = little_endian(need(bytes), bytes);
    return v;
  }
  const unsigned char* need(std::size_t bytes) {
    if (bytes > left) damaged(place, "an object header message runs past its end");
    const unsigned char* at = p;
    p += bytes;
    left -= bytes;
    return at;
  }
};

std::size_t padded8(std::uint64_t n) {
  return static_cast<std::size_t>((n + 7) / 8 * 8);
}

// One attribute message: checks its strings when it is the attribute `name`. True when found.
bool check_message(const unsigned char* data, std::size_t size, const std::string& name,
                   const RawFile& file, const std::string& place) {
  Cursor c{data, size, place};
  const auto version = c.take(1);
  if (version < 1 || version > 3) return false;  // a version HDF5 1.10 does not write
  const auto flags = c.take(1);                  // reserved in version 1
  const auto name_size = c.take(2), type_size = c.take(2), space_size = c.take(2);
  if (version == 3) c.take(1);  // the name's character set
  const bool pad = version == 1;
  const unsigned char* stored_name = c.need(static_cast<std::size_t>(name_size));
  if (pad) c.need(padded8(name_size) - static_cast<std::size_t>(name_size));
  const std::string found(
      reinterpret_cast<const char*>(stored_name),
      ::strnlen(reinterpret_cast<const char*>(stored_name), static_cast<std::size_t>(name_size)));
  if (found != name) return false;
  if (version > 1 && (flags & 0x03u) != 0) return true;  // a shared datatype or dataspace
  const unsigned char* type = c.need(static_cast<std::size_t>(type_size));
  if (pad) c.need(padded8(type_size) - static_cast<std::size_t>(type_size));
  const unsigned char* space = c.need(static_cast<std::size_t>(space_size));
  if (pad) c.need(padded8(space_size) - static_cast<std::size_t>(space_size));
  // Variable-length (class 9) strings (type 1) only.
  if (type_size < 2 || (type[0] & 0x0Fu) != 9 || (type[1] & 0x0Fu) != 1) return true;
  Cursor s{space, static_cast<std::size_t>(space_size), place};
  const auto space_version = s.take(1);
  const auto rank = s.take(1);
  s.take(1);  // flags
  std::uint64_t elements = 1;
  if (space_version == 1) {
    s.need(5);
  } else if (space_version == 2) {
    if (s.take(1) == 2) elements = 0;  // a null dataspace
  } else {
    damaged(place, fmt::format("a dataspace of version {}", space_version));
  }
  for (std::uint64_t d = 0; d < rank && elements > 0; ++d) {
    const std::uint64_t n = s.take(file.lengths);
    if (n != 0 && elements > file.size / n) damaged(place, "more strings than the file holds");
    elements *= n;
  }
  const std::size_t record = 4 + file.offsets + 4;  // length, heap address, object index
  if (elements > c.left / record) {
    damaged(place, fmt::format("claims {} strings in {} bytes", elements, c.left));
  }
  for (std::uint64_t k = 0; k < elements; ++k) {
    const unsigned char* r = c.need(record);
    const std::uint64_t length = little_endian(r, 4);
    const std::uint64_t heap = little_endian(r + 4, file.offsets);
    if (length > file.size || (length > 0 && heap >= file.size)) {
      damaged(place, fmt::format("a string claims {} bytes at {} in a file of {} bytes", length,
                                 heap, file.size));
    }
  }
  return true;
}

}  // namespace

void check_attribute_strings(hid_t object, const char* name, const std::string& place) {
  RawFile file;
  file.place = &place;
  {
    const hid_t id = H5Iget_file_id(object);
    if (id < 0) damaged(place, "HDF5 cannot say which file holds it");
    File f(id);
    // Files in memory (the sweep's partial files while they are built) have no bytes to read.
    PropList access(check(H5Fget_access_plist(f.get()), "reading the file's properties"));
    if (H5Pget_driver(access.get()) != H5FD_SEC2) return;
    hsize_t bytes = 0;
    if (H5Fget_filesize(f.get(), &bytes) < 0) damaged(place, "HDF5 cannot size its file");
    file.size = bytes;
    PropList create(check(H5Fget_create_plist(f.get()), "reading the file's properties"));
    check(H5Pget_sizes(create.get(), &file.offsets, &file.lengths), "reading the file's sizes");
    hsize_t user_block = 0;
    check(H5Pget_userblock(create.get(), &user_block), "reading the file's user block");
    file.base = user_block;
    const ssize_t n = H5Fget_name(f.get(), nullptr, 0);
    if (n <= 0) damaged(place, "HDF5 cannot name its file");
    std::string path(static_cast<std::size_t>(n) + 1, '\0');
    H5Fget_name(f.get(), path.data(), path.size());
    path.resize(static_cast<std::size_t>(n));
    file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) damaged(place, "cannot open its file again to check its strings");
  }
  if ((file.offsets != 4 && file.offsets != 8) || (file.lengths != 4 && file.lengths != 8)) {
    damaged(place, "addresses of an unusual size");
  }
  H5O_info_t info{};
  check(H5Oget_info2(object, &info, H5O_INFO_BASIC), "reading the header of " + place);

  // The header's chunks: the first one, then one per continuation message.
  struct Chunk {
    std::uint64_t address, bytes;
  };
  std::vector<Chunk> chunks;
  bool version1 = false, creation_order = false;
  {
    const std::vector<unsigned char> first = file.read(info.addr, 1);
    if (first[0] == 1) {
      version1 = true;
      const std::vector<unsigned char> prefix = file.read(info.addr, 16);
      chunks.push_back({info.addr + 16, little_endian(prefix.data() + 8, 4)});
    } else {
      const std::vector<unsigned char> head = file.read(info.addr, 6);
      if (std::memcmp(head.data(), "OHDR", 4) != 0 || head[4] != 2) {
        damaged(place, "its object header has no known signature");
      }
      const unsigned flags = head[5];
      creation_order = (flags & 0x04u) != 0;
      std::uint64_t at = 6 + ((flags & 0x20u) ? 16u : 0u) + ((flags & 0x10u) ? 4u : 0u);
      const std::size_t size_bytes = std::size_t{1} << (flags & 0x03u);
      const std::vector<unsigned char> size = file.read(info.addr + at, size_bytes);
      at += size_bytes;
      chunks.push_back({info.addr + at, little_endian(size.data(), size_bytes)});
    }
  }
  const std::size_t header = version1 ? 8 : (creation_order ? 6 : 4);
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    if (k >= 1000) damaged(place, "its object header has more than 1,000 chunks (a loop?)");
    std::uint64_t address = chunks[k].address, bytes = chunks[k].bytes;
    if (!version1 && k > 0) {  // "OCHK", the messages, a checksum
      const std::vector<unsigned char> signature = file.read(address, 4);
      if (bytes < 8 || std::memcmp(signature.data(), "OCHK", 4) != 0) {
        damaged(place, "an object header continuation has no known signature");
      }
      address += 4;
      bytes -= 8;
    }
    const std::vector<unsigned char> chunk = file.read(address, bytes);
    std::size_t at = 0;
    while (chunk.size() - at >= header) {
      const unsigned char* m = chunk.data() + at;
      const std::uint64_t type = version1 ? little_endian(m, 2) : m[0];
      const std::uint64_t size = version1 ? little_endian(m + 2, 2) : little_endian(m + 1, 2);
      at += header;
      if (size > chunk.size() - at) damaged(place, "an object header message runs past its chunk");
      if (type == 0x10) {  // continuation: where the next chunk is, and its length
        Cursor c{chunk.data() + at, static_cast<std::size_t>(size), place};
        const std::uint64_t next = c.take(file.offsets);
        const std::uint64_t length = c.take(file.lengths);
        chunks.push_back({next, length});
      } else if (type == 0x0C && check_message(chunk.data() + at, static_cast<std::size_t>(size),
                                               name, file, place)) {
        return;
      }
      at += static_cast<std::size_t>(size);
    }
  }
  // Not in the header: stored densely (a fractal heap), which cjsim never writes; HDF5 reads it.
}

}  // namespace cjsim::h5
