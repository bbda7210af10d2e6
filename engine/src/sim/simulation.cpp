// One run from start to end: init, then per day plan -> act -> exchange -> account, then finish.
#include "cjsim/simulation.hpp"

#include <sys/resource.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <boost/random/gamma_distribution.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <optional>

#include "base/parallel.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/scenario_io.hpp"
#include "random/rng_lanes.hpp"
#include "sim/engine.hpp"
#include "sim/validate.hpp"

namespace cjsim {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// First index whose cumulative share exceeds u (shares of 0 are never picked).
int pick(const std::vector<double>& cdf, double u) {
  const auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
  return static_cast<int>(
      std::min<std::ptrdiff_t>(it - cdf.begin(), static_cast<std::ptrdiff_t>(cdf.size()) - 1));
}

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

}  // namespace

// Customer i's multiplier in heterogeneity group k (docs/model.md "Individual differences"):
// Gamma(shape, 1/shape) by Boost's sampler on the customer's own stream, or lognormal with mean 1
// from one normal; 1 outside the group's segments or with cv 0.
float Engine::difference(const Model::Group& group, int segment, std::uint32_t i,
                         std::uint32_t k) const {
  if (!group.segment[static_cast<std::size_t>(segment)]) return 1.0f;
  if (group.lognormal) {
    if (group.sigma == 0) return 1.0f;
    const auto z = normal_pair(streams_.words(i, k, Purpose::differences));
    return static_cast<float>(std::exp(group.sigma * z[0] - group.sigma * group.sigma / 2));
  }
  if (group.shape == 0) return 1.0f;
  MicroRng rng = streams_.urng(i, k, Purpose::differences);
  boost::random::gamma_distribution<double> gamma(group.shape, 1.0 / group.shape);
  return static_cast<float>(gamma(rng));
}

namespace {

bool starts_as_customer(Role r) {
  return r == Role::purchase || r == Role::retention || r == Role::lost;
}

}  // namespace

RunOptions default_run_options() {
  return RunOptions{};
}

Engine::Engine(Model model, const RunOptions& options)
    : m_(std::move(model)),
      options_(options),
      record_purchases_(options.touch_paths || options.purchase_paths),
      streams_(options.seed.value_or(m_.seed), options.replicate),
      threads_(options.threads > 0 ? options.threads : tbb::info::default_concurrency()) {
  if (options.trace_customer) {
    if (*options.trace_customer >= m_.customers) {
      throw InputError(
          {"--customer", 0, 0}, "customer",
          fmt::format("customer {} does not exist: this scenario has customers 0 to {}",
                      *options.trace_customer, m_.customers - 1),
          "pick a customer number below simulation.customers");
    }
    traced_ = static_cast<std::uint32_t>(*options.trace_customer);
  }
}

