// Writes a sample result file from synthetic runs, for the Python client test
// (tests/io/read_results.py), plus "<file>.expected.json" holding the values written, so
// the client checks what h5py, pandas and xarray read against what the engine wrote.
//
//   hdf5_sample OUT.h5
#include <fmt/format.h>
#include <cjsim/errors.hpp>
#include <cjsim/hdf5_io.hpp>

#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include "io/hdf5_synthetic.hpp"

namespace {

using namespace cjsim;

std::string json_number(double v) {
  if (std::isnan(v)) return "NaN";  // Python's json reads NaN
  return fmt::format("{}", v);      // shortest form that reads back exactly
}

template <class T>
std::string json_list(const std::vector<T>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    if constexpr (std::is_same_v<T, std::string>) {
      out += fmt::format("\"{}\"", values[i]);  // synthetic names need no escaping
    } else {
      out += json_number(static_cast<double>(values[i]));
    }
  }
  return out + "]";
}

std::string json_run(const RunResult& r, const KpiTable& kpis) {
  const DailySeries& d = r.daily;
  std::vector<std::string> roles;
  for (Role role : r.names.stage_roles) roles.emplace_back(role_name(role));
  std::vector<std::string> ids;
  for (const KpiDef& def : kpis.defs) ids.push_back(def.id);
  const CustomerTable& c = r.customers;
  return fmt::format(
      "{{\"days\": {}, \"stage\": {}, \"role\": {}, \"advocate\": {}, \"segment\": {}, "
      "\"channel\": {}, \"source\": {}, \"edge\": {},\n"
      "\"stage_counts\": {},\n\"channel_spend\": {},\n\"channel_exposed\": {},\n"
      "\"channel_eligible\": {},\n\"purchases\": {},\n\"first_purchases\": {},\n"
      "\"revenue\": {},\n\"margin\": {},\n\"recommendations\": {},\n\"referral_moves\": {},\n"
      "\"complaints\": {},\n\"flows\": {},\n\"kpi\": {},\n\"kpi_value\": {},\n"
      "\"seed\": {}, \"replicate\": {}, \"threads\": {}, \"customers\": {},\n"
      "\"customer_columns\": {{\"segment\": {}, \"final_stage\": {}, \"source\": {}, "
      "\"first_purchase_day\": {}, \"churn_day\": {}, \"purchases\": {}, \"revenue\": {}, "
      "\"back_steps\": {}, \"referrals\": {}, \"stages_reached\": {}}}}}",
      d.days, json_list(r.names.stages), json_list(roles), json_list(r.names.stage_advocates),
      json_list(r.names.segments), json_list(r.names.channels), json_list(r.names.sources),
      json_list(r.names.edges), json_list(d.stage_counts), json_list(d.spend), json_list(d.exposed),
      json_list(d.eligible), json_list(d.purchases), json_list(d.first_purchases),
      json_list(d.revenue), json_list(d.margin), json_list(d.recommendations),
      json_list(d.referral_moves), json_list(d.complaints), json_list(r.flows), json_list(ids),
      json_list(kpis.values), r.seed, r.replicate, r.threads, r.customers_total,
      json_list(c.segment), json_list(c.final_stage), json_list(c.source),
      json_list(c.first_purchase_day), json_list(c.churn_day), json_list(c.purchases),
      json_list(c.revenue), json_list(c.back_steps), json_list(c.referrals),
      json_list(c.stages_reached));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: hdf5_sample OUT.h5\n");
    return 1;
  }
  const std::string path = argv[1];
  try {
    FileMeta meta;
    meta.scenario_name = "sample";
    meta.scenario_source = "tests/io/hdf5_sample.cpp";
    meta.scenario_text = "[simulation]\nname = \"sample\"\n";
    meta.effective_toml = "[simulation]\nname = \"sample\"\ncustomers = 1000\n";
    meta.command_line = "hdf5_sample " + path;
    meta.seed = 42;

    const testing::SyntheticShape shape;
    RunResult base0 = testing::synthetic_run(shape, 0, 1);
    // Touch paths in the first run only (they are optional): customer i sees channel i % C on
    // day i % days, then i % 3 == 0 buys the same day (results/README.md "touch_paths").
    TouchPaths& paths = base0.touch_paths;
    paths.offsets.push_back(0);
    for (std::size_t i = 0; i < shape.customers; ++i) {
      const auto day = static_cast<std::int32_t>(i % static_cast<std::size_t>(shape.days));
      paths.day.push_back(day);
      paths.event.push_back(static_cast<std::uint8_t>(i % base0.names.channels.size()));
      paths.value.push_back(0.0f);
      if (i % 3 == 0) {
        paths.day.push_back(day);
        paths.event.push_back(TouchPaths::kPurchase);
        paths.value.push_back(static_cast<float>(i % 50) + 0.5f);
      }
      paths.offsets.push_back(paths.event.size());
    }
    const RunResult base1 = testing::synthetic_run(shape, 1, 2);
    const RunResult promo0 = testing::synthetic_run(shape, 0, 3);
    const KpiSummary summary = testing::synthetic_summary();

    ResultWriter writer(path, meta);
    writer.write_run("base", "as planned", base0, testing::synthetic_kpis(1));
    writer.write_run("base", "as planned", base1, testing::synthetic_kpis(2));
    writer.write_summary("base", summary);
    writer.write_run("promo", "double search budget", promo0, testing::synthetic_kpis(3));
    writer.commit();

    std::ofstream json(path + ".expected.json");
    json << fmt::format(
        "{{\"scenario_name\": \"{}\", \"seed\": {}, \"command_line\": \"{}\",\n"
        "\"runs\": [[\"base\", 0], [\"base\", 1], [\"promo\", 0]],\n"
        "\"base_0\": {},\n\"base_1\": {},\n\"promo_0\": {},\n"
        "\"summary\": {{\"kpi\": {}, \"mean\": {}, \"sd\": {}, \"ci_low\": {}, \"ci_high\": {}, "
        "\"replicates\": {}}}}}\n",
        meta.scenario_name, meta.seed, meta.command_line,
        json_run(base0, testing::synthetic_kpis(1)), json_run(base1, testing::synthetic_kpis(2)),
        json_run(promo0, testing::synthetic_kpis(3)),
        [&] {
          std::vector<std::string> ids;
          for (const KpiDef& def : summary.defs) ids.push_back(def.id);
          return json_list(ids);
        }(),
        json_list(summary.mean), json_list(summary.sd), json_list(summary.ci_low),
        json_list(summary.ci_high), summary.replicates);
    if (!json) throw RuntimeError("cannot write " + path + ".expected.json");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hdf5_sample: %s\n", e.what());
    return 2;
  }
  return 0;
}
