// The HDF5 result file: round trips, reproducible bytes, and every way writing or reading can
// go wrong (README.md "Exit codes" and tests/fault). Layout: results/README.md.
#include <hdf5.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cjsim/errors.hpp>
#include <cjsim/hdf5_io.hpp>
#include <cjsim/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/hdf5_objects.hpp"
#include "io/hdf5_synthetic.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace cjsim;
using cjsim::testing::synthetic_kpis;
using cjsim::testing::synthetic_run;
using cjsim::testing::synthetic_summary;
using cjsim::testing::SyntheticShape;

namespace {

// A fresh folder per test, removed afterwards.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "cjsim_hdf5_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ignored);
    for (const auto& entry : fs::recursive_directory_iterator(path_, ignored)) {
      fs::permissions(entry.path(), fs::perms::owner_all, fs::perm_options::add, ignored);
    }
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }
  // Names in the folder, to see that no temporary file was left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename());
    return names;
  }

 private:
  fs::path path_;
};

std::string read_bytes(const std::string& path) {
  std::string bytes(fs::file_size(path), '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

FileMeta sample_meta() {
  FileMeta meta;
  meta.scenario_name = "coffee";
  meta.scenario_source = "scenarios/coffee.toml";
  meta.scenario_text = "[simulation]\nname = \"coffee\"\n";
  meta.effective_toml = "[simulation]\nname = \"coffee\"\ncustomers = 1000\n";
  meta.command_line = "cjsim run scenarios/coffee.toml --seed 42";
  meta.seed = 42;
  meta.currency = "RUB";
  return meta;
}

// Writes variants base (replicates 0, 1, with a summary) and promo (replicate 0).
void write_sample(const std::string& path, const SyntheticShape& shape = {}) {
  ResultWriter writer(path, sample_meta());
  writer.write_run("base", "as planned", synthetic_run(shape, 0, 1), synthetic_kpis(1));
  writer.write_run("base", "as planned", synthetic_run(shape, 1, 2), synthetic_kpis(2));
  writer.write_summary("base", synthetic_summary());
  writer.write_run("promo", "double search budget", synthetic_run(shape, 0, 3), synthetic_kpis(3));
  writer.commit();
}

bool same_number(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

void require_same_defs(const std::vector<KpiDef>& a, const std::vector<KpiDef>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].id == b[k].id);
    CHECK(a[k].label == b[k].label);
    CHECK(a[k].view == b[k].view);
    CHECK(a[k].unit == b[k].unit);
    CHECK(a[k].description == b[k].description);
  }
}

void require_same_kpis(const KpiTable& a, const KpiTable& b) {
  require_same_defs(a.defs, b.defs);
  REQUIRE(a.values.size() == b.values.size());
  for (std::size_t k = 0; k < a.values.size(); ++k) CHECK(same_number(a.values[k], b.values[k]));
}

void require_same_customers(const CustomerTable& a, const CustomerTable& b) {
  CHECK(a.segment == b.segment);
  CHECK(a.final_stage == b.final_stage);
  CHECK(a.source == b.source);
  CHECK(a.first_purchase_day == b.first_purchase_day);
  CHECK(a.churn_day == b.churn_day);
  CHECK(a.purchases == b.purchases);
  CHECK(a.revenue == b.revenue);
  CHECK(a.back_steps == b.back_steps);
  CHECK(a.referrals == b.referrals);
  CHECK(a.stages_reached == b.stages_reached);
}

void require_same_run(const RunResult& a, const RunResult& b, bool with_customers) {
  CHECK(a.names.stages == b.names.stages);
  CHECK(a.names.stage_roles == b.names.stage_roles);
  CHECK(a.names.stage_advocates == b.names.stage_advocates);
  CHECK(a.names.segments == b.names.segments);
  CHECK(a.names.channels == b.names.channels);
  CHECK(a.names.sources == b.names.sources);
  CHECK(a.names.edges == b.names.edges);
  const DailySeries& x = a.daily;
  const DailySeries& y = b.daily;
  CHECK(x.days == y.days);
  CHECK(x.stages == y.stages);
  CHECK(x.segments == y.segments);
  CHECK(x.channels == y.channels);
  CHECK(x.stage_counts == y.stage_counts);
  CHECK(x.entered == y.entered);
  CHECK(x.spend == y.spend);
  CHECK(x.exposed == y.exposed);
  CHECK(x.eligible == y.eligible);
  CHECK(x.purchases == y.purchases);
  CHECK(x.first_purchases == y.first_purchases);
  CHECK(x.revenue == y.revenue);
  CHECK(x.margin == y.margin);
  CHECK(x.recommendations == y.recommendations);
  CHECK(x.referral_moves == y.referral_moves);
  CHECK(x.complaints == y.complaints);
  CHECK(a.flows == b.flows);
  if (with_customers) {
    require_same_customers(a.customers, b.customers);
  } else {
    CHECK(b.customers.size() == 0);
  }
  CHECK(a.profile.init == b.profile.init);
  CHECK(a.profile.plan == b.profile.plan);
  CHECK(a.profile.act == b.profile.act);
  CHECK(a.profile.exchange == b.profile.exchange);
  CHECK(a.profile.account == b.profile.account);
  CHECK(a.profile.finish == b.profile.finish);
  CHECK(a.profile.total == b.profile.total);
  CHECK(a.seed == b.seed);
  CHECK(a.replicate == b.replicate);
  CHECK(a.threads == b.threads);
  CHECK(a.customers_total == b.customers_total);
  CHECK(a.peak_rss_bytes == b.peak_rss_bytes);
}

