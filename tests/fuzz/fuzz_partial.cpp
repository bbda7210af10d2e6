// libFuzzer target: the partial folder of an interrupted sweep, which `cjsim sweep --resume`
// reads. At start, a real folder is made for a tiny sweep (every row saved, --keep-runs, the
// final file not yet written); each input then replaces, in a fresh copy of it, first one row
// file and then the manifest, and the sweep is resumed. A damaged row must be recomputed or the
// resume refused with a message; what else must hold: result_readers.hpp. Run with
// tools/fuzz partial [seconds].
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_checks.hpp"
#include "result_readers.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::string> sweep_args(const std::string& output) {
  return {cjsim::fuzz::tiny_world(),
          "--vary",
          "channels.ads.budget=0,40",
          "--keep-runs",
          "-q",
          "--threads",
          "1",
          "-o",
          output,
          "--resume"};
}

// A partial folder with every row saved: the sweep is run with its final file's temporary name
// already taken by a folder, so that assembling fails after the last row is saved.
const std::string& template_folder() {
  static const std::string folder = [] {
    const std::string dir = cjsim::fuzz::work_folder() + "/template";
    fs::create_directories(dir);
    const std::string output = dir + "/out.h5";
    const std::string blocker = dir + fmt::format("/.out.h5.tmp-{}", ::getpid());
    fs::create_directories(blocker);
    try {
      cjsim::fuzz::run_command("sweep", sweep_args(output));
    } catch (const cjsim::fuzz::InvariantBroken& e) {
      // Expected: every row is saved, then writing the final file meets the blocker (a runtime
      // failure the sweep reports as such). Anything else is a finding.
      if (std::string(e.what()).find("already exists") == std::string::npos) throw;
    }
    fs::remove(blocker);
    if (!fs::is_directory(output + ".partial")) {
      throw cjsim::fuzz::InvariantBroken("the template sweep left no partial folder");
    }
    return output + ".partial";
  }();
  return folder;
}

void resume_with(const std::string& name, std::string_view bytes, const std::string& where) {
  std::error_code ec;
  fs::remove_all(where, ec);
  fs::create_directories(where);
  const std::string partial = where + "/out.h5.partial";
  fs::copy(template_folder(), partial, fs::copy_options::recursive);
  fs::remove(partial + "/lock", ec);
  cjsim::fuzz::write_bytes(partial + "/" + name, bytes);
  const auto resume = [&] { cjsim::fuzz::run_command("sweep", sweep_args(where + "/out.h5")); };
  if (!cjsim::fuzz::library_survives(resume)) return;
  resume();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  cjsim::fuzz::prepare_process();
  const std::string partial = template_folder();
  for (int k = 1; k < *argc; ++k) {
    const std::string a = (*argv)[k];
    if (a.empty() || a[0] == '-') continue;
    std::error_code ec;
    if (fs::is_directory(a, ec) && fs::is_empty(a, ec)) {
      for (const auto& entry : fs::directory_iterator(partial)) {
        if (entry.path().extension() == ".h5") {
          fs::copy_file(entry.path(), fs::path(a) / entry.path().filename());
        }
      }
    }
    break;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string w = cjsim::fuzz::work_folder();
  resume_with("row_000000.h5", bytes, w + "/as_row");
  resume_with("manifest.h5", bytes, w + "/as_manifest");
  return 0;
}
