// cjsim/files.hpp: small files (report pages, CSV tables, the bench table) are written whole or
// not at all, and a missing folder is refused before anything is written.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cjsim/errors.hpp"
#include "cjsim/files.hpp"

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("files: a file is written whole or not at all", "[files]") {
  const fs::path dir = fs::path(CJSIM_BINARY_DIR) / "tests" / "files_scratch";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "r.html";
  cjsim::write_file_atomically(out.string(), "first");
  CHECK(slurp(out) == "first");
  cjsim::write_file_atomically(out.string(), "second");
  CHECK(slurp(out) == "second");
  cjsim::write_file_atomically(out.string(), "");
  CHECK(slurp(out).empty());
  try {
    cjsim::write_file_atomically((dir / "missing" / "r.html").string(), "x");
    FAIL("no error for a missing folder");
  } catch (const cjsim::RuntimeError& e) {
    CHECK_THAT(e.what(), Catch::Contains("does not exist") && Catch::Contains("mkdir -p"));
  }
  CHECK_THROWS_AS(cjsim::write_file_atomically(dir.string() + "/", "x"), cjsim::RuntimeError);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temporary file left behind
  fs::remove_all(dir);
}

TEST_CASE("files: a pending file appears whole on commit, never half", "[files]") {
  const fs::path dir = fs::path(CJSIM_BINARY_DIR) / "tests" / "files_pending_scratch";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "t.xlsx";
  cjsim::write_file_atomically(out.string(), "old");
  {
    cjsim::PendingFile file(out.string());
    std::ofstream(file.temp_path()) << "half";
    CHECK(slurp(out) == "old");
  }  // destroyed uncommitted: as after an exception
  CHECK(slurp(out) == "old");
  {
    cjsim::PendingFile file(out.string());
    std::ofstream(file.temp_path()) << "new";
    file.commit();
  }
  CHECK(slurp(out) == "new");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++files;
  CHECK(files == 1);  // no temporary file left behind
  CHECK_THROWS_AS(cjsim::PendingFile((dir / "missing" / "t.xlsx").string()), cjsim::RuntimeError);
  fs::remove_all(dir);
}
