// SweepStore: the partial folder of a running sweep and the assembly of the final file.
//
// Why a folder of row files rather than one HDF5 file flushed after every point: HDF5 1.10
// keeps no journal, so a process killed in the middle of a write (or of a metadata flush) can
// leave a file it can no longer open, with every point in it lost. A row file is written whole
// to a temporary name and renamed, which the filesystem makes atomic: after a kill -9 every row
// file present is complete, and the only loss is the rows being computed.
#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5_hl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/sweep_io.hpp"
#include "io/file_ops.hpp"
#include "io/hdf5_crash_guard.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"
#include "io/hdf5_writer_parts.hpp"
#include "sweep/file_layout.hpp"
#include "sweep/file_row.hpp"

namespace cjsim {

using namespace h5layout;
namespace fs = std::filesystem;

namespace {

hsize_t hs(std::size_t n) {
  return static_cast<hsize_t>(n);
}

// ---- the manifest file ------------------------------------------------------------------------

std::vector<char> encode_manifest(const SweepManifest& m) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  h5::silence_errors();
  h5::File file = create_memory_file("manifest");
  write_file_head(file.get(), m.meta);
  write_manifest_attributes(file.get(), m);
  const hsize_t points = hs(static_cast<std::size_t>(m.points()));
  h5::write_dataset(file.get(), "point_values", {points, hs(m.axes.size())}, m.point_values);
  return file_image(file.get());
}

FileMeta read_head(hid_t root) {
  FileMeta meta;
  meta.format = static_cast<int>(h5::read_attribute<std::int64_t>(root, "format"));
  meta.engine_version = h5::read_string_attribute(root, "engine_version");
  meta.kind = h5::read_string_attribute(root, "kind");
  meta.seed = h5::read_attribute<std::uint64_t>(root, "seed");
  meta.command_line = h5::read_string_attribute(root, "command_line");
  meta.scenario_name = h5::read_string_attribute(root, "scenario_name");
  meta.scenario_source = h5::read_string_attribute(root, "scenario_source");
  if (h5::has_attribute(root, "currency")) {
    meta.currency = h5::read_string_attribute(root, "currency");
    if (!meta.currency.empty() && !is_iso_currency(meta.currency)) {
      throw h5::Hdf5Failure("/ (attribute currency)",
                            "'" + meta.currency.substr(0, 40) + "' is not an ISO 4217 code",
                            h5::Hdf5Failure::Cause::other);
    }
  }
  meta.scenario_text = h5::read_string(h5::open_dataset(root, kScenario).get());
  meta.effective_toml = h5::read_string(h5::open_dataset(root, kScenarioEffective).get());
  if (h5::has_link(root, kScenarioOverrides)) {
    h5::Dataset d = h5::open_dataset(root, kScenarioOverrides);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1 || dims[0] > kMaxOverrides) {
      throw h5::Hdf5Failure("/scenario_overrides", "not a list of --set overrides",
                            h5::Hdf5Failure::Cause::other);
    }
    meta.overrides = h5::read_strings(d.get());
  }
  return meta;
}

// The manifest of a partial folder, or nothing when it is missing or unreadable.
std::optional<SweepManifest> read_manifest(const std::string& path) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  h5::silence_errors();
  const h5::ReadingFile reading(path);
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    H5Eclear2(H5E_DEFAULT);
    return std::nullopt;
  }
  h5::File file(id);
  try {
    SweepManifest m;
    m.meta = read_head(id);
    read_manifest_attributes(id, m);
    h5::Dataset values = h5::open_dataset(id, "point_values");
    m.point_values = h5::read_all<double>(values.get(), h5::stored_elements(values.get()));
    return m;
  } catch (const h5::Hdf5Failure&) {
    return std::nullopt;
  }
}

// ---- files of the folder ----------------------------------------------------------------------

std::optional<int> row_number_of_name(const std::string& name) {
  if (name.size() < 10 || name.rfind("row_", 0) != 0 || name.substr(name.size() - 3) != ".h5") {
    return std::nullopt;
  }
  const std::string digits = name.substr(4, name.size() - 7);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(digits);
}

