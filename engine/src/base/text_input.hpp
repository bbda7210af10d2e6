// Reading a text input a user names (scenario files; any future input of the same kind): never
// unbounded, never stuck. A regular file larger than the limit is refused before it is read;
// a pipe or FIFO (`cjsim validate <(generate)`, /dev/stdin) is read up to the limit, waiting at
// most `wait_seconds` for its writer; devices, sockets and folders are refused. Every refusal is
// an InputError naming the file, what it is and the fix.
#pragma once

#include <cstddef>
#include <string>

namespace cjsim {

inline constexpr std::size_t kTextInputLimit = std::size_t{16} << 20;  // 16 MiB

// `what` names the input in messages ("scenario"); `fix` says where good inputs come from.
std::string read_text_input(const std::string& path, const std::string& what,
                            const std::string& fix, std::size_t limit = kTextInputLimit,
                            int wait_seconds = 10);

}  // namespace cjsim
