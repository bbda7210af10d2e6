// ResultFile: reading a result file back (layout: results/README.md). Everything that can be
// wrong with a file is an InputError naming the file, the object and what is wrong with it.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cjsim/currency.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/value.hpp"
#include "cjsim/version.hpp"
#include "io/hdf5_crash_guard.hpp"
#include "io/hdf5_customer_table.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"
#include "io/hdf5_touch_paths.hpp"

namespace cjsim {

using namespace h5layout;

namespace {

const char* const kRewriteFix =
    "write it again with the cjsim command that made it, or copy it again if it was copied";

// The limits of check_scenario (scenarios/README.md "Limits"): a file that claims more was not
// written by cjsim, and is refused before anything is allocated for it.
constexpr std::size_t kMaxStages = 32;
constexpr std::size_t kMaxSegments = 250;
constexpr std::size_t kMaxChannels = 32;
constexpr hsize_t kMaxDays = 36'500;
constexpr std::uint64_t kMaxCustomers = 4'294'967'295ull;

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string text = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(dims[i]);
  }
  return text + ")";
}

// Reads objects of one file, turning every gap into an InputError that names it.
class FileReader {
 public:
  explicit FileReader(const std::string& path) : path_(path) {}

  [[noreturn]] void bad(const std::string& object, const std::string& message,
                        const std::string& fix) const {
    throw InputError(SourcePlace{path_, 0, 0}, object, message, fix);
  }
  // What cjsim never writes: "the file is damaged (detail)".
  [[noreturn]] void bad(const std::string& object, const std::string& detail) const {
    bad(object, "the file is damaged (" + detail + ")", kRewriteFix);
  }

  std::string place(hid_t parent, const std::string& name) const {
    std::string base = h5::path_of(parent);
    return base == "/" ? "/" + name : base + "/" + name;
  }

  h5::Group group(hid_t parent, const std::string& name) const {
    if (!h5::has_link(parent, name)) bad(place(parent, name), "missing group");
    return h5::open_group(parent, name);
  }

  h5::Dataset dataset(hid_t parent, const std::string& name) const {
    if (!h5::has_link(parent, name)) bad(place(parent, name), "missing dataset");
    return h5::open_dataset(parent, name);
  }

  void require_attribute(hid_t object, const char* name) const {
    if (!h5::has_attribute(object, name)) {
      bad(h5::path_of(object), fmt::format("missing attribute '{}'", name));
    }
  }

  std::string string_attribute(hid_t object, const char* name) const {
    require_attribute(object, name);
    return h5::read_string_attribute(object, name);
  }

  template <class T>
  T number_attribute(hid_t object, const char* name) const {
    require_attribute(object, name);
    return h5::read_attribute<T>(object, name);
  }

  std::vector<std::string> strings(hid_t parent, const char* name, std::size_t at_most) const {
    h5::Dataset d = dataset(parent, name);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1) bad(place(parent, name), "expected a list of names");
    if (dims[0] > at_most) {
      bad(place(parent, name),
          fmt::format("{} names, more than cjsim allows ({})", dims[0], at_most));
    }
    return h5::read_strings(d.get());
  }

  std::string text(hid_t parent, const char* name) const {
    return h5::read_string(dataset(parent, name).get());
  }

  // A numeric dataset that must have exactly the shape the names imply.
  template <class T>
  std::vector<T> array(hid_t parent, const char* name, const std::vector<hsize_t>& shape) const {
    h5::Dataset d = dataset(parent, name);
    std::vector<hsize_t> actual = h5::dims_of(d.get());
    if (actual != shape) {
      bad(place(parent, name), fmt::format("has shape {}, expected {} from the dimension scales",
                                           shape_text(actual), shape_text(shape)));
    }
    std::size_t count = 1;
    for (hsize_t n : shape) count *= n;
    return h5::read_all<T>(d.get(), count);
  }

  // Compound datasets must hold every field we read, by name.
  void require_fields(hid_t dataset, std::initializer_list<const char*> fields) const {
    h5::Datatype stored(h5::check(H5Dget_type(dataset), "reading " + h5::path_of(dataset)));
    if (H5Tget_class(stored.get()) != H5T_COMPOUND) {
      bad(h5::path_of(dataset), "expected a table (compound dataset)");
    }
    for (const char* field : fields) {
      if (H5Tget_member_index(stored.get(), field) < 0) {
        H5Eclear2(H5E_DEFAULT);
        bad(h5::path_of(dataset), fmt::format("missing field '{}'", field));
      }
    }
  }

  KpiView view(const char* text, const std::string& object) const {
    std::optional<KpiView> v = parse_view(text == nullptr ? "" : text);
    if (!v) bad(object, fmt::format("unknown KPI view '{}'", text == nullptr ? "" : text));
    return *v;
  }

  const std::string& path() const { return path_; }

 private:
  const std::string& path_;
};

