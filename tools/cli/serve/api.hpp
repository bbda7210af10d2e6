// What the server answers: the page and its scripts to anyone who names this server in Host,
// and the API (GET /api/scenario, POST /api/run, POST /api/save) only with the token. The
// rules, in the order they are applied (tools/README.md "cjsim serve: security"):
//   Host not this server's -> 403; Origin present and not this server's -> 403;
//   more than one Host or Origin -> 400; a body over the limit -> 413, chunked -> 411;
//   /api/ without "Authorization: Bearer <token>" matching -> 401; unknown path -> 404;
//   wrong method -> 405; a body that is not application/json -> 415; too large -> 413;
//   a bad body or override -> 400 with every problem (the same messages as --set).
#pragma once

#include <map>
#include <string>

#include "serve/http.hpp"
#include "serve/runner.hpp"
#include "serve/security.hpp"
#include "serve/world.hpp"

namespace cjsim::cli::serve {

// The page's files, read once at start (tools/report/: serve.html, the report's script, styles
// and chart library): served from memory under /assets/.
struct Assets {
  std::string page;                                                  // GET /
  std::map<std::string, std::pair<std::string, std::string>> files;  // name -> (type, content)
};
// Reads them from the report's assets folder (page.hpp find_report_assets). Throws RuntimeError.
Assets load_assets(const std::string& explicit_dir);

class Api {
 public:
  Api(const ServeWorld& world, Runner& runner, HostRules hosts, std::string token, Assets assets,
      std::size_t body_limit);

  // HttpHandlers::screen: refuses by the request line and headers alone (true: answered).
  bool screen(const httplib::Request& req, httplib::Response& res) const;
  // HttpHandlers::handle: answers a request that passed the screen; blocks its worker while
  // the plan runs.
  void handle(const httplib::Request& req, httplib::Response& res);

 private:
  const ServeWorld& world_;
  Runner& runner_;
  HostRules hosts_;
  std::string token_;
  Assets assets_;
  std::size_t body_limit_;
};

}  // namespace cjsim::cli::serve
