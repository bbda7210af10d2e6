// The HDF5 result file: writing runs and reading them back (layout: results/README.md).
//
// One file holds many runs: /runs/<variant>/replicate_<r>/ per run, plus KPI summaries over
// replicates. Writing goes to a hidden temporary file next to the final path that commit()
// renames into place, so the final path only ever holds a complete file. Errors: RuntimeError
// when a file cannot be written (exit 2), InputError when a file cannot be read (exit 1). HDF5
// never prints; its messages end up in the exception text.
//
// Not thread-safe: use one ResultWriter or ResultFile from one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cjsim/kpi.hpp"
#include "cjsim/results.hpp"
#include "cjsim/version.hpp"

namespace cjsim {

struct ChannelValue;     // cjsim/value.hpp (include it to use the channel value methods)
struct Scenario;         // cjsim/scenario_io.hpp
class ScenarioDocument;  // cjsim/scenario_io.hpp
struct ScenarioDef;      // cjsim/scenario.hpp

// What a file says about itself (root attributes and the scenario datasets).
struct FileMeta {
  std::string scenario_name;
  std::string scenario_source;  // path of the scenario file as given
  std::string scenario_text;    // the scenario file's text
  std::string effective_toml;   // the scenario after --set overrides, in declared order
  // The --set overrides in the order given (/scenario_overrides): scenario_text with these
  // applied is the world the file was written from (stored_document). Nothing when the file
  // is from before they were stored.
  std::optional<std::vector<std::string>> overrides;
  std::string command_line;
  std::uint64_t seed = 0;
  std::string currency;         // ISO 4217 code of every amount (simulation.currency); "" = none
  std::string kind = "run";     // "run" or "sweep"
  int format = kFormatVersion;  // set by the reader; the writer always writes kFormatVersion
  std::string engine_version;   // set by the reader; the writer writes this build's
};

// What a result file of runs of `def` (one of the scenario's variants, normally the first) says
// about itself: the scenario (name, source, text, effective TOML), the command line, the seed
// (`seed` when given, else simulation.seed) and the currency.
FileMeta run_file_meta(const Scenario& scenario, const ScenarioDef& def,
                       const std::string& command_line, std::optional<std::uint64_t> seed = {});

// The scenario a file was written from, rebuilt from the file alone: /scenario with the stored
// --set overrides applied in order (`file` names the file in messages). A file from before the
// overrides were stored is accepted when /scenario alone gives /scenario_effective (it was run
// without --set); else InputError saying so and how to write a file that can be rebuilt.
ScenarioDocument stored_document(const FileMeta& meta, const std::string& file);

// Writes one result file. Create it before simulating: an output folder that is missing or
// read-only fails here, before any work. Runs may be written in any order, each (variant,
// replicate) once; the run's replicate number comes from RunResult::replicate.
//
// Files are byte-reproducible: the same runs written in the same order give the same bytes, as
// long as the wall-clock profile (RunResult::profile, peak_rss_bytes) is equal too.
class ResultWriter {
 public:
  // Creates "<dir>/.<name>.tmp-<pid>" beside final_path. Throws RuntimeError naming the folder
  // and the fix when it cannot.
  ResultWriter(std::string final_path, const FileMeta& meta);
  // A moved-from writer may only be destroyed or assigned to.
  ResultWriter(ResultWriter&&) noexcept;
  ResultWriter& operator=(ResultWriter&&) noexcept;
  ResultWriter(const ResultWriter&) = delete;
  ResultWriter& operator=(const ResultWriter&) = delete;
  // Not committed (exception, cancellation): deletes the temporary file; whatever was at
  // final_path before is untouched.
  ~ResultWriter();

  void write_run(const std::string& variant, const std::string& description, const RunResult& run,
                 const KpiTable& kpis);
  // KPIs over the replicates of a variant (mean, sd, confidence interval).
  void write_summary(const std::string& variant, const KpiSummary& summary);
  // Ground-truth channel value of a variant (cjsim value): /runs/<variant>/channel_value.
  void write_channel_value(const std::string& variant, const ChannelValue& value);
  // Closes and fsyncs the file, then renames it over final_path (atomic on one filesystem).
  // Only now does final_path change. The writer is finished afterwards.
  void commit();

  const std::string& final_path() const;
  const std::string& temp_path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HDF5 1.10 can crash on a damaged or hostile file in ways no caller can check first (it trusts
// sizes and addresses inside the file). After this call, a crash inside the HDF5 library while
// a ResultFile, SweepFile or sweep partial folder is being read ends the process with
// "<file>: the file is damaged (the HDF5 library crashed reading it ...)" and exit 1, removing
// temporary outputs; every other crash stays a crash. Call once, early in main().
void contain_hdf5_crashes();

// One run read back.
struct StoredRun {
  std::string variant;
  std::string description;
  int replicate = 0;
  RunResult run;  // customers empty unless loaded with_customers; trace is never stored;
                  // touch paths are loaded on their own (ResultFile::touch_paths)
  KpiTable kpis;
};

// A result file opened for reading. open() refuses missing, foreign, truncated and newer-format
// files with an InputError naming what is wrong; load() names a missing or malformed dataset.
class ResultFile {
 public:
  static ResultFile open(const std::string& path);
  ResultFile(ResultFile&&) noexcept;
  ResultFile& operator=(ResultFile&&) noexcept;
  ResultFile(const ResultFile&) = delete;
  ResultFile& operator=(const ResultFile&) = delete;
  ~ResultFile();

  const std::string& path() const;
  FileMeta meta() const;
  // (variant, replicate) of every stored run, in the order they were written.
  std::vector<std::pair<std::string, int>> runs() const;
  StoredRun load(const std::string& variant, int replicate, bool with_customers = true) const;
  std::optional<KpiSummary> summary(const std::string& variant) const;
  // The run's touch paths, when it was written with them (cjsim run --touch-paths).
  std::optional<TouchPaths> touch_paths(const std::string& variant, int replicate) const;
  // The variant's ground-truth channel value, when cjsim value wrote it.
  std::optional<ChannelValue> channel_value(const std::string& variant) const;

 private:
  struct Impl;
  explicit ResultFile(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cjsim