bool has_field(hid_t dataset, const char* field) {
  h5::Datatype stored(h5::check(H5Dget_type(dataset), "reading " + h5::path_of(dataset)));
  const bool found = H5Tget_member_index(stored.get(), field) >= 0;
  H5Eclear2(H5E_DEFAULT);
  return found;
}

std::string copy_text(const char* text) {
  return text == nullptr ? std::string() : text;
}

// Reads a compound table of Row (KpiRow or KpiSummaryRow) and hands each row to `use` before
// HDF5 frees the strings.
template <class Row, class Use>
void read_kpi_rows(const FileReader& reader, hid_t dataset, hid_t type, Use&& use) {
  std::vector<hsize_t> dims = h5::dims_of(dataset);
  if (dims.size() != 1) reader.bad(h5::path_of(dataset), "expected one row per KPI");
  std::vector<Row> rows(h5::stored_elements(dataset), Row{});
  if (rows.empty()) return;
  h5::check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
            "reading " + h5::path_of(dataset));
  h5::Dataspace space(h5::check(H5Dget_space(dataset), "reading " + h5::path_of(dataset)));
  struct Reclaim {
    hid_t type, space;
    void* data;
    ~Reclaim() { H5Dvlen_reclaim(type, space, H5P_DEFAULT, data); }
  } reclaim{type, space.get(), rows.data()};
  for (const Row& row : rows) {
    KpiDef def;
    def.id = copy_text(row.id);
    def.label = copy_text(row.label);
    def.view = reader.view(row.view, h5::path_of(dataset));
    def.unit = copy_text(row.unit);
    def.description = copy_text(row.description);
    use(std::move(def), row);
  }
}

KpiTable read_kpis(const FileReader& reader, hid_t run_group) {
  h5::Dataset dataset = reader.dataset(run_group, kKpis);
  reader.require_fields(dataset.get(), {"id", "label", "view", "unit", "description", "value"});
  KpiTable kpis;
  const bool with_note = has_field(dataset.get(), "note");
  h5::Datatype type = kpi_type(with_note);
  read_kpi_rows<KpiRow>(reader, dataset.get(), type.get(), [&](KpiDef def, const KpiRow& row) {
    kpis.defs.push_back(std::move(def));
    kpis.values.push_back(row.value);
    kpis.notes.push_back(with_note ? copy_text(row.note) : std::string());
  });
  return kpis;
}

Names read_names(const FileReader& reader, hid_t group) {
  Names names;
  names.stages = reader.strings(group, kStage, kMaxStages);
  names.segments = reader.strings(group, kSegment, kMaxSegments);
  names.channels = reader.strings(group, kChannel, kMaxChannels);
  names.sources = reader.strings(group, kSource, kMaxChannels + 4);
  names.edges = reader.strings(group, kEdge, kMaxStages * kMaxStages);
  if (names.stages.empty() || names.segments.empty()) {
    reader.bad(h5::path_of(group), "a run without stages or segments");
  }
  if (names.sources.size() != names.channels.size() + 4) {
    reader.bad(reader.place(group, kSource),
               "expected every channel, then referral, organic, "
               "existing and none");
  }
  h5::Dataset stage = reader.dataset(group, kStage);
  reader.require_attribute(stage.get(), "role");
  for (const std::string& text : h5::read_strings_attribute(stage.get(), "role")) {
    std::optional<Role> role = parse_role(text);
    if (!role) reader.bad(h5::path_of(stage.get()), fmt::format("unknown stage role '{}'", text));
    names.stage_roles.push_back(*role);
  }
  if (names.stage_roles.size() != names.stages.size()) {
    reader.bad(h5::path_of(stage.get()), "attribute 'role' needs one role per stage");
  }
  h5::Dataset channel = reader.dataset(group, kChannel);
  if (h5::has_attribute(channel.get(), "reaches")) {
    names.channel_reaches = h5::read_array_attribute<std::uint32_t>(channel.get(), "reaches");
    const std::uint32_t all = names.stages.size() >= 32 ? ~0u : (1u << names.stages.size()) - 1u;
    bool within = names.channel_reaches.size() == names.channels.size();
    for (const std::uint32_t r : names.channel_reaches) within = within && (r & ~all) == 0;
    if (!within) {
      reader.bad(h5::path_of(channel.get()),
                 "attribute 'reaches' needs one set of stages per channel");
    }
  }
  reader.require_attribute(stage.get(), "advocate");
  names.stage_advocates = h5::read_array_attribute<std::uint8_t>(stage.get(), "advocate");
  if (names.stage_advocates.size() != names.stages.size()) {
    reader.bad(h5::path_of(stage.get()), "attribute 'advocate' needs one flag per stage");
  }
  return names;
}

