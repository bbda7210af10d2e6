#!/usr/bin/python3
"""cjsim value, attribute, export and optimize end to end (issue 6).

    check_value.py CJSIM WORK_DIR CASE

Each CASE is one ctest (tests/value.cmake registers them as value.<case>). Small worlds, few
replicates: this checks the commands, their files and their messages; the Catch2 tests of
tests/analysis/ (test_attribution, test_channel_value, test_optimize) check the numbers against
closed forms.
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks, Cjsim, run_case  # noqa: E402

CJSIM, WORK, CASE = sys.argv[1:4]
os.makedirs(WORK, exist_ok=True)

# A journey with display (top), search (bottom) and service (after the purchase), loops back to
# a repeat purchase: paths with several touches, repeat purchases and null paths.
WORLD = """\
[simulation]
name      = "value_world"
customers = 2_000
days      = 60
seed      = 7

[segments]
fast = { share = 0.5, tempo = 1.5 }
slow = { share = 0.5, tempo = 0.7 }

[stages]
unaware = { role = "unaware", start = 1.0 }
aware   = { role = "journey" }
buy     = { role = "purchase" }
owner   = { role = "retention" }

[edges]
"unaware -> aware" = { rate = 0.02, forward = true, salience = true }
"aware -> buy"     = { rate = 0.03, forward = true }
"aware -> unaware" = { rate = 0.02 }
"buy -> owner"     = { rate = 1.0 }
"owner -> buy"     = { rate = 0.01 }

[channels.display]
cost    = 0.05
budget  = 1_500
reaches = ["unaware", "aware"]
lift    = { "unaware -> aware" = 2.0 }

[channels.search]
cost    = 0.5
budget  = 2_000
reaches = ["aware"]
lift    = { "aware -> buy" = 2.0 }