// What an InputError says, for matching.
template <class Fn>
std::string input_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  FAIL("expected an InputError");
  return "";
}

template <class Fn>
std::string runtime_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const RuntimeError& e) {
    return e.what();
  }
  FAIL("expected a RuntimeError");
  return "";
}

// Runs `body` in a forked child (for process-wide limits and identities) and returns what it
// reports; the child never returns into Catch.
struct ChildReport {
  int exit_code = -1;
  std::string text;
};
ChildReport in_child(const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    int code = 0;
    std::string text;
    try {
      text = body();
    } catch (const std::exception& e) {
      text = std::string("unexpected exception: ") + e.what();
      code = 3;
    }
    ssize_t ignored = ::write(fds[1], text.data(), text.size());
    static_cast<void>(ignored);
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildReport report;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) {
    report.text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  report.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return report;
}

// Modifies a file with the HDF5 C API directly, as a foreign or damaged writer would.
void edit_file(const std::string& path, const std::function<void(hid_t)>& edit) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  edit(file);
  REQUIRE(H5Fclose(file) >= 0);
}

}  // namespace

// check(H5Dwrite(...), "writing " + h5::path_of(d)) may evaluate either argument first; naming
// the dataset after the failed write must not erase the reason (it did under clang: a full disk
// was told as a bare "cannot write").
TEST_CASE("hdf5: naming an object keeps the failure being described", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("named.h5");
  h5::silence_errors();
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(file >= 0);
  REQUIRE(H5Dopen2(file, "missing", H5P_DEFAULT) < 0);  // pushes "object 'missing' doesn't exist"
  CHECK(h5::path_of(file) == "/");
  const h5::Hdf5Failure failure = h5::current_failure("opening /missing");
  H5Fclose(file);
  CHECK_THAT(failure.detail(), Catch::Contains("missing"));
  CHECK_THAT(std::string(failure.what()), Catch::StartsWith("opening /missing: "));
}

TEST_CASE("hdf5 round trip: every field of several runs reads back equal", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("run.h5");
  const SyntheticShape shape;  // 3 stages x 2 segments x 2 channels x 5 days x 1000 customers
  write_sample(path, shape);

  ResultFile file = ResultFile::open(path);
  const FileMeta meta = file.meta();
  const FileMeta expected = sample_meta();
  CHECK(meta.scenario_name == expected.scenario_name);
  CHECK(meta.scenario_source == expected.scenario_source);
  CHECK(meta.scenario_text == expected.scenario_text);
  CHECK(meta.effective_toml == expected.effective_toml);
  CHECK(meta.command_line == expected.command_line);
  CHECK(meta.seed == expected.seed);
  CHECK(meta.currency == "RUB");
  CHECK(meta.kind == "run");
  CHECK(meta.format == kFormatVersion);
  CHECK(meta.engine_version == engine_version());

  using Run = std::pair<std::string, int>;
  CHECK(file.runs() == std::vector<Run>{{"base", 0}, {"base", 1}, {"promo", 0}});

  struct Expected {
    std::string variant, description;
    int replicate;
    std::uint64_t salt;
  };
  for (const Expected& e :
       {Expected{"base", "as planned", 0, 1}, Expected{"base", "as planned", 1, 2},
        Expected{"promo", "double search budget", 0, 3}}) {
    for (bool with_customers : {true, false}) {
      INFO(e.variant << "/" << e.replicate << " with_customers=" << with_customers);
      StoredRun stored = file.load(e.variant, e.replicate, with_customers);
      CHECK(stored.variant == e.variant);
      CHECK(stored.description == e.description);
      CHECK(stored.replicate == e.replicate);
      require_same_run(synthetic_run(shape, e.replicate, e.salt), stored.run, with_customers);
      require_same_kpis(synthetic_kpis(e.salt), stored.kpis);
    }
  }

  std::optional<KpiSummary> summary = file.summary("base");
  REQUIRE(summary.has_value());
  const KpiSummary want = synthetic_summary();
  require_same_defs(want.defs, summary->defs);
  CHECK(summary->mean == want.mean);
  CHECK(summary->sd == want.sd);
  CHECK(summary->ci_low == want.ci_low);
  CHECK(summary->ci_high == want.ci_high);
  CHECK(summary->replicates == want.replicates);
  CHECK_FALSE(file.summary("promo").has_value());
}