// The date of day 0 from the day scale's units, "days since YYYY-MM-DD" (CF); none for "day".
std::optional<std::chrono::year_month_day> read_start(const FileReader& reader, hid_t group) {
  h5::Dataset day = reader.dataset(group, kDay);
  if (!h5::has_attribute(day.get(), "units")) return std::nullopt;
  const std::string units = h5::read_string_attribute(day.get(), "units");
  constexpr std::string_view kSince = "days since ";
  if (units.rfind(kSince, 0) != 0) return std::nullopt;
  int y = 0;
  unsigned m = 0, dd = 0;
  char tail = 0;
  if (std::sscanf(units.c_str() + kSince.size(), "%d-%u-%u%c", &y, &m, &dd, &tail) != 3) {
    reader.bad(h5::path_of(day.get()),
               fmt::format("units '{}' are not 'days since YYYY-MM-DD'", units.substr(0, 60)));
  }
  const std::chrono::year_month_day date{std::chrono::year(y), std::chrono::month(m),
                                         std::chrono::day(dd)};
  if (!date.ok()) {
    reader.bad(h5::path_of(day.get()), fmt::format("'{}' names no date", units.substr(0, 60)));
  }
  return date;
}

DailySeries read_daily(const FileReader& reader, hid_t group, const Names& names) {
  DailySeries d;
  std::vector<hsize_t> days_dims = h5::dims_of(reader.dataset(group, kDay).get());
  if (days_dims.size() != 1) reader.bad(reader.place(group, kDay), "expected a list of days");
  const hsize_t days = days_dims[0];
  if (days > kMaxDays) {
    reader.bad(reader.place(group, kDay),
               fmt::format("{} days, cjsim runs at most {}", days, kMaxDays));
  }
  const hsize_t stages = names.stages.size();
  const hsize_t segments = names.segments.size();
  const hsize_t channels = names.channels.size();
  d.days = static_cast<int>(days);
  d.start = read_start(reader, group);
  d.stages = static_cast<int>(stages);
  d.segments = static_cast<int>(segments);
  d.channels = static_cast<int>(channels);
  d.stage_counts = reader.array<std::uint64_t>(group, "stage_counts", {days + 1, stages, segments});
  // Files written before entries were recorded have none: then they are left empty.
  if (h5::has_link(group, "entered")) {
    d.entered = reader.array<std::uint64_t>(group, "entered", {days, stages});
  }
  d.spend = reader.array<double>(group, "channel_spend", {days, channels});
  d.exposed = reader.array<std::uint64_t>(group, "channel_exposed", {days, channels});
  d.eligible = reader.array<std::uint64_t>(group, "channel_eligible", {days, channels});
  d.purchases = reader.array<std::uint64_t>(group, "purchases", {days, segments});
  d.first_purchases = reader.array<std::uint64_t>(group, "first_purchases", {days, segments});
  d.revenue = reader.array<double>(group, "revenue", {days, segments});
  d.margin = reader.array<double>(group, "margin", {days, segments});
  d.recommendations = reader.array<std::uint64_t>(group, "recommendations", {days});
  d.referral_moves = reader.array<std::uint64_t>(group, "referral_moves", {days});
  d.complaints = reader.array<std::uint64_t>(group, "complaints", {days});
  return d;
}

