#include "base/text_input.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "cjsim/errors.hpp"

namespace cjsim {

namespace {

std::string mib(std::size_t bytes) {
  return fmt::format("{:g} MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

std::string read_text_input(const std::string& path, const std::string& what,
                            const std::string& fix, std::size_t limit, int wait_seconds) {
  auto refuse = [&](const std::string& message, const std::string& how) {
    return InputError(SourcePlace{path, 0, 0}, "", message, how);
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw refuse(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)), fix);
  }
  const bool pipe = S_ISFIFO(info.st_mode);
  if (S_ISDIR(info.st_mode)) {
    throw refuse(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(EISDIR)), fix);
  }
  if (!S_ISREG(info.st_mode) && !pipe) {
    const char* kind = S_ISCHR(info.st_mode)    ? "a character device"
                       : S_ISBLK(info.st_mode)  ? "a block device"
                       : S_ISSOCK(info.st_mode) ? "a socket"
                                                : "not a regular file";
    throw refuse(fmt::format("cannot read {} '{}': it is {}, not a file", what, path, kind), fix);
  }
  const std::string too_big =
      fmt::format("the {} is larger than {}, the most cjsim reads", what, mib(limit));
  if (!pipe && static_cast<std::uint64_t>(info.st_size) > limit) {
    throw refuse(fmt::format("{} ({} bytes)", too_big, info.st_size),
                 "give a smaller file; a scenario of thousands of lines is far below the limit");
  }
  // A FIFO opened for reading blocks until a writer comes: open it without blocking and wait
  // for data, a bounded time.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (pipe ? O_NONBLOCK : 0));
  if (fd < 0) {
    throw refuse(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)), fix);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::string text;
  char buffer[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_seconds);
  bool heard_writer = false;
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      heard_writer = true;
      text.append(buffer, static_cast<std::size_t>(got));
      if (text.size() > limit) throw refuse(too_big, "give a smaller input");
      continue;
    }
    if (got == 0 && (!pipe || heard_writer)) break;  // end of file, or the writer closed
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno != EAGAIN) {
      throw refuse(fmt::format("cannot read {} '{}': {}", what, path, std::strerror(errno)), fix);
    }
    // A pipe with no data yet (EAGAIN), or no writer yet (0 before anyone wrote): wait.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw refuse(
          fmt::format("nothing came through the pipe '{}' within {} s", path, wait_seconds),
          "start the program that writes it first, or give a file");
    }
    pollfd p{fd, POLLIN, 0};
    static_cast<void>(::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200))));
    if ((p.revents & POLLHUP) != 0 && (p.revents & POLLIN) == 0) heard_writer = true;
  }
  return text;
}

}  // namespace cjsim
