// The calibration file (results/README.md "Calibration files") and the checkpoint a resumed
// calibration continues from. Written to a temporary name and renamed (files::), read with every
// size checked against the others before anything is allocated.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "calibration/csv_table.hpp"
#include "cjsim/calibrate.hpp"
#include "cjsim/hdf5_io.hpp"
#include "io/file_ops.hpp"
#include "io/hdf5_handles.hpp"
#include "io/hdf5_objects.hpp"
#include "io/hdf5_writer_parts.hpp"

namespace cjsim {

namespace {

constexpr const char* kGroup = "calibration";
constexpr std::size_t kMaxElements = std::size_t{1} << 31;  // a sane bound for any one dataset

using h5::has_link;

void write_vector(hid_t g, const std::string& name, const std::vector<double>& v,
                  const char* long_name) {
  h5::Dataset d = h5::write_dataset<double>(g, name, {v.size()}, v);
  h5::write_attribute(d.get(), "long_name", std::string(long_name));
}

void write_matrix(hid_t g, const std::string& name, const std::vector<std::vector<double>>& rows,
                  std::size_t cols, const char* long_name) {
  std::vector<double> flat;
  flat.reserve(rows.size() * cols);
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < cols; ++c) flat.push_back(c < r.size() ? r[c] : std::nan(""));
  }
  h5::Dataset d = h5::write_dataset<double>(g, name, {rows.size(), cols}, flat);
  h5::write_attribute(d.get(), "long_name", std::string(long_name));
}

// ---- reading, hostile-file style ----

struct In {
  std::string path;

  [[noreturn]] void bad(const std::string& where, const std::string& what) const {
    throw InputError(SourcePlace{path, 0, 0}, where,
                     fmt::format("the calibration file is damaged or not one: {}", what),
                     "write it again with cjsim calibrate");
  }
  h5::Group group(hid_t parent, const std::string& name) const {
    if (!has_link(parent, name)) bad(name, "missing group");
    return h5::open_group(parent, name);
  }
  std::vector<double> vector(hid_t g, const std::string& name, std::size_t expect) const {
    if (!has_link(g, name)) bad(name, "missing dataset");
    h5::Dataset d = h5::open_dataset(g, name);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1 || (expect != npos && dims[0] != expect) || dims[0] > kMaxElements) {
      bad(name, "unexpected shape");
    }
    return h5::read_all<double>(d.get(), static_cast<std::size_t>(dims[0]));
  }
  std::vector<std::vector<double>> matrix(hid_t g, const std::string& name, std::size_t rows,
                                          std::size_t cols) const {
    if (!has_link(g, name)) bad(name, "missing dataset");
    h5::Dataset d = h5::open_dataset(g, name);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    // Each side bounded on its own (a product of hostile sides wraps around), and the rows by
    // the values they hold: rows of no values hold nothing yet each costs a vector (at most a
    // million, the most particles a calibration keeps).
    if (dims.size() != 2 || (rows != npos && dims[0] != rows) ||
        (cols != npos && dims[1] != cols) || dims[1] > kMaxElements ||
        dims[0] > (dims[1] == 0 ? hsize_t{1'000'000} : kMaxElements / dims[1])) {
      bad(name, "unexpected shape");
    }
    const auto r = static_cast<std::size_t>(dims[0]), c = static_cast<std::size_t>(dims[1]);
    const std::vector<double> flat = h5::read_all<double>(d.get(), r * c);
    std::vector<std::vector<double>> out(r);
    for (std::size_t i = 0; i < r; ++i) {
      out[i].assign(flat.begin() + static_cast<std::ptrdiff_t>(i * c),
                    flat.begin() + static_cast<std::ptrdiff_t>((i + 1) * c));
    }
    return out;
  }
  std::vector<std::string> strings(hid_t g, const std::string& name, std::size_t expect) const {
    if (!has_link(g, name)) bad(name, "missing dataset");
    h5::Dataset d = h5::open_dataset(g, name);
    const std::vector<hsize_t> dims = h5::dims_of(d.get());
    if (dims.size() != 1 || (expect != npos && dims[0] != expect) || dims[0] > kMaxElements) {
      bad(name, "unexpected shape");
    }
    return h5::read_strings(d.get());
  }
  std::string text(hid_t g, const std::string& name) const {
    if (!has_link(g, name)) bad(name, "missing dataset");
    h5::Dataset d = h5::open_dataset(g, name);
    return h5::read_string(d.get());
  }
  template <class T>
  T number(hid_t object, const char* name) const {
    if (!h5::has_attribute(object, name)) bad(name, "missing attribute");
    return h5::read_attribute<T>(object, name);
  }
  std::string attribute(hid_t object, const char* name) const {
    if (!h5::has_attribute(object, name)) bad(name, "missing attribute");
    return h5::read_string_attribute(object, name);
  }
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
};

// ---- pieces shared by the file and the checkpoint ----

