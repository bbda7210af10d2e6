// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC): priors on parameters,
// their transforms to an unconstrained space, and the sampler. Generic: it knows nothing of
// customers; `cjsim/calibrate.hpp` fits journey worlds with it. engine/README.md "Calibration"
// gives the algorithm and its references.
//
// The sampler (Beaumont et al. 2009; Del Moral et al. 2012; Prangle 2017 for the distance):
//   generation 0: N particles from the prior, every one accepted (epsilon = infinity);
//   generation t: epsilon_t = the `quantile` of the previous population's distances (measured
//     with this generation's scales; when ties put it at their largest, the next smaller one, so
//     that epsilon shrinks with discrete statistics too); proposals are a particle picked by weight
//     and moved by a multivariate normal kernel (covariance twice the population's weighted
//     covariance) in the unconstrained space, simulated, and accepted when their distance is <=
//     epsilon_t, until N are accepted; weight = prior density / sum_j W_j K(u | u_j), both in that
//     space;
//   distance: sqrt(sum_j w_g ((s_j - o_j) / scale_g)^2) over the observed statistics, a group g
//     per target; adaptive scales are the pooled median absolute deviation of the group's
//     statistics over all simulations of the previous generation (fixed scales stay fixed);
//   with `projection` (semi-automatic ABC, Fearnhead & Prangle 2012, refitted each generation as
//     in Schaelte & Hasenauer 2022): after each generation a ridge regression (penalty chosen by
//     generalised cross-validation) of the unconstrained parameters on that generation's scaled
//     statistics; the next generation compares the fitted values, one per parameter dimension,
//     each scaled by its median absolute deviation. Many statistics (52 weeks x several targets)
//     make plain ABC accept far too wide a region; their projection on what predicts the
//     parameters does not;
//   it stops when a generation would exceed the simulation budget or needs more than
//     particles / min_acceptance simulations (that generation is dropped, the previous population
//     stands; one that completes within the batch crossing that line is kept, then it stops), at
//     `max_generations`, or once epsilon is at or below `min_epsilon`.
//
// Deterministic: proposals are numbered within a generation and every random number of
// proposal k in generation t comes from Philox keyed by (seed, t, k); proposals are simulated
// in batches of a fixed size and accepted in number order, so neither the thread count nor the
// order in which a batch's simulations finish changes a bit. Every simulation gets a fresh
// seed (a posterior from fixed seeds is overconfident).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace cjsim {

// ---- priors ---------------------------------------------------------------------------------

enum class PriorKind : std::uint8_t {
  lognormal,    // a = median, b = sigma (sd of the log)
  normal,       // a = mean, b = sd
  beta,         // a = alpha, b = beta; support (0, 1)
  uniform,      // a = lower, b = upper
  log_uniform,  // a = lower, b = upper, 0 < lower < upper; uniform in log
  gamma,        // a = shape, b = rate; support (0, infinity)
};
const char* prior_kind_name(PriorKind k);

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// One distribution, truncated to [lower, upper] (intersected with its natural support).
struct PriorDef {
  PriorKind kind = PriorKind::uniform;
  double a = 0.0, b = 1.0;
  double lower = -kUnbounded, upper = kUnbounded;
};

// The support after truncation: [max(lower, natural lower), min(upper, natural upper)].
double support_lower(const PriorDef& p);
double support_upper(const PriorDef& p);
// Quantile q of the truncated distribution (exact: inverse CDF between the bounds' CDFs).
double prior_quantile(const PriorDef& p, double q);
// Cumulative probability of x under the truncated distribution.
double prior_cdf(const PriorDef& p, double x);
// Log density of x under the untruncated distribution (truncation adds only a constant).
double prior_log_density(const PriorDef& p, double x);

// A parameter of the fit: a dotted key path with its prior, or a member of a Dirichlet group
// (shares that sum to one, e.g. every segment's share).
struct Parameter {
  std::string name;  // the key it sets, e.g. "edges.consideration -> purchase.rate"
  PriorDef prior;    // unused for members of a group
  int group = -1;    // index into PriorSet::groups, or -1
};

struct DirichletGroup {
  std::vector<int> members;   // parameter indices, in order; the shares sum to one
  std::vector<double> alpha;  // concentration per member (> 0)
};

struct PriorSet {
  std::vector<Parameter> parameters;
  std::vector<DirichletGroup> groups;
  // Dimension of the unconstrained space: one coordinate per free parameter, K - 1 per group.
  int dimension() const;
};

// Natural <-> unconstrained. A bounded parameter maps by logit of its position between the
// bounds, a half-bounded one by log of its distance to the bound, an unbounded one unchanged;
// a Dirichlet group of K shares by the additive log-ratio log(x_k / x_K), k < K.
std::vector<double> to_unconstrained(const PriorSet& priors, const std::vector<double>& theta);
std::vector<double> from_unconstrained(const PriorSet& priors, const std::vector<double>& u);
// Log prior density of u in the unconstrained space (prior density times the Jacobian
// |d theta / d u|), up to a constant; -infinity where the prior is 0.
double log_prior_unconstrained(const PriorSet& priors, const std::vector<double>& u);
// One draw from the prior; `uniform()` returns independent uniforms in (0, 1).
std::vector<double> sample_prior(const PriorSet& priors, const std::function<double()>& uniform);
// Marginal quantile of parameter i (a Dirichlet member's marginal is a Beta).
double parameter_quantile(const PriorSet& priors, int i, double q);

