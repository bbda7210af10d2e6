#include "population.hpp"

#include <utility>

namespace cjsim {

void Population::resize(std::size_t n) {
  stage.assign(n, 0);
  segment.assign(n, 0);
  flags.assign(n, 0);
  last_touch.assign(n, kTouchNone);
  salience.assign(n, 0.0f);
  satisfaction.assign(n, 0.0f);
  clock.assign(n, 0.0);
  outcome.assign(n, Outcome{});
}

CustomerTable Population::take_table() {
  const std::size_t n = size();
  for (auto* column : {&flags, &last_touch}) std::vector<std::uint8_t>().swap(*column);
  for (auto* column : {&salience, &satisfaction}) std::vector<float>().swap(*column);
  std::vector<double>().swap(clock);
  CustomerTable t;
  t.segment = std::move(segment);
  t.final_stage = std::move(stage);
  t.source.resize(n);
  t.first_purchase_day.resize(n);
  t.churn_day.resize(n);
  t.purchases.resize(n);
  t.revenue.resize(n);
  t.back_steps.resize(n);
  t.referrals.resize(n);
  t.stages_reached.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Outcome& o = outcome[i];
    t.source[i] = o.source;
    t.first_purchase_day[i] = o.first_purchase_day;
    t.churn_day[i] = o.churn_day;
    t.purchases[i] = o.purchases;
    t.revenue[i] = o.revenue;
    t.back_steps[i] = o.back_steps;
    t.referrals[i] = o.referrals;
    t.stages_reached[i] = o.stages_reached;
  }
  std::vector<Outcome>().swap(outcome);
  return t;
}

}  // namespace cjsim