[channels.service]
cost    = 0.2
budget  = 600
reaches = ["owner"]
lift    = { "owner -> buy" = 2.0 }
"""

checks = Checks()
check = checks.check
program = Cjsim(CJSIM, WORK, checks, timeout=600)
cjsim = program.run


def world():
    path = os.path.join(WORK, "world.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(WORLD)
    return path


def expect_bad_input(args, pattern, fix=None):
    program.expect(args, 1, [pattern], fix=fix)


def expect_output_refused(args, pattern):
    program.expect(args, 2, [pattern])


def value_file():
    """cjsim value -o with touch paths (shared by the cases that need a file)."""
    out = os.path.join(WORK, "value.h5")
    # A file from an earlier build would test that build's output: written again when the
    # binary is newer (cases of one ctest run share it).
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(CJSIM):
        rc, text, err = cjsim("value", world(), "--replicates", "3", "--threads", "2", "--quiet",
                              "-o", out, "--touch-paths", "--csv", os.path.join(WORK, "value.csv"))
        check(rc == 0, f"value: exit {rc}\n{err}")
    return out


# ---- cases ----------------------------------------------------------------------------------


def case_value():
    out = value_file()
    check(os.path.exists(out), "value -o wrote no file")
    rc, text, err = cjsim("value", world(), "--replicates", "3", "--threads", "1", "--quiet")
    check(rc == 0, f"value: exit {rc}\n{err}")
    for heading in ("Incremental new customers", "ROAS", "Marginal ROAS", "by segment", "Fast", "Slow"):
        check(heading in text, f"value table lacks '{heading}':\n{text}")
    for channel in ("Display", "Search", "Service"):
        check(re.search(rf"^{channel} ", text, re.M), f"no row for {channel}:\n{text}")
    import h5py
    import openpyxl
    import pandas as pd
    table = pd.read_csv(os.path.join(WORK, "value.csv"), float_precision="round_trip")
    check(list(table.columns[:4]) == ["Channel", "Channel id", "Spend (currency units)",
                                      "Spend 95% CI low (currency units)"],
          f"value.csv columns: {list(table.columns)}")
    segments = pd.read_csv(os.path.join(WORK, "value-by_segment.csv"))
    check(list(segments.columns[2:4]) == ["Fast (customers)", "Fast 95% CI low (customers)"],
          f"value-by_segment.csv columns: {list(segments.columns)}")
    every = pd.read_csv(os.path.join(WORK, "value-all_measures.csv"), float_precision="round_trip")
    check(list(every.columns) == ["channel", "counterfactual", "measure", "segment", "stage", "unit",
                                  "mean", "mean 95% CI low", "mean 95% CI high", "sd", "replicates"],
          f"value-all_measures.csv columns: {list(every.columns)}")
    leads = every[every.measure == "incremental.leads"]
    check(len(leads) == 3 * 4 * 2, f"expected leads per channel x stage x segment, got {len(leads)}")
    # Every digit of the HDF5 file's channel value table.
    with h5py.File(value_file(), "r") as f:
        (variant,) = [v for v in f["runs"] if "channel_value" in f["runs"][v]]
        stored = f["runs"][variant]["channel_value"][()]
    fields = ("channel", "counterfactual", "measure", "segment", "stage")
    text_of = lambda x: x.decode() if isinstance(x, bytes) else str(x)  # noqa: E731
    want = {tuple(text_of(r[c]) for c in fields): float(r["mean"]) for r in stored}
    mismatches, seen = 0, 0
    for _, row in every.iterrows():
        key = tuple("" if pd.isna(row[c]) else str(row[c]) for c in fields)
        a, b = row["mean"], want.get(key, float("inf"))
        seen += key in want
        mismatches += not ((pd.isna(a) and b != b) or a == b)
    check(seen == len(want) == len(every) and mismatches == 0,
          f"value-all_measures.csv holds the HDF5 table's every digit ({seen} of {len(want)} rows "
          f"found, {mismatches} differ)")
    main = table.set_index("Channel id")
    for channel in ("display", "search", "service"):
        r = every[(every.channel == channel) & (every.measure == "incremental.revenue") & every.segment.isna()
                  & every.stage.isna()]
        check(len(r) == 1 and main.loc[channel, "Incremental revenue (currency units)"] == r["mean"].iloc[0],
              f"{channel}: the main table's incremental revenue is the measure's")
    # The workbook: a sheet per table, numbers as numbers.
    xlsx = os.path.join(WORK, "value.xlsx")
    rc, _, err = cjsim("value", world(), "--replicates", "3", "--threads", "2", "--quiet", "--xlsx", xlsx)
    check(rc == 0, f"value --xlsx: exit {rc}\n{err}")
    book = openpyxl.load_workbook(xlsx)
    check(book.sheetnames == ["Channel value", "By segment", "all_measures", "About"], f"sheets: {book.sheetnames}")
    sheet = book["Channel value"]
    numbers = [c.value for row in sheet.iter_rows(min_row=4) for c in row[2:] if c.value is not None]
    check(numbers and all(isinstance(v, (int, float)) for v in numbers), "the value sheet holds numbers")
    # The thread count changes nothing: the CSV of a one-thread run is the same table.
    rc, _, err = cjsim("value", world(), "--replicates", "3", "--threads", "1", "--quiet",
                       "--csv", os.path.join(WORK, "value_1thread.csv"))
    for suffix in ("", "-by_segment", "-all_measures"):
        with open(os.path.join(WORK, f"value{suffix}.csv")) as a, \
                open(os.path.join(WORK, f"value_1thread{suffix}.csv")) as b:
            check(a.read() == b.read(), f"value{suffix}.csv differs between 2 threads and 1 thread")


def case_attribute():
    out = value_file()
    rc, text, err = cjsim("attribute", out, "--markov-order", "2")
    check(rc == 0, f"attribute: exit {rc}\n{err}")
    for word in ("Truth", "Last touch", "First touch", "Linear", "Time decay", "Position-based",
                 "Markov, order 1", "Markov, order 2", "Share error", "stored in the file by cjsim value"):
        check(word in text, f"attribute lacks '{word}':\n{text}")
    # A plain run with touch paths, and the truth re-run from the stored scenario.
    run_h5 = os.path.join(WORK, "run.h5")
    rc, _, err = cjsim("run", world(), "--touch-paths", "--replicates", "2", "--quiet",
                       "--set", "simulation.customers=1500", "-o", run_h5)
    check(rc == 0, f"run --touch-paths: exit {rc}\n{err}")
    rc, text, err = cjsim("attribute", run_h5)
    check(rc == 0 and "no ground truth in this file" in text, f"attribute without truth:\n{text}{err}")
    rc, text, err = cjsim("attribute", run_h5, "--truth", "--quiet", "--csv", os.path.join(WORK, "credit.csv"))
    check(rc == 0 and "re-run: the stored scenario" in text, f"attribute --truth: exit {rc}\n{text}{err}")
    import pandas as pd
    credit = pd.read_csv(os.path.join(WORK, "credit.csv"))
    check({"Channel id", "Truth (purchases)", "Last touch (purchases)", "Markov, order 1 (purchases)"}
          <= set(credit.columns), f"credit.csv columns: {list(credit.columns)}")
    check(sorted(credit["Channel id"]) == ["display", "search", "service"], "a row per channel")
    value = pd.read_csv(os.path.join(WORK, "credit-value.csv"))
    check("Truth (currency units)" in value.columns, f"credit-value.csv columns: {list(value.columns)}")
    errors = pd.read_csv(os.path.join(WORK, "credit-model_error.csv"))
    check(list(errors.columns) == ["Model", "Model id", "Conversions (share)", "Value (revenue) (share)"]
          and errors["Conversions (share)"].between(0, 1).all(), f"credit-model_error.csv: {errors}")


def case_attribute_bad_input():
    plain = os.path.join(WORK, "plain.h5")
    rc, _, err = cjsim("run", world(), "--quiet", "--replicates", "1", "-o", plain)
    check(rc == 0, f"run: exit {rc}\n{err}")
    expect_bad_input(["attribute", plain], r"the run was written without touch paths",
                     fix=r"--touch-paths")
    expect_bad_input(["attribute", plain, "--half-life", "0"], r"^--half-life: half-life: must be > 0")
    expect_bad_input(["attribute", plain, "--markov-order", "9"], r"markov-order: must be 1 to 4")
    expect_bad_input(["attribute", plain, "--variant", "nope"], r"no variant named 'nope'")
    expect_bad_input(["attribute", os.path.join(WORK, "missing.h5")], r"cannot open the file")


def case_export():
    out = value_file()
    paths_csv, weekly_csv = os.path.join(WORK, "paths.csv"), os.path.join(WORK, "weekly.csv")
    rc, text, err = cjsim("export", out, "--paths", paths_csv, "--weekly", weekly_csv,
                          "--start-date", "2025-03-03")
    check(rc == 0, f"export: exit {rc}\n{err}")
    import h5py
    import pandas as pd
    paths = pd.read_csv(paths_csv)
    weekly = pd.read_csv(weekly_csv, parse_dates=["date"])
    check(list(paths.columns) == ["path", "total_conversions", "total_conversion_value", "total_null"],
          f"paths.csv columns: {list(paths.columns)}")
    check(paths.path.is_unique, "paths.csv repeats a path")
    check(paths.path.str.fullmatch(r"(display|search|service)( > (display|search|service))*").all(),
          "a path is not 'a > b > c' of channel names")
    organic = float(re.search(r"left out: ([0-9.]+) organic", text).group(1))
    with h5py.File(out, "r") as f:
        run = f["runs/base/replicate_0"]
        purchases = run["purchases"][:].sum()
        revenue = run["revenue"][:].sum()
        spend = run["channel_spend"][:].sum(axis=0)
        exposed = run["channel_exposed"][:].sum(axis=0)
        channels = list(run["channel"].asstr()[:])
        events = run["touch_paths/event"][:]
        offsets = run["touch_paths/offsets"][:]
        days = run["day"].shape[0]
    check(abs(paths.total_conversions.sum() + organic - purchases) < 1e-6,
          f"paths: {paths.total_conversions.sum()} conversions + {organic} organic != {purchases} purchases")
    check((events == 255).sum() == purchases and offsets[-1] == len(events), "touch_paths group")
    check(len(weekly) == (days + 6) // 7, f"weekly rows {len(weekly)} for {days} days")
    check(weekly.date[0] == pd.Timestamp("2025-03-03") and weekly.date[1] == pd.Timestamp("2025-03-10"),
          f"weekly dates: {list(weekly.date[:2])}")
    check(weekly.days.sum() == days, "weekly days do not add up to the horizon")
    check(abs(weekly.revenue.sum() - revenue) < 1e-6 * max(1.0, revenue), "weekly revenue != file revenue")
    for c, name in enumerate(channels):
        check(abs(weekly[f"spend.{name}"].sum() - spend[c]) < 1e-6 * max(1.0, spend[c]), f"spend.{name}")
        check(weekly[f"exposures.{name}"].sum() == exposed[c], f"exposures.{name}")
    # Outcomes, entries and stocks: the file's daily series summed by week (stocks: the last day's).
    with h5py.File(out, "r") as f:
        run = f["runs/base/replicate_0"]
        first = run["first_purchases"][:].sum(axis=1)
        bought = run["purchases"][:].sum(axis=1)
        entered = run["entered"][:]
        counts = run["stage_counts"][:].sum(axis=2)
        stages = [s.decode() if isinstance(s, bytes) else s for s in run["stage"][:]]
    check((weekly.repeat_purchases == weekly.purchases - weekly.new_customers).all(), "repeat_purchases")
    for w in range(len(weekly)):
        a, b = 7 * w, min(days, 7 * w + 7)
        check(weekly.new_customers[w] == first[a:b].sum(), f"new_customers of week {w}")
        for s, name in enumerate(stages):
            check(weekly[f"entered.{name}"][w] == entered[a:b, s].sum(), f"entered.{name} of week {w}")
            check(weekly[f"stock.{name}"][w] == counts[b, s], f"stock.{name} of week {w}")
    expect_bad_input(["export", out], r"nothing to export", fix=r"--paths")
    expect_bad_input(["export", out, "--weekly", "w.csv", "--start-date", "2025-13-40"],
                     r"^--start-date: start-date: expected a date YYYY-MM-DD")
    expect_bad_input(["export", out, "--weekly", "w.csv", "--replicate", "7"], r"no replicate 7")
    check(not os.path.exists(os.path.join(WORK, "w.csv")), "export wrote a file despite bad input")


# Two segments of 100,000, each reached only by its own channel, for one day
# (tests/analysis/test_optimize.cpp, KinkWorld): a contact of channel a converts with probability
# 0.9, one of b with 0.45, both cost 1, and a reaches everyone in its segment at a budget of
# 100,000. With a total of 150,000 the best split is a = 100,000, b = 50,000, and every unit moved
# away from it costs 0.45 customers.
KNOWN = """\
[simulation]
customers = 200_000
days      = 1

