#include "result_readers.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cjsim/errors.hpp"
#include "commands/commands.hpp"
#include "fuzz_checks.hpp"
#include "io/hdf5_crash_guard.hpp"

namespace cjsim::fuzz {

namespace fs = std::filesystem;

const std::string& work_folder() {
  static const std::string folder = [] {
    const fs::path base =
        fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    const fs::path dir = base / fmt::format("cjsim-fuzz-{}", ::getpid());
    fs::create_directories(dir);
    return dir.string();
  }();
  return folder;
}

void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

bool library_survives(const std::function<void()>& read) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return true;  // no child: just read in-process
  if (child == 0) {
    h5::install_crash_guard(h5::CrashAction::exit_code, kLibraryCrashed);
    try {
      read();
    } catch (...) {
      // The in-process run sees the same exception and judges it.
    }
    ::_exit(0);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return true;
  }
  return !(WIFEXITED(status) && WEXITSTATUS(status) == kLibraryCrashed);
}

namespace {

const cli::Command& command_named(const std::string& name) {
  for (const cli::Command& c : cli::commands()) {
    if (name == c.name) return c;
  }
  throw std::logic_error("no command " + name);
}

}  // namespace

int run_command(const std::string& name, const std::vector<std::string>& args) {
  const cli::Command& command = command_named(name);
  try {
    return command.run(args, "cjsim " + name + " (fuzz)");
  } catch (const InputError& e) {
    if (e.diagnostics().empty())
      throw InvariantBroken(name + ": an InputError without a diagnostic");
    for (const Diagnostic& d : e.diagnostics()) {
      if (d.message.empty() || d.fix.empty()) {
        throw InvariantBroken(name + ": a diagnostic without a message or a fix: " + e.what());
      }
    }
    return 1;
  } catch (const boost::program_options::error& e) {
    throw InvariantBroken(name + ": the harness gave a bad option: " + e.what());
  } catch (const RuntimeError& e) {
    // A partial sweep folder found damaged while assembling is refused as a runtime failure.
    if (std::string(e.what()).find("damaged") == std::string::npos) {
      throw InvariantBroken(name + ": RuntimeError reading a file: " + e.what());
    }
    return 2;
  }
}

void read_result_file(const std::string& path) {
  const std::string w = work_folder();
  run_command("report", {path, "-o", w + "/page.html", "--no-story", "-q", "--assets",
                         std::string(CJSIM_SOURCE_DIR) + "/tools/report"});
  run_command("compare", {path, path});
  run_command("compare", {path});
  run_command("attribute", {path, "-q"});
  run_command("export", {path, "--paths", w + "/paths.csv", "--weekly", w + "/weekly.csv"});
  // Every reader closes what it opened, on every path: a file left open would be found again by
  // HDF5 (which shares an open file) when the next input, at the same path, is opened.
  const ssize_t open_objects = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open_objects != 0) {
    throw InvariantBroken(
        fmt::format("{} HDF5 objects left open after reading {}", open_objects, path));
  }
}

void prepare_process() {
  static std::unique_ptr<tbb::global_control> one_thread;
  if (one_thread) return;
  one_thread =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, 1);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // Tables go to stdout: away with them (libFuzzer reports on stderr).
  const int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0) {
    ::dup2(null, STDOUT_FILENO);
    ::close(null);
  }
}

std::string tiny_world() {
  return std::string(CJSIM_SOURCE_DIR) + "/tests/fuzz/seeds/results/tiny_world.toml";
}

void write_result_seeds(const std::string& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec) || !fs::is_empty(folder, ec)) return;
  const std::string world = tiny_world();
  run_command("run", {world, "--touch-paths", "-q", "--threads", "1", "-o", folder + "/run.h5"});
  run_command("run", {world, "--variant", "base", "--replicates", "1", "-q", "--threads", "1", "-o",
                      folder + "/run_one.h5"});
  run_command("value", {world, "--replicates", "2", "--touch-paths", "-q", "--threads", "1", "-o",
                        folder + "/value.h5"});
  run_command("sweep", {world, "--vary", "channels.ads.budget=0,40", "-q", "--threads", "1", "-o",
                        folder + "/sweep.h5"});
}

}  // namespace cjsim::fuzz
