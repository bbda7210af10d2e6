// HDF5's shuffle and deflate filters, applied by us: a whole chunk packed in the file's byte
// layout, its bytes shuffled (byte i of every element together) and deflated with zlib exactly
// as H5Z_FILTER_SHUFFLE followed by H5Z_FILTER_DEFLATE would, so the chunk can be written as it
// is (H5Dwrite_chunk) and any HDF5 reader decodes it with the standard filters. Done here so
// that chunks are compressed on every core at once: HDF5's own pipeline runs on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cjsim::h5layout {

// Shuffles `raw` (elements of `element_size` bytes) and deflates it at `level` into `out`;
// `shuffled` is scratch. Buffers keep their capacity, so a caller reusing them allocates (and
// faults in) nothing after the first chunk.
void shuffle_deflate(const std::vector<std::uint8_t>& raw, std::size_t element_size, int level,
                     std::vector<std::uint8_t>& shuffled, std::vector<std::uint8_t>& out);

}  // namespace cjsim::h5layout
