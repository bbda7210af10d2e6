// The outputs of a command, claimed before any work: the rules every writer of cjsim follows.
//
//   - The folder must exist and be writable; the path must not name a folder. Checked first, so
//     a typo fails in a second rather than after an hour, with the option the path was given to
//     (-o, --csv, --paths, ...) in the message.
//   - An existing output that is not a regular file (a device such as /dev/full, a FIFO, a
//     socket) is refused: outputs are written to a temporary file and renamed over the old one,
//     which would replace the device node.
//   - A symbolic link is followed: its target is replaced (atomically), the link stays.
//   - "-" means standard output, for the outputs that allow it (the CSV files).
//   - One writer per output: a lock file beside the target (".<name>.lock", holding the pid of
//     the writer) is held from the claim to the end of the command, so a second cjsim writing the
//     same path fails at once, naming the first, instead of both "succeeding" and one result
//     silently replacing the other.
#pragma once

#include <string>

namespace cjsim::cli {

class OutputClaim {
 public:
  OutputClaim() = default;
  OutputClaim(OutputClaim&&) noexcept;
  OutputClaim& operator=(OutputClaim&&) noexcept;
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;
  ~OutputClaim();  // releases the lock (and removes the lock file)

  const std::string& path() const { return path_; }  // where to write: the link's target
  bool to_stdout() const { return to_stdout_; }      // "-": write to standard output
  bool claimed() const { return !path_.empty() || to_stdout_; }

 private:
  friend OutputClaim claim_output(const std::string&, const std::string&, bool);
  void release() noexcept;
  std::string path_;
  std::string lock_path_;
  int lock_fd_ = -1;
  bool to_stdout_ = false;
};

// Applies the rules above to `path`, given with `option`. RuntimeError (exit 2) naming the
// option and the fix when the output cannot be written; `allow_stdout` accepts "-".
OutputClaim claim_output(const std::string& path, const std::string& option,
                         bool allow_stdout = false);

// Writes `content` to the claimed output: standard output for "-", else atomically to its path.
void write_claimed(const OutputClaim& claim, const std::string& content);

}  // namespace cjsim::cli