void write_priors(hid_t g, const CalibrationSpec& spec) {
  const PriorSet& p = spec.priors;
  std::vector<std::string> names, keys;
  std::vector<double> kind, a, b, lower, upper, group, alpha;
  for (std::size_t i = 0; i < p.parameters.size(); ++i) {
    const Parameter& q = p.parameters[i];
    names.push_back(q.name);
    std::string joined;
    for (const std::string& k : spec.parameters[i].keys) joined += (joined.empty() ? "" : "\n") + k;
    keys.push_back(joined);
    kind.push_back(static_cast<double>(q.prior.kind));
    a.push_back(q.prior.a);
    b.push_back(q.prior.b);
    lower.push_back(q.prior.lower);
    upper.push_back(q.prior.upper);
    group.push_back(q.group);
    double al = std::nan("");
    if (q.group >= 0) {
      const DirichletGroup& dg = p.groups[static_cast<std::size_t>(q.group)];
      for (std::size_t m = 0; m < dg.members.size(); ++m) {
        if (dg.members[m] == static_cast<int>(i)) al = dg.alpha[m];
      }
    }
    alpha.push_back(al);
  }
  h5layout::name_scale(g, "parameter", names);
  h5::write_strings(g, "parameter_keys", keys);
  write_vector(g, "prior_kind", kind,
               "0 lognormal, 1 normal, 2 beta, 3 uniform, 4 log-uniform, 5 gamma");
  write_vector(g, "prior_a", a, "median / mean / alpha / lower / shape");
  write_vector(g, "prior_b", b, "sigma / sd / beta / upper / rate");
  write_vector(g, "prior_lower", lower, "truncation below");
  write_vector(g, "prior_upper", upper, "truncation above");
  write_vector(g, "prior_group", group, "Dirichlet group, -1 for none");
  write_vector(g, "dirichlet_alpha", alpha, "the member's Dirichlet concentration");
}

void write_state(hid_t g, const AbcState& s, std::size_t P, std::size_t J) {
  h5::write_attribute(g, "generations", static_cast<std::int32_t>(s.generations));
  h5::write_attribute(g, "simulations", static_cast<std::int64_t>(s.simulations));
  h5::write_attribute(g, "stopped", s.stopped);
  std::vector<std::vector<double>> theta, stats;
  std::vector<double> w, dist, seeds;
  std::vector<std::uint64_t> seed_bits;
  for (const AbcParticle& p : s.population) {
    theta.push_back(p.theta);
    stats.push_back(p.stats);
    w.push_back(p.weight);
    dist.push_back(p.distance);
    seed_bits.push_back(p.seed);
  }
  write_matrix(g, "particles", theta, P, "the final population, one row per particle");
  write_vector(g, "weights", w, "normalised importance weights");
  write_vector(g, "distances", dist, "distance to the observed statistics");
  h5::write_dataset<std::uint64_t>(g, "particle_seeds", {seed_bits.size()}, seed_bits);
  write_matrix(g, "particle_statistics", stats, J, "each particle's simulated statistics");
  std::vector<double> eps, sims, acc, ess;
  std::vector<std::vector<double>> scales;
  for (const AbcGeneration& gen : s.history) {
    eps.push_back(gen.epsilon);
    sims.push_back(static_cast<double>(gen.simulations));
    acc.push_back(gen.acceptance);
    ess.push_back(gen.ess);
    scales.push_back(gen.scales);
  }
  write_vector(g, "epsilon", eps, "the acceptance threshold of each generation (inf: the first)");
  write_vector(g, "generation_simulations", sims, "simulations run in each generation");
  write_vector(g, "acceptance", acc, "accepted / simulated, per generation");
  write_vector(g, "ess", ess, "effective sample size of the weights, per generation");
  write_matrix(g, "scales", scales, s.next_scales.size(),
               "distance scale per target, per generation");
  write_vector(g, "next_scales", s.next_scales, "the scales the next generation would use");
  if (!s.next_projection.empty()) {
    const AbcProjection& p = s.next_projection;
    h5::Group pg = h5::create_group(g, "projection");
    h5::write_attribute(pg.get(), "dimensions", static_cast<std::int32_t>(p.dimensions));
    write_vector(pg.get(), "mean", p.mean, "centre of each statistic");
    write_vector(pg.get(), "zscale", p.zscale, "scale of each statistic (0: not used)");
    h5::write_dataset<double>(pg.get(), "beta",
                              {p.mean.size(), static_cast<std::size_t>(p.dimensions)}, p.beta);
    write_vector(pg.get(), "tau", p.tau, "scale of each summary");
    write_vector(pg.get(), "observed", p.observed, "the observed statistics' summaries");
  }
}

