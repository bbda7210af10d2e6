// ResultWriter: the run groups of a result file (layout: results/README.md), written into a
// temporary file that commit() renames over the final path.
#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5_hl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include "cjsim/errors.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/value.hpp"
#include "cjsim/version.hpp"
#include "io/file_ops.hpp"
#include "io/hdf5_customer_table.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_layout.hpp"
#include "io/hdf5_objects.hpp"
#include "io/hdf5_touch_paths.hpp"
#include "io/hdf5_writer_parts.hpp"

namespace cjsim {

using namespace h5layout;

namespace {

void check_size(std::size_t actual, std::size_t expected, const char* what,
                const std::string& run) {
  if (actual != expected) {
    throw RuntimeError(fmt::format("cannot write run {}: {} holds {} values, expected {}", run,
                                   what, actual, expected));
  }
}

// A RunResult whose arrays disagree with its counts is an engine bug; refuse it rather than
// write a file readers would misinterpret.
void check_run_shape(const RunResult& run, const KpiTable& kpis, const std::string& where) {
  const DailySeries& d = run.daily;
  if (d.days < 0 || d.stages < 0 || d.segments < 0 || d.channels < 0) {
    throw RuntimeError(fmt::format("cannot write run {}: negative dimensions", where));
  }
  const auto days = static_cast<std::size_t>(d.days);
  const auto stages = static_cast<std::size_t>(d.stages);
  const auto segments = static_cast<std::size_t>(d.segments);
  const auto channels = static_cast<std::size_t>(d.channels);
  const Names& n = run.names;
  check_size(n.stages.size(), stages, "names.stages", where);
  check_size(n.stage_roles.size(), stages, "names.stage_roles", where);
  check_size(n.stage_advocates.size(), stages, "names.stage_advocates", where);
  check_size(n.segments.size(), segments, "names.segments", where);
  check_size(n.channels.size(), channels, "names.channels", where);
  check_size(d.stage_counts.size(), (days + 1) * stages * segments, "stage_counts", where);
  for (const auto* series : {&d.exposed, &d.eligible}) {
    check_size(series->size(), days * channels, "a per-channel series", where);
  }
  check_size(d.spend.size(), days * channels, "spend", where);
  if (!d.entered.empty()) check_size(d.entered.size(), days * stages, "entered", where);
  for (const auto* series : {&d.purchases, &d.first_purchases}) {
    check_size(series->size(), days * segments, "a per-segment series", where);
  }
  for (const auto* series : {&d.revenue, &d.margin}) {
    check_size(series->size(), days * segments, "a per-segment series", where);
  }
  for (const auto* series : {&d.recommendations, &d.referral_moves, &d.complaints}) {
    check_size(series->size(), days, "a per-day series", where);
  }
  check_size(run.flows.size(), segments * stages * stages, "flows", where);
  const CustomerTable& c = run.customers;
  const std::size_t rows = c.size();
  for (std::size_t size : {c.final_stage.size(), c.source.size(), c.first_purchase_day.size(),
                           c.churn_day.size(), c.purchases.size(), c.revenue.size(),
                           c.back_steps.size(), c.referrals.size(), c.stages_reached.size()}) {
    check_size(size, rows, "a customers column", where);
  }
  check_size(kpis.values.size(), kpis.defs.size(), "kpis.values", where);
  const TouchPaths& p = run.touch_paths;
  if (p.recorded()) {
    check_size(p.offsets.size(), static_cast<std::size_t>(run.customers_total) + 1,
               "touch_paths.offsets", where);
    check_size(p.day.size(), p.event.size(), "touch_paths.day", where);
    check_size(p.value.size(), p.event.size(), "touch_paths.value", where);
  }
}

void check_variant_name(const std::string& variant) {
  if (variant.empty() || variant == "." || variant == ".." ||
      variant.find('/') != std::string::npos) {
    throw InputError(SourcePlace{}, "variant",
                     fmt::format("'{}' cannot name a group in the result file", variant),
                     "use a name without '/', such as letters, digits, '_' and '-'");
  }
}

}  // namespace

namespace h5layout {

// An HDF5 failure while writing, told as what the user can act on. A refused write carries the
// operating system's reason (strerror) as its detail.
void throw_write_failure(const h5::Hdf5Failure& failure, const std::string& path) {
  if (failure.cause() == h5::Hdf5Failure::Cause::io) {
    for (int error : {ENOSPC, EFBIG, EDQUOT}) {
      if (failure.detail() == std::strerror(error)) files::throw_disk_full(path, failure.what());
    }
  }
  throw RuntimeError(fmt::format("cannot write {}: {}", path, failure.what()));
}

h5::Dataset make_scale(h5::Dataset dataset, const char* dimension) {
  h5::check(H5DSset_scale(dataset.get(), dimension),
            fmt::format("making {} a dimension scale", h5::path_of(dataset.get())));
  return dataset;
}

// Days are numbers; with a start date (simulation.start) their units say which date day 0 is,
// in the CF convention ("days since 2025-01-01") that xarray and netCDF tools decode to dates.
h5::Dataset day_scale(hid_t group, const char* name, int count, const char* long_name,
                      const std::optional<std::chrono::year_month_day>& start) {
  std::vector<std::int32_t> days(static_cast<std::size_t>(count));
  for (std::size_t t = 0; t < days.size(); ++t) days[t] = static_cast<std::int32_t>(t);
  h5::Dataset scale = make_scale(h5::write_dataset(group, name, {days.size()}, days), name);
  h5::write_attribute(
      scale.get(), "units",
      start
          ? fmt::format("days since {:04}-{:02}-{:02}", static_cast<int>(start->year()),
                        static_cast<unsigned>(start->month()), static_cast<unsigned>(start->day()))
          : std::string("day"));
  h5::write_attribute(scale.get(), "long_name", std::string(long_name));
  return scale;
}

h5::Dataset name_scale(hid_t group, const char* name, const std::vector<std::string>& names) {
  return make_scale(h5::write_strings(group, name, names), name);
}

void attach(hid_t dataset, std::initializer_list<hid_t> scales) {
  unsigned axis = 0;
  for (hid_t scale : scales) {
    h5::check(H5DSattach_scale(dataset, scale, axis),
              fmt::format("attaching {} to {}", h5::path_of(scale), h5::path_of(dataset)));
    ++axis;
  }
}

namespace {

// A numeric dataset labelled by its dimension scales, with its units.
template <class T>
void write_series(hid_t group, const char* name, const std::vector<T>& values,
                  std::initializer_list<hid_t> scales, const char* units, const char* long_name) {
  std::vector<hsize_t> dims;
  for (hid_t scale : scales) dims.push_back(h5::dims_of(scale).at(0));
  h5::Dataset dataset = h5::write_dataset(group, name, dims, values);
  attach(dataset.get(), scales);
  h5::write_attribute(dataset.get(), "units", std::string(units));
  h5::write_attribute(dataset.get(), "long_name", std::string(long_name));
}

void write_kpis(hid_t group, const KpiTable& kpis, hid_t kpi_scale) {
  std::vector<KpiRow> rows;
  std::vector<std::string> views;
  rows.reserve(kpis.defs.size());
  for (std::size_t k = 0; k < kpis.defs.size(); ++k) {
    const KpiDef& def = kpis.defs[k];
    rows.push_back(KpiRow{def.id.c_str(), def.label.c_str(), view_text(def.view), def.unit.c_str(),
                          def.description.c_str(), kpis.values[k], kpis.note(k).c_str()});
  }
  h5::Datatype type = kpi_type();
  h5::Dataset dataset =
      h5::write_numbers(group, kKpis, {rows.size()}, type.get(), type.get(), rows.data());
  attach(dataset.get(), {kpi_scale});
  h5::write_attribute(dataset.get(), "long_name", std::string("key performance indicators"));
}

void write_profile(hid_t run_group, const RunResult& run) {
  h5::Group profile = h5::create_group(run_group, kProfile);
  const Profile& p = run.profile;
  const std::pair<const char*, double> phases[] = {
      {"init", p.init},       {"plan", p.plan},     {"act", p.act},     {"exchange", p.exchange},
      {"account", p.account}, {"finish", p.finish}, {"total", p.total},
  };
  for (const auto& [name, seconds] : phases) h5::write_attribute(profile.get(), name, seconds);
  h5::write_attribute(profile.get(), "units", std::string("seconds"));
  h5::write_attribute(profile.get(), "peak_rss_bytes", run.peak_rss_bytes);
}

std::vector<std::string> role_names(const std::vector<Role>& roles) {
  std::vector<std::string> names;
  for (Role r : roles) names.emplace_back(role_name(r));
  return names;
}

}  // namespace

std::vector<std::string> kpi_ids(const std::vector<KpiDef>& defs) {
  std::vector<std::string> ids;
  for (const KpiDef& d : defs) ids.push_back(d.id);
  return ids;
}

void write_run_group(hid_t group, const RunResult& run, const KpiTable& kpis) {
  h5::write_attribute(group, "seed", run.seed);
  h5::write_attribute(group, "replicate", static_cast<std::int32_t>(run.replicate));
  h5::write_attribute(group, "threads", static_cast<std::int32_t>(run.threads));
  h5::write_attribute(group, "customers", run.customers_total);

  const DailySeries& d = run.daily;
  const Names& n = run.names;
  h5::Dataset day = day_scale(group, kDay, d.days, "simulated day (0-based)", d.start);
  h5::Dataset day_start =
      day_scale(group, kDayStart, d.days + 1,
                "start of simulated day (day_start = days: end of horizon)", d.start);
  h5::Dataset stage = name_scale(group, kStage, n.stages);
  h5::write_attribute(stage.get(), "role", role_names(n.stage_roles));
  h5::write_attribute(stage.get(), "advocate", n.stage_advocates);
  h5::Dataset from_stage = name_scale(group, kFromStage, n.stages);
  h5::Dataset to_stage = name_scale(group, kToStage, n.stages);
  h5::Dataset segment = name_scale(group, kSegment, n.segments);
  h5::Dataset channel = name_scale(group, kChannel, n.channels);
  if (!n.channel_reaches.empty()) h5::write_attribute(channel.get(), "reaches", n.channel_reaches);
  name_scale(group, kSource, n.sources);
  name_scale(group, kEdge, n.edges);
  h5::Dataset kpi = name_scale(group, kKpi, kpi_ids(kpis.defs));

  write_series(group, "stage_counts", d.stage_counts, {day_start.get(), stage.get(), segment.get()},
               "customers", "customers in each stage at the start of the day");
  if (!d.entered.empty()) {
    write_series(group, "entered", d.entered, {day.get(), stage.get()}, "customers/day",
                 "customers entering each stage (by an edge or a recommendation)");
  }
  write_series(group, "channel_spend", d.spend, {day.get(), channel.get()}, "currency/day",
               "money spent per channel");
  write_series(group, "channel_exposed", d.exposed, {day.get(), channel.get()}, "customers/day",
               "customers exposed per channel");
  write_series(group, "channel_eligible", d.eligible, {day.get(), channel.get()}, "customers",
               "customers the channel could reach");
  write_series(group, "purchases", d.purchases, {day.get(), segment.get()}, "purchases/day",
               "purchases, first and repeat");
  write_series(group, "first_purchases", d.first_purchases, {day.get(), segment.get()},
               "customers/day", "first purchases (new customers)");
  write_series(group, "revenue", d.revenue, {day.get(), segment.get()}, "currency/day", "revenue");
  write_series(group, "margin", d.margin, {day.get(), segment.get()}, "currency/day", "margin");
  write_series(group, "recommendations", d.recommendations, {day.get()}, "recommendations/day",
               "recommendations made");
  write_series(group, "referral_moves", d.referral_moves, {day.get()}, "customers/day",
               "customers moved by a recommendation");
  write_series(group, "complaints", d.complaints, {day.get()}, "complaints/day", "complaints made");
  write_series(group, "flows", run.flows, {segment.get(), from_stage.get(), to_stage.get()},
               "transitions", "stage-to-stage transitions over the horizon");

  CustomerTableWriter customers(group, run.customers.size());
  customers.append(run.customers, 0, run.customers.size());
  if (run.touch_paths.recorded()) write_touch_paths(group, run.touch_paths);
  write_kpis(group, kpis, kpi.get());
  write_profile(group, run);
}

void write_file_head(hid_t root, const FileMeta& meta) {
  h5::write_attribute(root, "format", static_cast<std::int32_t>(kFormatVersion));
  h5::write_attribute(root, "engine_version", std::string(engine_version()));
  h5::write_attribute(root, "kind", meta.kind);
  h5::write_attribute(root, "seed", meta.seed);
  h5::write_attribute(root, "command_line", meta.command_line);
  h5::write_attribute(root, "scenario_name", meta.scenario_name);
  h5::write_attribute(root, "scenario_source", meta.scenario_source);
  h5::write_attribute(root, "currency", meta.currency);
  h5::write_string(root, kScenario, meta.scenario_text);
  h5::write_string(root, kScenarioEffective, meta.effective_toml);
  h5::write_strings(root, kScenarioOverrides, meta.overrides.value_or(std::vector<std::string>{}));
}

}  // namespace h5layout

namespace {

void write_summary_table(hid_t variant_group, const KpiSummary& summary) {
  const std::size_t count = summary.defs.size();
  for (const auto* column : {&summary.mean, &summary.sd, &summary.ci_low, &summary.ci_high}) {
    if (column->size() != count) {
      throw RuntimeError(
          fmt::format("cannot write the KPI summary of {}: a column holds {} "
                      "values for {} KPIs",
                      h5::path_of(variant_group), column->size(), count));
    }
  }
  std::vector<KpiSummaryRow> rows;
  rows.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const KpiDef& def = summary.defs[k];
    rows.push_back(KpiSummaryRow{def.id.c_str(), def.label.c_str(), view_text(def.view),
                                 def.unit.c_str(), def.description.c_str(), summary.mean[k],
                                 summary.sd[k], summary.ci_low[k], summary.ci_high[k],
                                 k < summary.notes.size() ? summary.notes[k].c_str() : ""});
  }
  h5::Dataset kpi = name_scale(variant_group, kKpi, kpi_ids(summary.defs));
  h5::Datatype type = kpi_summary_type();
  h5::Dataset dataset = h5::write_numbers(variant_group, kKpiSummary, {rows.size()}, type.get(),
                                          type.get(), rows.data());
  attach(dataset.get(), {kpi.get()});
  h5::write_attribute(dataset.get(), "replicates", static_cast<std::int32_t>(summary.replicates));
  h5::write_attribute(dataset.get(), "long_name",
                      std::string("key performance indicators over replicates"));
}

}  // namespace

