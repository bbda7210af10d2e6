// Observed data (cjsim/observed.hpp): the period aggregates file and the event log, read as a
// planner's exports come (blank cells, same-day rows, customers from before the window, zero
// values), and every malformed input refused with its file:line and a fix.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "cjsim/observed.hpp"

using namespace cjsim;

namespace {

std::string temp_dir() {
  static const std::string dir = [] {
    const auto d =
        std::filesystem::temp_directory_path() / ("cjsim_observed_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir;
}

std::string write(const std::string& name, const std::string& text) {
  const std::string path = temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

ObservedOptions options() {
  ObservedOptions o;
  o.channels = {"search", "social"};
  o.stages = {"unaware", "lead", "buy", "loyal"};
  o.purchase_stages = {"buy"};
  return o;
}

// The one problem reading `text` must give: its line, and words of its message and fix.
void refused(const std::string& text, int line, const std::string& message, const std::string& fix,
             ObservedOptions o = options()) {
  const std::string path = write("bad.csv", text);
  try {
    read_observed({path}, o);
    FAIL("accepted:\n" << text);
  } catch (const InputError& e) {
    INFO(e.what());
    REQUIRE(!e.diagnostics().empty());
    const Diagnostic& d = e.diagnostics().front();
    CHECK(d.place.file == path);
    CHECK(d.place.line == line);
    CHECK(d.message.find(message) != std::string::npos);
    CHECK(d.fix.find(fix) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("observed: weekly aggregates with blanks, export's extra columns and a window",
          "[observed]") {
  const std::string path = write("weekly.csv",
                                 "week,date,first_day,days,spend.search,new_customers,revenue\n"
                                 "0,2025-01-06,0,7,100,12,500.5\n"
                                 "1,2025-01-13,7,7,,9,NA\n"
                                 "2,2025-01-20,14,7,80,11,430\n"
                                 "3,2025-01-27,21,7,90,10,410\n");
  ObservedOptions o = options();
  o.to = 20133;  // 2025-02-15: the last week (to 2025-02-02) is inside
  const ObservedData d = read_observed({path}, o);
  CHECK(d.frequency == "weekly");
  REQUIRE(d.periods.size() == 4);
  CHECK(d.periods[3].first == 21);
  CHECK(format_date(d.day0) == "2025-01-06");
  const ObservedColumn* spend = d.find("spend.search");
  REQUIRE(spend != nullptr);
  CHECK(std::isnan(spend->values[1]));
  CHECK(std::isnan(d.find("revenue")->values[1]));
  CHECK(d.find("new_customers")->values[2] == 11);
  // A window that cuts the last week leaves it out, with a note.
  o.to = 20114;  // 2025-01-27: the last week would end 2025-02-02
  const ObservedData cut = read_observed({path}, o);
  CHECK(cut.periods.size() == 3);
  CHECK(cut.notes.size() == 1);
}

TEST_CASE("observed: monthly periods are calendar months", "[observed]") {
  const std::string path =
      write("monthly.csv", "date,purchases\n2025-01-01,10\n2025-02-01,12\n2025-03-01,9\n");
  const ObservedData d = read_observed({path}, options());
  CHECK(d.frequency == "monthly");
  REQUIRE(d.periods.size() == 3);
  CHECK(d.periods[0].days == 31);
  CHECK(d.periods[1].days == 28);
  CHECK(d.periods[2].first == 59);
}

TEST_CASE("observed: every malformed aggregate names its line and a fix", "[observed]") {
  refused("date,purchases\n2025-01-06,1\n06/01/2025,2\n", 3, "not a date", "YYYY-MM-DD");
  refused("date,purchases\n2025-01-13,1\n2025-01-06,2\n", 3, "out of order", "sort the rows");
  refused("date,purchases\n2025-01-06,1\n2025-01-06,2\n", 3, "same period", "one row");
  refused("date,days,purchases\n2025-01-06,10,1\n2025-01-13,7,2\n", 3, "overlaps",
          "may not overlap");
  refused("date,purchases\n2025-01-06,1\n2025-01-20,2\n", 3, "14 days after", "missing weeks");
  refused("date,purchases\n2025-01-06,-3\n", 2, "negative", ">= 0");
  refused("date,purchases\n2025-01-06,1.2.3\n", 2, "not a number", "plain number");
  refused("date,new_customer\n2025-01-06,1\n", 1, "unknown column", "did you mean 'new_customers'");
  refused("date,spend.serch\n2025-01-06,1\n", 1, "no channel 'serch'", "did you mean 'search'");
  refused("date,stock.lost\n2025-01-06,1\n", 1, "no stage 'lost'", "stages are");
  refused("date,purchases\n2025-01-06,1,7\n", 2, "3 fields", "one field per column");
  refused("purchases,revenue\n1,2\n", 1, "neither period aggregates", "date");
  refused("date,purchases\n", 1, "no periods", "add one row");
  refused("date,purchases\n2025-01-06,\"1\n", 2, "not valid CSV", "quotes");
  refused("date,days,purchases\n2025-01-06,7,1\n2025-01-20,7,2\n", 3, "not covered", "add a row");
}

TEST_CASE("observed: files that are not plain files or too large are refused at once",
          "[observed]") {
  const auto expect = [](const std::string& path, const std::string& message) {
    try {
      read_observed({path}, options());
      FAIL("accepted " << path);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(message) != std::string::npos);
      CHECK(std::string(e.what()).find("fix:") != std::string::npos);
    }
  };
  expect(temp_dir() + "/missing.csv", "No such file");
  expect(temp_dir(), "a folder");
  const std::string fifo = temp_dir() + "/pipe.csv";
  ::unlink(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  expect(fifo, "a pipe");  // refused without waiting for a writer
  const std::string big = temp_dir() + "/big.csv";
  {
    std::ofstream out(big);
    out << "date,purchases\n";
    const std::string row = "2025-01-06,1\n";
    for (std::size_t n = 0; n < (17u << 20) / row.size(); ++n) out << row;
  }
  expect(big, "16 MiB");
}

TEST_CASE("observed: an event log aggregated as documented", "[observed]") {
  // Window from 2025-01-06 (day 0), two weeks. Customer a bought before the window (a lead-in):
  // an existing customer, whose purchases in the window are repeats. b buys twice on one day
  // (one purchase, values summed) and again in week 2. c buys for 0 (counted). d's purchase
  // comes after the window. e enters the stage 'lead' twice on one day (one entry).
  const std::string path = write("log.csv",
                                 "customer_id,date,event,value,sku\n"
                                 "a,2024-12-20,purchase,30,x\n"
                                 "a,2025-01-07,purchase,40,x\n"
                                 "b,2025-01-08T10:00,purchase,10,x\n"
                                 "b,2025-01-08 18:30,purchase,5,y\n"
                                 "b,2025-01-15,buy,20,x\n"
                                 "c,2025-01-09,purchase,0,x\n"
                                 "d,2025-01-25,purchase,9,x\n"
                                 "e,2025-01-10,lead,,\n"
                                 "e,2025-01-10,lead,,\n");
  ObservedOptions o = options();
  o.from = 20094;  // 2025-01-06
  o.to = 20107;    // 2025-01-19
  const ObservedData d = read_observed({path}, o);
  REQUIRE(d.periods.size() == 2);
  CHECK(d.find("new_customers")->values == std::vector<double>{2, 0});     // b, c
  CHECK(d.find("purchases")->values == std::vector<double>{3, 1});         // a, b, c; b
  CHECK(d.find("repeat_purchases")->values == std::vector<double>{1, 1});  // a; b
  CHECK(d.find("revenue")->values == std::vector<double>{55, 20});
  CHECK(d.find("entered.lead")->values == std::vector<double>{1, 0});
  REQUIRE(d.customers);
  // The cohort is b (2 purchases) and c (1): last bought 4 and 10 days before the end.
  CHECK(d.customers->purchases == std::vector<double>{1, 1, 0, 0, 0, 0, 0});
  CHECK(d.customers->recency == std::vector<double>{2, 0, 0, 0, 0, 0});
  const std::string notes = [&] {
    std::string s;
    for (const auto& n : d.notes) s += n + "\n";
    return s;
  }();
  CHECK(notes.find("1 rows of a customer's purchases on the same day merged") != std::string::npos);
  CHECK(notes.find("1 purchase rows of value 0") != std::string::npos);
  CHECK(notes.find("1 rows after the window") != std::string::npos);
  CHECK(notes.find("columns ignored: sku") != std::string::npos);
}

TEST_CASE("observed: every malformed event log names its line and a fix", "[observed]") {
  refused("customer_id,date,event\na,2025-01-06,purchse\n", 2, "unknown event",
          "did you mean 'purchase'");
  refused("customer_id,date,event,value\na,2025-01-06,purchase,-5\n", 2, "negative", "refund");
  refused("customer_id,date,event\n,2025-01-06,purchase\n", 2, "blank", "customer's id");
  refused("customer_id,date,event\na,2025-13-06,purchase\n", 2, "not a date", "YYYY-MM-DD");
  refused("customer_id,date,evnt\na,2025-01-06,purchase\n", 1, "unknown column",
          "did you mean 'event'");
  refused("customer_id,event\na,purchase\n", 1, "no 'date' column", "customer_id,date,event");
}

TEST_CASE("observed: the shared aggregation of purchase histories", "[observed]") {
  // Three customers over two weeks; customer 0 existing; 1 buys on days 0, 3, 10; 2 on day 13.
  PurchaseHistories h;
  h.offsets = {0, 2, 5, 6};
  h.day = {-5, 2, 0, 3, 10, 13};
  h.value = {1, 2, 3, 4, 5, 6};
  h.existing = {1, 0, 0};
  const PurchaseSeries s = aggregate_purchases(h, {{0, 7}, {7, 7}});
  CHECK(s.new_customers == std::vector<double>{1, 1});
  CHECK(s.purchases == std::vector<double>{3, 2});
  CHECK(s.repeat_purchases == std::vector<double>{2, 1});
  CHECK(s.revenue == std::vector<double>{9, 11});
  CHECK(s.histograms.purchases == std::vector<double>{1, 0, 1, 0, 0, 0, 0});
  CHECK(s.histograms.recency == std::vector<double>{2, 0, 0, 0, 0, 0});
}