// ---- the sampler ----------------------------------------------------------------------------

// How simulated statistics are compared with the observed ones.
struct AbcDistance {
  std::vector<double> observed;  // per statistic; NaN = missing, never compared
  std::vector<int> group;        // per statistic: its group (a target)
  std::vector<double> weight;    // per group, >= 0
  std::vector<double> scale;     // per group: > 0 fixed (e.g. a test's standard error); 0 adaptive
};

// One simulation to run: parameters on the natural scale and a seed no other simulation has.
struct AbcProposal {
  std::vector<double> theta;
  std::uint64_t seed = 0;
};

// Simulates a batch and returns one statistics vector per proposal, in order. It may run them
// in parallel; each result must be a pure function of (theta, seed). It may throw (Ctrl-C):
// the sampler stops and the exception propagates, the last finished generation intact.
using AbcModel = std::function<std::vector<std::vector<double>>(const std::vector<AbcProposal>&)>;

struct AbcOptions {
  int particles = 200;
  double quantile = 0.5;         // epsilon_t = this quantile of the previous distances
  std::int64_t budget = 20'000;  // simulations in all, at most
  double min_acceptance = 0.01;  // drop a generation that would accept less, and stop
  int max_generations = 40;      // generation 0 included
  double min_epsilon = 0.0;      // stop once epsilon is at or below it
  int batch = 64;                // proposals simulated at a time (never the thread count)
  bool projection = false;       // compare regression summaries instead of every statistic
  std::uint64_t seed = 1;
};

struct AbcGeneration {
  double epsilon = kUnbounded;  // acceptance threshold (infinity in generation 0)
  std::int64_t simulations = 0;
  int accepted = 0;
  double acceptance = 1.0;     // accepted / simulations
  double ess = 0.0;            // effective sample size of the weights
  std::vector<double> scales;  // per group, used by this generation's distance
};

struct AbcParticle {
  std::vector<double> theta;
  double weight = 0.0;  // normalised over the population
  double distance = 0.0;
  std::vector<double> stats;  // its simulated statistics
  std::uint64_t seed = 0;     // of its simulation
};

// The regression summaries of a generation (AbcOptions::projection): t = beta^T z, where
// z_j = (s_j - mean_j) / zscale_j over the observed statistics j, compared as
// sqrt(sum_k ((t_k(s) - t_k(o)) / tau_k)^2). Empty when not in use.
struct AbcProjection {
  std::vector<double> mean, zscale;  // per statistic (0 zscale: not used)
  std::vector<double> beta;          // statistics x dimensions, row-major
  std::vector<double> tau;           // per dimension
  std::vector<double> observed;      // t of the observed statistics
  int dimensions = 0;
  bool empty() const { return beta.empty(); }
};

// Everything needed to continue: a checkpoint after each generation (resume).
struct AbcState {
  int generations = 0;           // completed
  std::int64_t simulations = 0;  // in all, dropped generations included
  std::vector<AbcParticle> population;
  std::vector<AbcGeneration> history;
  std::vector<double> next_scales;  // per group, from the last generation's simulations
  AbcProjection next_projection;    // the summaries the next generation compares (projection)
  std::string stopped;              // why it stopped; empty while it may continue
};

struct AbcProgress {
  int generation = 0;
  double epsilon = kUnbounded;
  int accepted = 0;
  int particles = 0;
  std::int64_t simulations = 0;  // in this generation
  std::int64_t total = 0;        // in all
  std::int64_t budget = 0;
};

struct AbcCallbacks {
  std::function<void(const AbcState&)> generation_done;  // a checkpoint after each generation
  std::function<void(const AbcProgress&)> progress;      // after each batch
};

// Runs (or, given `resume`, continues) the sampler until a stopping rule holds. Throws
// std::invalid_argument for inconsistent inputs (sizes, no observed statistic, bad options).
AbcState abc_smc(const PriorSet& priors, const AbcDistance& distance, const AbcModel& model,
                 const AbcOptions& options, std::optional<AbcState> resume = std::nullopt,
                 const AbcCallbacks& callbacks = {});

// The distance of `stats` under `scales` (per group); infinity if a compared statistic is NaN.
double abc_distance(const AbcDistance& d, const std::vector<double>& scales,
                    const std::vector<double>& stats);
// ... through a projection (when not empty).
double abc_distance(const AbcDistance& d, const std::vector<double>& scales,
                    const AbcProjection& projection, const std::vector<double>& stats);

// Effective sample size (sum w)^2 / sum w^2.
double effective_sample_size(const std::vector<double>& weights);

// `draws` indices of the population by systematic resampling of the weights (seeded).
std::vector<int> resample(const std::vector<AbcParticle>& population, int draws,
                          std::uint64_t seed);

// A 64-bit seed for simulation `index` of stream `stream` under `seed` (Philox): fresh seeds for
// posterior simulations, shared ones (the same index) for comparisons on common random numbers.
std::uint64_t derived_seed(std::uint64_t seed, std::uint32_t stream, std::uint64_t index);

}  // namespace cjsim
