// Attribution models from touch paths (attribution.hpp; engine/README.md "Touch paths and
// attribution").
#include "cjsim/attribution.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "analysis/markov_chain.hpp"

namespace cjsim {

namespace {

// Calls visit(channels, days, converted, value, purchase_day) for every path of every customer
// (engine/README.md "Touch paths and attribution"), and counts what forms no path.
template <class Visit>
void for_each_path(const TouchPaths& p, PathSummary& summary, Visit&& visit) {
  std::vector<std::uint8_t> channels;
  std::vector<std::int32_t> days;
  for (std::size_t i = 0; i + 1 < p.offsets.size(); ++i) {
    const std::uint64_t begin = p.offsets[i], end = p.offsets[i + 1];
    if (begin == end) ++summary.untouched_customers;
    channels.clear();
    days.clear();
    bool touched = false;
    for (std::uint64_t e = begin; e < end; ++e) {
      if (p.event[e] != TouchPaths::kPurchase) {
        channels.push_back(p.event[e]);
        days.push_back(p.day[e]);
        touched = true;
        continue;
      }
      if (channels.empty()) {
        summary.organic_conversions += 1;
        summary.organic_value += static_cast<double>(p.value[e]);
      } else {
        visit(channels, days, true, static_cast<double>(p.value[e]), p.day[e]);
      }
      channels.clear();
      days.clear();
    }
    if (!channels.empty()) visit(channels, days, false, 0.0, -1);
    if (!touched && begin != end) ++summary.untouched_customers;  // bought, never touched
  }
}

ModelCredit empty_credit(std::string name, std::size_t channels) {
  return ModelCredit{
      std::move(name), std::vector<double>(channels, 0.0), std::vector<double>(channels, 0.0), {}};
}

}  // namespace

PathSummary summarize_paths(const TouchPaths& paths) {
  PathSummary summary;
  // Keyed by the channels as bytes of a string (GCC 12 warns falsely on maps keyed by
  // vector<uint8_t>); the map keeps the paths sorted.
  std::map<std::string, PathCount> unique;
  for_each_path(paths, summary,
                [&](const std::vector<std::uint8_t>& channels, const std::vector<std::int32_t>&,
                    bool converted, double value, std::int32_t) {
                  PathCount& count = unique[std::string(channels.begin(), channels.end())];
                  if (converted) {
                    count.conversions += 1;
                    count.value += value;
                  } else {
                    count.nulls += 1;
                  }
                });
  for (auto& [channels, count] : unique) {
    count.channels.assign(channels.begin(), channels.end());
    summary.conversions += count.conversions;
    summary.value += count.value;
    summary.nulls += count.nulls;
    summary.paths.push_back(std::move(count));
  }
  return summary;
}

Attribution attribute(const TouchPaths& paths, std::size_t channels,
                      const AttributionOptions& options) {
  if (!(options.half_life_days > 0.0)) {
    throw std::invalid_argument("attribute: the time-decay half-life must be > 0 days");
  }
  Attribution out;
  out.channels = channels;
  ModelCredit last = empty_credit("last_touch", channels);
  ModelCredit first = empty_credit("first_touch", channels);
  ModelCredit linear = empty_credit("linear", channels);
  ModelCredit decay = empty_credit("time_decay", channels);
  ModelCredit position = empty_credit("position_based", channels);
  std::vector<double> weights;
  auto credit = [](ModelCredit& m, std::size_t c, double share, double value) {
    m.conversions[c] += share;
    m.value[c] += share * value;
  };
  PathSummary ignored;
  for_each_path(paths, ignored,
                [&](const std::vector<std::uint8_t>& touch, const std::vector<std::int32_t>& days,
                    bool converted, double value, std::int32_t day) {
                  if (!converted) return;
                  const std::size_t n = touch.size();
                  credit(last, touch.back(), 1.0, value);
                  credit(first, touch.front(), 1.0, value);
                  for (std::size_t k = 0; k < n; ++k) {
                    credit(linear, touch[k], 1.0 / static_cast<double>(n), value);
                  }
                  weights.resize(n);
                  double sum = 0;
                  for (std::size_t k = 0; k < n; ++k) {
                    weights[k] =
                        std::exp2(-static_cast<double>(day - days[k]) / options.half_life_days);
                    sum += weights[k];
                  }
                  for (std::size_t k = 0; k < n; ++k)
                    credit(decay, touch[k], weights[k] / sum, value);
                  if (n == 1) {
                    credit(position, touch[0], 1.0, value);
                  } else if (n == 2) {
                    credit(position, touch[0], 0.5, value);
                    credit(position, touch[1], 0.5, value);
                  } else {
                    credit(position, touch.front(), 0.4, value);
                    credit(position, touch.back(), 0.4, value);
                    for (std::size_t k = 1; k + 1 < n; ++k) {
                      credit(position, touch[k], 0.2 / static_cast<double>(n - 2), value);
                    }
                  }
                });
  out.summary = summarize_paths(paths);
  out.models = {std::move(last), std::move(first), std::move(linear), std::move(decay),
                std::move(position)};
  out.models.push_back(markov_credit(out.summary.paths, channels, 1));
  if (options.markov_order > 1) {
    out.models.push_back(markov_credit(out.summary.paths, channels, options.markov_order));
  }
  return out;
}

ModelCredit markov_credit(const std::vector<PathCount>& paths, std::size_t channels, int order) {
  if (order < 1 || order > 4) {
    throw std::invalid_argument("markov_credit: the order must be 1 to 4");
  }
  ModelCredit m = empty_credit("markov_" + std::to_string(order), channels);
  m.removal_effect.assign(channels, 0.0);
  const AbsorbingChain chain = build_chain(paths, static_cast<std::size_t>(order));
  const double p = chain.conversion_probability({});
  double total_conversions = 0, total_value = 0;
  for (const PathCount& path : paths) {
    total_conversions += path.conversions;
    total_value += path.value;
  }
  if (!(p > 0.0)) return m;
  double sum = 0;
  for (std::size_t c = 0; c < channels; ++c) {
    const double without = chain.conversion_probability({static_cast<std::uint8_t>(c)});
    m.removal_effect[c] = std::max(0.0, 1.0 - without / p);
    sum += m.removal_effect[c];
  }
  if (sum <= 0.0) return m;
  for (std::size_t c = 0; c < channels; ++c) {
    m.conversions[c] = total_conversions * m.removal_effect[c] / sum;
    m.value[c] = total_value * m.removal_effect[c] / sum;
  }
  return m;
}

AttributionSummary summarize_attribution(const std::vector<Attribution>& runs) {
  AttributionSummary out;
  out.runs = static_cast<int>(runs.size());
  if (runs.empty()) return out;
  const std::size_t C = runs.front().channels;
  for (const ModelCredit& m : runs.front().models) out.models.push_back(m.model);
  for (std::size_t k = 0; k < out.models.size(); ++k) {
    std::vector<Estimate> conv(C), val(C);
    for (std::size_t c = 0; c < C; ++c) {
      std::vector<double> a, b;
      for (const Attribution& r : runs) {
        a.push_back(r.models.at(k).conversions.at(c));
        b.push_back(r.models.at(k).value.at(c));
      }
      conv[c] = estimate_mean(a);
      val[c] = estimate_mean(b);
    }
    out.conversions.push_back(std::move(conv));
    out.value.push_back(std::move(val));
  }
  const auto n = static_cast<double>(runs.size());
  for (const Attribution& r : runs) {
    out.conversions_per_run += r.summary.conversions / n;
    out.organic_per_run += r.summary.organic_conversions / n;
    out.nulls_per_run += r.summary.nulls / n;
    out.untouched_per_run += static_cast<double>(r.summary.untouched_customers) / n;
  }
  return out;
}

double share_error(const std::vector<double>& credit, const std::vector<double>& truth) {
  auto positive_sum = [](const std::vector<double>& v) {
    double s = 0;
    for (const double x : v) s += std::max(x, 0.0);
    return s;
  };
  const double a = positive_sum(credit), b = positive_sum(truth);
  if (!(a > 0) || !(b > 0) || credit.size() != truth.size()) return std::nan("");
  double d = 0;
  for (std::size_t c = 0; c < credit.size(); ++c) {
    d += std::fabs(std::max(credit[c], 0.0) / a - std::max(truth[c], 0.0) / b);
  }
  return d / 2;
}

}  // namespace cjsim