[[noreturn]] void throw_folder_failure(const std::string& folder, const std::string& what,
                                       const std::error_code& ec) {
  if (files::is_disk_full(ec.value())) files::throw_disk_full(folder, what);
  throw RuntimeError(
      fmt::format("cannot use the partial sweep folder {}: {}: {}", folder, what, ec.message()));
}

// ---- assembling the final file ------------------------------------------------------------------

// A chunked float64 dataset (one chunk per row), deflated, NaN where nothing was written (the
// days of a row shorter than the longest horizon).
h5::Dataset create_per_row(hid_t group, const char* name, const std::vector<hsize_t>& dims) {
  h5::Dataspace space(h5::check(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), "creating a space"));
  h5::PropList props = h5::dataset_creation_props();
  const std::string place = h5::path_of(group) + "/" + name;
  std::vector<hsize_t> chunk = dims;
  chunk[0] = 1;
  for (hsize_t& c : chunk) c = std::max<hsize_t>(c, 1);
  h5::check(H5Pset_chunk(props.get(), static_cast<int>(chunk.size()), chunk.data()),
            "chunking " + place);
  h5::check(H5Pset_shuffle(props.get()), "compressing " + place);
  h5::check(H5Pset_deflate(props.get(), kDeflateLevel), "compressing " + place);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  h5::check(H5Pset_fill_value(props.get(), H5T_NATIVE_DOUBLE, &nan), "filling " + place);
  return h5::Dataset(h5::check(
      H5Dcreate2(group, name, H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT),
      "creating dataset " + place));
}

// Writes `values` (shape `count`) at row `row` of a per-row dataset, from the origin otherwise.
void write_at_row(hid_t dataset, hsize_t row, const std::vector<hsize_t>& count,
                  const std::vector<double>& values) {
  std::vector<hsize_t> start(count.size() + 1, 0), block(count.size() + 1, 1);
  start[0] = row;
  for (std::size_t i = 0; i < count.size(); ++i) block[i + 1] = count[i];
  hsize_t total = 1;
  for (hsize_t c : count) total *= c;
  if (total == 0) return;
  const std::string place = h5::path_of(dataset);
  h5::Dataspace file_space(h5::check(H5Dget_space(dataset), "writing " + place));
  h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                block.data(), nullptr),
            "selecting a row of " + place);
  h5::Dataspace memory(h5::check(H5Screate_simple(1, &total, nullptr), "creating a space"));
  h5::check(H5Dwrite(dataset, H5T_NATIVE_DOUBLE, memory.get(), file_space.get(), H5P_DEFAULT,
                     values.data()),
            "writing a row of " + place);
}

void write_bands_at(hid_t dataset, hsize_t row, std::vector<hsize_t> dims, const SeriesBands& b) {
  std::vector<double> stacked;
  for (const auto* part : {&b.mean, &b.p05, &b.p95})
    stacked.insert(stacked.end(), part->begin(), part->end());
  dims.insert(dims.begin(), 3);
  write_at_row(dataset, row, dims, stacked);
}

void describe(hid_t dataset, const char* units, const char* long_name) {
  h5::write_attribute(dataset, "units", std::string(units));
  h5::write_attribute(dataset, "long_name", std::string(long_name));
}

h5::Dataset index_scale(hid_t group, const char* name, std::size_t count, const char* long_name) {
  std::vector<std::int32_t> index(count);
  for (std::size_t i = 0; i < count; ++i) index[i] = static_cast<std::int32_t>(i);
  h5::Dataset scale = make_scale(h5::write_dataset(group, name, {hs(count)}, index), name);
  h5::write_attribute(scale.get(), "long_name", std::string(long_name));
  return scale;
}

class Assembler {
 public:
  Assembler(const SweepManifest& m, std::string folder) : m_(m), folder_(std::move(folder)) {}

