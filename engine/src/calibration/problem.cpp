// The fit problem (cjsim/calibrate.hpp): the scenario with the observed spend as flights over the
// observed periods, the targets and their statistics, and the distance they are compared by.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "base/did_you_mean.hpp"
#include "calibration/csv_table.hpp"
#include "calibration/problem_detail.hpp"
#include "cjsim/calibrate.hpp"
#include "scenario/document_impl.hpp"

namespace cjsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string exact(double v) {
  return fmt::format("{:.17g}", v);
}

// The amount of flight f that falls on days [x, y] (spread evenly over its days).
double prorated(const FlightDef& f, int x, int y) {
  const int a = std::max(f.from, x), b = std::min(f.to, y);
  if (a > b) return 0.0;
  return f.amount * (b - a + 1) / (f.to - f.from + 1);
}

double prorated(const std::vector<FlightDef>& flights, int x, int y) {
  double sum = 0.0;
  for (const FlightDef& f : flights) sum += prorated(f, x, y);
  return sum;
}

std::string flights_toml(const std::vector<FlightDef>& flights) {
  std::string out = "[";
  for (std::size_t i = 0; i < flights.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{{ from = {}, to = {}, amount = {} }}", flights[i].from, flights[i].to,
                       exact(flights[i].amount));
  }
  return out + "]";
}

// `flights` clipped to [0, days - 1]: flights inside kept, one crossing the end cut pro rata.
std::vector<FlightDef> clipped(const std::vector<FlightDef>& flights, int days) {
  std::vector<FlightDef> out;
  for (const FlightDef& f : flights) {
    if (f.from > days - 1) continue;
    if (f.to <= days - 1) {
      out.push_back(f);
    } else {
      out.push_back(FlightDef{f.from, days - 1, prorated(f, f.from, days - 1)});
    }
  }
  return out;
}

// `flights` moved `shift` days later (earlier when negative), cut pro rata at day 0.
std::vector<FlightDef> shifted(const std::vector<FlightDef>& flights, int shift) {
  std::vector<FlightDef> out;
  for (const FlightDef& f : flights) {
    if (f.to + shift < 0) continue;
    const int from = std::max(f.from + shift, 0);
    out.push_back(FlightDef{from, f.to + shift, prorated(f, from - shift, f.to)});
  }
  return out;
}

bool in_base(const ScenarioDocument& doc, const std::string& channel) {
  const KeyPathParse p = parse_key_path("channels." + render_key(channel));
  return p.error.empty() && find_node(document_impl(doc).root, p.path) != nullptr;
}

const Variant& pick(const Scenario& s, const std::string& name) {
  for (const Variant& v : s.variants) {
    if (v.name == name) return v;
  }
  return s.variants.front();
}

}  // namespace