// Every code of the table points into its scale and every day lies in the horizon, so the code
// that reads the table (report, KPIs) can index with them.
void check_customers(const FileReader& reader, const std::string& where, const CustomerTable& t,
                     const Names& names, int days) {
  const std::size_t stages = names.stages.size();
  const std::uint32_t reachable =
      stages >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << stages) - 1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char* wrong = nullptr;
    if (t.segment[i] >= names.segments.size()) wrong = "segment";
    if (t.final_stage[i] >= stages) wrong = "final_stage";
    if (t.source[i] >= names.sources.size()) wrong = "source";
    if (t.first_purchase_day[i] < -1 || t.first_purchase_day[i] >= days) {
      wrong = "first_purchase_day";
    }
    if (t.churn_day[i] < -1 || t.churn_day[i] >= days ||
        (t.churn_day[i] >= 0 && t.churn_day[i] < t.first_purchase_day[i])) {
      wrong = "churn_day";
    }
    if ((t.stages_reached[i] & ~reachable) != 0) wrong = "stages_reached";
    if (wrong != nullptr) {
      reader.bad(where, fmt::format("customer {} has an impossible {}", i, wrong));
    }
  }
}

CustomerTable read_customers(const FileReader& reader, hid_t group, std::uint64_t customers) {
  h5::Dataset dataset = reader.dataset(group, kCustomers);
  reader.require_fields(dataset.get(),
                        {"segment", "final_stage", "source", "first_purchase_day", "churn_day",
                         "purchases", "revenue", "back_steps", "referrals", "stages_reached"});
  std::vector<hsize_t> dims = h5::dims_of(dataset.get());
  if (dims.size() != 1) reader.bad(h5::path_of(dataset.get()), "expected one row per customer");
  const hsize_t rows = h5::stored_elements(dataset.get());
  if (rows != 0 && rows != customers) {
    reader.bad(h5::path_of(dataset.get()),
               fmt::format("{} rows for {} customers (attribute 'customers')", rows, customers));
  }
  CustomerTable table;
  table.segment.reserve(rows);
  table.final_stage.reserve(rows);
  table.source.reserve(rows);
  table.first_purchase_day.reserve(rows);
  table.churn_day.reserve(rows);
  table.purchases.reserve(rows);
  table.revenue.reserve(rows);
  table.back_steps.reserve(rows);
  table.referrals.reserve(rows);
  table.stages_reached.reserve(rows);
  read_customer_rows(dataset.get(), 0, rows, table);
  return table;
}

Profile read_profile(const FileReader& reader, hid_t run_group, std::uint64_t& peak_rss_bytes) {
  h5::Group group = reader.group(run_group, kProfile);
  const hid_t g = group.get();
  Profile p;
  p.init = reader.number_attribute<double>(g, "init");
  p.plan = reader.number_attribute<double>(g, "plan");
  p.act = reader.number_attribute<double>(g, "act");
  p.exchange = reader.number_attribute<double>(g, "exchange");
  p.account = reader.number_attribute<double>(g, "account");
  p.finish = reader.number_attribute<double>(g, "finish");
  p.total = reader.number_attribute<double>(g, "total");
  peak_rss_bytes = reader.number_attribute<std::uint64_t>(g, "peak_rss_bytes");
  return p;
}

// "it has 49857 of its 99715 bytes", from HDF5's "truncated file: eof = 49857, ...,
// stored_eof = 99715"; HDF5's own words when they do not parse.
std::string truncation_text(const std::string& detail) {
  unsigned long long eof = 0;
  unsigned long long stored = 0;
  const std::size_t at = detail.find("eof = ");
  const std::size_t stored_at = detail.find("stored_eof = ");
  if (at == std::string::npos || stored_at == std::string::npos ||
      std::sscanf(detail.c_str() + at, "eof = %llu", &eof) != 1 ||
      std::sscanf(detail.c_str() + stored_at, "stored_eof = %llu", &stored) != 1) {
    return detail;
  }
  return fmt::format("it has {} of its {} bytes", eof, stored);
}

