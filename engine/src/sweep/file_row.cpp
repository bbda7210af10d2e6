// Row files: written in memory by encode_sweep_row (any thread, any process), read by the store.
#include "sweep/file_row.hpp"

#include <fmt/format.h>

#include "cjsim/errors.hpp"
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

hsize_t hs(int n) {
  return static_cast<hsize_t>(n);
}

// The three bands of a series stacked as (stat, dims...).
void write_bands(hid_t group, const char* name, const SeriesBands& b, std::vector<hsize_t> dims) {
  std::vector<double> stacked;
  stacked.reserve(3 * b.mean.size());
  for (const auto* part : {&b.mean, &b.p05, &b.p95})
    stacked.insert(stacked.end(), part->begin(), part->end());
  dims.insert(dims.begin(), 3);
  h5::write_dataset(group, name, dims, stacked);
}

SeriesBands read_bands(hid_t group, const char* name, std::size_t count) {
  h5::Dataset d = h5::open_dataset(group, name);
  std::size_t total = 1;
  for (hsize_t n : h5::dims_of(d.get())) total *= n;
  if (total != 3 * count) {
    throw h5::Hdf5Failure("reading " + h5::path_of(d.get()), "unexpected shape",
                          h5::Hdf5Failure::Cause::other);
  }
  const std::vector<double> all = h5::read_all<double>(d.get(), total);
  SeriesBands b;
  const auto n = static_cast<std::ptrdiff_t>(count);
  b.mean.assign(all.begin(), all.begin() + n);
  b.p05.assign(all.begin() + n, all.begin() + 2 * n);
  b.p95.assign(all.begin() + 2 * n, all.end());
  return b;
}

}  // namespace

std::vector<char> encode_sweep_row(const SweepRowResult& r, const SweepPlan& plan) {
  const SweepRow& row = plan.rows.at(static_cast<std::size_t>(r.row));
  const std::size_t K = r.summary.defs.size();
  const int R = r.summary.replicates;
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  h5::silence_errors();
  try {
    h5::File file = create_memory_file(fmt::format("row-{}", r.row));
    const hid_t root = file.get();
    FileMeta meta;
    meta.kind = kRowKind;
    meta.seed = plan.seed;
    write_file_head(root, meta);
    h5::write_attribute(root, "row", static_cast<std::int32_t>(r.row));
    h5::write_attribute(root, "point", static_cast<std::int32_t>(row.point));
    h5::write_attribute(root, "variant", row.variant);
    h5::write_attribute(root, "replicates", static_cast<std::int32_t>(R));
    write_kpi_scale(root, r.summary.defs);
    h5::write_dataset(root, kKpiValues, {hs(R), K}, r.kpi_values);
    std::vector<double> stats;
    for (const auto* part : {&r.summary.mean, &r.summary.sd, &r.summary.ci_low, &r.summary.ci_high})
      stats.insert(stats.end(), part->begin(), part->end());
    h5::write_dataset(root, kKpiStats, {4, K}, stats);
    h5::write_strings(root, kStage, r.stage_names);
    h5::write_strings(root, kChannel, r.channel_names);
    write_bands(root, kStageCounts, r.stage_counts, {hs(r.days) + 1, hs(r.stages)});
    write_bands(root, kRevenue, r.revenue, {hs(r.days)});
    write_bands(root, kSpend, r.spend, {hs(r.days), hs(r.channels)});
    h5::Group runs = h5::create_group(root, kRunsGroup);
    if (!r.runs.empty()) {
      h5::Group variant = h5::create_group(runs.get(), row.variant);
      h5::write_attribute(variant.get(), "description", row.description);
      for (std::size_t k = 0; k < r.runs.size(); ++k) {
        h5::Group g = h5::create_group(variant.get(), replicate_group_name(r.runs[k].replicate));
        write_run_group(g.get(), r.runs[k], r.run_kpis[k]);
      }
    }
    return file_image(root);
  } catch (const h5::Hdf5Failure& failure) {
    throw RuntimeError(fmt::format("cannot encode sweep row {}: {}", r.row, failure.what()));
  }
}

