#include "io/hdf5_chunks.hpp"

#include <zlib.h>

#include "cjsim/errors.hpp"

namespace cjsim::h5layout {

void shuffle_deflate(const std::vector<std::uint8_t>& raw, std::size_t element_size, int level,
                     std::vector<std::uint8_t>& shuffled, std::vector<std::uint8_t>& out) {
  // H5Z__filter_shuffle: byte b of element e goes to b * elements + e; bytes left over after the
  // last whole element stay at the end.
  const std::size_t elements = raw.size() / element_size;
  shuffled.resize(raw.size());
  for (std::size_t b = 0; b < element_size; ++b) {
    std::uint8_t* to = shuffled.data() + b * elements;
    const std::uint8_t* from = raw.data() + b;
    for (std::size_t e = 0; e < elements; ++e) to[e] = from[e * element_size];
  }
  for (std::size_t i = elements * element_size; i < raw.size(); ++i) shuffled[i] = raw[i];
  // H5Z__filter_deflate: compress2 at the dataset's level.
  uLongf size = compressBound(static_cast<uLong>(shuffled.size()));
  out.resize(size);
  if (compress2(out.data(), &size, shuffled.data(), static_cast<uLong>(shuffled.size()), level) !=
      Z_OK) {
    throw RuntimeError("compressing the per-customer table: out of memory");
  }
  out.resize(size);
}

}  // namespace cjsim::h5layout