AbcState read_state(const In& in, hid_t g, std::size_t P, std::size_t J, std::size_t G) {
  AbcState s;
  s.generations = in.number<std::int32_t>(g, "generations");
  s.simulations = in.number<std::int64_t>(g, "simulations");
  s.stopped = in.attribute(g, "stopped");
  const auto theta = in.matrix(g, "particles", In::npos, P);
  const std::size_t N = theta.size();
  const auto w = in.vector(g, "weights", N);
  const auto dist = in.vector(g, "distances", N);
  const auto stats = in.matrix(g, "particle_statistics", N, J);
  if (!has_link(g, "particle_seeds")) in.bad("particle_seeds", "missing dataset");
  h5::Dataset sd = h5::open_dataset(g, "particle_seeds");
  const auto sdims = h5::dims_of(sd.get());
  if (sdims.size() != 1 || sdims[0] != N) in.bad("particle_seeds", "unexpected shape");
  const auto seeds = h5::read_all<std::uint64_t>(sd.get(), N);
  for (std::size_t i = 0; i < N; ++i) {
    s.population.push_back(AbcParticle{theta[i], w[i], dist[i], stats[i], seeds[i]});
  }
  const auto eps = in.vector(g, "epsilon", In::npos);
  const std::size_t T = eps.size();
  const auto sims = in.vector(g, "generation_simulations", T);
  const auto acc = in.vector(g, "acceptance", T);
  const auto ess = in.vector(g, "ess", T);
  const auto scales = in.matrix(g, "scales", T, G);
  for (std::size_t t = 0; t < T; ++t) {
    s.history.push_back(AbcGeneration{eps[t], static_cast<std::int64_t>(sims[t]),
                                      static_cast<int>(N), acc[t], ess[t], scales[t]});
  }
  s.next_scales = in.vector(g, "next_scales", G);
  if (has_link(g, "projection")) {
    h5::Group pg = in.group(g, "projection");
    AbcProjection& p = s.next_projection;
    p.dimensions = in.number<std::int32_t>(pg.get(), "dimensions");
    if (p.dimensions < 1 || p.dimensions > 10'000) in.bad("projection", "bad dimensions");
    const auto D = static_cast<std::size_t>(p.dimensions);
    p.mean = in.vector(pg.get(), "mean", J);
    p.zscale = in.vector(pg.get(), "zscale", J);
    for (const auto& row : in.matrix(pg.get(), "beta", J, D))
      p.beta.insert(p.beta.end(), row.begin(), row.end());
    p.tau = in.vector(pg.get(), "tau", D);
    p.observed = in.vector(pg.get(), "observed", D);
  }
  if (s.generations < 0 || static_cast<std::size_t>(s.generations) != T)
    in.bad("generations", "does not match the history");
  return s;
}

void write_screen(hid_t g, const Screen& s) {
  h5::write_strings(g, "parameter", s.parameters);
  h5::write_strings(g, "target", s.targets);
  const std::size_t P = s.parameters.size(), K = s.effect.size() / std::max<std::size_t>(P, 1);
  h5::Dataset e = h5::write_dataset<double>(g, "effect", {P, K}, s.effect);
  h5::write_attribute(e.get(), "long_name",
                      std::string("change of each target when the parameter goes from its prior's "
                                  "10% to its 90% quantile, in units of the target's noise"));
  std::vector<std::uint8_t> flat;
  for (const bool f : s.flat) flat.push_back(f ? 1 : 0);
  h5::write_dataset<std::uint8_t>(g, "flat", {flat.size()}, flat);
  std::vector<std::int32_t> pairs;
  for (const auto& [a, b] : s.collinear) {
    pairs.push_back(a);
    pairs.push_back(b);
  }
  h5::write_dataset<std::int32_t>(g, "collinear", {s.collinear.size(), 2}, pairs);
  write_vector(g, "cosine", s.cosine, "correlation of the two parameters' effects");
  h5::write_strings(g, "advice", s.advice);
  h5::write_attribute(g, "simulations", static_cast<std::int32_t>(s.simulations));
}

Screen read_screen(const In& in, hid_t g) {
  Screen s;
  s.parameters = in.strings(g, "parameter", In::npos);
  s.targets = in.strings(g, "target", In::npos);
  const std::size_t P = s.parameters.size(), K = s.targets.size();
  const auto effect = in.matrix(g, "effect", P, K);
  for (const auto& row : effect) s.effect.insert(s.effect.end(), row.begin(), row.end());
  h5::Dataset f = h5::open_dataset(g, "flat");
  if (h5::dims_of(f.get()) != std::vector<hsize_t>{P}) in.bad("flat", "unexpected shape");
  for (const std::uint8_t x : h5::read_all<std::uint8_t>(f.get(), P)) s.flat.push_back(x != 0);
  h5::Dataset c = h5::open_dataset(g, "collinear");
  const auto cd = h5::dims_of(c.get());
  if (cd.size() != 2 || cd[1] != 2 || cd[0] > P * P) in.bad("collinear", "unexpected shape");
  const auto pairs = h5::read_all<std::int32_t>(c.get(), static_cast<std::size_t>(cd[0] * 2));
  for (std::size_t i = 0; i < cd[0]; ++i) {
    const int a = pairs[2 * i], b = pairs[2 * i + 1];
    if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= P || static_cast<std::size_t>(b) >= P) {
      in.bad("collinear", "a parameter index out of range");
    }
    s.collinear.emplace_back(a, b);
  }
  s.cosine = in.vector(g, "cosine", static_cast<std::size_t>(cd[0]));
  s.advice = in.strings(g, "advice", In::npos);
  s.simulations = in.number<std::int32_t>(g, "simulations");
  return s;
}

