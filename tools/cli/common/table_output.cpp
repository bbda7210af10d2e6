#include "common/table_output.hpp"

#include <fmt/format.h>

#include "cjsim/version.hpp"

namespace cjsim::cli {

void TableOutput::add_options(po::options_description& d, const std::string& what) {
  d.add_options()("csv", po::value(&csv)->value_name("FILE"),
                  fmt::format("also write {} as CSV (every digit, units in the headers; more "
                              "tables go beside it as FILE-<table>.csv); - writes it to standard "
                              "output instead of the printed table",
                              what)
                      .c_str())("xlsx", po::value(&xlsx)->value_name("FILE"),
                                fmt::format("also write {} as an Excel workbook (a sheet per "
                                            "table, numbers with formats, a sheet on the "
                                            "scenario and the command)",
                                            what)
                                    .c_str());
}

void TableOutput::check(const po::variables_map& vm) {
  if (vm.count("csv")) csv_claim_ = claim_output(csv, "--csv", true);
  if (vm.count("xlsx")) xlsx_claim_ = claim_output(xlsx, "--xlsx");
}

void TableOutput::write(const std::vector<Table>& tables, const TableSource& source,
                        const Money& money) const {
  std::vector<std::string> written;
  if (csv_claim_.claimed()) {
    written = write_csv_tables(csv_claim_.to_stdout() ? "-" : csv_claim_.path(), tables, money);
  }
  if (xlsx_claim_.claimed()) {
    write_xlsx(xlsx_claim_.path(), tables, source, money);
    written.push_back(xlsx);
  }
  for (const std::string& w : written) fmt::print(text(), "table: {}\n", w);
}

TableSource table_source(const FileMeta& meta, const std::string& result_file,
                         const std::string& command_line) {
  TableSource s;
  s.command_line = command_line;
  if (!meta.command_line.empty() && meta.command_line != command_line)
    s.command_line =
        fmt::format("{}   (the file was written by: {})", command_line, meta.command_line);
  s.scenario_name = meta.scenario_name;
  s.scenario_source = meta.scenario_source;
  s.scenario_text = meta.effective_toml.empty() ? meta.scenario_text : meta.effective_toml;
  s.result_file = result_file;
  s.currency = meta.currency;
  s.engine_version = engine_version();
  s.seed = std::to_string(meta.seed);
  return s;
}

}  // namespace cjsim::cli
