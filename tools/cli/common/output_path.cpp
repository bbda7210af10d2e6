#include "common/output_path.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"

namespace cjsim::cli {

namespace fs = std::filesystem;

namespace {

const char* kind_of(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISDIR(mode)) return "a folder";
  return "not a regular file";
}

// The file a path finally names: symbolic links followed (up to 40, as the kernel does), the
// last target possibly not existing yet.
std::string follow_links(const std::string& path, const std::string& option) {
  fs::path p(path);
  for (int hops = 0; hops < 40; ++hops) {
    struct stat info {};
    if (::lstat(p.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return p.string();
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) {
      throw RuntimeError(fmt::format("cannot write {} ({}): cannot read the link: {}", path, option,
                                     ec.message()));
    }
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  throw RuntimeError(fmt::format(
      "cannot write {} ({}): too many symbolic links (a loop?)\n  fix: give {} a plain path", path,
      option, option));
}

void check_folder(const std::string& path, const std::string& shown, const std::string& option) {
  const fs::path p(path);
  const std::string folder = p.parent_path().empty() ? "." : p.parent_path().string();
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      throw RuntimeError(fmt::format(
          "cannot write {} ({}): the folder {} does not exist\n  fix: create it (mkdir -p {}), "
          "or give {} a path in an existing folder",
          shown, option, folder, folder, option));
    }
    throw RuntimeError(fmt::format("cannot write {} ({}): the folder {}: {}", shown, option, folder,
                                   std::strerror(error)));
  }
  if (!S_ISDIR(info.st_mode)) {
    throw RuntimeError(
        fmt::format("cannot write {} ({}): {} is not a folder\n  fix: give {} a path in a folder",
                    shown, option, folder, option));
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    const int error = errno;
    throw RuntimeError(fmt::format(
        "cannot write {} ({}): the folder {} is not writable ({})\n  fix: make it writable "
        "(chmod u+w {}), or give {} a path in another folder",
        shown, option, folder, std::strerror(error), folder, option));
  }
}

// Takes the lock beside `target`; RuntimeError naming the holder when another cjsim has it.
// The lock file is removed on release; a process that opened it just before (and so locked a
// file no longer in the folder) notices that the path now names another file, and tries again.
std::pair<std::string, int> lock_beside(const std::string& target, const std::string& shown,
                                        const std::string& option) {
  const fs::path p(target);
  const std::string lock =
      (p.parent_path() / fmt::format(".{}.lock", p.filename().string())).string();
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw RuntimeError(fmt::format("cannot write {} ({}): cannot create the lock {}: {}", shown,
                                     option, lock, std::strerror(errno)));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char holder[32] = {};
      const ssize_t got = ::pread(fd, holder, sizeof holder - 1, 0);
      ::close(fd);
      std::string pid = got > 0 ? std::string(holder, static_cast<std::size_t>(got)) : "";
      pid.resize(std::min(pid.size(), pid.find('\n')));
      const std::string who = pid.empty() ? std::string() : fmt::format(" (pid {})", pid);
      throw RuntimeError(fmt::format(
          "another cjsim{} is writing {} (it holds {})\n  fix: wait for it to finish, or give "
          "{} another path",
          who, shown, lock, option));
    }
    struct stat held {
    }, now{};
    if (::fstat(fd, &held) == 0 && ::stat(lock.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
        held.st_dev == now.st_dev) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) == 0) {
        static_cast<void>(::pwrite(fd, pid.data(), pid.size(), 0));
      }
      return {lock, fd};
    }
    ::close(fd);  // the file was removed by its last holder: lock the new one
  }
  throw RuntimeError(
      fmt::format("cannot write {} ({}): cannot take the lock {}", shown, option, lock));
}

}  // namespace

OutputClaim::OutputClaim(OutputClaim&& other) noexcept
    : path_(std::move(other.path_)),
      lock_path_(std::move(other.lock_path_)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      to_stdout_(other.to_stdout_) {}

OutputClaim& OutputClaim::operator=(OutputClaim&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    lock_path_ = std::move(other.lock_path_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    to_stdout_ = other.to_stdout_;
  }
  return *this;
}

OutputClaim::~OutputClaim() {
  release();
}

void OutputClaim::release() noexcept {
  if (lock_fd_ < 0) return;
  ::unlink(lock_path_.c_str());  // while still holding it: see lock_beside
  ::close(lock_fd_);
  lock_fd_ = -1;
}

OutputClaim claim_output(const std::string& path, const std::string& option, bool allow_stdout) {
  OutputClaim claim;
  if (path == "-") {
    if (!allow_stdout) {
      throw RuntimeError(fmt::format(
          "{} -: this output cannot go to standard output (an HDF5 file or an HTML page must be "
          "a file)\n  fix: give {} a file path",
          option, option));
    }
    claim.to_stdout_ = true;
    return claim;
  }
  const fs::path given(path);
  if (path.empty() || given.filename().empty() || given.filename() == "." ||
      given.filename() == "..") {
    throw RuntimeError(
        fmt::format("{} {} names a folder, not a file\n  fix: give a file name, e.g. {} {}/out",
                    option, path, option, path.empty() ? std::string(".") : path));
  }
  const std::string target = follow_links(path, option);
  const std::string shown = target == path ? path : fmt::format("{} (-> {})", path, target);
  check_folder(target, shown, option);
  struct stat info {};
  if (::stat(target.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    throw RuntimeError(fmt::format(
        "cannot write {} ({}): it exists and is {}, which cjsim does not overwrite (outputs are "
        "written beside the target and renamed over it)\n  fix: give {} a path to a regular "
        "file{}",
        shown, option, kind_of(info.st_mode), option,
        allow_stdout ? ", or - for standard output" : ""));
  }
  auto [lock, fd] = lock_beside(target, shown, option);
  claim.path_ = target;
  claim.lock_path_ = std::move(lock);
  claim.lock_fd_ = fd;
  return claim;
}

void write_claimed(const OutputClaim& claim, const std::string& content) {
  if (claim.to_stdout()) {
    if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() ||
        std::fflush(stdout) != 0) {
      throw RuntimeError(fmt::format("cannot write to standard output: {}", std::strerror(errno)));
    }
    return;
  }
  write_file_atomically(claim.path(), content);
}

}  // namespace cjsim::cli