[segments]
A = { share = 0.5 }
B = { share = 0.5 }

[stages]
unaware = { role = "unaware", start = 1.0 }
bought  = { role = "purchase" }

[edges]
"unaware -> bought" = { rate = 0.0001 }

[channels.a]
cost     = 1.0
budget   = 30_000
reaches  = ["unaware"]
segments = ["A"]
lift     = { "unaware -> bought" = 23025.850929940458 }   # 1 - exp(-0.0001 x lift) = 0.9
salience = 0

[channels.b]
cost     = 1.0
budget   = 120_000
reaches  = ["unaware"]
segments = ["B"]
lift     = { "unaware -> bought" = 5978.370007556204 }    # = 0.45
salience = 0
"""


def case_optimize():
    path = os.path.join(WORK, "known.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(KNOWN)
    import openpyxl
    import pandas as pd
    csv, xlsx = os.path.join(WORK, "split.csv"), os.path.join(WORK, "split.xlsx")
    replicates = 3
    rc, text, err = cjsim("optimize", path, "--total", "150000", "--objective", "new_customers",
                          "--replicates", str(replicates), "--threads", "2", "--quiet",
                          "--csv", csv, "--xlsx", xlsx)
    check(rc == 0, f"optimize: exit {rc}\n{err}")
    plan = pd.read_csv(csv).set_index("Unit id")
    a = plan.loc["a", "Optimum (currency units)"]
    # How far the search may stop from 100,000 (test_optimize.cpp derives it): the noise of
    # comparing two allocations' means over R runs of 200,000 Bernoulli customers is at most
    # sqrt(200,000 / R); with z at 1e-6 over at most 200 evaluations, the search stops within
    # z x that / 0.45 customers per unit, plus its last step (0.5% of the total). About 4%:
    # an answer 10% off fails.
    from statistics import NormalDist
    z = NormalDist().inv_cdf(1 - 1e-6 / 200)
    tolerance = z * (200_000 / replicates) ** 0.5 / 0.45 + 0.005 * 150_000
    check(tolerance < 0.06 * 100_000, f"tolerance {tolerance} too wide to detect 10%")
    check(abs(a - 100_000) < tolerance,
          f"optimize gave a = {a}, the optimum is 100,000 (tolerance {tolerance:.0f}):\n{text}")
    check(abs(plan["Optimum (currency units)"].sum() - 150000) < 1e-6, "the allocation spends the total")
    for word in ("New customers of the allocations", "Response curves", "Marginal new customers per"):
        check(word in text, f"optimize output lacks '{word}':\n{text}")
    curves = pd.read_csv(os.path.join(WORK, "split-response_curves.csv"))
    check("Change 1 (customers)" in curves.columns, f"curve columns: {list(curves.columns)}")
    book = openpyxl.load_workbook(xlsx)
    check(book.sheetnames == ["Allocation", "Objective", "Response curves", "About"], f"sheets: {book.sheetnames}")
    rc, text, err = cjsim("optimize", path, "--total", "150000", "--replicates", "2", "--quiet",
                          "--max", "a=5000", "--min", "b=2000", "--tolerance", "0.05", "--csv", csv)
    plan = pd.read_csv(csv).set_index("Unit id")
    check(rc == 0 and abs(plan.loc["a", "Optimum (currency units)"] - 5000) < 1e-6
          and plan.loc["a", "Max (currency units)"] == 5000 and plan.loc["b", "Min (currency units)"] == 2000,
          f"--max a=5000 not respected:\n{text}{err}")


def case_optimize_bad_input():
    path = os.path.join(WORK, "known.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(KNOWN)
    expect_bad_input(["optimize", path, "--total", "20000", "--min", "serch=10"],
                     r"^--min: min: there is no channel 'serch'", fix=r"choose one of: a, b")
    expect_bad_input(["optimize", path, "--total", "20000", "--min", "a=15000", "--min", "b=15000"],
                     r"^--min: min: the minimums add up to 30000, more than the total 20000")
    expect_bad_input(["optimize", path, "--total", "20000", "--max", "a=5000", "--max", "b=5000"],
                     r"^--max: max: the maximums add up to 10000, less than the total 20000")
    expect_bad_input(["optimize", path, "--total", "20000", "--objective", "happiness"],
                     r"^--objective: objective: unknown objective 'happiness'",
                     fix=r"profit, revenue, new_customers, ltv")
    expect_bad_input(["optimize", path, "--total", "20000", "--min", "a"], r"expected CHANNEL=AMOUNT")
    expect_bad_input(["optimize", path, "--total", "20000", "--flights", "months"], r"unknown flights")
    expect_bad_input(["optimize", path, "--total", "0"], r"the total must be a positive amount")
    expect_bad_input(["value", path, "--replicates", "1"], r"replicates: must be 2 to 10000")
    expect_bad_input(["value", path, "--touch-paths"], r"no .*--output|none was given", fix=r"-o FILE")
    # An output cjsim cannot write is refused before any work, exit 2 (tools/cli/common/output_path.hpp).
    expect_output_refused(["optimize", path, "--total", "20000", "--xlsx", "-"], r"--xlsx.*standard output")
    expect_output_refused(["value", path, "--csv", WORK], r"--csv.*it exists and is a folder")
    expect_output_refused(["attribute", os.path.join(WORK, "missing.h5"), "--xlsx",
                           os.path.join(WORK, "nope", "c.xlsx")], r"--xlsx.*does not exist")


run_case("value", CASE, checks)
