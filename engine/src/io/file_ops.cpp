#include "io/file_ops.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"

namespace cjsim::files {

const char* const kDiskFullFix =
    "free some space, raise the file size limit (ulimit -f) or write elsewhere with -o";

bool is_disk_full(int error) {
  return error == ENOSPC || error == EFBIG || error == EDQUOT;
}

void throw_disk_full(const std::string& path, const std::string& what) {
  throw RuntimeError(fmt::format("disk full or file too large while writing {} ({}): {}", path,
                                 what, kDiskFullFix));
}

void throw_os_failure(const std::string& path, const std::string& what, int error) {
  if (is_disk_full(error)) throw_disk_full(path, what + ": " + std::strerror(error));
  throw RuntimeError(fmt::format("cannot write {}: {}: {}", path, what, std::strerror(error)));
}

std::string folder_of(const std::string& final_path) {
  std::filesystem::path folder = std::filesystem::path(final_path).parent_path();
  return folder.empty() ? std::string(".") : folder.string();
}

void check_output_folder(const std::string& final_path, const std::string& folder) {
  if (std::filesystem::path(final_path).filename().empty()) {
    throw RuntimeError(
        fmt::format("output path '{}' names a folder, not a file: add a file name "
                    "such as {}/run.h5",
                    final_path, final_path));
  }
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      throw RuntimeError(
          fmt::format("cannot write {}: output folder '{}' does not exist: create it (mkdir -p "
                      "{}) or choose another output path with -o",
                      final_path, folder, folder));
    }
    throw RuntimeError(fmt::format("cannot write {}: cannot use output folder '{}': {}", final_path,
                                   folder, std::strerror(errno)));
  }
  if (!S_ISDIR(info.st_mode)) {
    throw RuntimeError(
        fmt::format("cannot write {}: output folder '{}' is not a folder: choose another output "
                    "path with -o",
                    final_path, folder));
  }
}

std::string temp_path_for(const std::string& final_path) {
  const std::string name = std::filesystem::path(final_path).filename().string();
  return (std::filesystem::path(folder_of(final_path)) /
          fmt::format(".{}.tmp-{}", name, ::getpid()))
      .string();
}

namespace {

// Why a temporary file could not be created, in words the user acts on.
[[noreturn]] void throw_create_failure(const std::string& temp, const std::string& folder,
                                       const std::string& final_path, int error) {
  if (error == EACCES || error == EPERM || error == EROFS) {
    throw RuntimeError(
        fmt::format("output folder '{}' is read-only ({}): make it writable "
                    "(chmod u+w {}) or choose another output path with -o",
                    folder, std::strerror(error), folder));
  }
  if (error == EEXIST) {
    throw RuntimeError(
        fmt::format("cannot write {}: the temporary file {} already exists; "
                    "another cjsim is writing it, or delete it and retry",
                    final_path, temp));
  }
  throw_os_failure(final_path, "creating " + temp, error);
}

}  // namespace

void create_empty_file(const std::string& temp, const std::string& folder,
                       const std::string& final_path) {
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  throw_create_failure(temp, folder, final_path, errno);
}

void sync_file(const std::string& path, const std::string& final_path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_os_failure(final_path, "opening " + path + " to sync it", errno);
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (status != 0) throw_os_failure(final_path, "syncing " + path, error);
}

void sync_folder(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  static_cast<void>(::fsync(fd));
  ::close(fd);
}

namespace {

struct TemporarySlot {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[4096] = {};
};
std::array<TemporarySlot, 16> g_temporaries;

}  // namespace

void register_temporary(const std::string& temp) {
  if (temp.size() >= sizeof(TemporarySlot::path)) return;
  for (TemporarySlot& slot : g_temporaries) {
    if (slot.used.exchange(true)) continue;
    std::memcpy(slot.path, temp.c_str(), temp.size() + 1);
    slot.ready.store(true);
    return;
  }
}

void forget_temporary(const std::string& temp) {
  for (TemporarySlot& slot : g_temporaries) {
    if (slot.ready.load() && temp == slot.path) {
      slot.ready.store(false);
      slot.used.store(false);
      return;
    }
  }
}

void remove_registered_temporaries() {
  for (TemporarySlot& slot : g_temporaries) {
    if (slot.ready.load()) ::unlink(slot.path);
  }
}

void write_file_atomically(const std::string& path, const void* data, std::size_t size) {
  const std::string folder = folder_of(path);
  check_output_folder(path, folder);
  const std::string temp = temp_path_for(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_create_failure(temp, folder, path, errno);
  struct Cleanup {
    const std::string& temp;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(temp.c_str());
    }
  } cleanup{temp};
  const char* bytes = static_cast<const char*>(data);
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, bytes + written, size - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw_os_failure(path, "writing " + temp, error);
    }
    written += static_cast<std::size_t>(n);
  }
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (status != 0) throw_os_failure(path, "syncing " + temp, error);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    throw_os_failure(path, "renaming " + temp + " to it", errno);
  }
  cleanup.keep = true;
  sync_folder(folder);
}

}  // namespace cjsim::files

namespace cjsim {

void write_file_atomically(const std::string& path, std::string_view content) {
  files::write_file_atomically(path, content.data(), content.size());
}

PendingFile::PendingFile(std::string path)
    : path_(std::move(path)), folder_(files::folder_of(path_)), temp_(files::temp_path_for(path_)) {
  files::check_output_folder(path_, folder_);
}

PendingFile::~PendingFile() {
  if (!committed_) ::unlink(temp_.c_str());
}

void PendingFile::commit() {
  files::sync_file(temp_, path_);
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    files::throw_os_failure(path_, "renaming " + temp_ + " to it", errno);
  }
  committed_ = true;
  files::sync_folder(folder_);
}

}  // namespace cjsim