void Engine::init() {
  const std::uint32_t n = m_.customers;
  const auto S = static_cast<std::size_t>(m_.stages), G = static_cast<std::size_t>(m_.segments),
             C = static_cast<std::size_t>(m_.channels), E = static_cast<std::size_t>(m_.edges);
  const auto T = static_cast<std::size_t>(m_.days);
  pop_.allocate(n, m_.stages);
  pop_.differences.resize(m_.groups.size());
  for (Column<float>& column : pop_.differences) column.resize(n);
  pop_.bond.resize(m_.bonds.size());
  for (Column<float>& column : pop_.bond) column.resize(n);
  graph_.emplace(m_.network, n, streams_);

  const std::uint32_t block_count = (n + kBlockSize - 1) / kBlockSize;
  blocks_.resize(block_count);
  for (std::uint32_t b = 0; b < block_count; ++b) {
    BlockScratch& k = blocks_[b];
    k.begin = b * kBlockSize;
    k.end = std::min(n, k.begin + kBlockSize);
    k.counts.assign(S * G, 0);
    k.edge_flows.assign(E * G, 0);
    k.referral_flows.assign(S * G, 0);
    k.eligible.assign(C, 0);
    k.exposed.assign(C, 0);
    k.purchases.assign(G, 0);
    k.first_purchases.assign(G, 0);
    k.revenue.assign(G, 0.0);
    k.margin.assign(G, 0.0);
    k.recommended.reserve(256);
    k.log.reserve(kLogReserve);
    k.complained_to.reserve(64);
  }
  for (std::size_t g = 0; g < G; ++g) {
    // Boost's Poisson needs a positive mean; segments with rate 0 never call it.
    recommend_.emplace_back(std::max(m_.recommend_rate[g], 1e-300));
    silent_.push_back(std::exp(-std::max(m_.recommend_rate[g], 1e-300)));
    complain_.emplace_back(std::max(m_.complain_rate[g], 1e-300));
  }
  flight_.assign(C, 0);
  spent_.assign(C, 0);
  if (m_.holdout_channels != 0) {
    held_bits_.resize(C);
    for (std::size_t c = 0; c < C; ++c) {
      if ((m_.holdout_channels >> c) & 1u) held_bits_[c].assign((n + 63) / 64, 0);
    }
    for (BlockScratch& k : blocks_) k.held.assign(C * S * G, 0);
  }

  out_.names = m_.names;
  DailySeries& d = out_.daily;
  d.days = m_.days;
  d.start = m_.start;
  d.stages = m_.stages;
  d.segments = m_.segments;
  d.channels = m_.channels;
  d.stage_counts.assign((T + 1) * S * G, 0);
  d.entered.assign(T * S, 0);
  entered_so_far_.assign(S, 0);
  d.spend.assign(T * C, 0.0);
  d.exposed.assign(T * C, 0);
  d.eligible.assign(T * C, 0);
  d.purchases.assign(T * G, 0);
  d.first_purchases.assign(T * G, 0);
  d.revenue.assign(T * G, 0.0);
  d.margin.assign(T * G, 0.0);
  d.recommendations.assign(T, 0);
  d.referral_moves.assign(T, 0);
  d.complaints.assign(T, 0);

  const auto none = static_cast<std::uint8_t>(m_.names.source_none());
  const auto existing = static_cast<std::uint8_t>(m_.names.source_existing());
  cjsim::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks_.size(), 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t b = r.begin(); b != r.end(); ++b) {
          BlockScratch& block = blocks_[b];
          // Each customer's init words, streams_.words(i, kInitDay, Purpose::init), eight
          // customers at a time.
          PhiloxLanes lanes;
          const Philox::ctr_type base = streams_.counter_of(0, kInitDay, Purpose::init);
          for (std::uint32_t i = block.begin; i < block.end; ++i) {
            const std::uint32_t lane = (i - block.begin) % 8;
            if (lane == 0) {
              for (std::uint32_t l = 0; l < 8; ++l) {
                lanes.x[0][l] = i + l;
                for (std::size_t k = 1; k < 4; ++k) lanes.x[k][l] = base[k];
              }
              philox_lanes(streams_.key(), lanes);
            }
            const std::uint32_t w[3] = {lanes.x[0][lane], lanes.x[1][lane], lanes.x[2][lane]};
            const int g = pick(m_.segment_cdf, uniform01(w[0]));
            const int s = pick(m_.start_cdf, uniform01(w[1]));
            pop_.segment[i] = static_cast<std::uint8_t>(g);
            pop_.stage[i] = static_cast<std::uint8_t>(s);
            pop_.flags[i] = 0;
            pop_.last_touch[i] = kTouchNone;
            pop_.salience[i] = 0.0f;
            pop_.clock[i] = exponential1(w[2]);
            pop_.outcome[i] = Outcome{0.0f, kNoDay, kNoDay, 0, 0, 0, none, 0};
            if (!pop_.stages_high.empty()) pop_.stages_high[i] = 0;
            pop_.reach(i, s);
            pop_.satisfaction[i] = static_cast<float>(m_.reference);
            if (starts_as_customer(m_.role[static_cast<std::size_t>(s)])) {
              // An existing customer: satisfied as after a purchase before the horizon.
              const auto z = normal_pair(streams_.words(i, kInitDay, Purpose::init_quality));
              pop_.satisfaction[i] =
                  static_cast<float>(std::clamp(m_.quality_mean + m_.quality_sd * z[0], 0.0, 1.0));
              pop_.outcome[i].source = existing;
              pop_.flags[i] = kFlagCustomer;
            }
            for (std::size_t k = 0; k < m_.groups.size(); ++k) {
              pop_.differences[k][i] =
                  difference(m_.groups[k], g, i, static_cast<std::uint32_t>(k));
            }
            for (Column<float>& bond : pop_.bond) bond[i] = 1.0f;
            ++block.counts[m_.sg(s, g)];
          }
          if (m_.holdout_channels != 0) init_holdouts(block);
        }
      },
      tbb::simple_partitioner());

  for (const BlockScratch& block : blocks_) {
    for (std::size_t cell = 0; cell < S * G; ++cell) d.stage_counts[cell] += block.counts[cell];
  }
  if (traced_) {
    trace_event({0, TraceKind::start, pop_.stage[*traced_], pop_.segment[*traced_], 0,
                 pop_.satisfaction[*traced_], 0, false});
  }
}