struct ResultWriter::Impl {
  std::string final_path;
  std::string folder;
  std::string temp_path;
  h5::File file;
  bool committed = false;
  bool broken = false;  // a write failed part-way: the file must not be committed

  ~Impl() {
    if (committed) return;
    file.reset();
    if (!temp_path.empty()) ::unlink(temp_path.c_str());
  }

  // Runs one write step; an HDF5 failure marks the file broken and becomes a RuntimeError.
  template <class Step>
  void guarded(Step&& step) {
    if (committed) throw RuntimeError("cannot write " + final_path + ": already committed");
    if (broken) {
      throw RuntimeError("cannot write " + final_path + ": an earlier write to it failed");
    }
    h5::silence_errors();
    try {
      step();
    } catch (const h5::Hdf5Failure& failure) {
      broken = true;
      throw_write_failure(failure, final_path);
    } catch (const RuntimeError&) {
      throw;  // our own checks, made before anything is written
    } catch (...) {
      broken = true;
      throw;
    }
  }

  h5::Group variant_group(const std::string& variant, const std::string& description) {
    h5::Group runs = h5::open_group(file.get(), kRunsGroup);
    if (h5::has_link(runs.get(), variant)) return h5::open_group(runs.get(), variant);
    h5::Group group = h5::create_group(runs.get(), variant);
    h5::write_attribute(group.get(), "description", description);
    return group;
  }
};