void write_observed(hid_t g, const ObservedData& o) {
  h5::write_attribute(g, "day0", format_date(o.day0));
  h5::write_attribute(g, "frequency", o.frequency);
  h5::write_attribute(g, "files", o.files);
  std::vector<std::string> dates;
  std::vector<std::int32_t> first, days;
  for (const Period& p : o.periods) {
    dates.push_back(format_date(o.day0 + p.first));
    first.push_back(p.first);
    days.push_back(p.days);
  }
  h5layout::name_scale(g, "period", dates);
  h5::write_dataset<std::int32_t>(g, "period_first_day", {first.size()}, first);
  h5::write_dataset<std::int32_t>(g, "period_days", {days.size()}, days);
  h5::Group series = h5::create_group(g, "series");
  std::vector<std::string> names;
  for (const ObservedColumn& c : o.columns) {
    names.push_back(c.name);
    write_vector(series.get(), c.name, c.values, "observed, per period (NaN: missing)");
  }
  h5::write_attribute(series.get(), "order", names);
  if (o.customers) {
    write_vector(g, "customers_purchases", o.customers->purchases,
                 "customers of the window's cohort by purchases in it: 1, 2, 3, 4, 5, 6-9, 10+");
    write_vector(g, "customers_recency", o.customers->recency,
                 "... by days from the last purchase to the window's end: 0-27, 28-55, 56-90, "
                 "91-181, 182-363, 364+");
  }
  h5::write_strings(g, "notes", o.notes);
}

ObservedData read_observed_group(const In& in, hid_t g) {
  ObservedData o;
  std::int32_t day0 = 0;
  if (!parse_date_prefix(in.attribute(g, "day0"), day0, false)) in.bad("day0", "not a date");
  o.day0 = day0;
  o.frequency = in.attribute(g, "frequency");
  o.files = h5::read_strings_attribute(g, "files");
  h5::Dataset fd = h5::open_dataset(g, "period_first_day");
  const auto dims = h5::dims_of(fd.get());
  if (dims.size() != 1 || dims[0] > 100'000) in.bad("period_first_day", "unexpected shape");
  const std::size_t P = static_cast<std::size_t>(dims[0]);
  const auto first = h5::read_all<std::int32_t>(fd.get(), P);
  h5::Dataset dd = h5::open_dataset(g, "period_days");
  if (h5::dims_of(dd.get()) != std::vector<hsize_t>{P}) in.bad("period_days", "unexpected shape");
  const auto days = h5::read_all<std::int32_t>(dd.get(), P);
  for (std::size_t p = 0; p < P; ++p) {
    if (days[p] < 1 || first[p] < 0 || (p > 0 && first[p] < first[p - 1] + days[p - 1])) {
      in.bad("period_days", "periods out of order");
    }
    o.periods.push_back(Period{first[p], days[p]});
    o.period_places.push_back(SourcePlace{in.path, 0, 0});
  }
  h5::Group series = in.group(g, "series");
  for (const std::string& name : h5::read_strings_attribute(series.get(), "order")) {
    o.columns.push_back(ObservedColumn{name, in.vector(series.get(), name, P), {in.path, 0, 0}});
  }
  if (has_link(g, "customers_purchases")) {
    CustomerHistograms h;
    h.purchases = in.vector(g, "customers_purchases", purchase_bin_labels().size());
    h.recency = in.vector(g, "customers_recency", recency_bin_labels().size());
    o.customers = h;
  }
  o.notes = in.strings(g, "notes", In::npos);
  return o;
}

template <class Body>
void write_atomically(const std::string& path, const FileMeta& meta, Body&& body) {
  const std::string folder = files::folder_of(path);
  files::check_output_folder(path, folder);
  const std::string temp = files::temp_path_for(path);
  files::create_empty_file(temp, folder, path);
  struct Cleanup {
    std::string path;
    bool keep = false;
    ~Cleanup() {
      if (!keep) ::unlink(path.c_str());
    }
  } cleanup{temp};
  h5::silence_errors();
  try {
    {
      h5::PropList create = h5::file_creation_props();
      h5::PropList access(h5::check(H5Pcreate(H5P_FILE_ACCESS), "creating file access properties"));
      h5::check(H5Pset_fclose_degree(access.get(), H5F_CLOSE_STRONG), "setting close degree");
      h5::File file(h5::check(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, create.get(), access.get()),
                              "creating " + temp));
      h5layout::write_file_head(file.get(), meta);
      body(file.get());
      h5::check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flushing " + temp);
    }
    files::sync_file(temp, path);
    if (::rename(temp.c_str(), path.c_str()) != 0) files::throw_os_failure(path, "renaming", errno);
    cleanup.keep = true;
    files::sync_folder(folder);
  } catch (const h5::Hdf5Failure& failure) {
    h5layout::throw_write_failure(failure, path);
  }
}