  void write(hid_t root) {
    const std::size_t n = static_cast<std::size_t>(m_.rows());
    const std::size_t V = m_.variants.size();
    const std::size_t A = m_.axes.size();
    const auto R = static_cast<std::size_t>(m_.replicates);
    const auto T = static_cast<std::size_t>(m_.days);
    RowFile first = read_row_file(row_path(0));  // row 0 sets the shape every row must have
    kpis_ = first.kpis;
    const std::size_t K = first.kpis.size(), S = first.stage_names.size(),
                      C = first.channel_names.size();
    write_file_head(root, m_.meta);

    // The table.
    const SweepColumns columns = sweep_columns(m_.axes, kpi_ids(first.kpis));
    record_ = columns.record_size();
    h5::Datatype file_type = columns.file_type(), memory_type = columns.memory_type();
    hsize_t dims = n;
    h5::Dataspace space(h5::check(H5Screate_simple(1, &dims, nullptr), "creating a space"));
    h5::PropList props = h5::dataset_creation_props();
    const hsize_t chunk = std::clamp<hsize_t>(n, 1, 1024);
    h5::check(H5Pset_chunk(props.get(), 1, &chunk), "chunking /sweep");
    h5::Dataset table(h5::check(H5Dcreate2(root, kSweepTable, file_type.get(), space.get(),
                                           H5P_DEFAULT, props.get(), H5P_DEFAULT),
                                "creating dataset /sweep"));
    write_manifest_attributes(table.get(), m_);
    h5::write_attribute(table.get(), "long_name",
                        std::string("one row per point and variant: the varied values, then "
                                    "each KPI's mean, sd and 95% confidence interval"));

    // Per-row data, labelled.
    h5::Group points = h5::create_group(root, kPointsGroup);
    const hid_t p = points.get();
    h5::Dataset row_scale = index_scale(p, kRowScale, n, "row of the sweep table");
    h5::Dataset stat = make_scale(h5::write_strings(p, kStatScale, band_stats()), kStatScale);
    h5::Dataset replicate = index_scale(p, kReplicateScale, R, "replicate (0-based)");
    h5::Dataset kpi = write_kpi_scale(p, first.kpis);
    h5::Dataset day = day_scale(p, kDay, static_cast<int>(T), "simulated day (0-based)");
    h5::Dataset day_start = day_scale(p, kDayStart, static_cast<int>(T) + 1,
                                      "start of simulated day (day_start = days: end of horizon)");
    h5::Dataset stage = name_scale(p, kStage, first.stage_names);
    h5::Dataset channel = name_scale(p, kChannel, first.channel_names);
    h5::Dataset values = create_per_row(p, kKpiValues, {hs(n), hs(R), hs(K)});
    attach(values.get(), {row_scale.get(), replicate.get(), kpi.get()});
    describe(values.get(), "", "every run's KPI values (units: the kpi scale's unit attribute)");
    h5::Dataset counts = create_per_row(p, kStageCounts, {hs(n), 3, hs(T + 1), hs(S)});
    attach(counts.get(), {row_scale.get(), stat.get(), day_start.get(), stage.get()});
    describe(counts.get(), "customers",
             "customers in each stage at the start of the day: mean, 5% and 95% over replicates");
    h5::Dataset revenue = create_per_row(p, kRevenue, {hs(n), 3, hs(T)});
    attach(revenue.get(), {row_scale.get(), stat.get(), day.get()});
    describe(revenue.get(), "currency/day", "revenue: mean, 5% and 95% over replicates");
    h5::Dataset spend = create_per_row(p, kSpend, {hs(n), 3, hs(T), hs(C)});
    attach(spend.get(), {row_scale.get(), stat.get(), day.get(), channel.get()});
    describe(spend.get(), "currency/day",
             "money spent per channel: mean, 5% and 95% over replicates");

    h5::Group runs;
    if (m_.keep_runs) runs = h5::create_group(root, kRunsGroup);

    std::vector<unsigned char> block;
    std::size_t block_first = 0;
    const std::size_t record = record_;
    for (std::size_t k = 0; k < n; ++k) {
      RowFile f = k == 0 ? std::move(first) : read_row_file(row_path(static_cast<int>(k)));
      check_row(f, k, K, S, C, R, T);
      const std::size_t point = k / V;
      if (block.empty()) block_first = k;
      block.resize(block.size() + record);
      unsigned char* r = block.data() + block.size() - record;
      const auto point32 = static_cast<std::int32_t>(point);
      std::memcpy(r, &point32, sizeof point32);
      const char* variant = m_.variants[k % V].c_str();
      std::memcpy(r + SweepColumns::kVariantOffset, &variant, sizeof variant);
      std::vector<double> numbers(
          m_.point_values.begin() + static_cast<std::ptrdiff_t>(point * A),
          m_.point_values.begin() + static_cast<std::ptrdiff_t>(point * A + A));
      for (std::size_t q = 0; q < K; ++q) {
        numbers.insert(numbers.end(), {f.mean[q], f.sd[q], f.ci_low[q], f.ci_high[q]});
      }
      std::memcpy(r + SweepColumns::kNumbersOffset, numbers.data(), numbers.size() * 8);
      if (block.size() / record == chunk || k + 1 == n) {
        write_table_block(table.get(), memory_type.get(), block_first, block);
        block.clear();
      }

      write_at_row(values.get(), k, {R, K}, f.kpi_values);
      const auto days = static_cast<hsize_t>(f.days);
      write_bands_at(counts.get(), k, {days + 1, S}, f.stage_counts);
      write_bands_at(revenue.get(), k, {days}, f.revenue);
      write_bands_at(spend.get(), k, {days, C}, f.spend);
      if (m_.keep_runs) copy_runs(runs.get(), f, point);
    }
  }

