// What keeps the local server from serving anyone but the page it printed the address of:
// the random token every API call must carry, and the Host and Origin rules (tools/README.md
// "cjsim serve: security"). Pure functions, so the rules are tested without a socket.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cjsim::cli::serve {

// 128 random bits from OpenSSL's CSPRNG (seeded by the kernel's getrandom), as 32 lowercase
// hex digits. Throws RuntimeError when the generator fails (it never hands out a weak token).
std::string new_token();

// Whether `given` equals `token`, in time that depends only on the token's length (OpenSSL's
// CRYPTO_memcmp): a wrong guess tells nothing about how much of it was right.
bool token_matches(std::string_view given, std::string_view token);

// The token of an "Authorization: Bearer <token>" header value; empty when the header has
// another form.
std::string_view bearer_token(std::string_view authorization);

// The names this server answers to: the Host header must be one of them (a page of another
// site that rebinds its DNS name to 127.0.0.1 sends its own name and is refused), and an
// Origin header, when present, must be "http://" + one of them.
class HostRules {
 public:
  // `hosts` are "name:port" pairs, e.g. {"127.0.0.1:8765", "localhost:8765"}.
  explicit HostRules(std::vector<std::string> hosts);
  // Loopback: 127.0.0.1, localhost and [::1] at `port`. Another bind address adds itself
  // (and, for the wildcard addresses, `extra` names: the machine's addresses and name).
  static HostRules for_bind(const std::string& address, unsigned short port,
                            const std::vector<std::string>& extra = {});

  bool host_ok(std::string_view host) const;
  // An absent Origin (curl, same-origin GET) is fine; "null" and every other site is not.
  bool origin_ok(std::string_view origin, bool present) const;
  const std::vector<std::string>& hosts() const { return hosts_; }

 private:
  std::vector<std::string> hosts_;  // lowercase
};

}  // namespace cjsim::cli::serve
