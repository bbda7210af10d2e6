// Writing files so that a crash never leaves half a file under the final name: a temporary
// file beside the final one, fsync, rename, fsync of the folder. Shared by the result writer
// (hdf5_writer.cpp), the sweep store (sweep/store.cpp) and cjsim/files.hpp (report pages, CSV
// tables, the bench table). Failures are RuntimeErrors that say what the user can do (disk
// full, read-only folder, missing folder).
#pragma once

#include <cstddef>
#include <string>

namespace cjsim::files {

extern const char* const kDiskFullFix;

bool is_disk_full(int error);
[[noreturn]] void throw_disk_full(const std::string& path, const std::string& what);
[[noreturn]] void throw_os_failure(const std::string& path, const std::string& what, int error);

// The folder of a path ("." for a bare file name).
std::string folder_of(const std::string& final_path);

// Fails early, with the fix, when the output folder is missing, not a folder or read-only.
void check_output_folder(const std::string& final_path, const std::string& folder);

// "<folder>/.<name>.tmp-<pid>": the temporary name of `final_path`.
std::string temp_path_for(const std::string& final_path);

// Creates the empty temporary file with plain POSIX calls: errno then says precisely why a
// folder cannot take it (read-only, full), which HDF5's messages do not.
void create_empty_file(const std::string& temp, const std::string& folder,
                       const std::string& final_path);

// Puts a file's bytes on disk before a rename makes it visible.
void sync_file(const std::string& path, const std::string& final_path);
// Best effort: the rename itself survives a power cut once the folder's entry is on disk.
void sync_folder(const std::string& folder);

// Temporary files being written, so that a process ending abruptly inside a library call
// (hdf5_crash_guard.hpp) can still remove them. register_temporary keeps at most 16 names at a
// time (more are simply not remembered); remove_registered_temporaries is async-signal-safe.
void register_temporary(const std::string& temp);
void forget_temporary(const std::string& temp);
void remove_registered_temporaries();

// Writes `size` bytes to the temporary name of `path`, syncs them and renames: afterwards `path`
// holds all of them, and after a crash at any moment either its old content or nothing new.
void write_file_atomically(const std::string& path, const void* data, std::size_t size);

}  // namespace cjsim::files