TEST_CASE("hdf5 round trip: a customer table of several chunks streams back in order", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("big.h5");
  SyntheticShape shape;
  shape.customers = 150'001;  // two full 64k chunks and a partial one
  const RunResult run = synthetic_run(shape, 0, 7);
  {
    ResultWriter writer(path, sample_meta());
    writer.write_run("base", "", run, synthetic_kpis(7));
    writer.commit();
  }
  StoredRun stored = ResultFile::open(path).load("base", 0);
  require_same_customers(run.customers, stored.run.customers);
  // Compressed: 27 bytes a row raw, far less on disk for these regular columns.
  CHECK(fs::file_size(path) < shape.customers * 27 / 4);
}

TEST_CASE("hdf5 round trip: empty dimensions and no customer table", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("empty.h5");
  SyntheticShape shape;
  shape.channels = 0;
  shape.days = 0;
  shape.customers = 0;
  RunResult run = synthetic_run(shape, 0, 1);
  run.customers_total = 5000;  // a run made without the per-customer table
  KpiTable no_kpis;
  {
    ResultWriter writer(path, sample_meta());
    writer.write_run("base", "", run, no_kpis);
    writer.commit();
  }
  StoredRun stored = ResultFile::open(path).load("base", 0);
  require_same_run(run, stored.run, true);
  CHECK(stored.kpis.defs.empty());
}

TEST_CASE("hdf5 files are byte-identical for identical runs", "[hdf5]") {
  TempFolder folder;
  write_sample(folder.file("a.h5"));
  write_sample(folder.file("b.h5"));
  const std::string a = read_bytes(folder.file("a.h5"));
  CHECK(!a.empty());
  CHECK(a == read_bytes(folder.file("b.h5")));
}

TEST_CASE("hdf5 writer: the final path changes only on commit", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("run.h5");
  write_bytes(path, "previous results");
  {
    ResultWriter writer(path, sample_meta());
    CHECK(fs::exists(writer.temp_path()));
    CHECK(fs::path(writer.temp_path()).parent_path() == folder.path());
    CHECK(fs::path(writer.temp_path()).filename().string().rfind(".run.h5.tmp-", 0) == 0);
    writer.write_run("base", "", synthetic_run({}, 0, 1), synthetic_kpis(1));
    CHECK(read_bytes(path) == "previous results");
    writer.commit();
    CHECK_FALSE(fs::exists(writer.temp_path()));
  }
  CHECK(ResultFile::open(path).runs().size() == 1);
  CHECK(folder.entries() == std::vector<std::string>{"run.h5"});
}

TEST_CASE("hdf5 writer: an exception mid-write leaves no half file", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("run.h5");

  SECTION("no file before: none after, and no temporary file") {
    std::string temp;
    CHECK_THROWS_AS(
        [&] {
          ResultWriter writer(path, sample_meta());
          temp = writer.temp_path();
          writer.write_run("base", "", synthetic_run({}, 0, 1), synthetic_kpis(1));
          throw std::runtime_error("simulation failed on replicate 1");
        }(),
        std::runtime_error);
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(temp));
    CHECK(folder.entries().empty());
  }
  SECTION("a previous file stays byte for byte") {
    write_sample(path);
    const std::string before = read_bytes(path);
    CHECK_THROWS_AS(
        [&] {
          ResultWriter writer(path, sample_meta());
          writer.write_run("base", "", synthetic_run({}, 0, 9), synthetic_kpis(9));
          throw std::runtime_error("interrupted");
        }(),
        std::runtime_error);
    CHECK(read_bytes(path) == before);
    CHECK(folder.entries() == std::vector<std::string>{"run.h5"});
  }
  SECTION("a run the writer refuses leaves nothing either") {
    RunResult broken = synthetic_run({}, 0, 1);
    broken.daily.revenue.pop_back();
    std::string message = runtime_error_of([&] {
      ResultWriter writer(path, sample_meta());
      writer.write_run("base", "", synthetic_run({}, 1, 1), synthetic_kpis(1));
      writer.write_run("base", "", broken, synthetic_kpis(1));
    });
    CHECK_THAT(message, Catch::Contains("revenue") || Catch::Contains("per-segment series"));
    CHECK(folder.entries().empty());
  }
}

