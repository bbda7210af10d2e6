// Writing a file whole: the bytes go to a temporary name beside `path`
// ("<folder>/.<name>.tmp-<pid>"), are synced, and are renamed over `path`, so `path` only ever
// holds its old content or all of the new one, even after a crash or a full disk. Small files
// (a report page, CSV tables, the bench table) are written in one call; a file another library
// writes itself (an Excel workbook) goes through a PendingFile. The HDF5 result file and the
// sweep folder are written the same way (hdf5_io.hpp, sweep_io.hpp).
//
// Failures are RuntimeErrors that name the file and say what to do (missing or read-only
// folder, disk full or file too large); the temporary file never outlives a failure.
#pragma once

#include <string>
#include <string_view>

namespace cjsim {

void write_file_atomically(const std::string& path, std::string_view content);

// A file to be written under temp_path() (by any means), then made visible at `path` whole by
// commit(). Destroyed uncommitted (an exception, a cancellation), it removes the temporary file
// and `path` keeps what it held.
class PendingFile {
 public:
  // Checks the folder (missing, not a folder) before anything is written.
  explicit PendingFile(std::string path);
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;
  ~PendingFile();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }
  // Syncs the temporary file, renames it over path() and syncs the folder.
  void commit();

 private:
  std::string path_, folder_, temp_;
  bool committed_ = false;
};

}  // namespace cjsim
