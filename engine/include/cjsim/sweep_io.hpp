// Sweep files (layout: results/README.md, "Sweep files").
//
// A running sweep keeps its finished points in a partial folder beside the output,
// "<output>.partial/": a manifest (what the sweep is) and one small HDF5 file per finished row,
// each written to a temporary name, synced and renamed. A kill -9 at any moment therefore loses
// only the rows being computed, never a saved one, and never leaves a half-written row under a
// row's name. When every row is there, finish() assembles the output file in row order (itself
// written to a temporary name and renamed) and removes the folder: the sweep table does not
// depend on which rows were computed before or after an interruption, or by whom.
//
// Errors: InputError for what the user decides (a partial sweep that needs --resume, a resume
// of a sweep that changed, a file that is not a sweep), RuntimeError for the disk.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/sweep.hpp"

namespace cjsim {

// What identifies a sweep. The partial folder records it; --resume compares it; the final file
// carries it (attributes of /sweep).
struct SweepManifest {
  FileMeta meta;                       // kind "sweep"; the command line of the first start
  std::vector<std::string> overrides;  // --set, in order
  std::string design = "grid";         // "grid" | "lhs"
  int lhs_points = 0;
  std::vector<std::string> axes;
  std::vector<double> point_values;  // points x axes, row-major
  std::vector<std::string> variants;
  int replicates = 1;
  bool seed_given = false;  // --seed was given (then meta.seed is it)
  bool keep_runs = false;
  int days = 0;  // the longest horizon of any row: the length of the series

  int points() const;
  int rows() const { return points() * static_cast<int>(variants.size()); }
};

SweepManifest make_manifest(const SweepPlan& plan, FileMeta meta,
                            std::vector<std::string> overrides, bool keep_runs);

// Why `now` is not the sweep `stored` describes (the first difference, in words a user acts
// on), or nothing when it is the same sweep.
std::optional<std::string> manifest_difference(const SweepManifest& stored,
                                               const SweepManifest& now);

// A finished row as the bytes of a small HDF5 file (a "row file"), so a worker process can send
// it to the process that writes. Thread-safe (HDF5 calls are serialised inside).
std::vector<char> encode_sweep_row(const SweepRowResult& result, const SweepPlan& plan);

class SweepStore {
 public:
  // `resume` = false: a partial folder holding saved rows is refused (InputError naming
  // --resume). `resume` = true: continues a partial folder of the same sweep, refuses one of
  // another sweep (InputError saying what changed), starts afresh when there is none, and is
  // already complete when the output holds this very sweep. Takes a lock on the folder: a
  // second cjsim on the same output fails (RuntimeError) instead of mixing rows.
  SweepStore(std::string final_path, SweepManifest manifest, bool resume);
  SweepStore(SweepStore&&) noexcept;
  SweepStore& operator=(SweepStore&&) noexcept;
  SweepStore(const SweepStore&) = delete;
  SweepStore& operator=(const SweepStore&) = delete;
  ~SweepStore();  // releases the lock; the folder stays for --resume

  const std::string& final_path() const;
  const std::string& folder() const;  // "<final_path>.partial"
  int rows() const;
  int done_count() const;
  std::vector<int> missing_rows() const;  // in row order
  bool found_partial() const;             // resume found rows saved earlier
  bool already_complete() const;          // resume: the output already is this sweep
  int discarded() const;                  // unreadable row files found and removed

  // Stores a finished row (the bytes encode_sweep_row made): temporary name, fsync, rename.
  void save_row(int row, const std::vector<char>& bytes);

  // Every row saved: writes the output file (temporary name, renamed) and removes the folder.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- reading a sweep file ---------------------------------------------------------------------

struct SweepTableRow {
  int point = 0;
  std::string variant;
  std::vector<double> values;                     // per axis
  std::vector<double> mean, sd, ci_low, ci_high;  // per KPI
};

// The /sweep table (the shape the report's sweep view draws).
struct SweepTable {
  std::string design;
  int replicates = 0;
  std::vector<std::string> axes;
  std::vector<std::string> variants;
  std::vector<KpiDef> kpis;
  std::vector<SweepTableRow> rows;
};

class SweepFile {
 public:
  // Refuses missing, damaged, foreign and non-sweep files with an InputError naming the problem.
  static SweepFile open(const std::string& path);
  SweepFile(SweepFile&&) noexcept;
  SweepFile& operator=(SweepFile&&) noexcept;
  SweepFile(const SweepFile&) = delete;
  SweepFile& operator=(const SweepFile&) = delete;
  ~SweepFile();

  const std::string& path() const;
  FileMeta meta() const;
  SweepManifest manifest() const;
  SweepTable table() const;
  // Every run's KPI values of a row: replicates x KPIs, row-major (for paired differences).
  std::vector<double> kpi_values(int row) const;

 private:
  struct Impl;
  explicit SweepFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cjsim