TEST_CASE("hdf5 writer: refuses duplicate runs and names that cannot be groups", "[hdf5]") {
  TempFolder folder;
  ResultWriter writer(folder.file("run.h5"), sample_meta());
  writer.write_run("base", "", synthetic_run({}, 0, 1), synthetic_kpis(1));
  CHECK_THAT(runtime_error_of(
                 [&] { writer.write_run("base", "", synthetic_run({}, 0, 1), synthetic_kpis(1)); }),
             Catch::Contains("base/replicate_0") && Catch::Contains("already in the file"));
  CHECK_THAT(input_error_of(
                 [&] { writer.write_run("a/b", "", synthetic_run({}, 0, 1), synthetic_kpis(1)); }),
             Catch::Contains("a/b"));
  // Neither refusal damaged the file.
  writer.write_run("base", "", synthetic_run({}, 1, 1), synthetic_kpis(1));
  writer.commit();
  CHECK(ResultFile::open(folder.file("run.h5")).runs().size() == 2);
}

TEST_CASE("hdf5 writer: a missing output folder fails before any work", "[hdf5]") {
  TempFolder folder;
  const std::string missing = folder.file("no/such/folder");
  const std::string message =
      runtime_error_of([&] { ResultWriter writer(missing + "/run.h5", sample_meta()); });
  CHECK_THAT(message, Catch::Contains(missing) && Catch::Contains("does not exist") &&
                          Catch::Contains("mkdir -p"));

  write_bytes(folder.file("plain"), "a file, not a folder");
  CHECK_THAT(runtime_error_of([&] { ResultWriter w(folder.file("plain") + "/run.h5", {}); }),
             Catch::Contains("is not a folder"));
  CHECK_THAT(runtime_error_of([&] { ResultWriter w(folder.path().string() + "/", {}); }),
             Catch::Contains("names a folder, not a file"));
}

TEST_CASE("hdf5 writer: a read-only output folder fails before any work", "[hdf5]") {
  TempFolder folder;
  const fs::path readonly = folder.path() / "readonly";
  fs::create_directory(readonly);
  fs::permissions(readonly, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                fs::perms::group_exec | fs::perms::others_read |
                                fs::perms::others_exec);
  // root ignores permissions: the child drops to nobody, who must reach the folder.
  fs::permissions(folder.path(), fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::add);
  const std::string path = (readonly / "run.h5").string();
  ChildReport report = in_child([&]() -> std::string {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      return "skip: cannot drop root privileges";
    }
    try {
      ResultWriter writer(path, sample_meta());
    } catch (const RuntimeError& e) {
      return e.what();
    }
    return "no error";
  });
  INFO(report.text);
  REQUIRE(report.exit_code == 0);
  CHECK(fs::is_empty(readonly));
  if (report.text.rfind("skip:", 0) == 0) CJSIM_SKIP(report.text.substr(6));
  CHECK_THAT(report.text, Catch::Contains(readonly.string()) && Catch::Contains("read-only") &&
                              Catch::Contains("-o"));
}

TEST_CASE("hdf5 writer: a full disk is a RuntimeError that removes the temporary file", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("run.h5");
  write_sample(path);
  const std::string before = read_bytes(path);

  // The child may write at most 256 KiB per file; the run below needs megabytes. With SIGXFSZ
  // ignored, writes past the limit fail with EFBIG, as they would with ENOSPC on a full disk.
  ChildReport report = in_child([&]() -> std::string {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{256 * 1024, 256 * 1024};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return "skip: setrlimit failed";
    SyntheticShape shape;
    shape.customers = 400'000;
    RunResult run = synthetic_run(shape, 0, 1);
    std::uint32_t noise = 12345;  // incompressible columns, so the file really is large
    for (std::size_t i = 0; i < run.customers.size(); ++i) {
      noise = noise * 1664525u + 1013904223u;
      run.customers.revenue[i] = static_cast<float>(noise) / 7.0f;
      run.customers.stages_reached[i] = noise;
    }
    std::string temp;
    std::string message = "no error";
    try {
      ResultWriter writer(path, sample_meta());
      temp = writer.temp_path();
      writer.write_run("base", "", run, synthetic_kpis(1));
      writer.commit();
    } catch (const RuntimeError& e) {
      message = e.what();
    }
    if (!temp.empty() && fs::exists(temp)) message += " [temporary file left behind]";
    return message;
  });
  INFO(report.text);
  REQUIRE(report.exit_code == 0);
  CHECK_THAT(report.text, Catch::StartsWith("disk full or file too large while writing " + path));
  CHECK_THAT(report.text, !Catch::Contains("left behind"));
  CHECK(read_bytes(path) == before);
  CHECK(folder.entries() == std::vector<std::string>{"run.h5"});
}

