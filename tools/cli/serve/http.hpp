// The HTTP layer of cjsim serve: cpp-httplib (Debian's libcpp-httplib-dev 0.11, which carries
// the CVE-2023-26130 fix) with a fixed pool of worker threads, one connection each, no
// keep-alive, and every request bounded in header size (the library's 8 KiB), body size and
// time waiting for the client (tools/README.md "cjsim serve: security"). What to answer is
// decided by the handlers (api.hpp), never here.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace cjsim::cli::serve {

struct HttpLimits {
  std::size_t body_bytes = 64 * 1024;  // request body (413 beyond, refused before it is read)
  // Waiting for the client's next bytes, and for it to take the answer's: a client quieter
  // than this is disconnected.
  std::chrono::seconds read_time{5}, write_time{10};
  // Connections served at once (one worker thread each); more wait for a free worker.
  std::size_t workers = 16;
};

struct HttpHandlers {
  // Sees each request's line and headers before its body is read: returns true when it has
  // answered (Host, Origin, token, size and type are refused this way, the body unread).
  std::function<bool(const httplib::Request&, httplib::Response&)> screen;
  // Gets each whole request that passed the screen (GET and POST); may block its worker.
  std::function<void(const httplib::Request&, httplib::Response&)> handle;
};

class HttpServer {
 public:
  // Binds `address`:`port` (0 = a free port). Throws InputError for an address that is not
  // one, RuntimeError naming the address and the fix when it cannot listen (port in use).
  HttpServer(const std::string& address, unsigned short port, const HttpLimits& limits,
             HttpHandlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const { return port_; }
  // Serves until stop() (from any thread); returns when the workers have finished.
  void run();
  void stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  unsigned short port_ = 0;
};

// The headers every answer of this server carries: Content-Security-Policy default-src 'self'
// and friends (no framing, no sniffing, no referrer, no caching).
httplib::Headers security_headers();

// Sets `res` to `status` with a JSON body {"error": code, "message": message, "problems": []}.
void set_refusal(httplib::Response& res, int status, const std::string& code,
                 const std::string& message);

}  // namespace cjsim::cli::serve
