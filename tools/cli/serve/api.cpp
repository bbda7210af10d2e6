#include "serve/api.hpp"

#include <fmt/format.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <fstream>
#include <sstream>

#include "cjsim/errors.hpp"
#include "report/page.hpp"
#include "serve/plan.hpp"

namespace cjsim::cli::serve {

namespace http = boost::beast::http;
using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("cannot read {}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Response json_response(unsigned status, const json& body) {
  return make_response(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Response refusal(unsigned status, const std::string& code, const std::string& message) {
  return json_response(status, {{"error", code}, {"message", message}, {"problems", json::array()}});
}

// Beast (Boost 1.74) has its own string_view.
std::string_view sv(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

// The path of a request target, without its query.
std::string_view path_of(std::string_view target) {
  const auto q = target.find_first_of("?#");
  return q == std::string_view::npos ? target : target.substr(0, q);
}

bool is_json(std::string_view type) {
  const auto semi = type.find(';');
  std::string t(type.substr(0, semi));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "application/json";
}

struct Route {
  http::verb method;
  bool api;     // needs the token
  bool body;    // takes a JSON body
};

std::optional<Route> route_of(std::string_view path) {
  if (path == "/api/scenario") return Route{http::verb::get, true, false};
  if (path == "/api/run" || path == "/api/save") return Route{http::verb::post, true, true};
  if (path.starts_with("/api/")) return std::nullopt;
  return Route{http::verb::get, false, false};
}

}  // namespace

Assets load_assets(const std::string& explicit_dir) {
  const ReportAssets found = find_report_assets(explicit_dir);
  Assets a;
  a.page = read_file(found.dir + "/serve.html");
  a.files["echarts.min.js"] = {"text/javascript; charset=utf-8", read_file(found.echarts)};
  for (const char* name : {"report.js", "serve.js"})
    a.files[name] = {"text/javascript; charset=utf-8", read_file(found.dir + "/" + name)};
  for (const char* name : {"report.css", "serve.css"})
    a.files[name] = {"text/css; charset=utf-8", read_file(found.dir + "/" + name)};
  return a;
}

Api::Api(const ServeWorld& world, Runner& runner, HostRules hosts, std::string token,
         Assets assets, std::size_t body_limit)
    : world_(world),
      runner_(runner),
      hosts_(std::move(hosts)),
      token_(std::move(token)),
      assets_(std::move(assets)),
      body_limit_(body_limit) {}

std::optional<Response> Api::screen(const Request& header) const {
  // DNS rebinding: a foreign page whose name now points here still sends its own name.
  const auto host = header.find(http::field::host);
  if (host == header.end() || !hosts_.host_ok(sv(host->value()))) {
    return refusal(403, "bad_host",
                   "this server answers only to its own address: open the address cjsim serve "
                   "printed");
  }
  const auto origin = header.find(http::field::origin);
  if (!hosts_.origin_ok(origin == header.end() ? std::string_view() : sv(origin->value()),
                        origin != header.end())) {
    return refusal(403, "foreign_origin", "requests from other sites are refused");
  }
  const std::string_view path = path_of(sv(header.target()));
  const std::optional<Route> route = route_of(path);
  if (!route) return refusal(404, "not_found", "no such API path");
  if (route->api) {
    const auto auth = header.find(http::field::authorization);
    if (auth == header.end() || !token_matches(bearer_token(sv(auth->value())), token_)) {
      Response r = refusal(401, "unauthorized",
                           "missing or wrong token: open the address cjsim serve printed (the "
                           "page takes the token from it)");
      r.set(http::field::www_authenticate, "Bearer");
      return r;
    }
  }
  if (header.method() != route->method) {
    Response r = refusal(405, "method_not_allowed",
                         fmt::format("{} takes {} only", path, sv(http::to_string(route->method))));
    r.set(http::field::allow, http::to_string(route->method));
    return r;
  }
  if (route->body) {
    const auto type = header.find(http::field::content_type);
    if (type == header.end() || !is_json(sv(type->value())))
      return refusal(415, "not_json", "send the body as Content-Type: application/json");
  }
  return std::nullopt;
}

void Api::handle(Request&& request, const std::function<void(Response&&)>& reply) {
  const std::string path(path_of(sv(request.target())));
  if (path == "/api/scenario") return reply(json_response(200, world_.describe()));
  if (path == "/api/run" || path == "/api/save") {
    const bool save = path == "/api/save";
    PlanRequest plan;
    try {
      plan = parse_plan(request.body(), world_, save);
    } catch (const RequestError& e) {
      return reply(json_response(static_cast<unsigned>(e.status()), e.body()));
    }
    auto done = [reply](Answer&& a) { reply(json_response(a.status, a.body)); };
    if (save) return runner_.save(std::move(plan), done);
    return runner_.run(std::move(plan), done);
  }
  if (path == "/" || path == "/index.html") {
    return reply(make_response(200, assets_.page, "text/html; charset=utf-8"));
  }
  if (path == "/favicon.ico") return reply(make_response(204, "", "image/x-icon"));
  if (path.starts_with("/assets/")) {
    const auto it = assets_.files.find(path.substr(8));
    if (it != assets_.files.end())
      return reply(make_response(200, it->second.second, it->second.first.c_str()));
  }
  reply(refusal(404, "not_found", "no such page"));
}

}  // namespace cjsim::cli::serve