 private:
  std::string row_path(int row) const { return (fs::path(folder_) / row_file_name(row)).string(); }

  // Rows must fit the table the first row set up; a mismatch means a damaged folder.
  void check_row(const RowFile& f, std::size_t k, std::size_t K, std::size_t S, std::size_t C,
                 std::size_t R, std::size_t T) const {
    const std::size_t V = m_.variants.size();
    const char* wrong = nullptr;
    if (f.row != static_cast<int>(k) || f.point != static_cast<int>(k / V) ||
        f.variant != m_.variants[k % V]) {
      wrong = "holds another row";
    } else if (f.kpis.size() != K || kpi_ids(f.kpis) != kpi_ids(kpis_)) {
      wrong = "has other KPIs than row 0";
    } else if (f.stage_names.size() != S || f.channel_names.size() != C) {
      wrong = "has other stages or channels than row 0";
    } else if (static_cast<std::size_t>(f.replicates) != R ||
               static_cast<std::size_t>(f.days) > T) {
      wrong = "has another shape than the sweep";
    }
    if (wrong != nullptr) {
      throw RuntimeError(
          fmt::format("the partial sweep folder {} is damaged: {} {}; delete it "
                      "and run the sweep again",
                      folder_, row_file_name(static_cast<int>(k)), wrong));
    }
  }

  void write_table_block(hid_t table, hid_t memory_type, std::size_t first,
                         const std::vector<unsigned char>& block) const {
    const hsize_t start = first;
    const hsize_t rows = block.size() / record_;
    h5::Dataspace file_space(h5::check(H5Dget_space(table), "writing /sweep"));
    h5::check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &rows, nullptr),
        "selecting rows of /sweep");
    h5::Dataspace memory(h5::check(H5Screate_simple(1, &rows, nullptr), "creating a space"));
    h5::check(
        H5Dwrite(table, memory_type, memory.get(), file_space.get(), H5P_DEFAULT, block.data()),
        "writing rows of /sweep");
  }

  void copy_runs(hid_t runs, const RowFile& f, std::size_t point) {
    const ResultFile rows = ResultFile::open(row_path(f.row));
    const std::string name = fmt::format("point_{}", point);
    h5::Group point_group =
        h5::has_link(runs, name) ? h5::open_group(runs, name) : h5::create_group(runs, name);
    h5::Group variant = h5::create_group(point_group.get(), f.variant);
    bool described = false;
    for (int r = 0; r < f.replicates; ++r) {
      const StoredRun stored = rows.load(f.variant, r, true);
      if (!described) {
        h5::write_attribute(variant.get(), "description", stored.description);
        described = true;
      }
      h5::Group g = h5::create_group(variant.get(), replicate_group_name(r));
      write_run_group(g.get(), stored.run, stored.kpis);
    }
  }

  const SweepManifest& m_;
  std::string folder_;
  std::vector<KpiDef> kpis_;
  std::size_t record_ = 0;
};

}  // namespace

