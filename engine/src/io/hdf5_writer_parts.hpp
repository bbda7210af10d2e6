// Pieces of the result writer (hdf5_writer.cpp) that the sweep file writer reuses, so a sweep
// file's head and kept runs have exactly the layout of a run file (results/README.md).
#pragma once

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "io/hdf5_handles.hpp"

namespace cjsim::h5layout {

// Root attributes (format, engine_version, kind, seed, ...) and the two scenario datasets.
void write_file_head(hid_t root, const FileMeta& meta);

// One run's group: scales, daily series, flows, customers, kpis, profile.
void write_run_group(hid_t group, const RunResult& run, const KpiTable& kpis);

// An HDF5 failure while writing `path`, as the RuntimeError users act on (disk full, ...).
[[noreturn]] void throw_write_failure(const h5::Hdf5Failure& failure, const std::string& path);

// Dimension scales (the netCDF-4 convention) and attaching them, axis by axis.
h5::Dataset make_scale(h5::Dataset dataset, const char* dimension);
// With `start` (simulation.start) the units are "days since YYYY-MM-DD" (CF), else "day".
h5::Dataset day_scale(hid_t group, const char* name, int count, const char* long_name,
                      const std::optional<std::chrono::year_month_day>& start = std::nullopt);
h5::Dataset name_scale(hid_t group, const char* name, const std::vector<std::string>& names);
void attach(hid_t dataset, std::initializer_list<hid_t> scales);

std::vector<std::string> kpi_ids(const std::vector<KpiDef>& defs);

}  // namespace cjsim::h5layout