TEST_CASE("hdf5 writer: the disk filling at any point of the write is handled", "[hdf5]") {
  TempFolder folder;
  const std::string path = folder.file("run.h5");
  write_sample(path);
  const std::string before = read_bytes(path);
  // Limits from "nothing fits" to "everything fits" make the failure land in the constructor,
  // in write_run, in write_summary or in commit's final flush.
  for (rlim_t limit = 512; limit < 2 * before.size(); limit *= 2) {
    ChildReport report = in_child([&]() -> std::string {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit rl{limit, limit};
      if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) return "skip: setrlimit failed";
      std::string temp = folder.file(".run.h5.tmp-" + std::to_string(::getpid()));
      try {
        write_sample(path);
      } catch (const RuntimeError& e) {
        return std::string(e.what()) + (fs::exists(temp) ? " [temporary file left behind]" : "");
      }
      return "committed";
    });
    INFO("limit " << limit << " bytes: " << report.text);
    REQUIRE(report.exit_code == 0);
    CHECK_THAT(report.text, !Catch::Contains("left behind"));
    if (report.text == "committed") {
      CHECK(limit >= before.size());
      CHECK(read_bytes(path) == before);  // the same runs, the same bytes
    } else {
      CHECK_THAT(report.text, Catch::StartsWith("disk full or file too large while writing"));
      CHECK(read_bytes(path) == before);
    }
    CHECK(folder.entries() == std::vector<std::string>{"run.h5"});
  }
}

TEST_CASE("hdf5 reader: refuses files it cannot read, saying why", "[hdf5]") {
  TempFolder folder;
  const std::string good = folder.file("good.h5");
  write_sample(good);

  SECTION("a file that does not exist") {
    const std::string path = folder.file("nope.h5");
    CHECK_THAT(input_error_of([&] { ResultFile::open(path); }),
               Catch::Contains(path) && Catch::Contains("No such file"));
  }
  SECTION("a file that is not HDF5") {
    const std::string path = folder.file("notes.txt");
    write_bytes(path, "customer journey notes\n");
    CHECK_THAT(input_error_of([&] { ResultFile::open(path); }),
               Catch::Contains(path) && Catch::Contains("not an HDF5 file"));
  }
  SECTION("an HDF5 file without the format attribute") {
    const std::string path = folder.file("foreign.h5");
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(file >= 0);
    REQUIRE(H5Fclose(file) >= 0);
    CHECK_THAT(input_error_of([&] { ResultFile::open(path); }),
               Catch::Contains(path) && Catch::Contains("not a cjsim result file"));
  }
  SECTION("a file of a newer format") {
    const std::string path = folder.file("newer.h5");
    fs::copy_file(good, path);
    edit_file(path, [](hid_t file) {
      hid_t attr = H5Aopen(file, "format", H5P_DEFAULT);
      const int newer = kFormatVersion + 1;
      REQUIRE(H5Awrite(attr, H5T_NATIVE_INT, &newer) >= 0);
      H5Aclose(attr);
    });
    CHECK_THAT(input_error_of([&] { ResultFile::open(path); }),
               Catch::Contains(path) &&
                   Catch::Contains(
                       "written by a newer cjsim (format " + std::to_string(kFormatVersion + 1) +
                       "); this build reads format " + std::to_string(kFormatVersion)) &&
                   Catch::Contains("upgrade cjsim"));
  }
  SECTION("a file from before simulation.currency: no currency") {
    const std::string path = folder.file("older.h5");
    fs::copy_file(good, path);
    edit_file(path, [](hid_t file) { REQUIRE(H5Adelete(file, "currency") >= 0); });
    CHECK(ResultFile::open(path).meta().currency.empty());
  }
  SECTION("a currency that is not an ISO 4217 code") {
    const std::string path = folder.file("pesos.h5");
    fs::copy_file(good, path);
    edit_file(path, [](hid_t file) {
      REQUIRE(H5Adelete(file, "currency") >= 0);
      h5::write_attribute(file, "currency", std::string("<b>doubloons</b>"));
    });
    CHECK_THAT(input_error_of([&] { ResultFile::open(path).meta(); }),
               Catch::Contains(path) && Catch::Contains("not a current ISO 4217 code"));
  }
  SECTION("a truncated file") {
    const std::string path = folder.file("half.h5");
    const std::string bytes = read_bytes(good);
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    CHECK_THAT(input_error_of([&] { ResultFile::open(path); }),
               Catch::Contains(path) && Catch::Contains("truncated"));
  }
  SECTION("a file missing a dataset") {
    const std::string path = folder.file("damaged.h5");
    fs::copy_file(good, path);
    edit_file(path, [](hid_t file) {
      REQUIRE(H5Ldelete(file, "/runs/base/replicate_1/revenue", H5P_DEFAULT) >= 0);
    });
    ResultFile file = ResultFile::open(path);
    CHECK_NOTHROW(file.load("base", 0));
    CHECK_THAT(input_error_of([&] { file.load("base", 1); }),
               Catch::Contains(path) && Catch::Contains("/runs/base/replicate_1/revenue") &&
                   Catch::Contains("missing dataset"));
  }
  SECTION("a run that is not in the file") {
    ResultFile file = ResultFile::open(good);
    CHECK_THAT(input_error_of([&] { file.load("base", 7); }),
               Catch::Contains("no run 'base' replicate 7") && Catch::Contains("base/0 base/1"));
    CHECK_THAT(input_error_of([&] { file.summary("nosuch"); }), Catch::Contains("/runs/nosuch"));
  }
}