// Opens the file and checks it is a cjsim result file this build can read.
h5::File open_checked(const FileReader& reader) {
  const std::string& path = reader.path();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    reader.bad("", std::string("cannot open the file: ") + std::strerror(errno),
               "check the path; cjsim run writes to results/ unless given -o");
  }
  if (S_ISDIR(info.st_mode)) {
    reader.bad("", "is a folder, not a result file", "pass a .h5 file written by cjsim run");
  }
  if (!S_ISREG(info.st_mode)) {
    // A FIFO would block HDF5's open for ever, a device feed it endless bytes.
    reader.bad("", "is not a regular file (a device, FIFO or socket), so not a result file",
               "pass a .h5 file written by cjsim run or cjsim sweep");
  }
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  H5Eclear2(H5E_DEFAULT);
  if (is_hdf5 == 0) {
    reader.bad("", "not an HDF5 file", "pass a .h5 file written by cjsim run or cjsim sweep");
  }
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    const h5::Hdf5Failure failure = h5::current_failure("opening the file");
    if (failure.cause() == h5::Hdf5Failure::Cause::truncated) {
      reader.bad("", "the file is damaged (truncated: " + truncation_text(failure.detail()) + ")",
                 "it was cut short (interrupted copy or download, full disk): copy it again or "
                 "write it again with cjsim run");
    }
    if (::access(path.c_str(), R_OK) != 0) {
      reader.bad("", std::string("cannot read the file: ") + std::strerror(errno),
                 "check its permissions");
    }
    reader.bad("", "the file is damaged (HDF5 cannot open it: " + failure.detail() + ")",
               kRewriteFix);
  }
  h5::File file(id);
  const hid_t root = file.get();
  if (!h5::has_attribute(root, "format") || !h5::is_integer_attribute(root, "format")) {
    reader.bad("", "not a cjsim result file (no integer 'format' attribute at the root)",
               "pass a .h5 file written by cjsim run or cjsim sweep");
  }
  const auto format = h5::read_attribute<std::int64_t>(root, "format");
  if (format > kFormatVersion) {
    reader.bad("format",
               fmt::format("written by a newer cjsim (format {}); this build reads format {}",
                           format, kFormatVersion),
               "upgrade cjsim");
  }
  if (format < 1) {
    reader.bad("format", fmt::format("unknown format {}", format),
               "pass a .h5 file written by cjsim run or cjsim sweep");
  }
  return file;
}

FileMeta read_meta(const FileReader& reader, hid_t root) {
  FileMeta meta;
  meta.format = static_cast<int>(h5::read_attribute<std::int64_t>(root, "format"));
  meta.engine_version = reader.string_attribute(root, "engine_version");
  meta.kind = reader.string_attribute(root, "kind");
  meta.seed = reader.number_attribute<std::uint64_t>(root, "seed");
  meta.command_line = reader.string_attribute(root, "command_line");
  meta.scenario_name = reader.string_attribute(root, "scenario_name");
  meta.scenario_source = reader.string_attribute(root, "scenario_source");
  // Files written before simulation.currency existed have no currency: amounts without one.
  if (h5::has_attribute(root, "currency")) {
    meta.currency = h5::read_string_attribute(root, "currency");
    if (!meta.currency.empty() && !is_iso_currency(meta.currency)) {
      reader.bad("/ (attribute currency)",
                 fmt::format("the currency '{}' is not a current ISO 4217 code",
                             meta.currency.substr(0, 40)));
    }
  }
  meta.scenario_text = reader.text(root, kScenario);
  meta.effective_toml = reader.text(root, kScenarioEffective);
  // Files from before the --set list was stored have none (stored_document says what that means).
  if (h5::has_link(root, kScenarioOverrides)) {
    h5::Dataset d = reader.dataset(root, kScenarioOverrides);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1 || dims[0] > kMaxOverrides) {
      reader.bad("/" + std::string(kScenarioOverrides),
                 fmt::format("expected a list of at most {} --set overrides", kMaxOverrides));
    }
    meta.overrides = h5::read_strings(d.get());
  }
  return meta;
}

// (variant, replicate) of the run groups under /runs, in creation order.
std::vector<std::pair<std::string, int>> runs_in(hid_t runs) {
  std::vector<std::pair<std::string, int>> found;
  for (const std::string& variant : h5::child_names(runs)) {
    h5::Group group = h5::open_group(runs, variant);
    for (const std::string& child : h5::child_names(group.get())) {
      if (std::optional<int> r = parse_replicate_group_name(child)) found.emplace_back(variant, *r);
    }
  }
  return found;
}

[[noreturn]] void throw_read_failure(const h5::Hdf5Failure& failure, const std::string& path) {
  if (failure.cause() == h5::Hdf5Failure::Cause::truncated) {
    throw InputError(SourcePlace{path, 0, 0}, "",
                     "the file is damaged (truncated: " + truncation_text(failure.detail()) + ")",
                     "it was cut short (interrupted copy or download, full disk): copy it again "
                     "or write it again with the cjsim command that made it");
  }
  throw InputError(
      SourcePlace{path, 0, 0}, failure.action(),
      "the file is damaged (" +
          (failure.detail().empty() ? std::string("HDF5 could not read it") : failure.detail()) +
          ")",
      kRewriteFix);
}

}  // namespace