// ---- SweepStore -------------------------------------------------------------------------------

struct SweepStore::Impl {
  std::string final_path;
  std::string folder;
  SweepManifest manifest;
  int lock_fd = -1;
  std::vector<bool> done;
  bool found_partial = false;
  bool complete = false;
  bool started_afresh = false;  // this store wrote the manifest (nothing saved was there)
  int discarded = 0;

  // A folder of ours that never received a row (a failure or Ctrl-C before the first row
  // finished) holds nothing worth resuming: it goes, rather than ask for --resume next time.
  ~Impl() {
    if (lock_fd < 0) return;
    if (started_afresh && std::find(done.begin(), done.end(), true) == done.end()) {
      std::error_code ec;
      fs::remove_all(folder, ec);
    }
    ::close(lock_fd);
  }

  std::string path(const std::string& name) const { return (fs::path(folder) / name).string(); }

  void lock() {
    const std::string lock_path = path("lock");
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0) files::throw_os_failure(final_path, "creating " + lock_path, errno);
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      throw RuntimeError(fmt::format(
          "another cjsim sweep is writing {} (its partial folder {} is locked): wait for it to "
          "finish, or write elsewhere with -o",
          final_path, folder));
    }
  }

  // Saved rows, by file name; stray temporary files of a killed process go.
  std::vector<std::pair<int, std::string>> scan() {
    std::vector<std::pair<int, std::string>> rows;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind('.', 0) == 0 && name.find(".tmp-") != std::string::npos) {
        fs::remove(entry.path(), ec);
        continue;
      }
      if (const auto row = row_number_of_name(name)) rows.emplace_back(*row, entry.path().string());
    }
    if (ec) throw_folder_failure(folder, "listing it", ec);
    return rows;
  }

  void clear_rows() {
    std::error_code ec;
    for (const auto& [row, file] : scan()) fs::remove(file, ec);
  }

  void write_manifest() {
    const std::vector<char> bytes = encode_manifest(manifest);
    files::write_file_atomically(path(kManifestFile), bytes.data(), bytes.size());
  }
};

SweepStore::SweepStore(std::string final_path, SweepManifest manifest, bool resume)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.final_path = std::move(final_path);
  s.folder = s.final_path + kPartialSuffix;
  s.manifest = std::move(manifest);
  s.done.assign(static_cast<std::size_t>(s.manifest.rows()), false);
  files::check_output_folder(s.final_path, files::folder_of(s.final_path));

  std::error_code ec;
  if (resume && !fs::exists(s.folder, ec) && fs::exists(s.final_path, ec)) {
    // Finished earlier: nothing to do if the output is this very sweep.
    const SweepFile existing = SweepFile::open(s.final_path);
    if (const auto why = manifest_difference(existing.manifest(), s.manifest)) {
      throw InputError(
          SourcePlace{s.final_path, 0, 0}, "--resume",
          fmt::format("nothing to resume, and {} holds another sweep: {}", s.final_path, *why),
          "run without --resume to replace it, or write elsewhere with -o");
    }
    s.complete = true;
    s.done.assign(s.done.size(), true);
    return;
  }
  fs::create_directory(s.folder, ec);
  if (ec) throw_folder_failure(s.folder, "creating it", ec);
  s.lock();

  const std::optional<SweepManifest> stored = read_manifest(s.path(kManifestFile));
  const std::vector<std::pair<int, std::string>> saved =
      stored ? s.scan() : std::vector<std::pair<int, std::string>>{};
  if (stored && !saved.empty()) {
    if (!resume) {
      throw InputError(
          SourcePlace{s.final_path, 0, 0}, "--resume",
          fmt::format("a partial sweep is in {} ({} of {} rows saved)", s.folder, saved.size(),
                      stored->rows()),
          fmt::format("add --resume to finish it, or delete {} to start over", s.folder));
    }
    if (const auto why = manifest_difference(*stored, s.manifest)) {
      throw InputError(SourcePlace{s.folder, 0, 0}, "--resume",
                       fmt::format("cannot resume: {}", *why),
                       fmt::format("resume with the scenario and options the sweep was started "
                                   "with, or delete {} to start over",
                                   s.folder));
    }
    for (const auto& [row, file] : saved) {
      if (row >= 0 && row < s.manifest.rows() && row_file_holds(file, row, s.manifest)) {
        s.done[static_cast<std::size_t>(row)] = true;
        s.found_partial = true;
      } else {
        fs::remove(file, ec);
        ++s.discarded;
      }
    }
    return;
  }
  s.clear_rows();
  s.write_manifest();
  s.started_afresh = true;
}

