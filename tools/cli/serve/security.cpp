#include "serve/security.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "cjsim/errors.hpp"

namespace cjsim::cli::serve {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_wildcard(const std::string& address) {
  return address == "0.0.0.0" || address == "::" || address == "[::]";
}

// "::1" -> "[::1]": an IPv6 address in a Host header stands in brackets.
std::string host_part(const std::string& address) {
  if (address.find(':') == std::string::npos || address.front() == '[') return address;
  std::string out = "[";
  out += address;
  out += ']';
  return out;
}

}  // namespace

std::string new_token() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw RuntimeError("cannot draw the server's random token (OpenSSL RAND_bytes failed: " +
                       std::to_string(ERR_get_error()) + ")");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

bool token_matches(std::string_view given, std::string_view token) {
  if (token.empty()) return false;
  // A length mismatch is not secret (the token's length is public): compare the token with
  // itself so the time spent is the same, and say no.
  const bool same_length = given.size() == token.size();
  const char* a = same_length ? given.data() : token.data();
  return CRYPTO_memcmp(a, token.data(), token.size()) == 0 && same_length;
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  if (lower(authorization.substr(0, kScheme.size())) != kScheme) return {};
  std::string_view t = authorization.substr(kScheme.size());
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return t;
}

HostRules::HostRules(std::vector<std::string> hosts) {
  for (const std::string& h : hosts) hosts_.push_back(lower(h));
}

HostRules HostRules::for_bind(const std::string& address, unsigned short port,
                              const std::vector<std::string>& extra) {
  // "name:port", and the bare name on port 80 (where a browser leaves the port out).
  std::vector<std::string> hosts;
  auto add = [&](const std::string& name) {
    std::string h = name;
    h += ':';
    h += std::to_string(port);
    hosts.push_back(std::move(h));
    if (port == 80) hosts.push_back(name);
  };
  for (const char* name : {"127.0.0.1", "localhost", "[::1]"}) add(name);
  if (address != "127.0.0.1" && address != "::1" && address != "localhost") {
    if (!is_wildcard(address)) add(host_part(address));
    for (const std::string& e : extra) add(host_part(e));
  }
  return HostRules(std::move(hosts));
}

bool HostRules::host_ok(std::string_view host) const {
  if (host.empty() || host.size() > 300) return false;
  const std::string h = lower(host);
  return std::find(hosts_.begin(), hosts_.end(), h) != hosts_.end();
}

bool HostRules::origin_ok(std::string_view origin, bool present) const {
  if (!present) return true;
  constexpr std::string_view kScheme = "http://";
  if (origin.size() <= kScheme.size() || lower(origin.substr(0, kScheme.size())) != kScheme)
    return false;
  return host_ok(origin.substr(kScheme.size()));
}

}  // namespace cjsim::cli::serve