h5::File open_file(const std::string& path, const char* kind) {
  In in{path};
  h5::silence_errors();
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    throw InputError(SourcePlace{path, 0, 0}, "",
                     fmt::format("cannot open '{}' as an HDF5 file", path),
                     "give a file written by cjsim calibrate (check the path)");
  }
  h5::File file(id);
  if (!h5::has_attribute(file.get(), "kind") ||
      h5::read_string_attribute(file.get(), "kind") != kind) {
    throw InputError(SourcePlace{path, 0, 0}, "",
                     fmt::format("'{}' is not a {} file (its kind is '{}')", path, kind,
                                 h5::has_attribute(file.get(), "kind")
                                     ? h5::read_string_attribute(file.get(), "kind")
                                     : std::string("none")),
                     std::string(kind) == std::string("calibration")
                         ? "give the file cjsim calibrate -o wrote"
                         : "start the calibration again without --resume");
  }
  return file;
}

}  // namespace

void write_calibration_file(const std::string& path, const FileMeta& meta,
                            const std::vector<std::string>& overrides, const FitProblem& problem,
                            const CalibrationResult& r) {
  FileMeta m = meta;
  m.kind = "calibration";
  m.overrides = overrides;  // /scenario_overrides, as in every result file
  write_atomically(path, m, [&](hid_t root) {
    h5::Group g = h5::create_group(root, kGroup);
    const hid_t c = g.get();
    h5::write_attribute(c, "variant", r.variant);
    h5::write_attribute(c, "scale", r.scale);
    h5::write_attribute(c, "seed", r.seed);
    h5::write_attribute(c, "threads", static_cast<std::int32_t>(r.threads));
    h5::write_attribute(c, "seconds_total", r.seconds_total);
    h5::write_attribute(c, "seconds_simulating", r.seconds_simulating);
    const std::size_t P = r.parameters.size(), J = r.distance.observed.size(),
                      G = r.distance.weight.size();
    write_priors(c, problem.spec());
    write_state(c, r.abc, P, J);
    write_matrix(c, "draws", r.draws, P, "posterior draws, resampled from the final population");
    h5::write_dataset<std::uint64_t>(c, "draw_seeds", {r.draw_seeds.size()}, r.draw_seeds);
    write_vector(c, "median", r.median, "posterior median per parameter (shares renormalised)");
    {
      h5::Group s = h5::create_group(c, "posterior");
      std::vector<std::string> prior;
      std::vector<double> cols[9];
      std::vector<std::uint8_t> uninformed;
      for (const ParameterSummary& x : r.summary) {
        prior.push_back(x.prior);
        const double v[9] = {x.prior_p05, x.prior_p50, x.prior_p95, x.mean, x.p05,
                             x.p50,       x.p95,       x.shrinkage, 0};
        for (int i = 0; i < 8; ++i) cols[i].push_back(v[i]);
        uninformed.push_back(x.uninformed ? 1 : 0);
      }
      h5::write_strings(s.get(), "prior", prior);
      const char* names[8] = {"prior_p05", "prior_p50", "prior_p95", "mean",
                              "p05",       "p50",       "p95",       "shrinkage"};
      for (int i = 0; i < 8; ++i) {
        write_vector(
            s.get(), names[i], cols[i],
            i == 7 ? "posterior 90% width over the prior's (transformed scale)" : "per parameter");
      }
      h5::write_dataset<std::uint8_t>(s.get(), "uninformed", {uninformed.size()}, uninformed);
    }
    {
      h5::Group s = h5::create_group(c, "screen");
      write_screen(s.get(), r.screen);
    }
    {
      h5::Group s = h5::create_group(c, "statistics");
      std::vector<double> target, period, bin, group;
      for (std::size_t j = 0; j < J; ++j) {
        target.push_back(r.statistic_info[j].target);
        period.push_back(r.statistic_info[j].period);
        bin.push_back(r.statistic_info[j].bin);
        group.push_back(r.distance.group[j]);
      }
      write_vector(s.get(), "observed", r.distance.observed,
                   "observed statistic (square root for series)");
      write_vector(s.get(), "target", target, "index of the statistic's target");
      write_vector(s.get(), "period", period, "period index, -1 for a histogram bin or test");
      write_vector(s.get(), "bin", bin, "histogram bin, or -1");
      write_vector(s.get(), "group", group, "distance group");
      write_vector(s.get(), "group_weight", r.distance.weight, "weight of each group");
      write_vector(s.get(), "group_scale", r.distance.scale, "fixed scale (0: adaptive)");
      std::vector<std::string> names;
      std::vector<double> weights;
      for (const TargetSpec& t : r.targets) {
        names.push_back(t.name);
        weights.push_back(t.weight);
      }
      h5::write_strings(s.get(), "target_names", names);
      write_vector(s.get(), "target_weights", weights, "weight of each target");
      static_cast<void>(G);
    }
    {
      h5::Group s = h5::create_group(c, "observed");
      write_observed(s.get(), problem.observed());
    }
    {
      h5::Group s = h5::create_group(c, "predictive");
      std::vector<std::string> order;
      for (const PredictiveTarget& t : r.predictive) {
        order.push_back(t.name);
        h5::Group tg = h5::create_group(s.get(), t.name);
        write_vector(tg.get(), "observed", t.observed, "observed (market scale)");
        write_vector(tg.get(), "p05", t.p05, "5% of the posterior predictive simulations");
        write_vector(tg.get(), "p25", t.p25, "25%");
        write_vector(tg.get(), "p50", t.p50, "median");
        write_vector(tg.get(), "p75", t.p75, "75%");
        write_vector(tg.get(), "p95", t.p95, "95%");
        h5::write_attribute(tg.get(), "ppp", t.ppp);
        h5::write_attribute(tg.get(), "coverage90", t.coverage90);
      }
      h5::write_attribute(s.get(), "order", order);
    }
    h5::write_strings(c, "warnings", r.warnings);
    if (!r.forecast.periods.empty()) {
      h5::Group s = h5::create_group(c, "forecast");
      std::vector<std::string> dates;
      std::vector<std::int32_t> first, days;
      for (const Period& p : r.forecast.periods) {
        dates.push_back(format_date(r.forecast.day0 + p.first));
        first.push_back(p.first);
        days.push_back(p.days);
      }
      h5layout::name_scale(s.get(), "period", dates);
      h5::write_dataset<std::int32_t>(s.get(), "period_first_day", {first.size()}, first);
      h5::write_dataset<std::int32_t>(s.get(), "period_days", {days.size()}, days);
      h5::write_attribute(s.get(), "draws", static_cast<std::int32_t>(r.forecast.draws));
      std::vector<std::string> order;
      for (const PredictiveTarget& t : r.forecast.targets) {
        order.push_back(t.name);
        h5::Group tg = h5::create_group(s.get(), t.name);
        write_vector(tg.get(), "p05", t.p05, "5% of the forecasts");
        write_vector(tg.get(), "p25", t.p25, "25%");
        write_vector(tg.get(), "p50", t.p50, "median");
        write_vector(tg.get(), "p75", t.p75, "75%");
        write_vector(tg.get(), "p95", t.p95, "95%");
      }
      h5::write_attribute(s.get(), "order", order);
    }
    if (!r.value.rows.empty()) {
      h5::Group s = h5::create_group(c, "value");
      std::vector<std::string> channel, measure;
      std::vector<double> cols[5];
      std::vector<std::int32_t> n;
      for (const PosteriorMeasure& x : r.value.rows) {
        channel.push_back(x.channel);
        measure.push_back(x.measure);
        const double v[5] = {x.mean, x.p05, x.p50, x.p95, x.noise};
        for (int i = 0; i < 5; ++i) cols[i].push_back(v[i]);
        n.push_back(x.draws);
      }
      h5::write_strings(s.get(), "channel", channel);
      h5::write_strings(s.get(), "measure", measure);
      const char* names[5] = {"mean", "p05", "p50", "p95", "noise"};
      for (int i = 0; i < 5; ++i) write_vector(s.get(), names[i], cols[i], "over posterior draws");
      h5::write_dataset<std::int32_t>(s.get(), "draws", {n.size()}, n);
      h5::write_attribute(s.get(), "draws", static_cast<std::int32_t>(r.value.draws));
      h5::write_attribute(s.get(), "replicates", static_cast<std::int32_t>(r.value.replicates));
    }
  });
}