SweepStore::SweepStore(SweepStore&&) noexcept = default;
SweepStore& SweepStore::operator=(SweepStore&&) noexcept = default;
SweepStore::~SweepStore() = default;

const std::string& SweepStore::final_path() const {
  return impl_->final_path;
}
const std::string& SweepStore::folder() const {
  return impl_->folder;
}
int SweepStore::rows() const {
  return static_cast<int>(impl_->done.size());
}
int SweepStore::done_count() const {
  return static_cast<int>(std::count(impl_->done.begin(), impl_->done.end(), true));
}
std::vector<int> SweepStore::missing_rows() const {
  std::vector<int> rows;
  for (std::size_t k = 0; k < impl_->done.size(); ++k) {
    if (!impl_->done[k]) rows.push_back(static_cast<int>(k));
  }
  return rows;
}
bool SweepStore::found_partial() const {
  return impl_->found_partial;
}
bool SweepStore::already_complete() const {
  return impl_->complete;
}
int SweepStore::discarded() const {
  return impl_->discarded;
}

void SweepStore::save_row(int row, const std::vector<char>& bytes) {
  Impl& s = *impl_;
  if (row < 0 || row >= rows()) {
    throw RuntimeError(fmt::format("sweep row {} does not exist (the sweep has {})", row, rows()));
  }
  files::write_file_atomically(s.path(row_file_name(row)), bytes.data(), bytes.size());
  s.done[static_cast<std::size_t>(row)] = true;
}

void SweepStore::finish() {
  Impl& s = *impl_;
  if (s.complete) return;
  if (done_count() != rows()) {
    throw RuntimeError(fmt::format("cannot finish {}: {} of {} rows are saved", s.final_path,
                                   done_count(), rows()));
  }
  const std::string folder = files::folder_of(s.final_path);
  const std::string temp = files::temp_path_for(s.final_path);
  files::create_empty_file(temp, folder, s.final_path);
  struct Cleanup {
    const std::string& temp;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(temp.c_str());
    }
  } cleanup{temp};
  {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    h5::silence_errors();
    try {
      h5::PropList create = h5::file_creation_props();
      h5::PropList access(h5::check(H5Pcreate(H5P_FILE_ACCESS), "creating access properties"));
      h5::check(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG), "setting close degree");
      h5::File file(h5::check(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, create.get(), access.get()),
                              "creating " + temp));
      Assembler assembler(s.manifest, s.folder);
      assembler.write(file.get());
      if (file.close() < 0) h5::fail("closing " + temp);
    } catch (const h5::Hdf5Failure& failure) {
      throw_write_failure(failure, s.final_path);
    }
  }
  files::sync_file(temp, s.final_path);
  if (::rename(temp.c_str(), s.final_path.c_str()) != 0) {
    files::throw_os_failure(s.final_path, "renaming " + temp + " to it", errno);
  }
  cleanup.keep = true;
  files::sync_folder(folder);
  // The output is complete: the folder has served. Removing it is best effort (a leftover
  // folder only makes the next run of the same output ask for --resume or deletion).
  std::error_code ec;
  fs::remove_all(s.folder, ec);
  ::close(s.lock_fd);
  s.lock_fd = -1;
}

}  // namespace cjsim