namespace {

// A sanitizer reserves terabytes of address space for its shadow memory, so an address-space
// limit would stop the child in the sanitizer itself. There the child runs unlimited: a bounded
// reader gives the same "damaged" message, and an unbounded one asks the sanitizer's allocator
// for an impossible size, which it reports as an error (the test fails either way).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CJSIM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CJSIM_TEST_SANITIZED 1
#endif
#endif

// Everything a reader of a run file reads, in a child whose address space is limited: a size
// taken from the file and allocated unbounded fails there with std::bad_alloc (exit 3, an
// "unexpected exception"), not with the InputError a bounded reader throws (exit 0, its text).
ChildReport read_everything_in_child(const std::string& path) {
  return in_child([&]() -> std::string {
#ifndef CJSIM_TEST_SANITIZED
    const rlimit limit{rlim_t{1} << 30, rlim_t{1} << 30};  // 1 GiB
    if (::setrlimit(RLIMIT_AS, &limit) != 0) return "setrlimit failed";
#endif
    try {
      ResultFile file = ResultFile::open(path);
      static_cast<void>(file.meta());
      for (const auto& [variant, replicate] : file.runs()) {
        static_cast<void>(file.load(variant, replicate));
        static_cast<void>(file.summary(variant));
        static_cast<void>(file.touch_paths(variant, replicate));
        static_cast<void>(file.channel_value(variant));
      }
    } catch (const InputError& e) {
      return e.what();
    }
    return "read without complaint";
  });
}

// A dataset's scalar number attributes (kpi_summary's "replicates"), to carry over.
struct NumberAttribute {
  std::string name;
  double value = 0;
};
herr_t collect_number(hid_t object, const char* name, const H5A_info_t*, void* data) {
  hid_t attr = H5Aopen(object, name, H5P_DEFAULT);
  hid_t type = H5Aget_type(attr);
  hid_t space = H5Aget_space(attr);
  const H5T_class_t kind = H5Tget_class(type);
  if ((kind == H5T_INTEGER || kind == H5T_FLOAT) && H5Sget_simple_extent_npoints(space) == 1) {
    NumberAttribute a{name, 0};
    if (H5Aread(attr, H5T_NATIVE_DOUBLE, &a.value) >= 0) {
      static_cast<std::vector<NumberAttribute>*>(data)->push_back(a);
    }
  }
  H5Sclose(space);
  H5Tclose(type);
  H5Aclose(attr);
  return 0;
}

// Replaces the dataset at `where` by one of the same type and rank whose every dimension is
// 2^(60 / rank) (about 10^18 elements in all), chunked and never written: a size the file
// declares but does not hold. Its scalar number attributes are kept, so that the reader gets as
// far as the size.
void declare_huge(hid_t file, const char* where) {
  hid_t old = H5Dopen2(file, where, H5P_DEFAULT);
  REQUIRE(old >= 0);
  hid_t type = H5Dget_type(old);
  hid_t old_space = H5Dget_space(old);
  const int rank = std::max(1, H5Sget_simple_extent_ndims(old_space));
  std::vector<NumberAttribute> numbers;
  REQUIRE(H5Aiterate2(old, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_number, &numbers) >= 0);
  H5Sclose(old_space);
  H5Dclose(old);
  REQUIRE(H5Ldelete(file, where, H5P_DEFAULT) >= 0);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank), hsize_t{1} << (60 / rank));
  std::vector<hsize_t> max(dims.size(), H5S_UNLIMITED), chunk(dims.size(), 1);
  hid_t space = H5Screate_simple(rank, dims.data(), max.data());
  hid_t props = H5Pcreate(H5P_DATASET_CREATE);
  REQUIRE(H5Pset_chunk(props, rank, chunk.data()) >= 0);
  hid_t huge = H5Dcreate2(file, where, type, space, H5P_DEFAULT, props, H5P_DEFAULT);
  REQUIRE(huge >= 0);
  for (const NumberAttribute& a : numbers) {
    h5::write_number_attribute(huge, a.name.c_str(), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, &a.value);
  }
  H5Dclose(huge);
  H5Pclose(props);
  H5Sclose(space);
  H5Tclose(type);
}

