// The layout of sweep files (results/README.md, "Sweep files"), shared by the row files of the
// partial folder, the assembler and the reader: names, the /sweep table's compound type, the
// manifest's attributes and the KPI definitions stored on the `kpi` scale.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/sweep_io.hpp"
#include "io/hdf5_handles.hpp"

namespace cjsim::h5layout {

inline constexpr const char* kSweepTable = "sweep";    // the table, one row per row
inline constexpr const char* kPointsGroup = "points";  // per-row data with scales
inline constexpr const char* kRowScale = "row";
inline constexpr const char* kStatScale = "stat";  // mean, p05, p95
inline constexpr const char* kReplicateScale = "replicate";
inline constexpr const char* kKpiValues = "kpi_values";      // (row, replicate, kpi)
inline constexpr const char* kKpiStats = "kpi_summary";      // row files: (4, kpi) mean..ci_high
inline constexpr const char* kStageCounts = "stage_counts";  // (row, stat, day_start, stage)
inline constexpr const char* kRevenue = "revenue";           // (row, stat, day)
inline constexpr const char* kSpend = "spend";               // (row, stat, day, channel)
inline constexpr const char* kPartialSuffix = ".partial";
inline constexpr const char* kManifestFile = "manifest.h5";
inline constexpr const char* kRowKind = "sweep_row";

const std::vector<std::string>& band_stats();  // {"mean", "p05", "p95"}
const std::vector<std::string>& kpi_stats();   // {"mean", "sd", "ci_low", "ci_high"}
std::string row_file_name(int row);            // "row_000042.h5"

// The manifest (everything but FileMeta and the point values) as attributes of `object`.
void write_manifest_attributes(hid_t object, const SweepManifest& m);
void read_manifest_attributes(hid_t object, SweepManifest& m);  // Hdf5Failure when one is missing

// KPI definitions: the `kpi` scale of `group` (ids) with the attributes label, view, unit and
// description, one string per KPI.
h5::Dataset write_kpi_scale(hid_t group, const std::vector<KpiDef>& defs);
std::vector<KpiDef> read_kpi_scale(hid_t group);

// The /sweep table: point (int32), variant (string), one float64 per axis, then per KPI the
// fields "<id>.mean", "<id>.sd", "<id>.ci_low", "<id>.ci_high".
struct SweepColumns {
  std::vector<std::string> numeric;  // field names after point and variant
  // In memory a row is {int32 point at 0, const char* variant at 8, doubles from 16}.
  static constexpr std::size_t kVariantOffset = 8;
  static constexpr std::size_t kNumbersOffset = 16;
  std::size_t record_size() const { return kNumbersOffset + 8 * numeric.size(); }
  h5::Datatype memory_type() const;
  h5::Datatype file_type() const;  // packed, little-endian
};
SweepColumns sweep_columns(const std::vector<std::string>& axes,
                           const std::vector<std::string>& kpi_ids);

// Files that live in memory (HDF5's core driver, no backing store): row files are built this
// way and handed over as bytes.
h5::File create_memory_file(const std::string& label);
std::vector<char> file_image(hid_t file);

// Held around sweep-file HDF5 work that may run on several threads at once: the library is
// thread-safe, its high-level part (dimension scales) is not.
std::mutex& hdf5_mutex();

}  // namespace cjsim::h5layout
