#include "serve/runner.hpp"

#include <fmt/format.h>

#include "cjsim/ensemble.hpp"
#include "cjsim/errors.hpp"
#include "cjsim/kpi.hpp"
#include "cjsim/value.hpp"
#include "serve/save.hpp"

namespace cjsim::cli::serve {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// Why a plan stopped before its answer.
struct Cancelled {
  std::string reason;  // "superseded", "stopping", "time limit"
};

// What determines a run set beyond the scenario the server holds: the variant, the population
// and every flight (the page changes nothing else; plan.hpp checks that).
std::string run_key(const std::string& variant, const ScenarioDef& def) {
  std::string key = fmt::format("{}|{}", variant, def.simulation.customers);
  for (const ChannelDef& c : def.channels) {
    key += "|" + c.name;
    for (const FlightDef& f : c.flights) key += fmt::format(":{},{},{:a}", f.from, f.to, f.amount);
  }
  return key;
}

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

struct Runner::Job {
  bool save = false;
  PlanRequest plan;
  Done done;
  std::atomic<bool> superseded{false};
  Clock::time_point queued = Clock::now();
  Clock::time_point deadline;

  // Throws Cancelled when the job should stop (called between runs).
  void check(const std::atomic<bool>& stopping) const {
    if (stopping.load()) throw Cancelled{"stopping"};
    if (superseded.load()) throw Cancelled{"superseded"};
    if (Clock::now() > deadline) throw Cancelled{"time limit"};
  }
};

Runner::Runner(const ServeWorld& world, const RunnerOptions& options)
    : world_(world), options_(options), worker_([this] { work(); }) {}

Runner::~Runner() {
  stop();
  if (worker_.joinable()) worker_.join();
}

void Runner::stop() {
  std::deque<std::shared_ptr<Job>> left;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    stop_flag_ = true;
    left.swap(queue_);
    counts_.refused += left.size();
  }
  wake_.notify_all();
  for (const auto& job : left) {
    job->done({503,
               {{"status", "stopping"},
                {"error", "stopping"},
                {"message", "the server is stopping"},
                {"client", job->plan.client},
                {"seq", job->plan.seq}}});
  }
}

Runner::Counts Runner::counts() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void Runner::run(PlanRequest plan, Done done) {
  auto job = std::make_shared<Job>();
  job->plan = std::move(plan);
  job->done = std::move(done);
  queue(std::move(job));
}

void Runner::save(PlanRequest plan, Done done) {
  auto job = std::make_shared<Job>();
  job->save = true;
  job->plan = std::move(plan);
  job->done = std::move(done);
  queue(std::move(job));
}

void Runner::queue(std::shared_ptr<Job> job) {
  const PlanRequest& p = job->plan;
  std::optional<Answer> refusal;
  std::shared_ptr<Job> answered_now;  // a queued job this one supersedes
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      refusal = Answer{503, {{"error", "stopping"}, {"message", "the server is stopping"}}};
    } else if (queue_.size() >= options_.max_queue) {
      refusal = Answer{503,
                       {{"error", "busy"},
                        {"message", fmt::format("{} plans are waiting already; try again in a "
                                                "moment",
                                                queue_.size())}}};
    } else if (!job->save && !p.client.empty()) {
      Client& c = clients_[p.client];
      if (p.seq <= c.latest) {  // an older request arriving late: a newer one is known
        ++counts_.superseded;
        refusal = Answer{
            200,
            {{"status", "superseded"}, {"client", p.client}, {"seq", p.seq}, {"latest", c.latest}}};
      } else {
        c.latest = p.seq;
        if (c.active) {
          c.active->superseded = true;
          const auto it = std::find(queue_.begin(), queue_.end(), c.active);
          if (it != queue_.end()) {  // still waiting: answered now, never run
            answered_now = c.active;
            queue_.erase(it);
            ++counts_.superseded;
          }
        }
        c.active = job;
      }
      // Forget pages that went quiet (a page load makes a new client id).
      if (clients_.size() > 4096) {
        for (auto it = clients_.begin(); it != clients_.end();)
          it = it->second.active ? std::next(it) : clients_.erase(it);
      }
    }
    if (refusal && refusal->status != 200) ++counts_.refused;
    if (!refusal) queue_.push_back(job);
  }
  if (answered_now) {
    answered_now->done({200,
                        {{"status", "superseded"},
                         {"client", answered_now->plan.client},
                         {"seq", answered_now->plan.seq},
                         {"latest", p.seq}}});
  }
  if (refusal) {
    refusal->body["client"] = p.client;
    refusal->body["seq"] = p.seq;
    job->done(std::move(*refusal));
    return;
  }
  wake_.notify_one();
}

