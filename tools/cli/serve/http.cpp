#include "serve/http.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cjsim/errors.hpp"

namespace cjsim::cli::serve {

httplib::Headers security_headers() {
  // Scripts, styles and pictures from this server only; style attributes are allowed because
  // the chart library positions its tooltips with them (tools/README.md "cjsim serve").
  return {{"Content-Security-Policy",
           "default-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Cross-Origin-Opener-Policy", "same-origin"},
          {"Cross-Origin-Resource-Policy", "same-origin"},
          {"Cache-Control", "no-store"}};
}

void set_refusal(httplib::Response& res, int status, const std::string& code,
                 const std::string& message) {
  res.status = status;
  const nlohmann::json body = {
      {"error", code}, {"message", message}, {"problems", nlohmann::json::array()}};
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

HttpServer::HttpServer(const std::string& address, unsigned short port, const HttpLimits& limits,
                       HttpHandlers handlers)
    : server_(std::make_unique<httplib::Server>()) {
  in6_addr v6{};
  in_addr v4{};
  const bool ipv6 = inet_pton(AF_INET6, address.c_str(), &v6) == 1;
  if (!ipv6 && inet_pton(AF_INET, address.c_str(), &v4) != 1) {
    throw InputError({"--bind", 0, 0}, "bind", fmt::format("'{}' is not an IP address", address),
                     "give an address such as 127.0.0.1 (the default) or 0.0.0.0");
  }
  httplib::Server& s = *server_;
  const std::size_t workers = limits.workers;
  s.new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  s.set_address_family(ipv6 ? AF_INET6 : AF_INET);
  s.set_default_headers(security_headers());
  // One request per connection: a refused request's unread body can never be taken for the
  // next request, and an idle connection never holds a worker.
  s.set_keep_alive_max_count(1);
  s.set_read_timeout(limits.read_time);
  s.set_write_timeout(limits.write_time);
  s.set_payload_max_length(limits.body_bytes);
  s.set_pre_routing_handler(
      [screen = handlers.screen](const httplib::Request& req, httplib::Response& res) {
        return screen(req, res) ? httplib::Server::HandlerResponse::Handled
                                : httplib::Server::HandlerResponse::Unhandled;
      });
  s.Get(".*", handlers.handle);
  s.Post(".*", handlers.handle);
  // What the library refuses by itself (a malformed request 400, an oversized line 414, a
  // body over the limit 413) gets the same JSON as every other refusal.
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* code = res.status == 413   ? "too_large"
                       : res.status == 414 ? "too_long"
                       : res.status == 404 ? "not_found"
                       : res.status == 405 ? "method_not_allowed"
                                           : "bad_request";
    set_refusal(res, res.status, code, fmt::format("HTTP {}", res.status));
  });
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        set_refusal(res, 500, "failed", what);
      });
  const int bound =
      port == 0 ? s.bind_to_any_port(address) : (s.bind_to_port(address, port) ? port : -1);
  if (bound <= 0) {
    throw RuntimeError(fmt::format(
        "cannot listen on {}:{} (the port is in use, or the address is not this machine's)\n"
        "  fix: choose another port with --port N, or --port 0 for any free port; check --bind "
        "(ports below 1024 need privileges)",
        address, port));
  }
  port_ = static_cast<unsigned short>(bound);
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::run() {
  server_->listen_after_bind();
}

void HttpServer::stop() {
  server_->stop();
}

}  // namespace cjsim::cli::serve
