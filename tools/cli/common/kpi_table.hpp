// The KPI table planners read after a run: grouped by view (funnel, loop, money,
// nonlinearity), one column per strategy or run, "mean ± half-width of the 95% CI" when there
// are replicates. Columns line up whatever the numbers.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "cjsim/kpi.hpp"

namespace cjsim::cli {

struct Money;  // common/number_format.hpp
struct Table;  // common/table.hpp

struct KpiColumn {
  std::string title;
  KpiSummary summary;  // one replicate: mean is the value, CI empty
};

// Each KPI's row has one convention for every strategy (number_format.hpp): money in `money`.
// Ends with footnotes saying why each n/a is one, and where the formulas are.
void print_kpi_table(std::FILE* out, const std::vector<KpiColumn>& columns, const Money& money);

// The same table for CSV and Excel (table_files.hpp): a row per KPI in view order, its id and
// unit, a mean with its 95% interval per strategy.
Table kpi_table_model(const std::vector<KpiColumn>& columns, const Money& money);

// Every KPI of `table` by view: id, label, unit and formula (cjsim run --explain).
void print_kpi_definitions(std::FILE* out, const KpiTable& table);

// One value as the table shows it: "1,234", "12.5%", "3.20", "n/a".
std::string format_value(double v, const std::string& unit);

}  // namespace cjsim::cli
