// SweepFile: reading a sweep file back. The file is first opened as a result file (which
// refuses foreign, truncated and newer files with the usual messages), then its sweep parts
// are read; anything missing is an InputError naming the object.
#include <fmt/format.h>

#include <cstring>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/sweep_io.hpp"
#include "io/hdf5_crash_guard.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"
#include "io/hdf5_writer_parts.hpp"
#include "sweep/file_layout.hpp"

namespace cjsim {

using namespace h5layout;

namespace {

const char* const kSweepFix = "run the sweep again (or copy the file again if it was copied)";

// The whole /sweep table in the in-memory layout of SweepColumns (point, variant pointer,
// numbers), read at once: reading field by field would convert every row's strings each time.
struct TableRecords {
  std::vector<unsigned char> bytes;
  std::size_t record = 0;
  std::size_t rows = 0;
  h5::Datatype type;
  hid_t dataset = -1;

  TableRecords(hid_t table, const SweepColumns& columns, std::size_t n)
      : bytes(n * columns.record_size()),
        record(columns.record_size()),
        rows(n),
        type(columns.memory_type()),
        dataset(table) {
    if (n > 0) {
      h5::check(H5Dread(table, type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()),
                "reading " + h5::path_of(table));
    }
  }
  TableRecords(const TableRecords&) = delete;
  TableRecords& operator=(const TableRecords&) = delete;
  ~TableRecords() {
    if (rows == 0) return;
    h5::Dataspace space(H5Dget_space(dataset));
    H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, bytes.data());
  }

  std::int32_t point(std::size_t r) const {
    std::int32_t p = 0;
    std::memcpy(&p, bytes.data() + r * record, sizeof p);
    return p;
  }
  std::string variant(std::size_t r) const {
    const char* text = nullptr;
    std::memcpy(&text, bytes.data() + r * record + SweepColumns::kVariantOffset, sizeof text);
    return text == nullptr ? std::string() : std::string(text);
  }
  double number(std::size_t r, std::size_t field) const {
    double v = 0;
    std::memcpy(&v, bytes.data() + r * record + SweepColumns::kNumbersOffset + 8 * field, sizeof v);
    return v;
  }
};

// The table must hold every field the manifest and the KPI scale name.
void require_fields(hid_t table, const SweepColumns& columns, const std::string& path) {
  h5::Datatype stored(h5::check(H5Dget_type(table), "reading /sweep"));
  if (H5Tget_class(stored.get()) != H5T_COMPOUND) {
    throw InputError(SourcePlace{path, 0, 0}, "/sweep",
                     "the file is damaged (expected a table, a compound dataset)", kSweepFix);
  }
  std::vector<std::string> fields{"point", "variant"};
  fields.insert(fields.end(), columns.numeric.begin(), columns.numeric.end());
  for (const std::string& f : fields) {
    if (H5Tget_member_index(stored.get(), f.c_str()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      throw InputError(SourcePlace{path, 0, 0}, "/sweep",
                       fmt::format("the file is damaged (missing field '{}')", f), kSweepFix);
    }
  }
}

}  // namespace

struct SweepFile::Impl {
  std::string path;
  FileMeta meta;
  h5::File file;

  [[noreturn]] void bad(const std::string& object, const std::string& message,
                        const std::string& fix) const {
    throw InputError(SourcePlace{path, 0, 0}, object, message, fix);
  }
  [[noreturn]] void bad(const std::string& object, const std::string& detail) const {
    bad(object, "the file is damaged (" + detail + ")", kSweepFix);
  }

  h5::Dataset dataset(hid_t parent, const std::string& name, const std::string& where) const {
    if (!h5::has_link(parent, name)) bad(where, "missing dataset");
    return h5::open_dataset(parent, name);
  }

  // Runs one read; HDF5 failures become InputErrors naming the file.
  template <class Read>
  auto guarded(Read&& read) const {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    h5::silence_errors();
    const h5::ReadingFile reading(path);
    try {
      return read();
    } catch (const h5::Hdf5Failure& failure) {
      bad(failure.action(),
          failure.detail().empty() ? std::string("HDF5 could not read it") : failure.detail());
    }
  }

  std::size_t rows() const {
    h5::Dataset table = dataset(file.get(), kSweepTable, "/sweep");
    const std::vector<hsize_t> dims = h5::dims_of(table.get());
    if (dims.size() != 1) bad("/sweep", "expected one row per point and variant");
    return h5::stored_elements(table.get());
  }

