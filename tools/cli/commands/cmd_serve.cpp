// cjsim serve: a live what-if page for a scenario (tools/README.md "cjsim serve"). Prints one
// address with the token, serves the page and its API until Ctrl-C or SIGTERM.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include "cjsim/errors.hpp"
#include "commands/commands.hpp"
#include "common/options.hpp"
#include "serve/api.hpp"
#include "serve/http.hpp"
#include "serve/runner.hpp"
#include "serve/security.hpp"
#include "serve/world.hpp"

extern char** environ;

namespace cjsim::cli {

namespace {

using namespace serve;

bool is_loopback(const std::string& a) {
  return a == "127.0.0.1" || a == "::1" || a.starts_with("127.");
}

// The machine's own addresses (for Host when listening on every address).
std::vector<std::string> own_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    char text[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    } else {
      continue;
    }
    if (*text) out.emplace_back(text);
  }
  freeifaddrs(list);
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && *name) out.emplace_back(name);
  return out;
}

// The browser, started without a shell (xdg-open URL).
void open_browser(const std::string& url) {
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, const_cast<char* const*>(argv), environ) !=
      0) {
    fmt::print(stderr, "note: could not start a browser (xdg-open); open the address above\n");
  }
}

}  // namespace

int cmd_serve(const Args& args, const std::string& /*command_line*/) {
  std::string scenario_path, bind = "127.0.0.1", assets_dir, save_dir = "results";
  int port = 0, replicates = 4;
  std::uint64_t max_customers = 50'000;
  bool open = false, quiet = false;
  RunSettings rs;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "port,p", po::value(&port)->value_name("N"),
      "port to listen on (default: any free port; the address is printed)")(
      "open", po::bool_switch(&open), "open the page in the default browser (xdg-open)")(
      "replicates,r", po::value(&replicates)->value_name("R"),
      "replicates per plan, on common random numbers (default 4; 2 to 64)")(
      "max-customers", po::value(&max_customers)->value_name("N"),
      "the largest population the page may ask for (default 50,000)")(
      "bind", po::value(&bind)->value_name("ADDR"),
      "address to listen on (default 127.0.0.1, this machine only; another address lets "
      "other machines in, with a warning)")(
      "save-dir", po::value(&save_dir)->value_name("DIR"),
      "where the page's Save writes result files (default results/)")(
      "assets", po::value(&assets_dir)->value_name("DIR"),
      "page, script and chart library folder (default: tools/report of this cjsim)")(
      "quiet,q", po::bool_switch(&quiet), "no line per answered plan");
  add_run_settings(opts, rs);
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, scenario_path, true, vm,
          "cjsim serve SCENARIO [--port N] [--open] [--replicates R] [--max-customers N]",
          "  cjsim serve scenarios/funnel_vs_loop.toml --open\n"
          "  cjsim serve scenarios/flower_delivery.toml --port 8765 --replicates 8\n"
          "  cjsim serve scenarios/funnel_vs_loop.toml --max-customers 200000 "
          "--set simulation.customers=100000\n"
          "  cjsim serve scenarios/smartwatch.toml --bind 0.0.0.0 --port 8765   "
          "# a classroom: others may connect\n")) {
    return 0;
  }
  check_threads(rs.threads);
  if (port < 0 || port > 65535) {
    throw InputError({"--port", 0, 0}, "port", fmt::format("must be 0 to 65535, got {}", port),
                     "give a port such as --port 8765, or --port 0 for any free port");
  }
  if (replicates < 2 || replicates > 64) {
    throw InputError({"--replicates", 0, 0}, "replicates",
                     fmt::format("must be 2 to 64, got {}", replicates),
                     "the page needs at least 2 replicates for its intervals; 4 answers in "
                     "about a second at 50,000 customers");
  }
  if (max_customers < 1 || max_customers > 10'000'000) {
    throw InputError({"--max-customers", 0, 0}, "max-customers",
                     fmt::format("must be 1 to 10,000,000, got {}", max_customers),
                     "a live page answers in about a second up to some 50,000 customers");
  }

  ServeLimits limits;
  limits.max_customers = max_customers;
  limits.replicates = replicates;
  const ServeWorld world(scenario_path, rs.overrides, limits, rs.seed);
  Assets assets = load_assets(assets_dir);
  const std::string token = new_token();

  // Ctrl-C, SIGTERM and SIGHUP are taken by one thread (sigwait), blocked everywhere else: the
  // worker threads started below inherit the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, sig);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RunnerOptions ro;
  ro.threads = rs.threads;
  ro.save_dir = save_dir;
  if (!quiet) ro.log = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
  Runner runner(world, ro);
  HttpLimits http_limits;
  std::unique_ptr<Api> api;
  HttpServer server(
      bind, static_cast<unsigned short>(port), http_limits,
      {[&](const httplib::Request& req, httplib::Response& res) { return api->screen(req, res); },
       [&](const httplib::Request& req, httplib::Response& res) { api->handle(req, res); }});
  const unsigned short actual = server.port();
  const std::vector<std::string> extra =
      is_loopback(bind) ? std::vector<std::string>{} : own_addresses();
  api = std::make_unique<Api>(world, runner, HostRules::for_bind(bind, actual, extra), token,
                              std::move(assets), http_limits.body_bytes);

  std::string shown = "127.0.0.1";
  if (!is_loopback(bind)) {
    shown = bind;
    if (bind == "0.0.0.0" || bind == "::") {
      for (const std::string& a : extra)
        if (a.find('.') != std::string::npos && !is_loopback(a) &&
            a.find_first_not_of("0123456789.") == std::string::npos) {
          shown = a;
          break;
        }
    }
    if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
    fmt::print(stderr,
               "warning: listening on {} lets other machines reach this page. Anyone with the "
               "address below (it holds the token) can run plans and save files here, and the "
               "traffic is plain HTTP: use it on a network you trust.\n",
               bind);
  }
  const std::string url = fmt::format("http://{}:{}/#token={}", shown, actual, token);
  const VariantSliders& v0 = world.variants().front();
  fmt::print(stderr,
             "cjsim serve: {} ({} variant{}, {} channels), {} customers x {} replicates "
             "x {} days per plan; Ctrl-C stops\n",
             world.scenario().variants.front().def.simulation.name, world.variants().size(),
             world.variants().size() == 1 ? "" : "s", v0.channels.size(), world.default_customers(),
             replicates, world.days());
  fmt::print("{}\n", url);
  std::fflush(stdout);

  std::atomic<int> stopped_by{0};
  std::atomic<bool> served{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    stopped_by = sig;
    runner.stop();  // the plan in flight is cancelled at its next run boundary
    // The server may not be listening yet when the signal comes: ask until it has stopped.
    while (!served) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  if (open) open_browser(url);
  server.run();
  served = true;
  const bool by_itself = !stopped_by;  // the listening socket failed
  if (by_itself) pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  if (by_itself) throw RuntimeError("cjsim serve: the server stopped listening");

  const Runner::Counts c = runner.counts();
  fmt::print(stderr, "\nstopped by {}: {} plan{} answered, {} superseded{}\n",
             stopped_by == SIGTERM  ? "SIGTERM"
             : stopped_by == SIGHUP ? "SIGHUP"
                                    : "Ctrl-C",
             c.answered, c.answered == 1 ? "" : "s", c.superseded,
             runner.counts().refused ? fmt::format(", {} refused", c.refused) : "");
  return 0;  // a clean stop: every plan answered or cancelled, every saved file complete
}

}  // namespace cjsim::cli