// libhdf5's checksum of metadata (Jenkins lookup3), exported by the library though not in its
// public headers: a crafted header must carry a valid one, or HDF5 refuses it before cjsim looks.
extern "C" std::uint32_t H5_checksum_metadata(const void* data, std::size_t len,
                                              std::uint32_t initval);

// Finds the one stored variable-length string of `length` bytes (4 bytes of length, an 8-byte
// heap address inside the file, a small object index) and makes it claim `hostile` bytes; when
// it sits in a version 2 object header, that chunk's checksum is made right again.
void claim_string_length(std::string& bytes, std::uint32_t length, std::uint32_t hostile) {
  std::vector<std::size_t> hits;
  for (std::size_t i = 0; i + 16 <= bytes.size(); ++i) {
    std::uint32_t n = 0, index = 0;
    std::uint64_t heap = 0;
    std::memcpy(&n, bytes.data() + i, 4);
    std::memcpy(&heap, bytes.data() + i + 4, 8);
    std::memcpy(&index, bytes.data() + i + 12, 4);
    if (n == length && heap > 0 && heap < bytes.size() && index < 1000) hits.push_back(i);
  }
  REQUIRE(hits.size() == 1);
  const std::size_t at = hits.front();
  std::memcpy(bytes.data() + at, &hostile, 4);
  const std::size_t header = bytes.rfind("OHDR", at);
  if (header != std::string::npos) {
    const auto flags = static_cast<unsigned char>(bytes[header + 5]);
    const std::size_t p = header + 6 + ((flags & 0x20u) ? 16 : 0) + ((flags & 0x10u) ? 4 : 0);
    const std::size_t size_bytes = std::size_t{1} << (flags & 0x03u);
    std::uint64_t size = 0;
    std::memcpy(&size, bytes.data() + p, size_bytes);
    const std::size_t end = p + size_bytes + static_cast<std::size_t>(size);
    REQUIRE(at < end);
    const std::uint32_t sum = H5_checksum_metadata(bytes.data() + header, end - header, 0);
    std::memcpy(bytes.data() + end, &sum, 4);
  }
}

}  // namespace

