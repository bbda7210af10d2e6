// --csv FILE and --xlsx FILE, the same for every command that prints tables (run, sweep,
// compare, value, attribute, optimize): the options with their help, the check before any work,
// and the writing once the tables are known (table_files.hpp). "--csv -" puts the CSV alone on
// standard output, for a pipe; the command's other text then goes to standard error (text()).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "cjsim/hdf5_io.hpp"
#include "common/options.hpp"
#include "common/output_path.hpp"
#include "common/table.hpp"
#include "common/table_files.hpp"

namespace cjsim::cli {

struct TableOutput {
  std::string csv, xlsx;

  // `what`: the tables in words for --help ("the sweep table").
  void add_options(po::options_description& d, const std::string& what);
  // Before any work, after parsing: claims the outputs (common/output_path.hpp: the folder
  // exists, no device, a symlink's target, one writer), so a typo in a file name costs nothing.
  void check(const po::variables_map& vm);
  // Where the command prints its text: standard error when the CSV goes to standard output.
  std::FILE* text() const { return csv == "-" ? stderr : stdout; }
  // Whether the printed tables are shown (not when standard output carries the CSV).
  bool print_tables() const { return csv != "-"; }
  // Writes the files asked for and lists them on text() ("table: results/x.csv").
  void write(const std::vector<Table>& tables, const TableSource& source, const Money& money) const;
  // The claimed outputs, for a command that writes a file of its own layout to them.
  const OutputClaim& csv_claim() const { return csv_claim_; }
  const OutputClaim& xlsx_claim() const { return xlsx_claim_; }

 private:
  OutputClaim csv_claim_, xlsx_claim_;  // held to the end of the command
};

// What a result file says about itself, for the About sheet; `command_line` is the command
// that printed the tables (which may differ from the one that wrote the file: both are kept).
TableSource table_source(const FileMeta& meta, const std::string& result_file,
                         const std::string& command_line);

}  // namespace cjsim::cli
