// cjsim/statistics.hpp and kpi.hpp's retention counts: the one home of the statistics the
// engine, the commands and the report show. Hand-computed values (Student-t quantiles from
// tables to 7 digits).
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>

#include "cjsim/kpi.hpp"
#include "cjsim/statistics.hpp"

using namespace cjsim;

TEST_CASE("statistics: mean with its 95% Student-t interval", "[statistics]") {
  const Estimate e = estimate_mean({1, 2, 3, 4, 5});
  CHECK(e.n == 5);
  CHECK(e.mean == 3.0);
  CHECK(e.sd == Approx(std::sqrt(2.5)).epsilon(1e-15));
  // t(0.975, 4 degrees of freedom) = 2.7764451
  CHECK(e.half_width() == Approx(2.7764451 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-7));
  CHECK(student_t_quantile(5) == Approx(2.7764451).epsilon(1e-7));
  CHECK(student_t_quantile(2, 0.90) == Approx(6.3137515).epsilon(1e-7));
  SECTION("one value: a mean and no interval; none: nothing") {
    const Estimate one = estimate_mean({7});
    CHECK(one.mean == 7.0);
    CHECK(std::isnan(one.sd));
    CHECK(std::isnan(one.half_width()));
    const Estimate none = estimate_mean({});
    CHECK(none.n == 0);
    CHECK(std::isnan(none.mean));
    CHECK(std::isnan(student_t_quantile(1)));
  }
}

TEST_CASE("statistics: paired differences", "[statistics]") {
  // a - b = {1, 1, 1}: no spread, an interval of width 0; {2, 0}: mean 1, sd sqrt(2).
  const Estimate same = paired_difference({3, 5, 7}, {2, 4, 6});
  CHECK(same.mean == 1.0);
  CHECK(same.half_width() == 0.0);
  const Estimate d = paired_difference({3, 1}, {1, 1});
  CHECK(d.mean == 1.0);
  CHECK(d.sd == Approx(std::sqrt(2.0)));
  // t(0.975, 1) = 12.7062047
  CHECK(d.half_width() == Approx(12.7062047 * std::sqrt(2.0) / std::sqrt(2.0)).epsilon(1e-7));
  CHECK_THROWS_AS(paired_difference({1}, {1, 2}), std::invalid_argument);
}

TEST_CASE("statistics: type-7 quantiles", "[statistics]") {
  CHECK(quantile_sorted({1, 2, 3, 4}, 0.5) == 2.5);
  CHECK(quantile_sorted({1, 2, 3, 4}, 1.0) == 4.0);
  CHECK(quantile_sorted({5}, 0.05) == 5.0);
  CHECK(std::isnan(quantile_sorted({}, 0.5)));
}

TEST_CASE("statistics: Kaplan-Meier from event and censoring counts", "[statistics]") {
  // 10 followed: 2 lost after 1 day, 3 censored after 2 days, 1 lost after 3 days, 4 censored
  // after 4 days. S(1) = 8/10, S(3) = 0.8 * (1 - 1/5) = 0.64.
  const std::vector<std::uint64_t> events{0, 2, 0, 1, 0, 0}, censored{0, 0, 3, 0, 4, 0};
  const std::vector<double> s = kaplan_meier(events, censored);
  CHECK(s[0] == 1.0);
  CHECK(s[1] == Approx(0.8));
  CHECK(s[2] == Approx(0.8));
  CHECK(s[3] == Approx(0.64));
  CHECK(s[4] == Approx(0.64));
  CHECK(std::isnan(s[5]));  // nobody followed that long
  CHECK_THROWS_AS(kaplan_meier({1}, {1, 2}), std::invalid_argument);
}

TEST_CASE("statistics: a Kaplan-Meier curve that reached 0 stays 0", "[statistics]") {
  // Everyone lost within two days: the curve is 0 from day 1 on, also where nobody is at risk
  // (before: NaN there, printed as "Retention 30 d n/a" for a world that keeps nobody).
  const std::vector<double> s = kaplan_meier({1, 3, 0, 0, 0}, {0, 0, 0, 0, 0});
  CHECK(s[0] == Approx(0.75));
  for (std::size_t k = 1; k < s.size(); ++k) CHECK(s[k] == 0.0);
  // Still above 0 when the last subject is censored: unknown beyond.
  const std::vector<double> t = kaplan_meier({1, 0, 0}, {0, 1, 0});
  CHECK(t[1] == Approx(0.5));
  CHECK(std::isnan(t[2]));
}

TEST_CASE("statistics: retention counts follow the KPIs' convention", "[statistics]") {
  // A 10-day horizon. Customers: never bought; bought day 2 and lost day 5 (event at 3); bought
  // day 4 and kept (censored at 9 - 4 = 5); bought day 9 and lost the same day (event at 0);
  // a damaged row lost before it bought (censored, as kept); segment 1 bought day 0, kept.
  CustomerTable t;
  t.segment = {0, 0, 0, 0, 0, 1};
  t.first_purchase_day = {-1, 2, 4, 9, 6, 0};
  t.churn_day = {-1, 5, -1, 9, 3, -1};
  const RetentionCounts all = retention_counts(t, 10);
  REQUIRE(all.events.size() == 11);
  REQUIRE(all.censored.size() == 11);
  CHECK(all.events == std::vector<std::uint64_t>{1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  CHECK(all.censored == std::vector<std::uint64_t>{0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0});
  const RetentionCounts one = retention_counts(t, 10, 1);
  CHECK(one.events == std::vector<std::uint64_t>(11, 0));
  CHECK(one.censored[9] == 1);
  // At risk 5: day 0 one lost (S = 4/5); day 3: at risk 4 - 0 = 4 (nobody left before), one
  // lost and one censored (S = 4/5 x 3/4 = 0.6).
  const std::vector<double> s = kaplan_meier(all.events, all.censored);
  CHECK(s[0] == Approx(0.8));
  CHECK(s[3] == Approx(0.6));
}