TEST_CASE("hdf5 reader: sizes a file declares are bounded before anything is allocated", "[hdf5]") {
  TempFolder folder;
  const std::string good = folder.file("good.h5");
  write_sample(good);
  REQUIRE(read_everything_in_child(good).text == "read without complaint");

  SECTION("a fixed-length string attribute of 2 GiB (declared on an empty dataspace)") {
    // HDF5 stores no data for an attribute of no elements, so the declared size costs nothing
    // in the file: a reader that sized a buffer from H5Tget_size would ask for 2 GiB.
    const std::string path = folder.file("huge_attribute.h5");
    fs::copy_file(good, path);
    edit_file(path, [](hid_t file) {
      REQUIRE(H5Adelete(file, "command_line") >= 0);
      hid_t type = H5Tcopy(H5T_C_S1);
      REQUIRE(H5Tset_size(type, 0x7FFFFFFF) >= 0);
      const hsize_t none = 0;
      hid_t space = H5Screate_simple(1, &none, nullptr);
      hid_t attr = H5Acreate2(file, "command_line", type, space, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(attr >= 0);
      H5Aclose(attr);
      H5Sclose(space);
      H5Tclose(type);
    });
    const ChildReport report = read_everything_in_child(path);
    CHECK(report.exit_code == 0);
    CHECK_THAT(report.text, Catch::Contains(path) && Catch::Contains("the file is damaged (") &&
                                Catch::Contains("command_line"));
  }
  SECTION("a fixed-length string attribute whose stored size says 2 GiB") {
    // Written with 23,130 bytes, then its datatype's size field changed to 2^31 - 16 (an object
    // header of the version without checksums, so only the size is wrong).
    const std::string path = folder.file("hostile_attribute.h5");
    constexpr std::uint32_t kWritten = 23'130;
    {
      hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(file >= 0);
      const int format = kFormatVersion;
      h5::write_number_attribute(file, "format", H5T_NATIVE_INT, H5T_STD_I32LE, &format);
      hid_t type = H5Tcopy(H5T_C_S1);
      REQUIRE(H5Tset_size(type, kWritten) >= 0);
      hid_t space = H5Screate(H5S_SCALAR);
      hid_t attr = H5Acreate2(file, "engine_version", type, space, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(attr >= 0);
      const std::string text(kWritten, 'Q');
      REQUIRE(H5Awrite(attr, type, text.data()) >= 0);
      H5Aclose(attr);
      H5Sclose(space);
      H5Tclose(type);
      REQUIRE(H5Fclose(file) >= 0);
    }
    std::string bytes = read_bytes(path);
    int patched = 0;
    for (std::size_t i = 0; i + 8 <= bytes.size(); ++i) {
      // A datatype message of class 3 (string): class and version, 3 bytes of bits, the size.
      std::uint32_t size = 0;
      std::memcpy(&size, bytes.data() + i + 4, 4);
      if ((static_cast<unsigned char>(bytes[i]) & 0x0F) == 3 && size == kWritten) {
        const std::uint32_t hostile = 0x7FFFFFF0;
        std::memcpy(bytes.data() + i + 4, &hostile, 4);
        ++patched;
      }
    }
    REQUIRE(patched == 1);
    write_bytes(path, bytes);
    const ChildReport report = read_everything_in_child(path);
    CHECK(report.exit_code == 0);
    CHECK_THAT(report.text, Catch::Contains(path) && Catch::Contains("the file is damaged ("));
  }
  SECTION("a variable-length string attribute whose stored length says 4 GiB") {
    // HDF5 allocates and clears a string's stored length before it reads the string (4 GiB,
    // twice, for 4 changed bytes); in the 1 GiB child that fails inside HDF5 with another
    // message, so the text says the length was checked first. A version 2 object header (what
    // cjsim writes, with its checksum made right) and a version 1 header (no checksum).
    const std::string v2 = folder.file("hostile_string_v2.h5");
    std::string bytes = read_bytes(good);
    claim_string_length(bytes, 41, 0xF0000000u);  // command_line: 41 bytes
    write_bytes(v2, bytes);
    const std::string v1 = folder.file("hostile_string_v1.h5");
    {
      hid_t file = H5Fcreate(v1.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
      REQUIRE(file >= 0);
      const int format = kFormatVersion;
      h5::write_number_attribute(file, "format", H5T_NATIVE_INT, H5T_STD_I32LE, &format);
      h5::write_attribute(file, "engine_version", std::string(4321, 'Z'));
      REQUIRE(H5Fclose(file) >= 0);
    }
    bytes = read_bytes(v1);
    claim_string_length(bytes, 4321, 0xF0000000u);
    write_bytes(v1, bytes);
    for (const std::string& path : {v2, v1}) {
      const ChildReport report = read_everything_in_child(path);
      CHECK(report.exit_code == 0);
      CHECK_THAT(report.text, Catch::Contains(path) && Catch::Contains("the file is damaged (") &&
                                  Catch::Contains("a string claims 4026531840 bytes"));
    }
  }
  for (const char* where : {"/scenario", "/scenario_overrides", "/runs/base/kpi_summary",
                            "/runs/base/replicate_1/stage", "/runs/base/replicate_1/day",
                            "/runs/base/replicate_1/revenue", "/runs/base/replicate_1/stage_counts",
                            "/runs/base/replicate_1/flows", "/runs/base/replicate_1/customers",
                            "/runs/base/replicate_1/kpis"}) {
    DYNAMIC_SECTION("a dataset declared about 10^18 elements large: " << where) {
      const std::string path = folder.file("huge_dimension.h5");
      fs::copy_file(good, path);
      edit_file(path, [&](hid_t file) { declare_huge(file, where); });
      const ChildReport report = read_everything_in_child(path);
      CHECK(report.exit_code == 0);
      CHECK_THAT(report.text, Catch::Contains(path) && Catch::Contains("the file is damaged (") &&
                                  Catch::Contains(where));
    }
  }
}