void Runner::work() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      running_ = job;
    }
    execute(*job);
    const std::lock_guard<std::mutex> lock(mutex_);
    running_.reset();
    if (!job->plan.client.empty()) {
      const auto it = clients_.find(job->plan.client);
      if (it != clients_.end() && it->second.active == job) it->second.active.reset();
    }
  }
}

std::shared_ptr<const RunSet> Runner::runs_of(const ScenarioDef& def, Job& job, bool& cached) {
  const std::string key = run_key(job.plan.variant, def);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first != key) continue;
      cache_.splice(cache_.begin(), cache_, it);  // the latest used first
      cached = true;
      return cache_.front().second;
    }
  }
  cached = false;
  const int replicates = world_.limits().replicates;
  auto runs = std::make_shared<RunSet>(static_cast<std::size_t>(replicates));
  EnsembleOptions o;
  o.threads = options_.threads;
  o.seed = world_.seed();
  o.customer_table = true;  // the retention KPIs need it; dropped once they are computed
  o.progress = [&](const EnsembleProgress& p) {
    if (p.finished) job.check(stop_flag_);
  };
  const std::vector<ScenarioDef> defs{def};
  run_ensemble(replicate_plans(defs, replicates), o, [&](const RunPlan& p, RunResult&& run) {
    RunRecord& rec = (*runs)[static_cast<std::size_t>(p.replicate)];
    rec.kpis = compute_kpis(run);
    run.customers = CustomerTable{};
    rec.run = std::move(run);
  });
  const std::lock_guard<std::mutex> lock(mutex_);
  counts_.runs += static_cast<std::uint64_t>(replicates);
  cache_.emplace_front(key, runs);
  while (cache_.size() > options_.cache_entries) cache_.pop_back();
  return runs;
}

void Runner::execute(Job& job) {
  const Clock::time_point start = Clock::now();
  job.deadline = start + options_.time_limit;
  const double waited = ms_since(job.queued);
  Answer answer;
  try {
    job.check(stop_flag_);
    if (job.save) {
      SaveOptions so;
      so.dir = options_.save_dir;
      so.threads = options_.threads;
      answer.body = save_plan(world_, job.plan, so, [&] { job.check(stop_flag_); });
    } else {
      const ScenarioDef file_def = world_.file_plan(job.plan.variant, job.plan.customers);
      bool file_cached = false, plan_cached = false;
      const auto file_runs = runs_of(file_def, job, file_cached);
      const auto runs = runs_of(job.plan.plan, job, plan_cached);
      answer.body = answer_json(world_, job.plan, *runs, file_def, *file_runs);
      answer.body["timing"] = {{"queued_ms", waited},
                               {"run_ms", ms_since(start)},
                               {"cached", plan_cached},
                               {"file_cached", file_cached}};
      const std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.answered;
      if (plan_cached) ++counts_.cached;
    }
  } catch (const Cancelled& c) {
    if (c.reason == "superseded") {
      answer = {200, {{"status", "superseded"}}};
      const std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.superseded;
    } else if (c.reason == "stopping") {
      answer = {503, {{"error", "stopping"}, {"message", "the server is stopping"}}};
    } else {
      answer = {503,
                {{"error", "time_limit"},
                 {"message", fmt::format("the plan's runs took longer than {} s and were "
                                         "cancelled: ask for fewer customers",
                                         options_.time_limit.count() / 1000)}}};
    }
  } catch (const RequestError& e) {
    answer = {static_cast<unsigned>(e.status()), e.body()};
  } catch (const InputError& e) {
    json problems = json::array();
    std::string text;
    for (const Diagnostic& d : e.diagnostics()) {
      problems.push_back(
          {{"key", d.key}, {"message", d.message}, {"fix", d.fix}, {"text", format_diagnostic(d)}});
      if (!text.empty()) text += '\n';
      text += format_diagnostic(d);
    }
    answer = {400, {{"error", "bad_request"}, {"message", text}, {"problems", problems}}};
  } catch (const std::exception& e) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++counts_.failed;
    answer = {500, {{"error", "failed"}, {"message", e.what()}}};
  }
  answer.body["client"] = job.plan.client;
  answer.body["seq"] = job.plan.seq;
  if (options_.log) {
    const std::string what = answer.status != 200
                                 ? answer.body.value("error", std::string("refused"))
                             : job.save ? "saved " + answer.body.value("h5", std::string())
                                        : answer.body.value("status", std::string());
    options_.log(fmt::format("{} {}, {} customers: {:.2f} s, {}", job.save ? "save" : "plan",
                             job.plan.variant, job.plan.customers, ms_since(start) / 1000, what));
  }
  job.done(std::move(answer));
}

}  // namespace cjsim::cli::serve
