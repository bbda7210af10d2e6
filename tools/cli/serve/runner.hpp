// The work behind the page: one worker thread takes plans in turn and runs each on the engine
// (every replicate on common random numbers, spread over the cores), with the file's plan at
// the same population beside it for the paired differences. A newer request of a page
// supersedes its older ones: a queued one is answered at once, a running one is cancelled
// (tools/README.md "cjsim serve"). Runs already made are kept (a few, the latest used), so
// moving a slider back, or asking what another page just asked, answers at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>

#include "serve/answer.hpp"
#include "serve/plan.hpp"
#include "serve/world.hpp"

namespace cjsim::cli::serve {

struct RunnerOptions {
  int threads = 0;                               // 0 = every core
  std::size_t max_queue = 32;                    // plans waiting at once (503 beyond)
  std::chrono::milliseconds time_limit{60'000};  // one plan's runs (503 and cancelled beyond)
  std::size_t cache_entries = 12;                // run sets kept
  std::string save_dir = "results";              // where /api/save writes
  // One line per answered plan or save (cjsim serve prints them unless --quiet).
  std::function<void(const std::string&)> log;
};

// An HTTP status and the JSON body to send.
struct Answer {
  unsigned status = 200;
  nlohmann::json body;
};
using Done = std::function<void(Answer&&)>;

class Runner {
 public:
  Runner(const ServeWorld& world, const RunnerOptions& options);
  ~Runner();  // stop() and wait for the worker
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Queues a plan of a page. `done` is called exactly once: from the worker with the answer,
  // or from here when the request is refused (full queue, stopping) or already superseded.
  void run(PlanRequest plan, Done done);
  // Queues a save: the plan's runs written as a result file and the plan as a scenario file.
  void save(PlanRequest plan, Done done);
  // Cancels the plan in flight and answers every queued one; later requests are refused.
  void stop();

  struct Counts {
    std::uint64_t answered = 0, superseded = 0, cached = 0, refused = 0, failed = 0, runs = 0;
  };
  Counts counts() const;

 private:
  struct Job;
  void work();
  void execute(Job& job);
  std::shared_ptr<const RunSet> runs_of(const ScenarioDef& def, Job& job, bool& cached);
  void queue(std::shared_ptr<Job> job);

  const ServeWorld& world_;
  RunnerOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  struct Client {
    std::uint64_t latest = 0;
    std::shared_ptr<Job> active;  // queued or running
  };
  std::unordered_map<std::string, Client> clients_;
  std::shared_ptr<Job> running_;
  bool stopping_ = false;
  std::atomic<bool> stop_flag_{false};  // stopping_, read by the runs without the lock
  // Run sets by what determines them (variant, population, every flight), the latest first.
  std::list<std::pair<std::string, std::shared_ptr<const RunSet>>> cache_;
  Counts counts_;
  std::thread worker_;
};

}  // namespace cjsim::cli::serve