void Engine::exchange(int day) {
  for (const BlockScratch& block : blocks_) {
    for (const std::uint32_t who : block.recommended) {
      pop_.flags[who] |= kFlagReferred;
      if (traced_ && who == *traced_) {
        trace_event({day, TraceKind::got_recommendation, 0, 0, 0, 0, pop_.salience[who], false});
      }
    }
    for (const std::uint32_t who : block.complained_to) {
      pop_.salience[who] -= m_.complain_impact;
      if (traced_ && who == *traced_) {
        trace_event({day, TraceKind::got_complaint, 0, 0, 0, 0, pop_.salience[who], false});
      }
    }
  }
}

void Engine::account(int day) {
  DailySeries& d = out_.daily;
  const auto S = static_cast<std::size_t>(m_.stages), G = static_cast<std::size_t>(m_.segments);
  const std::size_t row = (static_cast<std::size_t>(day) + 1) * S * G;
  for (const BlockScratch& block : blocks_) {
    for (std::size_t cell = 0; cell < S * G; ++cell)
      d.stage_counts[row + cell] += block.counts[cell];
    for (std::size_t g = 0; g < G; ++g) {
      const std::size_t at = d.at_segment(day, static_cast<int>(g));
      d.purchases[at] += block.purchases[g];
      d.first_purchases[at] += block.first_purchases[g];
      d.revenue[at] += block.revenue[g];
      d.margin[at] += block.margin[g];
    }
    const auto t = static_cast<std::size_t>(day);
    d.recommendations[t] += block.recommendations;
    d.complaints[t] += block.complaints;
    d.referral_moves[t] += block.referral_moves;
  }
  // Entries per stage: the blocks' running flow counters summed, less yesterday's sum.
  std::vector<std::uint64_t> now(S, 0);
  for (const BlockScratch& block : blocks_) {
    for (int e = 0; e < m_.edges; ++e) {
      const auto to = static_cast<std::size_t>(m_.edge_to[static_cast<std::size_t>(e)]);
      for (std::size_t g = 0; g < G; ++g)
        now[to] += block.edge_flows[m_.eg(e, static_cast<int>(g))];
    }
    // Referral moves all end in moves_to (counters stay 0 without word of mouth).
    for (std::size_t cell = 0; cell < S * G; ++cell) now[m_.moves_to] += block.referral_flows[cell];
  }
  for (std::size_t s = 0; s < S; ++s) {
    d.entered[d.at_entered(day, static_cast<int>(s))] = now[s] - entered_so_far_[s];
    entered_so_far_[s] = now[s];
  }
}