FitProblem::FitProblem(const ScenarioDocument& doc, const std::string& variant,
                       CalibrationSpec spec, ObservedData observed)
    : doc_(doc), spec_(std::move(spec)), observed_(std::move(observed)) {
  const Scenario scenario = build_scenario(doc_);
  variant_ = variant.empty() ? scenario.variants.front().name : variant;
  const ScenarioDef& def = pick(scenario, variant_).def;
  const double scale = spec_.settings.scale;
  const std::vector<Period>& periods = observed_.periods;
  const int days = observed_.end_day();
  const std::string& data_file = observed_.files.empty() ? std::string() : observed_.files.front();
  std::vector<Diagnostic> problems;

  // Observed spend: the fitted variant's flights, period by period.
  spend_.assign(def.channels.size(), std::vector<double>(periods.size(), kNaN));
  for (const ObservedColumn& col : observed_.columns) {
    if (col.name.rfind("spend.", 0) != 0) continue;
    const std::string channel = col.name.substr(6);
    const auto it = std::find_if(def.channels.begin(), def.channels.end(),
                                 [&](const ChannelDef& c) { return c.name == channel; });
    if (it == def.channels.end()) continue;  // the reader checked names against the scenario
    const auto c = static_cast<std::size_t>(it - def.channels.begin());
    for (std::size_t p = 0; p < periods.size(); ++p) {
      spend_[c][p] = std::isnan(col.values[p]) ? kNaN : col.values[p] / scale;
      if (it->cost == 0 && col.values[p] > 0) {
        problems.push_back(Diagnostic{
            col.place, col.name,
            fmt::format("channel '{}' is free (cost 0) in the scenario, yet the data show spend",
                        channel),
            "give the channel its cost per contact, or drop the column"});
        break;
      }
    }
  }
  if (!problems.empty()) throw InputError(std::move(problems));
  // Day 0 of the fitted world is the first observed period's date, so that a calendar's
  // occasions fall on the observed dates. A scenario with its own start keeps its dated plan:
  // its flights move by the difference.
  doc_.set_number("simulation.days", days);
  doc_.set("simulation.start=" + format_date(observed_.day0));
  const int shift =
      def.simulation.start
          ? static_cast<int>(
                std::chrono::sys_days{*def.simulation.start}.time_since_epoch().count() -
                observed_.day0)
          : 0;
  for (const Variant& v : scenario.variants) {
    for (std::size_t c = 0; c < v.def.channels.size(); ++c) {
      ChannelDef ch = v.def.channels[c];
      ch.flights = shifted(ch.flights, shift);
      const bool base = in_base(doc, ch.name);
      if (base && v.name != variant_) continue;  // the fitted variant sets base channels
      std::vector<FlightDef> flights;
      if (v.name == variant_) {
        const std::vector<double>& s = spend_[c];
        if (!periods.empty() && periods.front().first > 0) {
          const double before = prorated(ch.flights, 0, periods.front().first - 1);
          if (before > 0) flights.push_back(FlightDef{0, periods.front().first - 1, before});
        }
        for (std::size_t p = 0; p < periods.size(); ++p) {
          const int x = periods[p].first, y = periods[p].first + periods[p].days - 1;
          const double amount = std::isnan(s[p]) ? prorated(ch.flights, x, y) : s[p];
          if (amount > 0) flights.push_back(FlightDef{x, y, amount});
        }
      } else {
        flights = clipped(ch.flights, days);
      }
      const std::string path =
          base ? "channels." + render_key(ch.name)
               : "variants." + render_key(v.name) + ".channels." + render_key(ch.name);
      doc_.set(path + ".flights=" + flights_toml(flights));
    }
  }

  // Targets: as asked, or every observed outcome except what repeats another (purchases when
  // new and repeat purchases are there, margin beside revenue) and what the spend fixes
  // (exposures follow from spend and cost).
  targets_ = spec_.targets;
  if (targets_.empty()) {
    const bool split = observed_.find("new_customers") && observed_.find("repeat_purchases");
    for (const ObservedColumn& col : observed_.columns) {
      if (col.name.rfind("spend.", 0) == 0 || col.name.rfind("exposures.", 0) == 0) continue;
      if ((col.name == "purchases" && split) ||
          (col.name == "margin" && observed_.find("revenue") != nullptr)) {
        continue;
      }
      targets_.push_back(TargetSpec{col.name, 1.0, col.place});
    }
    if (observed_.customers) targets_.push_back(TargetSpec{"customers", 1.0, {}});
  }
  for (const TargetSpec& t : targets_) {
    if (t.name == "customers" ? !observed_.customers.has_value()
                              : observed_.find(t.name) == nullptr) {
      std::vector<std::string> have;
      for (const ObservedColumn& col : observed_.columns) have.push_back(col.name);
      problems.push_back(Diagnostic{
          t.place, "calibrate.targets." + t.name,
          t.name == "customers"
              ? std::string("the target 'customers' needs an event log, and none was given")
              : fmt::format("the observed data have no series '{}'", t.name),
          did_you_mean(t.name, have,
                       fmt::format("the observed series are {}; add a column {} to {} or drop "
                                   "the target",
                                   join_names(have), t.name, data_file))});
    }
  }
  for (std::size_t x = 0; x < spec_.experiments.size(); ++x) {
    const ExperimentSpec& e = spec_.experiments[x];
    for (std::size_t y = 0; y < x; ++y) {
      if (spec_.experiments[y].channel == e.channel) {
        problems.push_back(Diagnostic{
            e.place, "calibrate.experiments",
            fmt::format("a second test of channel '{}': a fit replays one test per channel",
                        e.channel),
            "keep the test with the smaller standard error, or fit the periods of each test "
            "separately"});
      }
    }
    const int from = e.from - observed_.day0, to = e.to - observed_.day0;
    if (from < 0 || to >= days) {
      problems.push_back(Diagnostic{
          e.place, "calibrate.experiments",
          fmt::format("the test ran {} .. {}, outside the observed periods {} .. {}",
                      format_date(e.from), format_date(e.to), format_date(observed_.day0),
                      format_date(observed_.day0 + days - 1)),
          "fit a window that contains the test (calibrate.from and calibrate.to), or drop it"});
    }
  }
  if (!problems.empty()) throw InputError(std::move(problems));

  // The statistics, target by target: square roots of market-scaled values per period or bin.
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    const TargetSpec& t = targets_[k];
    const auto add = [&](double v, int period, int bin) {
      distance_.observed.push_back(std::isnan(v) ? kNaN : std::sqrt(std::max(v, 0.0)));
      distance_.group.push_back(static_cast<int>(k));
      info_.push_back(StatisticInfo{static_cast<int>(k), period, bin});
    };
    if (t.name == "customers") {
      needs_purchases_ = true;
      int bin = 0;
      for (const double v : observed_.customers->purchases) add(v, -1, bin++);
      for (const double v : observed_.customers->recency) add(v, -1, bin++);
    } else {
      const ObservedColumn& col = *observed_.find(t.name);
      for (std::size_t p = 0; p < periods.size(); ++p) add(col.values[p], static_cast<int>(p), -1);
    }
    distance_.weight.push_back(t.weight);
    distance_.scale.push_back(0.0);
  }
  for (const ExperimentSpec& e : spec_.experiments) {
    needs_purchases_ = true;
    distance_.observed.push_back(e.result);
    distance_.group.push_back(static_cast<int>(distance_.weight.size()));
    info_.push_back(StatisticInfo{static_cast<int>(distance_.weight.size()), -1, -1});
    distance_.weight.push_back(1.0);
    distance_.scale.push_back(e.se);
  }
}

