#include "io/hdf5_layout.hpp"

#include <charconv>
#include <cstddef>

#include "io/hdf5_objects.hpp"

namespace cjsim::h5layout {

std::string replicate_group_name(int replicate) {
  return "replicate_" + std::to_string(replicate);
}

std::optional<int> parse_replicate_group_name(std::string_view name) {
  constexpr std::string_view prefix = "replicate_";
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = name.substr(prefix.size());
  int value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

namespace {

void insert(hid_t compound, const char* name, std::size_t offset, hid_t type) {
  h5::check(H5Tinsert(compound, name, offset, type), "building a compound type");
}

h5::Datatype compound(std::size_t size) {
  return h5::Datatype(h5::check(H5Tcreate(H5T_COMPOUND, size), "building a compound type"));
}

// The string fields every KPI row starts with; Row is KpiRow or KpiSummaryRow.
template <class Row>
void insert_kpi_strings(hid_t type, hid_t text) {
  insert(type, "id", offsetof(Row, id), text);
  insert(type, "label", offsetof(Row, label), text);
  insert(type, "view", offsetof(Row, view), text);
  insert(type, "unit", offsetof(Row, unit), text);
  insert(type, "description", offsetof(Row, description), text);
}

}  // namespace

h5::Datatype customer_memory_type() {
  h5::Datatype type = compound(sizeof(CustomerRow));
  insert(type.get(), "segment", offsetof(CustomerRow, segment), H5T_NATIVE_UINT8);
  insert(type.get(), "final_stage", offsetof(CustomerRow, final_stage), H5T_NATIVE_UINT8);
  insert(type.get(), "source", offsetof(CustomerRow, source), H5T_NATIVE_UINT8);
  insert(type.get(), "first_purchase_day", offsetof(CustomerRow, first_purchase_day),
         H5T_NATIVE_INT32);
  insert(type.get(), "churn_day", offsetof(CustomerRow, churn_day), H5T_NATIVE_INT32);
  insert(type.get(), "purchases", offsetof(CustomerRow, purchases), H5T_NATIVE_UINT32);
  insert(type.get(), "revenue", offsetof(CustomerRow, revenue), H5T_NATIVE_FLOAT);
  insert(type.get(), "back_steps", offsetof(CustomerRow, back_steps), H5T_NATIVE_UINT16);
  insert(type.get(), "referrals", offsetof(CustomerRow, referrals), H5T_NATIVE_UINT16);
  insert(type.get(), "stages_reached", offsetof(CustomerRow, stages_reached), H5T_NATIVE_UINT32);
  return type;
}

h5::Datatype customer_file_type() {
  // Little-endian standard types, packed: the bytes do not depend on the writing machine.
  struct Field {
    const char* name;
    hid_t type;
  };
  const Field fields[] = {
      {"segment", H5T_STD_U8LE},    {"final_stage", H5T_STD_U8LE},
      {"source", H5T_STD_U8LE},     {"first_purchase_day", H5T_STD_I32LE},
      {"churn_day", H5T_STD_I32LE}, {"purchases", H5T_STD_U32LE},
      {"revenue", H5T_IEEE_F32LE},  {"back_steps", H5T_STD_U16LE},
      {"referrals", H5T_STD_U16LE}, {"stages_reached", H5T_STD_U32LE},
  };
  std::size_t size = 0;
  for (const Field& f : fields) size += H5Tget_size(f.type);
  h5::Datatype type = compound(size);
  std::size_t offset = 0;
  for (const Field& f : fields) {
    insert(type.get(), f.name, offset, f.type);
    offset += H5Tget_size(f.type);
  }
  return type;
}

h5::Datatype kpi_type(bool with_note) {
  h5::Datatype text = h5::string_type();
  h5::Datatype type = compound(sizeof(KpiRow));
  insert_kpi_strings<KpiRow>(type.get(), text.get());
  insert(type.get(), "value", offsetof(KpiRow, value), H5T_NATIVE_DOUBLE);
  if (with_note) insert(type.get(), "note", offsetof(KpiRow, note), text.get());
  return type;
}

h5::Datatype kpi_summary_type(bool with_note) {
  h5::Datatype text = h5::string_type();
  h5::Datatype type = compound(sizeof(KpiSummaryRow));
  insert_kpi_strings<KpiSummaryRow>(type.get(), text.get());
  insert(type.get(), "mean", offsetof(KpiSummaryRow, mean), H5T_NATIVE_DOUBLE);
  insert(type.get(), "sd", offsetof(KpiSummaryRow, sd), H5T_NATIVE_DOUBLE);
  insert(type.get(), "ci_low", offsetof(KpiSummaryRow, ci_low), H5T_NATIVE_DOUBLE);
  insert(type.get(), "ci_high", offsetof(KpiSummaryRow, ci_high), H5T_NATIVE_DOUBLE);
  if (with_note) insert(type.get(), "note", offsetof(KpiSummaryRow, note), text.get());
  return type;
}

h5::Datatype channel_value_type() {
  h5::Datatype text = h5::string_type();
  h5::Datatype type = compound(sizeof(ChannelValueFileRow));
  insert(type.get(), "channel", offsetof(ChannelValueFileRow, channel), text.get());
  insert(type.get(), "counterfactual", offsetof(ChannelValueFileRow, counterfactual), text.get());
  insert(type.get(), "measure", offsetof(ChannelValueFileRow, measure), text.get());
  insert(type.get(), "segment", offsetof(ChannelValueFileRow, segment), text.get());
  insert(type.get(), "stage", offsetof(ChannelValueFileRow, stage), text.get());
  insert(type.get(), "mean", offsetof(ChannelValueFileRow, mean), H5T_NATIVE_DOUBLE);
  insert(type.get(), "sd", offsetof(ChannelValueFileRow, sd), H5T_NATIVE_DOUBLE);
  insert(type.get(), "ci_low", offsetof(ChannelValueFileRow, ci_low), H5T_NATIVE_DOUBLE);
  insert(type.get(), "ci_high", offsetof(ChannelValueFileRow, ci_high), H5T_NATIVE_DOUBLE);
  insert(type.get(), "replicates", offsetof(ChannelValueFileRow, replicates), H5T_NATIVE_INT32);
  return type;
}

// Spelled here rather than through cjsim::view_name so the file format cannot change when
// terminal wording does.
const char* view_text(KpiView view) {
  switch (view) {
    case KpiView::funnel:
      return "funnel";
    case KpiView::loop:
      return "loop";
    case KpiView::money:
      return "money";
    case KpiView::nonlinearity:
      return "nonlinearity";
  }
  return "loop";
}

std::optional<KpiView> parse_view(std::string_view text) {
  for (KpiView v : {KpiView::funnel, KpiView::loop, KpiView::money, KpiView::nonlinearity}) {
    if (text == view_text(v)) return v;
  }
  return std::nullopt;
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : {Role::unaware, Role::journey, Role::purchase, Role::retention, Role::lost}) {
    if (text == role_name(r)) return r;
  }
  return std::nullopt;
}

}  // namespace cjsim::h5layout