CalibrationFile read_calibration_file(const std::string& path) {
  h5::File file = open_file(path, "calibration");
  const In in{path};
  try {
    CalibrationFile f;
    const hid_t root = file.get();
    f.meta.kind = "calibration";
    f.meta.engine_version = in.attribute(root, "engine_version");
    f.meta.seed = in.number<std::uint64_t>(root, "seed");
    f.meta.command_line = in.attribute(root, "command_line");
    f.meta.scenario_name = in.attribute(root, "scenario_name");
    f.meta.scenario_source = in.attribute(root, "scenario_source");
    f.meta.scenario_text = in.text(root, "scenario");
    f.meta.effective_toml = in.text(root, "scenario_effective");
    // /overrides: calibration files written before every result file stored its --set list.
    f.overrides = in.strings(
        root, has_link(root, "scenario_overrides") ? "scenario_overrides" : "overrides", In::npos);
    f.meta.overrides = f.overrides;
    h5::Group g = in.group(root, kGroup);
    const hid_t c = g.get();
    CalibrationResult& r = f.result;
    r.variant = in.attribute(c, "variant");
    r.scale = in.number<double>(c, "scale");
    r.seed = in.number<std::uint64_t>(c, "seed");
    r.threads = in.number<std::int32_t>(c, "threads");
    r.seconds_total = in.number<double>(c, "seconds_total");
    r.seconds_simulating = in.number<double>(c, "seconds_simulating");
    const std::vector<std::string> names = in.strings(c, "parameter", In::npos);
    const std::size_t P = names.size();
    const std::vector<std::string> keys = in.strings(c, "parameter_keys", P);
    const auto kind = in.vector(c, "prior_kind", P), a = in.vector(c, "prior_a", P),
               b = in.vector(c, "prior_b", P), lo = in.vector(c, "prior_lower", P),
               hi = in.vector(c, "prior_upper", P), grp = in.vector(c, "prior_group", P),
               alpha = in.vector(c, "dirichlet_alpha", P);
    for (std::size_t i = 0; i < P; ++i) {
      if (!(kind[i] >= 0 && kind[i] <= 5) || !(grp[i] >= -1 && grp[i] < static_cast<double>(P))) {
        in.bad("prior_kind", "an unknown prior");
      }
      const int gi = static_cast<int>(grp[i]);
      r.priors.parameters.push_back(Parameter{
          names[i],
          PriorDef{static_cast<PriorKind>(static_cast<int>(kind[i])), a[i], b[i], lo[i], hi[i]},
          gi});
      if (gi >= 0) {
        if (static_cast<std::size_t>(gi) >= r.priors.groups.size())
          r.priors.groups.resize(static_cast<std::size_t>(gi) + 1);
        r.priors.groups[static_cast<std::size_t>(gi)].members.push_back(static_cast<int>(i));
        r.priors.groups[static_cast<std::size_t>(gi)].alpha.push_back(alpha[i]);
      }
      FitParameter fp;
      fp.name = names[i];
      std::size_t at = 0;
      while (at <= keys[i].size()) {
        const std::size_t nl = keys[i].find('\n', at);
        fp.keys.push_back(
            keys[i].substr(at, nl == std::string::npos ? std::string::npos : nl - at));
        if (nl == std::string::npos) break;
        at = nl + 1;
      }
      r.parameters.push_back(std::move(fp));
    }
    for (const DirichletGroup& dg : r.priors.groups) {
      if (dg.members.size() < 2) in.bad("prior_group", "a share group of fewer than two");
    }
    {
      h5::Group s = in.group(c, "statistics");
      r.distance.observed = in.vector(s.get(), "observed", In::npos);
      const std::size_t J = r.distance.observed.size();
      const auto target = in.vector(s.get(), "target", J), period = in.vector(s.get(), "period", J),
                 bin = in.vector(s.get(), "bin", J), group = in.vector(s.get(), "group", J);
      r.distance.weight = in.vector(s.get(), "group_weight", In::npos);
      const std::size_t G = r.distance.weight.size();
      r.distance.scale = in.vector(s.get(), "group_scale", G);
      for (std::size_t j = 0; j < J; ++j) {
        if (!(group[j] >= 0 && group[j] < static_cast<double>(G))) in.bad("group", "out of range");
        r.distance.group.push_back(static_cast<int>(group[j]));
        r.statistic_info.push_back(StatisticInfo{
            static_cast<int>(target[j]), static_cast<int>(period[j]), static_cast<int>(bin[j])});
      }
      const auto tn = in.strings(s.get(), "target_names", In::npos);
      const auto tw = in.vector(s.get(), "target_weights", tn.size());
      for (std::size_t k = 0; k < tn.size(); ++k) r.targets.push_back(TargetSpec{tn[k], tw[k], {}});
      r.abc = read_state(in, c, P, J, G);
    }
    r.draws = in.matrix(c, "draws", In::npos, P);
    {
      h5::Dataset d = h5::open_dataset(c, "draw_seeds");
      if (h5::dims_of(d.get()) != std::vector<hsize_t>{r.draws.size()})
        in.bad("draw_seeds", "unexpected shape");
      r.draw_seeds = h5::read_all<std::uint64_t>(d.get(), r.draws.size());
    }
    r.median = in.vector(c, "median", P);
    {
      h5::Group s = in.group(c, "posterior");
      const auto prior = in.strings(s.get(), "prior", P);
      const char* cols[8] = {"prior_p05", "prior_p50", "prior_p95", "mean",
                             "p05",       "p50",       "p95",       "shrinkage"};
      std::vector<std::vector<double>> v;
      for (const char* col : cols) v.push_back(in.vector(s.get(), col, P));
      h5::Dataset u = h5::open_dataset(s.get(), "uninformed");
      if (h5::dims_of(u.get()) != std::vector<hsize_t>{P}) in.bad("uninformed", "unexpected shape");
      const auto un = h5::read_all<std::uint8_t>(u.get(), P);
      for (std::size_t i = 0; i < P; ++i) {
        r.summary.push_back(ParameterSummary{names[i], prior[i], v[0][i], v[1][i], v[2][i], v[3][i],
                                             v[4][i], v[5][i], v[6][i], v[7][i], un[i] != 0});
      }
    }
    {
      h5::Group s = in.group(c, "screen");
      r.screen = read_screen(in, s.get());
    }
    {
      h5::Group s = in.group(c, "observed");
      f.observed = read_observed_group(in, s.get());
    }
    {
      h5::Group s = in.group(c, "predictive");
      for (const std::string& name : h5::read_strings_attribute(s.get(), "order")) {
        h5::Group tg = in.group(s.get(), name);
        PredictiveTarget t;
        t.name = name;
        t.observed = in.vector(tg.get(), "observed", In::npos);
        const std::size_t L = t.observed.size();
        t.p05 = in.vector(tg.get(), "p05", L);
        t.p25 = in.vector(tg.get(), "p25", L);
        t.p50 = in.vector(tg.get(), "p50", L);
        t.p75 = in.vector(tg.get(), "p75", L);
        t.p95 = in.vector(tg.get(), "p95", L);
        t.ppp = in.number<double>(tg.get(), "ppp");
        t.coverage90 = in.number<double>(tg.get(), "coverage90");
        r.predictive.push_back(std::move(t));
      }
    }
    r.warnings = in.strings(c, "warnings", In::npos);
    if (has_link(c, "forecast")) {
      h5::Group s = in.group(c, "forecast");
      h5::Dataset fd = h5::open_dataset(s.get(), "period_first_day");
      const auto dims = h5::dims_of(fd.get());
      if (dims.size() != 1 || dims[0] > 100'000) in.bad("forecast", "unexpected shape");
      const std::size_t F = static_cast<std::size_t>(dims[0]);
      const auto first = h5::read_all<std::int32_t>(fd.get(), F);
      h5::Dataset dd = h5::open_dataset(s.get(), "period_days");
      if (h5::dims_of(dd.get()) != std::vector<hsize_t>{F}) in.bad("forecast", "unexpected shape");
      const auto days = h5::read_all<std::int32_t>(dd.get(), F);
      r.forecast.day0 = f.observed.day0;
      for (std::size_t p = 0; p < F; ++p) r.forecast.periods.push_back(Period{first[p], days[p]});
      r.forecast.draws = in.number<std::int32_t>(s.get(), "draws");
      for (const std::string& name : h5::read_strings_attribute(s.get(), "order")) {
        h5::Group tg = in.group(s.get(), name);
        PredictiveTarget t;
        t.name = name;
        t.p05 = in.vector(tg.get(), "p05", F);
        t.p25 = in.vector(tg.get(), "p25", F);
        t.p50 = in.vector(tg.get(), "p50", F);
        t.p75 = in.vector(tg.get(), "p75", F);
        t.p95 = in.vector(tg.get(), "p95", F);
        t.observed.assign(F, std::nan(""));
        r.forecast.targets.push_back(std::move(t));
      }
    }
    if (has_link(c, "value")) {
      h5::Group s = in.group(c, "value");
      const auto channel = in.strings(s.get(), "channel", In::npos);
      const std::size_t M = channel.size();
      const auto measure = in.strings(s.get(), "measure", M);
      const auto mean = in.vector(s.get(), "mean", M), p05 = in.vector(s.get(), "p05", M),
                 p50 = in.vector(s.get(), "p50", M), p95 = in.vector(s.get(), "p95", M),
                 noise = in.vector(s.get(), "noise", M);
      h5::Dataset nd = h5::open_dataset(s.get(), "draws");
      if (h5::dims_of(nd.get()) != std::vector<hsize_t>{M}) in.bad("value", "unexpected shape");
      const auto n = h5::read_all<std::int32_t>(nd.get(), M);
      for (std::size_t i = 0; i < M; ++i) {
        r.value.rows.push_back(PosteriorMeasure{channel[i], measure[i], mean[i], p05[i], p50[i],
                                                p95[i], noise[i], n[i]});
      }
      r.value.draws = in.number<std::int32_t>(s.get(), "draws");
      r.value.replicates = in.number<std::int32_t>(s.get(), "replicates");
    }
    return f;
  } catch (const h5::Hdf5Failure& failure) {
    in.bad("", failure.what());
  }
}

FitProblem fit_problem_from(const CalibrationFile& f) {
  // Named as the scenario file was (calendar and observed files are found beside it).
  ScenarioDocument doc =
      ScenarioDocument::from_string(f.meta.scenario_text, f.meta.scenario_source);
  for (const std::string& o : f.overrides) doc.set(o);
  CalibrationSpec spec = read_calibrate_section(doc);
  return FitProblem(doc, f.result.variant, std::move(spec), f.observed);
}

// ---- checkpoints ----

void write_checkpoint(const std::string& path, const std::string& fingerprint,
                      const FitProblem& problem, const Screen& screen, const AbcState& state) {
  FileMeta meta;
  meta.kind = "calibration-checkpoint";
  write_atomically(path, meta, [&](hid_t root) {
    h5::write_attribute(root, "fingerprint", fingerprint);
    h5::Group s = h5::create_group(root, "screen");
    write_screen(s.get(), screen);
    h5::Group g = h5::create_group(root, "state");
    write_state(g.get(), state, problem.spec().parameters.size(),
                problem.distance().observed.size());
  });
}

Checkpoint read_checkpoint(const std::string& path, const FitProblem& problem) {
  h5::File file = open_file(path, "calibration-checkpoint");
  const In in{path};
  try {
    Checkpoint c;
    c.fingerprint = in.attribute(file.get(), "fingerprint");
    h5::Group s = in.group(file.get(), "screen");
    c.screen = read_screen(in, s.get());
    h5::Group g = in.group(file.get(), "state");
    c.state = read_state(in, g.get(), problem.spec().parameters.size(),
                         problem.distance().observed.size(), problem.distance().weight.size());
    return c;
  } catch (const h5::Hdf5Failure& failure) {
    in.bad("", failure.what());
  }
}

}  // namespace cjsim
