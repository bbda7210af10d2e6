// The simulation of one run: state, and the fixed list of phases of a day
// (engine/README.md "The day, in phases"):
//   plan      sequential (channels in parallel): today's allowance per channel, its eligible
//             customers, and how many of each block's eligible customers are exposed;
//   act       parallel over blocks of kBlockSize customers: exposures, salience, word of mouth,
//             hazards, at most one transition, purchases. A block writes only its customers
//             and its own BlockScratch: no locks, no atomics;
//   exchange  sequential, block order: recommendations and complaints made today reach their
//             hearers for tomorrow;
//   account   sequential, block order: block partials reduced into the day's metrics.
// Block boundaries are fixed by kBlockSize, never by the thread count, and every random draw is
// keyed by customer (or block) and day, so any thread count gives the same bits.
#pragma once

#include <boost/random/poisson_distribution.hpp>
#include <cstdint>
#include <optional>

#include <tbb/enumerable_thread_specific.h>
#include <vector>

#include "cjsim/results.hpp"
#include "cjsim/simulation.hpp"
#include "model/model.hpp"
#include "random/rng.hpp"
#include "sim/act_drift.hpp"
#include "sim/outcome_log.hpp"
#include "sim/population.hpp"
#include "sim/social_graph.hpp"

namespace cjsim {

// Customers per block: the unit of parallel work and of the exposure split. A model constant:
// it fixes which random numbers select exposures, so it never depends on the thread count.
inline constexpr std::uint32_t kBlockSize = 8192;
// A block applies its outcome log when it holds this many updates (16 KiB): every week or two
// of simulated time, each a nearly sequential sweep over the block's records. The act phase
// checks as it goes (after the advocates of each eight, after each customer of pass 3), not
// only at the end of the day, so the log never holds more than kLogApply + kLogSlack updates
// whatever a day brings: 2.06 bytes per customer (checked at the end of the day only, it had
// room for 1.5 kLogApply, 3 bytes, which a block-day of over kLogApply / 2 updates can overrun).
inline constexpr std::size_t kLogApply = 2048;
inline constexpr std::size_t kLogSlack = 64;  // updates between checks: at most 8 x 1, or 4
inline constexpr std::size_t kLogReserve = kLogApply + kLogSlack;
static_assert(kBlockSize == 64 * kBlockWords, "bitmaps of a block (act_drift.hpp)");

// One exposure or purchase recorded for touch paths (RunOptions::touch_paths), 12 bytes.
struct TouchRecord {
  std::uint16_t j;     // customer - block.begin (kBlockSize fits)
  std::uint16_t day;   // days <= 36,500 (scenario check)
  std::uint8_t event;  // channel index or TouchPaths::kPurchase
  float value;         // order value of a purchase
};

// Everything one block owns. Persistent counters live across days; day partials are reset at
// the start of each act.
struct BlockScratch {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  // Persistent.
  std::vector<std::uint32_t> counts;          // stage x segment, current occupancy
  std::vector<std::uint32_t> edge_flows;      // edge x segment, transitions so far
  std::vector<std::uint32_t> referral_flows;  // stage x segment: referral moves out of stage
  // channel x stage x segment: held-out customers of the channel's holdout (ChannelDef::holdout);
  // empty when no channel has one.
  std::vector<std::uint32_t> held;

  // Set by plan for today.
  std::vector<std::uint32_t> eligible;  // channel
  std::vector<std::uint32_t> exposed;   // channel

  // Day partials.
  std::vector<std::uint64_t> purchases, first_purchases;  // segment
  std::vector<double> revenue, margin;                    // segment
  std::uint64_t recommendations = 0;
  std::uint64_t complaints = 0;
  std::uint64_t referral_moves = 0;
  std::vector<std::uint32_t> recommended;    // hearers of today's recommendations
  std::vector<std::uint32_t> complained_to;  // hearers of today's complaints

  // --- touch paths (only when recorded) ---------------------------------------------------
  // Appended in (day, customer) order over the run; gathered by customer in finish().
  std::vector<TouchRecord> touches;
  // Updates of this block's outcome records, applied now and then (outcome_log.hpp).
  OutcomeLog log;

  void reset_day();
};

class Engine {
 public:
  // The engine owns its model: the calendar changes today's rates (follow_calendar).
  Engine(Model model, const RunOptions& options);
  RunResult run();

 private:
  // Phases.
  void init();
  void plan(int day);
  void act(int day);
  void exchange(int day);
  void account(int day);
  RunResult finish();