  // /points/kpi_values must be (rows, replicates, KPIs): compare pairs its rows by index.
  void check_kpi_values(std::size_t rows, int replicates, std::size_t kpis) const {
    h5::Group points = h5::open_group(file.get(), kPointsGroup);
    h5::Dataset values = dataset(points.get(), kKpiValues, "/points/kpi_values");
    const std::vector<hsize_t> dims = h5::dims_of(values.get());
    const std::vector<hsize_t> expected{rows, static_cast<hsize_t>(replicates), kpis};
    if (replicates < 1 || dims != expected) {
      bad("/points/kpi_values",
          fmt::format("expected {} rows x {} replicates x {} KPIs", rows, replicates, kpis));
    }
    static_cast<void>(h5::stored_elements(values.get()));
  }
};

SweepFile::SweepFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SweepFile::SweepFile(SweepFile&&) noexcept = default;
SweepFile& SweepFile::operator=(SweepFile&&) noexcept = default;
SweepFile::~SweepFile() = default;

SweepFile SweepFile::open(const std::string& path) {
  const FileMeta meta = ResultFile::open(path).meta();
  if (meta.kind != "sweep") {
    throw InputError(SourcePlace{path, 0, 0}, "kind",
                     fmt::format("a '{}' file, not a sweep file", meta.kind),
                     "pass a file written by cjsim sweep");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->meta = meta;
  impl->guarded([&] {
    impl->file =
        h5::File(h5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file"));
    static_cast<void>(impl->rows());
    if (!h5::has_link(impl->file.get(), kPointsGroup)) impl->bad("/points", "missing group");
    SweepManifest m;
    h5::Dataset table = impl->dataset(impl->file.get(), kSweepTable, "/sweep");
    read_manifest_attributes(table.get(), m);
    h5::Group points = h5::open_group(impl->file.get(), kPointsGroup);
    if (!h5::has_link(points.get(), kKpi)) impl->bad("/points/kpi", "missing dataset");
    impl->check_kpi_values(impl->rows(), m.replicates, read_kpi_scale(points.get()).size());
    return 0;
  });
  return SweepFile(std::move(impl));
}

const std::string& SweepFile::path() const {
  return impl_->path;
}

FileMeta SweepFile::meta() const {
  return impl_->meta;
}

SweepManifest SweepFile::manifest() const {
  return impl_->guarded([&] {
    SweepManifest m;
    m.meta = impl_->meta;
    h5::Dataset table = impl_->dataset(impl_->file.get(), kSweepTable, "/sweep");
    read_manifest_attributes(table.get(), m);
    const std::size_t n = impl_->rows();
    const std::size_t V = m.variants.size();
    if (V == 0 || n % V != 0) impl_->bad("/sweep", "the rows do not cover every variant");
    const SweepColumns columns = sweep_columns(m.axes, {});
    require_fields(table.get(), columns, impl_->path);
    const TableRecords records(table.get(), columns, n);
    for (std::size_t row = 0; row < n; row += V) {
      for (std::size_t a = 0; a < m.axes.size(); ++a)
        m.point_values.push_back(records.number(row, a));
    }
    return m;
  });
}

SweepTable SweepFile::table() const {
  return impl_->guarded([&] {
    SweepManifest m;
    h5::Dataset table = impl_->dataset(impl_->file.get(), kSweepTable, "/sweep");
    read_manifest_attributes(table.get(), m);
    h5::Group points = h5::open_group(impl_->file.get(), kPointsGroup);
    if (!h5::has_link(points.get(), kKpi)) impl_->bad("/points/kpi", "missing dataset");
    SweepTable t;
    t.design = m.design;
    t.replicates = m.replicates;
    t.axes = m.axes;
    t.variants = m.variants;
    t.kpis = read_kpi_scale(points.get());
    const std::size_t n = impl_->rows();
    const std::size_t A = t.axes.size(), K = t.kpis.size();
    const SweepColumns columns = sweep_columns(t.axes, kpi_ids(t.kpis));
    require_fields(table.get(), columns, impl_->path);
    const TableRecords records(table.get(), columns, n);
    t.rows.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      SweepTableRow& row = t.rows[r];
      row.point = records.point(r);
      row.variant = records.variant(r);
      for (std::size_t a = 0; a < A; ++a) row.values.push_back(records.number(r, a));
      for (std::size_t k = 0; k < K; ++k) {
        row.mean.push_back(records.number(r, A + 4 * k));
        row.sd.push_back(records.number(r, A + 4 * k + 1));
        row.ci_low.push_back(records.number(r, A + 4 * k + 2));
        row.ci_high.push_back(records.number(r, A + 4 * k + 3));
      }
    }
    return t;
  });
}

std::vector<double> SweepFile::kpi_values(int row) const {
  return impl_->guarded([&] {
    h5::Group points = h5::open_group(impl_->file.get(), kPointsGroup);
    h5::Dataset values = impl_->dataset(points.get(), kKpiValues, "/points/kpi_values");
    const std::vector<hsize_t> dims = h5::dims_of(values.get());
    if (dims.size() != 3) impl_->bad("/points/kpi_values", "expected (row, replicate, kpi)");
    if (row < 0 || static_cast<hsize_t>(row) >= dims[0]) {
      impl_->bad("/points/kpi_values",
                 fmt::format("row {} is not in the file ({} rows)", row, dims[0]),
                 fmt::format("choose a row from 0 to {}", dims[0] - 1));
    }
    const hsize_t start[3] = {static_cast<hsize_t>(row), 0, 0};
    const hsize_t count[3] = {1, dims[1], dims[2]};
    h5::Dataspace file_space(h5::check(H5Dget_space(values.get()), "reading kpi_values"));
    h5::check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr),
              "selecting a row of kpi_values");
    // The row's size bounded by what the file stores before anything is allocated for it.
    const hsize_t stored = h5::stored_elements(values.get());
    const hsize_t total = dims[1] * dims[2];
    if (dims[1] != 0 && (total / dims[1] != dims[2] || total > stored)) {
      impl_->bad("/points/kpi_values",
                 fmt::format("a row of {} x {} values in a dataset of {} stored", dims[1], dims[2],
                             stored));
    }
    h5::Dataspace memory(h5::check(H5Screate_simple(1, &total, nullptr), "creating a space"));
    std::vector<double> out(total);
    if (total > 0) {
      h5::check(H5Dread(values.get(), H5T_NATIVE_DOUBLE, memory.get(), file_space.get(),
                        H5P_DEFAULT, out.data()),
                "reading a row of kpi_values");
    }
    return out;
  });
}

}  // namespace cjsim
