// The layout of a cjsim result file, shared by writer and reader: group and dataset names, the
// compound row types and the text forms of enums. results/README.md documents the same things
// for people; change both together, and bump kFormatVersion when old readers would misread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cjsim/kpi.hpp"
#include "cjsim/scenario.hpp"
#include "io/hdf5_handles.hpp"

namespace cjsim::h5layout {

inline constexpr const char* kRunsGroup = "runs";
inline constexpr const char* kScenario = "scenario";
inline constexpr const char* kScenarioEffective = "scenario_effective";
inline constexpr const char* kScenarioOverrides = "scenario_overrides";
inline constexpr std::size_t kMaxOverrides = 100000;  // a reader's bound on the --set list
inline constexpr const char* kKpis = "kpis";
inline constexpr const char* kKpiSummary = "kpi_summary";
inline constexpr const char* kCustomers = "customers";
inline constexpr const char* kProfile = "profile";

// Dimension scales (each dataset is named as the dimension it labels).
inline constexpr const char* kDay = "day";             // 0..days-1, per-day series
inline constexpr const char* kDayStart = "day_start";  // 0..days, stage_counts
inline constexpr const char* kStage = "stage";
inline constexpr const char* kFromStage = "from_stage";
inline constexpr const char* kToStage = "to_stage";
inline constexpr const char* kSegment = "segment";
inline constexpr const char* kChannel = "channel";
inline constexpr const char* kSource = "source";
inline constexpr const char* kEdge = "edge";
inline constexpr const char* kCustomer = "customer";
inline constexpr const char* kKpi = "kpi";

// Rows of the per-customer table are written and read in blocks of this many, which is also
// the chunk size: one chunk per block keeps memory flat however large the population.
inline constexpr std::size_t kCustomerChunkRows = 65536;
inline constexpr unsigned kDeflateLevel = 1;

std::string replicate_group_name(int replicate);  // "replicate_3"
std::optional<int> parse_replicate_group_name(std::string_view name);

// One row of /runs/<v>/replicate_<r>/customers, as it sits in memory. In the file the same
// fields are packed without padding (27 bytes per row).
struct CustomerRow {
  std::uint8_t segment;
  std::uint8_t final_stage;
  std::uint8_t source;
  std::int32_t first_purchase_day;
  std::int32_t churn_day;
  std::uint32_t purchases;
  float revenue;
  std::uint16_t back_steps;
  std::uint16_t referrals;
  std::uint32_t stages_reached;
};
h5::Datatype customer_memory_type();
h5::Datatype customer_file_type();

// One row of the kpis table. Strings are variable-length UTF-8; HDF5 fills the pointers when
// reading and frees them with H5Dvlen_reclaim.
struct KpiRow {
  const char* id;
  const char* label;
  const char* view;
  const char* unit;
  const char* description;
  double value;
  const char* note;  // why value is NaN, "" otherwise; absent from older files
};
// `with_note`: false reads files written before the note field existed.
h5::Datatype kpi_type(bool with_note = true);

struct KpiSummaryRow {
  const char* id;
  const char* label;
  const char* view;
  const char* unit;
  const char* description;
  double mean;
  double sd;
  double ci_low;
  double ci_high;
  const char* note;  // why mean is NaN, "" otherwise; absent from older files
};
h5::Datatype kpi_summary_type(bool with_note = true);

// One row of /runs/<v>/channel_value (cjsim value).
inline constexpr const char* kChannelValue = "channel_value";
struct ChannelValueFileRow {
  const char* channel;
  const char* counterfactual;
  const char* measure;
  const char* segment;
  const char* stage;
  double mean;
  double sd;
  double ci_low;
  double ci_high;
  std::int32_t replicates;
};
h5::Datatype channel_value_type();

// Text forms stored in the file ("funnel", "retention", ...).
const char* view_text(KpiView view);
std::optional<KpiView> parse_view(std::string_view text);
std::optional<Role> parse_role(std::string_view text);

}  // namespace cjsim::h5layout
