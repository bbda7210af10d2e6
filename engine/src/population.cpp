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
  first_purchase_day.assign(n, -1);
  churn_day.assign(n, -1);
  purchases.assign(n, 0);
  revenue.assign(n, 0.0f);
  back_steps.assign(n, 0);
  referrals.assign(n, 0);
  stages_reached.assign(n, 0);
  source.assign(n, 0);
}

CustomerTable Population::take_table() {
  CustomerTable t;
  t.segment = std::move(segment);
  t.final_stage = std::move(stage);
  t.source = std::move(source);
  t.first_purchase_day = std::move(first_purchase_day);
  t.churn_day = std::move(churn_day);
  t.purchases = std::move(purchases);
  t.revenue = std::move(revenue);
  t.back_steps = std::move(back_steps);
  t.referrals = std::move(referrals);
  t.stages_reached = std::move(stages_reached);
  return t;
}

}  // namespace cjsim