  // Act internals.
  template <bool kTrace>
  void act_block(BlockScratch& block, int day);
  struct DayScratch;
  void select_exposures(BlockScratch& block, int day, DayScratch& x);
  void split_exposures(int channel, std::uint32_t k, int day);
  template <bool kTrace>
  void handle_special(std::uint32_t i, std::uint32_t exposed, int day, BlockScratch& block);
  std::uint32_t channels_exposing(const DayScratch& x, std::uint32_t j) const;
  template <bool kTrace>
  void handle_event(std::uint32_t i, int stage, int segment, float salience, double satisfaction,
                    std::uint32_t exposed, int day, BlockScratch& block,
                    const std::uint32_t* words = nullptr);
  void event_words(const BlockScratch& block, int day, DayScratch& x) const;
  template <bool kTrace>
  void transition(std::uint32_t i, int from, int to, int edge, int day, BlockScratch& block,
                  std::uint32_t clock_word);
  template <bool kTrace>
  void purchase(std::uint32_t i, int day, BlockScratch& block);
  void build_bonds(std::uint32_t i, std::size_t g, double quality);  // relationship memory
  template <bool kTrace>
  void speak(std::uint32_t i, int day, Purpose purpose, BlockScratch& block);
  void apply_log(BlockScratch& block, std::vector<std::uint32_t>& order,
                 std::vector<std::uint32_t>& counts);
  template <bool kTrace>
  void talk(BlockScratch& block, int day, DayScratch& x);
  double edge_hazard(int edge, int segment, double hill, double satisfaction, std::uint32_t exposed,
                     std::uint32_t customer) const;
  float difference(const Model::Group& group, int segment, std::uint32_t i, std::uint32_t k) const;

  void trace_event(TraceEvent e) { trace_.push_back(e); }

  // --- holdouts (holdout.cpp) -------------------------------------------------------------
  // Out of line: a world without a holdout pays one untaken branch per transition.
  void init_holdouts(BlockScratch& block);
  void move_held(BlockScratch& block, std::uint32_t i, int from, int to, int segment);
  bool holdout_active(int channel, int day) const {
    const HoldoutDef& h = m_.holdout[static_cast<std::size_t>(channel)];
    return ((m_.holdout_channels >> channel) & 1u) && day >= h.from && day <= h.to;
  }
  // Held-out customers of the channel among those it reaches, in one block.
  std::uint32_t held_in(const BlockScratch& block, int channel) const;
  void mask_held(const BlockScratch& block, int channel, std::uint64_t* eligible) const;

  // --- touch paths (touch_paths.cpp) ------------------------------------------------------
  // Out of line, so that the act phase's loops stay as they are when paths are not recorded.
  void record_exposures(BlockScratch& block, std::uint32_t i, int day, std::uint32_t exposed);
  void record_purchase(BlockScratch& block, std::uint32_t i, int day, double value);
  TouchPaths gather_touch_paths();

  Model m_;
  RunOptions options_;
  bool record_purchases_ = false;  // touch paths or purchase paths
  Streams streams_;
  int threads_;
  std::optional<std::uint32_t> traced_;
  Population pop_;
  std::optional<SocialGraph> graph_;
  std::vector<BlockScratch> blocks_;
  // The act phase's scratch, per thread. Rewritten for each block before it is read, so which
  // thread ran a block never shows. Bitmaps are block-local (act_drift.hpp).
  struct DayScratch {
    std::uint32_t active = 0;             // bit c: channel c exposes someone in this block today
    std::vector<std::uint64_t> eligible;  // channel x kBlockWords: reached by channel c today
    std::vector<std::uint64_t> exposed;   // channel x kBlockWords: exposed by channel c today
    std::vector<std::uint8_t> exposure;   // kBlockSize: today's m of each customer (model.hpp)
    std::vector<std::uint64_t> forced;    // kBlockWords: always take the per-customer path
    std::vector<std::uint64_t> special;   // kBlockWords: the drift kernel's verdicts
    std::vector<std::uint64_t> event;     // kBlockWords
    std::vector<std::uint64_t> talker;    // kBlockWords
    std::vector<std::uint32_t> pool;      // kBlockSize: entries of a shuffled eligible list
    std::vector<std::uint64_t> listed;    // kBlockWords: which entries of `pool` are set
    std::vector<std::uint32_t> log_order, log_counts;  // OutcomeLog::apply scratch
    std::vector<std::uint32_t> event_words;  // 2 per customer of `event`: edge and clock words
  };
  tbb::enumerable_thread_specific<DayScratch> scratch_;
  std::vector<boost::random::poisson_distribution<std::uint32_t, double>> recommend_, complain_;
  std::vector<double> silent_;  // segment: P(no recommendation today) = exp(-rate), as Boost's

  // Budget state per channel.
  std::vector<std::size_t> flight_;                    // index of the current or next flight
  std::vector<std::int64_t> spent_;                    // micro-units spent in the current flight
  std::uint32_t active_channels_ = 0;                  // bit c: channel c exposes someone today
  std::vector<std::uint64_t> entered_so_far_;          // stage: entries up to yesterday (account)
  std::vector<std::vector<std::uint64_t>> held_bits_;  // channel: held-out customers, one bit each

  RunResult out_;
  std::vector<TraceEvent> trace_;
};

}  // namespace cjsim
