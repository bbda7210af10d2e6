// cjsim attribute: the attribution models marketers use, computed from a result file's touch
// paths, beside the ground truth of counterfactual runs, with each model's error.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cjsim/attribution.hpp"
#include "cjsim/files.hpp"
#include "cjsim/hdf5_io.hpp"
#include "cjsim/scenario_io.hpp"
#include "cjsim/value.hpp"
#include "commands/commands.hpp"
#include "common/key_words.hpp"
#include "common/options.hpp"
#include "common/progress.hpp"
#include "common/table_output.hpp"
#include "common/text_table.hpp"
#include "common/variants.hpp"

namespace cjsim::cli {

namespace {

// A model's name in words: "last_touch" -> "Last touch", "markov_2" -> "Markov, order 2".
std::string model_words(const std::string& model) {
  if (model.rfind("markov_", 0) == 0) return "Markov, order " + model.substr(7);
  if (model == "position_based") return "Position-based";
  std::string s = model;
  for (char& c : s)
    if (c == '_') c = ' ';
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

TableCell estimate(const Estimate& e) {
  return TableCell::estimate(e.mean, e.ci_low, e.ci_high);
}

}  // namespace

int cmd_attribute(const Args& args, const std::string& command_line) {
  std::string input, only_variant;
  TableOutput files;
  AttributionOptions ao;
  bool truth = false, quiet = false;
  int threads = 0;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("variant",
                                                 po::value(&only_variant)->value_name("NAME"),
                                                 "which variant (default: the first)")(
      "half-life", po::value(&ao.half_life_days)->default_value(7.0)->value_name("DAYS"),
      "time-decay half-life: a touch DAYS before the purchase counts half")(
      "markov-order", po::value(&ao.markov_order)->default_value(1)->value_name("K"),
      "also a K-order Markov model (2 to 4; 1 = first order only)")(
      "truth", po::bool_switch(&truth),
      "when the file holds no ground truth, compute it: re-run the stored scenario without each "
      "channel on the file's seed and replicates")(
      "threads,t", po::value(&threads)->default_value(0)->value_name("N"),
      "threads for --truth (0 = every core)")("quiet,q", po::bool_switch(&quiet), "no progress");
  files.add_options(opts, "the credit tables and the models' errors");
  po::variables_map vm;
  if (!parse_with_argument(
          args, opts, input, true, vm, "cjsim attribute RESULT.h5 [options]",
          "  cjsim attribute results/loop_value.h5\n"
          "  cjsim attribute results/run.h5 --truth --half-life 14 --markov-order 2\n"
          "  cjsim attribute results/run.h5 --variant loop_minded --csv results/credit.csv "
          "--xlsx results/credit.xlsx\n")) {
    return 0;
  }
  check_threads(threads);
  files.check(vm);  // before any work
  if (!(ao.half_life_days > 0)) {
    throw InputError({"--half-life", 0, 0}, "half-life",
                     fmt::format("must be > 0 days, got {}", ao.half_life_days),
                     "give a half-life in days, e.g. --half-life 7");
  }
  if (ao.markov_order < 1 || ao.markov_order > 4) {
    throw InputError({"--markov-order", 0, 0}, "markov-order",
                     fmt::format("must be 1 to 4, got {}", ao.markov_order),
                     "give --markov-order 2 for a second-order model");
  }
  const ResultFile file = ResultFile::open(input);
  const std::string variant = pick_file_variant(file, only_variant);
  const std::vector<int> reps = file_replicates(file, variant);
  const std::vector<std::string> channels =
      file.load(variant, reps.front(), false).run.names.channels;
  const std::size_t C = channels.size();
  install_interrupt_handler();

  std::vector<Attribution> per_run;
  for (const int r : reps) {
    const std::optional<TouchPaths> paths = file.touch_paths(variant, r);
    if (!paths) {
      throw InputError(
          {input, 0, 0}, fmt::format("/runs/{}/replicate_{}/touch_paths", variant, r),
          "the run was written without touch paths",
          "write it with cjsim run --touch-paths (or cjsim value -o FILE --touch-paths)");
    }
    per_run.push_back(attribute(*paths, C, ao));
    per_run.back().summary.paths.clear();  // only the counts are needed from here on
  }
  const AttributionSummary credit_summary = summarize_attribution(per_run);
  const std::vector<std::string>& models = credit_summary.models;

  // The truth: stored by cjsim value, or re-run on request.
  std::optional<ChannelValue> truth_table = file.channel_value(variant);
  std::string truth_source = "stored in the file by cjsim value";
  if (!truth_table && truth) {
    const Scenario scenario = build_scenario(stored_document(file.meta(), file.path()));
    const Variant& v = pick_variant(scenario, variant);
    Progress progress("truth", quiet);
    ValueOptions vo;
    vo.replicates = static_cast<int>(reps.size());
    vo.marginal = false;
    vo.run.threads = threads;
    vo.run.seed = file.meta().seed;
    vo.run.progress = [&](const EnsembleProgress& p) {
      throw_if_interrupted();
      if (!p.finished) return;
      progress.update(static_cast<double>(p.runs_done) / static_cast<double>(p.runs_total),
                      fmt::format("run {}/{}", p.runs_done, p.runs_total));
    };
    if (reps.back() != static_cast<int>(reps.size()) - 1) {
      throw InputError({input, 0, 0}, "replicates",
                       "--truth needs the file's replicates to be 0 .. R-1",
                       "write the file with cjsim run --replicates R");
    }
    truth_table = channel_value(v.def, vo);
    progress.done("counterfactuals");
    truth_source =
        fmt::format("re-run: the stored scenario without each channel, {} replicates", reps.size());
  }
  std::vector<Estimate> truth_conv(C), truth_value(C);
  std::vector<double> truth_conv_mean(C, std::nan("")), truth_value_mean(C, std::nan(""));
  if (truth_table) {
    for (std::size_t c = 0; c < C; ++c) {
      if (const ChannelValueRow* row = truth_table->find(channels[c], "incremental.purchases")) {
        truth_conv[c] = row->estimate;
        truth_conv_mean[c] = row->estimate.mean;
      }
      if (const ChannelValueRow* row = truth_table->find(channels[c], "incremental.revenue")) {
        truth_value[c] = row->estimate;
        truth_value_mean[c] = row->estimate.mean;
      }
    }
  }

  // Labels from the stored scenario when it still builds; names otherwise.
  std::optional<Scenario> labels;
  try {
    labels.emplace(build_scenario(stored_document(file.meta(), file.path())));
  } catch (const InputError&) {
  }
  const ScenarioDef* def = labels ? &pick_variant(*labels, variant).def : nullptr;
  const FileMeta meta = file.meta();
  const Money money = Money::of(meta.currency);
  std::FILE* out = files.text();
  fmt::print(out, "Attribution of '{}' ({} replicate{}): conversions are purchases\n", variant,
             reps.size(), reps.size() == 1 ? "" : "s");
  fmt::print(out,
             "per replicate: {:.1f} conversions after a touch, {:.1f} organic (no touch since the "
             "previous purchase), {:.1f} null paths, {:.1f} customers never touched\n\n",
             credit_summary.conversions_per_run, credit_summary.organic_per_run,
             credit_summary.nulls_per_run, credit_summary.untouched_per_run);
  std::vector<Table> tables;
  Table errors;
  errors.name = "Model error";
  errors.title = "Share error: the part of all credit a model gives the wrong channels";
  errors.columns = {TableColumn::words("Model"), TableColumn::words("Model id", true),
                    TableColumn::numbers("Conversions", Quantity::share),
                    TableColumn::numbers("Value (revenue)", Quantity::share)};
  for (const std::string& m : models)
    errors.rows.push_back({TableCell::words(model_words(m)), TableCell::words(m)});
  for (const bool by_value : {false, true}) {
    const auto& credit = by_value ? credit_summary.value : credit_summary.conversions;
    const Quantity q = by_value ? Quantity::money : Quantity::count;
    const std::string unit = by_value ? std::string() : std::string("purchases");
    Table t;
    t.name = by_value ? "Value" : "Conversions";
    t.title = by_value ? "Credit for revenue, by channel" : "Credit for purchases, by channel";
    t.columns = {TableColumn::words("Channel"), TableColumn::words("Channel id", true)};
    if (truth_table) t.columns.push_back(TableColumn::numbers("Truth", q, true, unit));
    for (const std::string& m : models)
      t.columns.push_back(TableColumn::numbers(model_words(m), q, true, unit));
    std::vector<std::vector<double>> means(models.size(), std::vector<double>(C));
    for (std::size_t c = 0; c < C; ++c) {
      std::vector<TableCell> row{TableCell::words(channel_words(channels[c], def)),
                                 TableCell::words(channels[c])};
      if (truth_table) row.push_back(estimate(by_value ? truth_value[c] : truth_conv[c]));
      for (std::size_t k = 0; k < models.size(); ++k) {
        means[k][c] = credit[k][c].mean;
        row.push_back(estimate(credit[k][c]));
      }
      t.rows.push_back(std::move(row));
    }
    for (std::size_t k = 0; k < models.size(); ++k)
      errors.rows[k].push_back(TableCell::number(
          truth_table ? share_error(means[k], by_value ? truth_value_mean : truth_conv_mean)
                      : TableCell::kNaN));
    t.notes.push_back(
        fmt::format("mean ± half-width of the 95% confidence interval over {} replicate{}",
                    reps.size(), reps.size() == 1 ? " (one: no interval)" : "s"));
    tables.push_back(std::move(t));
  }
  if (truth_table) {
    errors.notes = {
        fmt::format("truth: incremental purchases and revenue (baseline minus the world without "
                    "the channel, {}).",
                    truth_source),
        "share error: half the sum over channels of |model's share of credit - truth's share of "
        "incremental| (negative truths count as 0)."};
    tables.push_back(std::move(errors));
  }
  if (files.print_tables()) {
    for (const Table& t : tables) {
      print_table(stdout, t, money);
      fmt::print("\n");
    }
  }
  if (!truth_table) {
    fmt::print(out,
               "no ground truth in this file: add --truth to re-run the counterfactuals, or write "
               "the file with\ncjsim value -o FILE --touch-paths\n");
  }
  fmt::print(out,
             "time decay half-life {} days; position-based 40/20/40; Markov, order k: removal "
             "effect of a k-order chain.\n",
             ao.half_life_days);
  files.write(tables, table_source(meta, input, command_line), money);
  return 0;
}

}  // namespace cjsim::cli