struct ResultFile::Impl {
  std::string path;
  h5::File file;
  FileMeta meta;

  // Runs one read; HDF5 failures become InputErrors naming the file.
  template <class Read>
  auto guarded(Read&& read) const {
    h5::silence_errors();
    const h5::ReadingFile reading(path);
    try {
      return read(FileReader(path));
    } catch (const h5::Hdf5Failure& failure) {
      throw_read_failure(failure, path);
    }
  }
};

ResultFile::ResultFile(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;
ResultFile::~ResultFile() = default;

ResultFile ResultFile::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->guarded([&](const FileReader& reader) {
    impl->file = open_checked(reader);
    impl->meta = read_meta(reader, impl->file.get());
    return 0;
  });
  return ResultFile(std::move(impl));
}

const std::string& ResultFile::path() const {
  return impl_->path;
}

FileMeta ResultFile::meta() const {
  return impl_->meta;
}

std::vector<std::pair<std::string, int>> ResultFile::runs() const {
  return impl_->guarded([&](const FileReader& reader) {
    return runs_in(reader.group(impl_->file.get(), kRunsGroup).get());
  });
}

StoredRun ResultFile::load(const std::string& variant, int replicate, bool with_customers) const {
  return impl_->guarded([&](const FileReader& reader) {
    h5::Group runs = reader.group(impl_->file.get(), kRunsGroup);
    const std::string name = replicate_group_name(replicate);
    if (!h5::has_link(runs.get(), variant) ||
        !h5::has_link(h5::open_group(runs.get(), variant).get(), name)) {
      std::string held;
      for (const auto& [v, r] : runs_in(runs.get())) held += fmt::format(" {}/{}", v, r);
      reader.bad(fmt::format("/runs/{}/{}", variant, name),
                 fmt::format("no run '{}' replicate {} in this file", variant, replicate),
                 held.empty() ? "the file holds no runs" : "it holds (variant/replicate):" + held);
    }
    h5::Group variant_group = h5::open_group(runs.get(), variant);
    h5::Group group = h5::open_group(variant_group.get(), name);
    const hid_t g = group.get();

    StoredRun stored;
    stored.variant = variant;
    stored.replicate = replicate;
    stored.description = reader.string_attribute(variant_group.get(), "description");
    RunResult& run = stored.run;
    run.seed = reader.number_attribute<std::uint64_t>(g, "seed");
    run.replicate = reader.number_attribute<std::int32_t>(g, "replicate");
    run.threads = reader.number_attribute<std::int32_t>(g, "threads");
    run.customers_total = reader.number_attribute<std::uint64_t>(g, "customers");
    run.names = read_names(reader, g);
    run.daily = read_daily(reader, g, run.names);
    const hsize_t stages = run.names.stages.size();
    run.flows =
        reader.array<std::uint64_t>(g, "flows", {run.names.segments.size(), stages, stages});
    if (run.customers_total > kMaxCustomers) {
      reader.bad(h5::path_of(g), fmt::format("{} customers, more than cjsim simulates ({})",
                                             run.customers_total, kMaxCustomers));
    }
    if (with_customers) {
      run.customers = read_customers(reader, g, run.customers_total);
      check_customers(reader, h5::path_of(g) + "/" + kCustomers, run.customers, run.names,
                      run.daily.days);
    }
    run.profile = read_profile(reader, g, run.peak_rss_bytes);
    stored.kpis = read_kpis(reader, g);
    return stored;
  });
}

