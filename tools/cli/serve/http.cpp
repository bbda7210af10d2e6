#include "serve/http.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <unordered_set>

#include "cjsim/errors.hpp"

namespace cjsim::cli::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

Response make_response(unsigned status, std::string body, const char* content_type) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "cjsim");
  res.set(http::field::content_type, content_type);
  // Scripts, styles and pictures from this server only; style attributes are allowed because
  // the chart library positions its tooltips with them (tools/README.md "cjsim serve").
  res.set("Content-Security-Policy",
          "default-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; "
          "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

namespace {

Response error_response(unsigned status, const std::string& code, const std::string& message) {
  const std::string body =
      fmt::format(R"({{"error": "{}", "message": "{}", "problems": []}})", code, message);
  return make_response(status, body);
}

}  // namespace

class Session;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  net::io_context& io;
  tcp::acceptor acceptor;
  HttpLimits limits;
  HttpHandlers handlers;
  HttpStats stats;
  std::unordered_set<Session*> sessions;  // touched on the I/O thread only
  bool stopped = false;

  Impl(net::io_context& context, const HttpLimits& l, HttpHandlers h)
      : io(context), acceptor(context), limits(l), handlers(std::move(h)) {}
  void accept();
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {}
  ~Session() { server_->sessions.erase(this); }

  void start() {
    server_->sessions.insert(this);
    read_header();
  }
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

 private:
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_->limits.header_bytes));
    parser_->body_limit(server_->limits.body_bytes);
    stream_.expires_after(server_->limits.read_time);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              self->on_header(ec);
                            });
  }

  // Ends a request that cannot be read: a word to the client where it can still listen.
  void refuse_read(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      ++server_->stats.timeouts;  // the deadline closed the socket: nothing more to say
      return close();
    }
    if (ec == http::error::body_limit) {
      ++server_->stats.too_large;
      return send(error_response(413, "too_large",
                                 fmt::format("the request body is larger than {} bytes",
                                             server_->limits.body_bytes)),
                  true);
    }
    if (ec == http::error::header_limit) {
      ++server_->stats.too_large;
      return send(error_response(431, "headers_too_large",
                                 fmt::format("the request headers are larger than {} bytes",
                                             server_->limits.header_bytes)),
                  true);
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      ++server_->stats.malformed;
      return send(error_response(400, "malformed", "not a well-formed HTTP/1.1 request"), true);
    }
    close();  // the client went away, or the server is stopping
  }

  void on_header(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    if (auto early = server_->handlers.screen(parser_->get())) {
      ++server_->stats.requests;
      return send(std::move(*early), true);  // its body, if any, is never read
    }
    if (parser_->is_done()) return on_body({});
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code e, std::size_t) {
                       self->on_body(e);
                     });
  }

  void on_body(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    stream_.expires_never();  // the work has its own limits (runner.hpp)
    ++server_->stats.requests;
    Request request = parser_->release();
    const bool keep = request.keep_alive();
    auto self = shared_from_this();
    server_->handlers.handle(std::move(request), [self, keep](Response&& res) {
      auto answer = std::make_shared<Response>(std::move(res));
      net::post(self->stream_.get_executor(),
                [self, keep, answer] { self->send(std::move(*answer), !keep); });
    });
  }

  void send(Response&& res, bool close_after) {
    if (server_->stopped) return close();
    auto answer = std::make_shared<Response>(std::move(res));
    answer->keep_alive(!close_after);
    answer->prepare_payload();
    stream_.expires_after(server_->limits.write_time);
    http::async_write(stream_, *answer,
                      [self = shared_from_this(), answer, close_after](beast::error_code ec,
                                                                        std::size_t) {
                        if (ec || close_after) return self->close();
                        self->read_header();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{8 * 1024};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpServer::Impl> server_;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped || !self->acceptor.is_open()) return;
    if (!ec) {
      ++self->stats.accepted;
      if (self->sessions.size() >= self->limits.connections) {
        ++self->stats.refused;  // too many at once: this one is closed unread
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), self)->start();
      }
    }
    self->accept();
  });
}

HttpServer::HttpServer(net::io_context& io, const std::string& address, unsigned short port,
                       const HttpLimits& limits, HttpHandlers handlers)
    : impl_(std::make_shared<Impl>(io, limits, std::move(handlers))) {
  beast::error_code ec;
  const net::ip::address ip = net::ip::make_address(address, ec);
  if (ec) {
    throw InputError({"--bind", 0, 0}, "bind", fmt::format("'{}' is not an IP address", address),
                     "give an address such as 127.0.0.1 (the default) or 0.0.0.0");
  }
  const tcp::endpoint at(ip, port);
  auto fail = [&](const char* what) {
    if (ec == net::error::address_in_use) {
      throw RuntimeError(fmt::format("cannot listen on {}:{}: the port is in use\n  fix: choose "
                                     "another with --port N, or --port 0 for any free port",
                                     address, port));
    }
    throw RuntimeError(fmt::format("cannot listen on {}:{} ({}: {})\n  fix: check --bind and "
                                   "--port (ports below 1024 need privileges)",
                                   address, port, what, ec.message()));
  };
  impl_->acceptor.open(at.protocol(), ec);
  if (ec) fail("open");
  impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  impl_->acceptor.bind(at, ec);
  if (ec) fail("bind");
  impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) fail("listen");
}

HttpServer::~HttpServer() = default;

unsigned short HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  impl_->accept();
}

void HttpServer::stop() {
  impl_->stopped = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  const std::vector<Session*> open(impl_->sessions.begin(), impl_->sessions.end());
  for (Session* s : open) s->close();
}

const HttpStats& HttpServer::stats() const {
  return impl_->stats;
}

}  // namespace cjsim::cli::serve