namespace h5layout {

RowFile read_row_file(const std::string& path) {
  const h5::ReadingFile reading(path);
  h5::File file(h5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening " + path));
  const hid_t root = file.get();
  RowFile f;
  f.row = h5::read_attribute<std::int32_t>(root, "row");
  f.point = h5::read_attribute<std::int32_t>(root, "point");
  f.variant = h5::read_string_attribute(root, "variant");
  f.replicates = h5::read_attribute<std::int32_t>(root, "replicates");
  if (f.replicates < 1 || f.replicates > 10'000) {
    throw h5::Hdf5Failure("reading " + path, fmt::format("{} replicates", f.replicates),
                          h5::Hdf5Failure::Cause::other);
  }
  f.kpis = read_kpi_scale(root);
  const std::size_t K = f.kpis.size();
  const auto R = static_cast<std::size_t>(f.replicates);
  {
    h5::Dataset values = h5::open_dataset(root, kKpiValues);
    if (h5::dims_of(values.get()) != std::vector<hsize_t>{R, K}) {
      throw h5::Hdf5Failure("reading " + path, "kpi_values has the wrong shape",
                            h5::Hdf5Failure::Cause::other);
    }
    f.kpi_values = h5::read_all<double>(values.get(), R * K);
  }
  {
    h5::Dataset stats = h5::open_dataset(root, kKpiStats);
    if (h5::dims_of(stats.get()) != std::vector<hsize_t>{4, K}) {
      throw h5::Hdf5Failure("reading " + path, "kpi_summary has the wrong shape",
                            h5::Hdf5Failure::Cause::other);
    }
    const std::vector<double> all = h5::read_all<double>(stats.get(), 4 * K);
    const auto k = static_cast<std::ptrdiff_t>(K);
    f.mean.assign(all.begin(), all.begin() + k);
    f.sd.assign(all.begin() + k, all.begin() + 2 * k);
    f.ci_low.assign(all.begin() + 2 * k, all.begin() + 3 * k);
    f.ci_high.assign(all.begin() + 3 * k, all.end());
  }
  f.stage_names = h5::read_strings(h5::open_dataset(root, kStage).get());
  f.channel_names = h5::read_strings(h5::open_dataset(root, kChannel).get());
  f.stages = static_cast<int>(f.stage_names.size());
  f.channels = static_cast<int>(f.channel_names.size());
  {
    h5::Dataset revenue = h5::open_dataset(root, kRevenue);
    const std::vector<hsize_t> dims = h5::dims_of(revenue.get());
    if (dims.size() != 2 || dims[1] > 36'500) {  // the scenario's limit on simulation.days
      throw h5::Hdf5Failure("reading " + path, "revenue has the wrong shape",
                            h5::Hdf5Failure::Cause::other);
    }
    f.days = static_cast<int>(dims[1]);
  }
  const auto T = static_cast<std::size_t>(f.days);
  f.stage_counts = read_bands(root, kStageCounts, (T + 1) * static_cast<std::size_t>(f.stages));
  f.revenue = read_bands(root, kRevenue, T);
  f.spend = read_bands(root, kSpend, T * static_cast<std::size_t>(f.channels));
  h5::Group runs = h5::open_group(root, kRunsGroup);
  f.has_runs = !h5::child_names(runs.get()).empty();
  return f;
}

bool row_file_holds(const std::string& path, int row, const SweepManifest& m) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  h5::silence_errors();
  try {
    const RowFile f = read_row_file(path);
    const int variants = static_cast<int>(m.variants.size());
    return variants > 0 && f.row == row && f.point == row / variants &&
           f.variant == m.variants[static_cast<std::size_t>(row % variants)] &&
           f.replicates == m.replicates && f.days <= m.days && f.days > 0;
  } catch (const h5::Hdf5Failure&) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
}

}  // namespace h5layout

}  // namespace cjsim
