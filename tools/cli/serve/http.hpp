// The HTTP layer of cjsim serve: Boost.Beast (Debian's Boost 1.74) on one I/O thread, every
// connection asynchronous, so a slow or stuck client holds a connection slot and nothing else.
// Each request is bounded in header size, body size and time (tools/README.md "cjsim serve:
// security"); what to answer is decided by the handlers (api.hpp), never here.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace cjsim::cli::serve {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpLimits {
  std::size_t header_bytes = 8 * 1024;  // request line and headers (431 beyond)
  std::size_t body_bytes = 64 * 1024;   // request body (413 beyond)
  // A whole request, headers and body, from the moment the server waits for it (an idle
  // keep-alive connection included): a client slower than this is disconnected.
  std::chrono::milliseconds read_time{10'000};
  std::chrono::milliseconds write_time{30'000};  // a whole response
  std::size_t connections = 64;                  // open at once; more are closed on accept
};

struct HttpHandlers {
  // Sees each request's header before its body is read: a response returned here is sent at
  // once and the connection closed (Host, Origin, token, size and type are refused this way
  // without reading what follows).
  std::function<std::optional<Response>(const Request& header)> screen;
  // Gets each whole request; answers through `reply` exactly once, at once or later from any
  // thread.
  std::function<void(Request&& request, std::function<void(Response&&)> reply)> handle;
};

struct HttpStats {
  std::atomic<std::uint64_t> accepted{0}, refused{0}, requests{0}, timeouts{0}, too_large{0},
      malformed{0};
};

class HttpServer {
 public:
  // Binds and listens on `address`:`port` (0 = a free port). Throws RuntimeError naming the
  // address and the fix when it cannot (port in use, no such address).
  HttpServer(boost::asio::io_context& io, const std::string& address, unsigned short port,
             const HttpLimits& limits, HttpHandlers handlers);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  unsigned short port() const;
  void start();  // begins accepting (call before running the io_context)
  // Closes the listening socket and every connection; call on the I/O thread (or post it).
  void stop();
  const HttpStats& stats() const;

  struct Impl;  // the acceptor and the connections (http.cpp)

 private:
  std::shared_ptr<Impl> impl_;
};

// An answer with the given status and JSON (or other) body, marked as the server's own.
Response make_response(unsigned status, std::string body,
                       const char* content_type = "application/json; charset=utf-8");

}  // namespace cjsim::cli::serve