std::optional<KpiSummary> ResultFile::summary(const std::string& variant) const {
  return impl_->guarded([&](const FileReader& reader) -> std::optional<KpiSummary> {
    h5::Group runs = reader.group(impl_->file.get(), kRunsGroup);
    h5::Group group = reader.group(runs.get(), variant);
    if (!h5::has_link(group.get(), kKpiSummary)) return std::nullopt;
    h5::Dataset dataset = h5::open_dataset(group.get(), kKpiSummary);
    reader.require_fields(dataset.get(), {"id", "label", "view", "unit", "description", "mean",
                                          "sd", "ci_low", "ci_high"});
    KpiSummary summary;
    summary.replicates = reader.number_attribute<std::int32_t>(dataset.get(), "replicates");
    const bool with_note = has_field(dataset.get(), "note");
    h5::Datatype type = kpi_summary_type(with_note);
    read_kpi_rows<KpiSummaryRow>(
        reader, dataset.get(), type.get(), [&](KpiDef def, const KpiSummaryRow& row) {
          summary.notes.push_back(with_note ? copy_text(row.note) : std::string());
          summary.defs.push_back(std::move(def));
          summary.mean.push_back(row.mean);
          summary.sd.push_back(row.sd);
          summary.ci_low.push_back(row.ci_low);
          summary.ci_high.push_back(row.ci_high);
        });
    return summary;
  });
}

std::optional<TouchPaths> ResultFile::touch_paths(const std::string& variant, int replicate) const {
  return impl_->guarded([&](const FileReader& reader) -> std::optional<TouchPaths> {
    h5::Group runs = reader.group(impl_->file.get(), kRunsGroup);
    h5::Group variant_group = reader.group(runs.get(), variant);
    h5::Group group = reader.group(variant_group.get(), replicate_group_name(replicate));
    if (!h5::has_link(group.get(), kTouchPaths)) return std::nullopt;
    const auto customers = reader.number_attribute<std::uint64_t>(group.get(), "customers");
    if (customers > kMaxCustomers) {
      reader.bad(
          h5::path_of(group.get()),
          fmt::format("{} customers, more than cjsim simulates ({})", customers, kMaxCustomers));
    }
    const Names names = read_names(reader, group.get());
    const std::vector<hsize_t> days = h5::dims_of(reader.dataset(group.get(), kDay).get());
    if (days.size() != 1 || days[0] > kMaxDays) {
      reader.bad(reader.place(group.get(), kDay), "expected a list of at most 36,500 days");
    }
    return read_touch_paths(group.get(), customers, names.channels.size(),
                            static_cast<int>(days[0]), impl_->path);
  });
}

std::optional<ChannelValue> ResultFile::channel_value(const std::string& variant) const {
  return impl_->guarded([&](const FileReader& reader) -> std::optional<ChannelValue> {
    h5::Group runs = reader.group(impl_->file.get(), kRunsGroup);
    h5::Group group = reader.group(runs.get(), variant);
    if (!h5::has_link(group.get(), kChannelValue)) return std::nullopt;
    h5::Dataset dataset = h5::open_dataset(group.get(), kChannelValue);
    reader.require_fields(dataset.get(),
                          {"channel", "counterfactual", "measure", "segment", "stage", "mean", "sd",
                           "ci_low", "ci_high", "replicates"});
    const std::vector<hsize_t> dims = h5::dims_of(dataset.get());
    if (dims.size() != 1) reader.bad(h5::path_of(dataset.get()), "expected one row per measure");
    ChannelValue value;
    value.replicates = reader.number_attribute<std::int32_t>(dataset.get(), "replicates");
    value.step = reader.number_attribute<double>(dataset.get(), "step");
    std::vector<ChannelValueFileRow> rows(h5::stored_elements(dataset.get()),
                                          ChannelValueFileRow{});
    if (rows.empty()) return value;
    h5::Datatype type = channel_value_type();
    h5::check(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, rows.data()),
              "reading " + h5::path_of(dataset.get()));
    h5::Dataspace space(h5::check(H5Dget_space(dataset.get()), "reading the channel value"));
    struct Reclaim {
      hid_t type, space;
      void* data;
      ~Reclaim() { H5Dvlen_reclaim(type, space, H5P_DEFAULT, data); }
    } reclaim{type.get(), space.get(), rows.data()};
    auto remember = [](std::vector<std::string>& names, const std::string& name) {
      if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    };
    for (const ChannelValueFileRow& r : rows) {
      ChannelValueRow row{
          copy_text(r.channel), copy_text(r.counterfactual),
          copy_text(r.measure), copy_text(r.segment),
          copy_text(r.stage),   Estimate{r.mean, r.sd, r.ci_low, r.ci_high, r.replicates}};
      remember(value.channels, row.channel);
      remember(value.segments, row.segment);
      remember(value.stages, row.stage);
      value.rows.push_back(std::move(row));
    }
    return value;
  });
}

}  // namespace cjsim