ScenarioDocument FitProblem::document_at(const std::vector<double>& theta) const {
  ScenarioDocument d = doc_;
  for (std::size_t i = 0; i < spec_.parameters.size(); ++i) {
    for (const std::string& key : spec_.parameters[i].keys) d.set_number(key, theta[i]);
  }
  return d;
}

ScenarioDef FitProblem::world(const std::vector<double>& theta) const {
  return world(theta, 0, {});
}

ScenarioDef FitProblem::world(const std::vector<double>& theta, int extra_days,
                              const std::vector<std::vector<double>>& future_spend) const {
  ScenarioDocument d = document_at(theta);
  ScenarioDef def = pick(build_scenario(d), variant_).def;
  // The planner's tests, as they ran: each channel skips its held-out customers on its days.
  for (const ExperimentSpec& e : spec_.experiments) {
    for (ChannelDef& c : def.channels) {
      if (c.name == e.channel) {
        c.holdout = HoldoutDef{e.holdout, e.from - observed_.day0, e.to - observed_.day0};
      }
    }
  }
  if (extra_days > 0) extend_world(def, *this, extra_days, future_spend);
  return def;
}

RunOptions FitProblem::run_options() const {
  RunOptions o;
  o.threads = 1;
  o.customer_table = needs_purchases_;
  o.purchase_paths = needs_purchases_;
  return o;
}

std::vector<double> FitProblem::target_values(const RunResult& run, int target) const {
  return detail::target_values(run, targets_[static_cast<std::size_t>(target)].name,
                               observed_.periods, spec_.settings.scale);
}

std::vector<double> FitProblem::statistics(const RunResult& run) const {
  std::vector<double> out;
  out.reserve(distance_.observed.size());
  for (std::size_t k = 0; k < targets_.size(); ++k) {
    for (const double v : target_values(run, static_cast<int>(k))) {
      out.push_back(std::isnan(v) ? kNaN : std::sqrt(std::max(v, 0.0)));
    }
  }
  for (const ExperimentSpec& e : spec_.experiments) {
    out.push_back(detail::experiment_estimate(run, e, observed_.day0, spec_.settings.scale));
  }
  return out;
}

std::vector<std::string> FitProblem::underspent(const RunResult& run) const {
  std::vector<std::string> out;
  const std::vector<Period>& periods = observed_.periods;
  for (std::size_t c = 0; c < spend_.size() && c < run.names.channels.size(); ++c) {
    std::vector<std::string> where;
    double wanted = 0, got = 0;
    for (std::size_t p = 0; p < periods.size(); ++p) {
      if (std::isnan(spend_[c][p]) || spend_[c][p] <= 0) continue;
      double spent = 0;
      for (int t = periods[p].first; t < periods[p].first + periods[p].days; ++t) {
        spent += run.daily.spend[run.daily.at_channel(t, static_cast<int>(c))];
      }
      if (spent < 0.98 * spend_[c][p]) {
        where.push_back(format_date(observed_.day0 + periods[p].first));
        wanted += spend_[c][p];
        got += spent;
      }
    }
    if (!where.empty()) {
      out.push_back(fmt::format(
          "{}: the simulated population could spend {:.0f} of the observed {:.0f} ({:.0f}%) in {} "
          "period(s): {} (too few customers it can reach); the fit goes on with what was spent. "
          "Fix: raise simulation.customers (lowering calibrate.scale to match) or check the "
          "channel's cost and the stages it reaches",
          run.names.channels[c], got * spec_.settings.scale, wanted * spec_.settings.scale,
          100 * got / wanted, where.size(),
          join_names(std::vector<std::string>(
              where.begin(), where.begin() + static_cast<std::ptrdiff_t>(
                                                 std::min<std::size_t>(where.size(), 8))))));
    }
  }
  return out;
}

}  // namespace cjsim