ResultWriter::ResultWriter(std::string final_path, const FileMeta& meta)
    : impl_(std::make_unique<Impl>()) {
  Impl& w = *impl_;
  w.final_path = std::move(final_path);
  w.folder = files::folder_of(w.final_path);
  files::check_output_folder(w.final_path, w.folder);
  const std::string temp = files::temp_path_for(w.final_path);
  files::create_empty_file(temp, w.folder, w.final_path);
  w.temp_path = temp;  // from here on, ~Impl removes it

  w.guarded([&] {
    h5::PropList create = h5::file_creation_props();
    h5::PropList access(h5::check(H5Pcreate(H5P_FILE_ACCESS), "creating file access properties"));
    // Strong close: H5Fclose really closes (and reports flush errors) even if an object leaked.
    h5::check(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG), "setting close degree");
    w.file = h5::File(h5::check(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, create.get(), access.get()),
                                "creating " + temp));
    const hid_t root = w.file.get();
    write_file_head(root, meta);
    h5::create_group(root, kRunsGroup);
  });
}

ResultWriter::ResultWriter(ResultWriter&&) noexcept = default;
ResultWriter& ResultWriter::operator=(ResultWriter&&) noexcept = default;
ResultWriter::~ResultWriter() = default;

const std::string& ResultWriter::final_path() const {
  return impl_->final_path;
}
const std::string& ResultWriter::temp_path() const {
  return impl_->temp_path;
}

