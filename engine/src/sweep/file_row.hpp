// Row files: one finished sweep row (table row, series bands, every run's KPIs and, with
// --keep-runs, the runs themselves) as a small HDF5 file in the partial folder. It is also a
// valid result file (root attributes of results/README.md, kind "sweep_row"), so its kept runs
// read back with ResultFile.
#pragma once

#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/sweep.hpp"
#include "cjsim/sweep_io.hpp"

namespace cjsim::h5layout {

// A row file read back (kept runs stay in the file: ResultFile::load reads them).
struct RowFile {
  int row = 0;
  int point = 0;
  std::string variant;
  int replicates = 0;
  std::vector<KpiDef> kpis;
  std::vector<double> kpi_values;                 // replicates x KPIs
  std::vector<double> mean, sd, ci_low, ci_high;  // per KPI
  int days = 0, stages = 0, channels = 0;
  std::vector<std::string> stage_names, channel_names;
  SeriesBands stage_counts, revenue, spend;
  bool has_runs = false;
};

// Throws h5::Hdf5Failure when the file is unreadable or incomplete.
RowFile read_row_file(const std::string& path);

// Whether the row file reads whole (every dataset, in bounds) and holds `row` of the sweep `m`
// (its row, point, variant, replicates and horizon): what --resume keeps; the rest is
// recomputed.
bool row_file_holds(const std::string& path, int row, const SweepManifest& m);

}  // namespace cjsim::h5layout
