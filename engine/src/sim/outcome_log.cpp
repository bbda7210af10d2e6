#include "sim/outcome_log.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace cjsim {

namespace {

template <class T>
void saturating_add(T& x, std::uint64_t n) {
  const std::uint64_t room = std::numeric_limits<T>::max() - x;
  x = static_cast<T>(x + std::min<std::uint64_t>(n, room));
}

}  // namespace

void OutcomeLog::purchased(std::uint32_t j, float revenue) {
  add(j, kPurchase, 0, std::bit_cast<std::uint32_t>(revenue));
}

void OutcomeLog::apply(Outcome* records, std::uint32_t* stages_high,
                       std::vector<std::uint32_t>& order, std::vector<std::uint32_t>& counts) {
  // Counting sort by customer, stable: each customer's updates keep their time order (revenue
  // is a float sum, so the order of additions matters).
  std::uint32_t customers = 0;
  for (const Update& u : updates_) customers = std::max<std::uint32_t>(customers, u.j + 1u);
  counts.assign(customers + 1, 0);
  for (const Update& u : updates_) ++counts[u.j + 1u];
  for (std::uint32_t c = 0; c < customers; ++c) counts[c + 1] += counts[c];
  order.resize(updates_.size());
  for (std::uint32_t k = 0; k < updates_.size(); ++k) order[counts[updates_[k].j]++] = k;
  constexpr std::size_t kAhead = 16;  // records fetched this many updates ahead
  for (std::size_t at = 0; at < order.size(); ++at) {
    if (at + kAhead < order.size()) __builtin_prefetch(&records[updates_[order[at + kAhead]].j], 1);
    const Update& u = updates_[order[at]];
    Outcome& o = records[u.j];
    switch (u.kind) {
      case kMoved: {
        const unsigned s = u.small;
        const std::uint32_t reached =
            o.stages_low | (stages_high == nullptr ? 0u : stages_high[u.j] << kStagesInRecord);
        if (((reached >> s) & 1u) == 0) {  // the first entry into s
          if (s + 1 == 32 || ((reached >> (s + 1)) & 1u) == 0) ++firsts_.before_next[s];
          if (s > 0 && ((reached >> (s - 1)) & 1u) != 0) ++firsts_.after_previous[s];
          if (s < kStagesInRecord) {
            o.stages_low = static_cast<std::uint8_t>(o.stages_low | 1u << s);
          } else {
            stages_high[u.j] |= 1u << (s - kStagesInRecord);
          }
        }
        if (u.value & 1u) saturating_add(o.back_steps, 1);
        if (u.value & 2u) o.churn_day = static_cast<std::uint16_t>(u.value >> 2);
        break;
      }
      case kPurchase:
        saturating_add(o.purchases, 1);
        o.revenue += std::bit_cast<float>(u.value);
        break;
      case kFirst:
        o.first_purchase_day = static_cast<std::uint16_t>(u.value);
        o.source = u.small;
        break;
      case kReferrals:
        saturating_add(o.referrals, u.value);
        break;
    }
  }
  updates_.clear();
}

}  // namespace cjsim