void ResultWriter::write_run(const std::string& variant, const std::string& description,
                             const RunResult& run, const KpiTable& kpis) {
  check_variant_name(variant);
  const std::string where = fmt::format("{}/replicate_{}", variant, run.replicate);
  if (run.replicate < 0) {
    throw RuntimeError(fmt::format("cannot write run {}: negative replicate", where));
  }
  check_run_shape(run, kpis, where);
  impl_->guarded([&] {
    h5::Group group = impl_->variant_group(variant, description);
    const std::string name = replicate_group_name(run.replicate);
    if (h5::has_link(group.get(), name)) {
      throw RuntimeError(fmt::format("cannot write run {} to {}: it is already in the file", where,
                                     impl_->final_path));
    }
    h5::Group run_group = h5::create_group(group.get(), name);
    write_run_group(run_group.get(), run, kpis);
  });
}

void ResultWriter::write_summary(const std::string& variant, const KpiSummary& summary) {
  check_variant_name(variant);
  impl_->guarded([&] {
    h5::Group group = impl_->variant_group(variant, "");
    if (h5::has_link(group.get(), kKpiSummary)) {
      throw RuntimeError(
          fmt::format("cannot write the KPI summary of {} to {}: it is already in "
                      "the file",
                      variant, impl_->final_path));
    }
    write_summary_table(group.get(), summary);
  });
}

