// Writing a small file whole (a report page, a CSV table): the bytes go to a temporary name
// beside `path` ("<folder>/.<name>.tmp-<pid>"), are synced, and are renamed over `path`, so
// `path` only ever holds its old content or all of the new one, even after a crash or a full
// disk. The HDF5 result file and the sweep folder are written the same way (hdf5_io.hpp,
// sweep_io.hpp).
#pragma once

#include <string>
#include <string_view>

namespace cjsim {

// Throws RuntimeError saying what to do when the folder is missing or read-only, the disk is
// full or the file too large; the temporary file is removed on any failure.
void write_file_atomically(const std::string& path, std::string_view content);

}  // namespace cjsim