RunResult Engine::finish() {
  // What the outcome logs still hold, block by block in parallel.
  cjsim::parallel_for(tbb::blocked_range<std::size_t>(0, blocks_.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        std::vector<std::uint32_t> order, counts;
                        for (std::size_t b = r.begin(); b != r.end(); ++b) {
                          apply_log(blocks_[b], order, counts);
                        }
                      });
  const auto S = static_cast<std::size_t>(m_.stages), G = static_cast<std::size_t>(m_.segments);
  // First entries by a move, from the logs; a start in stage s counts as being in s before s + 1.
  StageFirsts& firsts = out_.stage_firsts;
  firsts.before_next.assign(S, 0);
  firsts.after_previous.assign(S, 0);
  for (const BlockScratch& block : blocks_) {
    for (std::size_t s = 0; s < S; ++s) {
      firsts.before_next[s] += block.log.firsts().before_next[s];
      firsts.after_previous[s] += block.log.firsts().after_previous[s];
    }
  }
  const DailySeries& d = out_.daily;
  for (std::size_t s = 0; s < S; ++s) {
    for (std::size_t g = 0; g < G; ++g) {
      firsts.before_next[s] +=
          d.stage_counts[d.at_stage(0, static_cast<int>(s), static_cast<int>(g))];
    }
  }
  out_.flows.assign(G * S * S, 0);
  for (const BlockScratch& block : blocks_) {
    for (int e = 0; e < m_.edges; ++e) {
      const auto from = m_.edge_from[static_cast<std::size_t>(e)],
                 to = m_.edge_to[static_cast<std::size_t>(e)];
      for (std::size_t g = 0; g < G; ++g) {
        out_.flows[(g * S + from) * S + to] += block.edge_flows[m_.eg(e, static_cast<int>(g))];
      }
    }
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t g = 0; g < G; ++g) {
        out_.flows[(g * S + s) * S + m_.moves_to] += block.referral_flows[s * G + g];
      }
    }
  }
  out_.customers_total = m_.customers;
  if (options_.customer_table) out_.customers = pop_.take_table();
  out_.trace = std::move(trace_);
  if (record_purchases_) out_.touch_paths = gather_touch_paths();
  out_.seed = options_.seed.value_or(m_.seed);
  out_.replicate = options_.replicate;
  out_.threads = threads_;
  return std::move(out_);
}

RunResult Engine::run() {
  // More threads than cores is allowed (the cores are shared); TBB caps workers at the core
  // count unless told otherwise.
  std::optional<tbb::global_control> allow;
  if (threads_ > tbb::info::default_concurrency()) {
    allow.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads_));
  }
  tbb::task_arena arena(threads_);
  RunResult result;
  arena.execute([&] {
    const auto start = Clock::now();
    Profile profile;
    auto t0 = Clock::now();
    try {
      init();
    } catch (const std::bad_alloc&) {
      throw RuntimeError(fmt::format(
          "out of memory while setting up {} customers; lower simulation.customers", m_.customers));
    }
    profile.init = seconds_since(t0);
    for (int day = 0; day < m_.days; ++day) {
      t0 = Clock::now();
      plan(day);
      profile.plan += seconds_since(t0);
      t0 = Clock::now();
      act(day);
      profile.act += seconds_since(t0);
      t0 = Clock::now();
      exchange(day);
      profile.exchange += seconds_since(t0);
      t0 = Clock::now();
      account(day);
      profile.account += seconds_since(t0);
#if CJSIM_VALIDATION
      validate_day(m_, pop_, out_.daily, day);  // the debug preset's self-checks
#endif
      if (options_.progress) options_.progress(Progress{day + 1, m_.days});
    }
    t0 = Clock::now();
    result = finish();
    profile.finish = seconds_since(t0);
    profile.total = seconds_since(start);
    result.profile = profile;
  });
  result.peak_rss_bytes = peak_rss_bytes();
  return result;
}

RunResult simulate(const ScenarioDef& def, const RunOptions& options) {
  if (options.threads > kMaxThreads) {
    throw InputError({"<options>", 0, 0}, "threads",
                     fmt::format("at most {} threads, got {}", kMaxThreads, options.threads),
                     "use 0 for every core, or a count up to a few times the cores");
  }
  std::vector<Diagnostic> problems = check_scenario(def);
  if (!problems.empty()) throw InputError(std::move(problems));
  // Before any allocation: with overcommit, a world too large is not refused by the allocator
  // but killed by the kernel once its pages are touched.
  if (auto m = memory_problem(def)) {
    m->place.file = "<definition>";
    throw InputError({std::move(*m)});
  }
  Engine engine(compile_model(def), options);
  return engine.run();
}

Names run_names(const ScenarioDef& def) {
  return compile_model(def).names;
}

}  // namespace cjsim