void ResultWriter::write_channel_value(const std::string& variant, const ChannelValue& value) {
  check_variant_name(variant);
  impl_->guarded([&] {
    h5::Group group = impl_->variant_group(variant, "");
    if (h5::has_link(group.get(), kChannelValue)) {
      throw RuntimeError(
          fmt::format("cannot write the channel value of {} to {}: it is already in the file",
                      variant, impl_->final_path));
    }
    std::vector<ChannelValueFileRow> rows;
    rows.reserve(value.rows.size());
    for (const ChannelValueRow& r : value.rows) {
      rows.push_back({r.channel.c_str(), r.counterfactual.c_str(), r.measure.c_str(),
                      r.segment.c_str(), r.stage.c_str(), r.estimate.mean, r.estimate.sd,
                      r.estimate.ci_low, r.estimate.ci_high,
                      static_cast<std::int32_t>(r.estimate.n)});
    }
    h5::Datatype type = channel_value_type();
    h5::Dataset dataset = h5::write_numbers(group.get(), kChannelValue, {rows.size()}, type.get(),
                                            type.get(), rows.data());
    h5::write_attribute(dataset.get(), "replicates", static_cast<std::int32_t>(value.replicates));
    h5::write_attribute(dataset.get(), "step", value.step);
    h5::write_attribute(dataset.get(), "long_name",
                        std::string("ground-truth value of each channel by counterfactual"));
  });
}

void ResultWriter::commit() {
  Impl& w = *impl_;
  w.guarded([&] {
    if (w.file.close() < 0) h5::fail("closing " + w.temp_path);
  });
  try {
    files::sync_file(w.temp_path, w.final_path);
    if (::rename(w.temp_path.c_str(), w.final_path.c_str()) != 0) {
      files::throw_os_failure(w.final_path, "renaming " + w.temp_path + " to it", errno);
    }
    w.committed = true;
  } catch (...) {
    w.broken = true;
    throw;
  }
  // The rename survives a power cut once the folder's entry is on disk. Best effort: the file
  // is complete and in place either way, so a folder that refuses fsync is no reason to fail.
  files::sync_folder(w.folder);
}

}  // namespace cjsim
