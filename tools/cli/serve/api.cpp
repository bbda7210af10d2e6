#include "serve/api.hpp"

#include <fmt/format.h>

#include <cctype>
#include <fstream>
#include <future>
#include <sstream>

#include "cjsim/errors.hpp"
#include "report/page.hpp"
#include "serve/plan.hpp"

namespace cjsim::cli::serve {

using nlohmann::json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError(fmt::format("cannot read {}", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void set_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

bool is_json(std::string_view type) {
  const auto semi = type.find(';');
  std::string t(type.substr(0, semi));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t == "application/json";
}

// A browser sends a dozen or two; cpp-httplib 0.11 bounds each line (8 KiB), not their number.
constexpr std::size_t kMaxHeaders = 100;

struct Route {
  const char* method;
  bool api;   // needs the token
  bool body;  // takes a JSON body
};

std::optional<Route> route_of(const std::string& path) {
  if (path == "/api/scenario") return Route{"GET", true, false};
  if (path == "/api/run" || path == "/api/save") return Route{"POST", true, true};
  if (path.starts_with("/api/")) return std::nullopt;
  return Route{"GET", false, false};
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

Api::Api(const ServeWorld& world, Runner& runner, HostRules hosts, std::string token, Assets assets,
         std::size_t body_limit)
    : world_(world),
      runner_(runner),
      hosts_(std::move(hosts)),
      token_(std::move(token)),
      assets_(std::move(assets)),
      body_limit_(body_limit) {}

bool Api::screen(const httplib::Request& req, httplib::Response& res) const {
  // DNS rebinding: a foreign page whose name now points here still sends its own name.
  if (req.get_header_value_count("Host") != 1 || !hosts_.host_ok(req.get_header_value("Host"))) {
    set_refusal(res, 403, "bad_host",
                "this server answers only to its own address: open the address cjsim serve "
                "printed");
    return true;
  }
  const std::size_t origins = req.get_header_value_count("Origin");
  if (origins > 1 || !hosts_.origin_ok(req.get_header_value("Origin"), origins == 1)) {
    set_refusal(res, 403, "foreign_origin", "requests from other sites are refused");
    return true;
  }
  if (req.headers.size() > kMaxHeaders) {
    set_refusal(res, 431, "headers_too_many",
                fmt::format("more than {} header fields", kMaxHeaders));
    return true;
  }
  const std::optional<Route> route = route_of(req.path);
  if (!route) {
    set_refusal(res, 404, "not_found", "no such API path");
    return true;
  }
  if (route->api) {
    const bool ok = req.get_header_value_count("Authorization") == 1 &&
                    token_matches(bearer_token(req.get_header_value("Authorization")), token_);
    if (!ok) {
      set_refusal(res, 401, "unauthorized",
                  "missing or wrong token: open the address cjsim serve printed (the page takes "
                  "the token from it)");
      res.set_header("WWW-Authenticate", "Bearer");
      return true;
    }
  }
  if (req.method != route->method) {
    set_refusal(res, 405, "method_not_allowed",
                fmt::format("{} takes {} only", req.path, route->method));
    res.set_header("Allow", route->method);
    return true;
  }
  if (req.has_header("Transfer-Encoding")) {
    set_refusal(res, 411, "length_required", "send the body with a Content-Length, not chunked");
    return true;
  }
  const std::string length = req.get_header_value("Content-Length");
  if (!length.empty()) {
    const bool digits =
        length.size() <= 18 && length.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoull(length) > body_limit_) {
      set_refusal(res, 413, "too_large",
                  fmt::format("the request body is larger than {} bytes", body_limit_));
      return true;
    }
  }
  if (route->body && !is_json(req.get_header_value("Content-Type"))) {
    set_refusal(res, 415, "not_json", "send the body as Content-Type: application/json");
    return true;
  }
  return false;
}

void Api::handle(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  if (path == "/api/scenario") return set_json(res, 200, world_.describe());
  if (path == "/api/run" || path == "/api/save") {
    const bool save = path == "/api/save";
    PlanRequest plan;
    try {
      plan = parse_plan(req.body, world_, save);
    } catch (const RequestError& e) {
      return set_json(res, e.status(), e.body());
    }
    // The runner answers from its worker (or at once when it refuses): this worker waits.
    auto answer = std::make_shared<std::promise<Answer>>();
    std::future<Answer> got = answer->get_future();
    auto done = [answer](Answer&& a) { answer->set_value(std::move(a)); };
    if (save) {
      runner_.save(std::move(plan), done);
    } else {
      runner_.run(std::move(plan), done);
    }
    Answer a = got.get();
    return set_json(res, static_cast<int>(a.status), a.body);
  }
  if (path == "/" || path == "/index.html") {
    return res.set_content(assets_.page, "text/html; charset=utf-8");
  }
  if (path == "/favicon.ico") {
    res.status = 204;
    return;
  }
  if (path.starts_with("/assets/")) {
    const auto it = assets_.files.find(path.substr(8));
    if (it != assets_.files.end()) return res.set_content(it->second.second, it->second.first);
  }
  set_refusal(res, 404, "not_found", "no such page");
}

}  // namespace cjsim::cli::serve
