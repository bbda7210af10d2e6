#!/usr/bin/python3
"""Checks the engine on the bench world (docs/bench.md) against two references (ctest reference.*).

published     The reference statistics docs/bench.md publishes, read from the page itself:
              the full world (every channel and word of mouth on; final-day shares, purchases,
              first purchases, revenue and total spend, each a mean over 32 seeds with the sd of
              one run) and the world without channels and word of mouth (four shares, to 0.1
              percentage point). The engine runs the same world (N = 100,000, 365 days) R times.
per-day-path  The engine (exponential clocks, block-split exposures) against the independent plain
              per-day NumPy implementation (bench_reference.py) on the full world at N = 25,000
              with the budgets scaled to keep docs/bench.md's exposures per customer: R_e engine
              runs against R_r NumPy runs, compared on the final-day shares, the shares averaged
              over the last 30 days and over the whole horizon, purchases, first purchases,
              revenue and the spend of every channel.

Every statistic is a two-sided Welch t-test (a published figure: its 32 seeds and sd, less half a
unit of its last printed digit, which the rounding may hide). The false-alarm rate of a whole check
is 1e-6 (Bonferroni over its statistics). Each statistic prints the smallest difference the test
detects with probability 0.9, (t_{1-a/2} + t_{0.9}) x the standard error of the difference (plus
the rounding), relative to the reference value. Statistics marked as covered must detect the
--target relative difference (10% in CI, 2% in the `power` label's runs): when the observed spreads
make the design too weak for that, the check fails as "underpowered" rather than passing quietly.

What cannot reach 2%, and why (the reason the published check is not a 2% check): a published mean
over 32 seeds carries its own standard error, sd/sqrt(32), which no number of engine runs removes;
for the 0.55% purchase share that alone is 0.0035 points, and 6.8 of them are 4.3% of the share.
Final-day shares of small stages are the same in the per-day comparison (one run at N = 25,000
spreads the purchase share by 9%); the shares averaged over the last 30 days measure the same end of
the horizon with 30 days of draws instead of one, and those meet 2%.

Usage: compare_bench.py CJSIM_EXE SOURCE_DIR WORK_DIR {published|per-day-path}
                        [--runs R] [--reference-runs R_r] [--target FRACTION]
"""
import argparse
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys

import h5py
import numpy as np
from scipy import stats

STAGES = ["unaware", "aware", "consideration", "purchase", "experience", "loyal", "advocate", "lost"]
BUDGETS = {"social": 200_000, "search": 150_000, "content": 50_000, "sales_call": 100_000,
           "email": 20_000, "service": 50_000}
FAMILY_ALPHA = 1e-6
POWER = 0.9
LATE_DAYS = 30


# ---- statistics -----------------------------------------------------------------------------

class Verdicts:
    """Welch tests of one check, Bonferroni over all of them, with the detectable difference."""

    def __init__(self, target):
        self.rows = []
        self.target = target

    def add(self, name, engine, reference, covered=True, rounding=0.0):
        """engine, reference: (mean, sd, n). `covered`: must detect the target difference."""
        self.rows.append((name, engine, reference, covered, rounding))

    def judge(self):
        alpha = FAMILY_ALPHA / len(self.rows)
        ok = True
        print(f"{len(self.rows)} statistics, family-wise false-alarm rate {FAMILY_ALPHA:g} "
              f"(each at {alpha:.2g}); 'detects' = the relative difference found with "
              f"probability {POWER}; target {self.target:.0%} on the rows marked *")
        print(f"{'statistic':28s} {'engine':>14s} {'reference':>14s} {'diff':>8s} {'p':>9s} "
              f"{'detects':>8s}")
        for name, (me, se_, ne), (mr, sr, nr), covered, rounding in self.rows:
            scale = abs(mr) if mr != 0 else 1.0
            var = se_**2 / ne + sr**2 / nr
            if var <= (1e-12 * scale) ** 2:
                # Both sides constant (a channel that always spends its whole budget): exact.
                p = 1.0 if abs(me - mr) <= 1e-9 * scale + rounding else 0.0
                detect = rounding
            else:
                se = math.sqrt(var)
                df = var**2 / ((se_**2 / ne) ** 2 / max(ne - 1, 1) + (sr**2 / nr) ** 2 / max(nr - 1, 1))
                gap = max(abs(me - mr) - rounding, 0.0)
                p = 2 * stats.t.sf(gap / se, df)
                detect = (stats.t.isf(alpha / 2, df) + stats.t.ppf(POWER, df)) * se + rounding
            rel = detect / scale
            flag = "*" if covered else " "
            passed = p > alpha
            powered = (not covered) or rel <= self.target
            verdict = "" if passed and powered else ("  MISMATCH" if not passed else "  UNDERPOWERED")
            print(f"{flag}{name:27s} {me:14.6g} {mr:14.6g} {(me - mr) / scale:+8.2%} {p:9.2g} "
                  f"{rel:8.2%}{verdict}")
            ok &= passed and powered
        return ok


def mean_sd(values):
    a = np.asarray(values, dtype=float)
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0, len(a)


# ---- the engine -----------------------------------------------------------------------------

def engine_runs(exe, source, work, customers, runs, overrides, name):
    """Per run: final, late (last 30 days) and horizon shares, and the money totals."""
    out = os.path.join(work, f"{name}.h5")
    cmd = [exe, "run", os.path.join(source, "scenarios/bench.toml"), "-o", out, "-q",
           "--no-customers", "--threads", "2", "--replicates", str(runs),
           "--set", f"simulation.customers={customers}"]
    for o in overrides:
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    rows = []
    with h5py.File(out, "r") as f:
        for r in range(runs):
            g = f[f"runs/base/replicate_{r}"]
            names = [n.decode() if isinstance(n, bytes) else n for n in g["stage"][:]]
            assert names == STAGES, names
            channels = [n.decode() if isinstance(n, bytes) else n for n in g["channel"][:]]
            counts = g["stage_counts"][:].sum(axis=2).astype(float) / customers
            days = counts.shape[0] - 1
            spend = g["channel_spend"][:].sum(axis=0)
            rows.append({
                "shares": dict(zip(STAGES, counts[-1])),
                "late_shares": dict(zip(STAGES, counts[days - LATE_DAYS + 1:].mean(axis=0))),
                "mean_shares": dict(zip(STAGES, counts[1:].mean(axis=0))),
                "purchases": float(g["purchases"][:].sum()),
                "first_purchases": float(g["first_purchases"][:].sum()),
                "revenue": float(g["revenue"][:].sum()),
                "spend": dict(zip(channels, spend.tolist())),
            })
    os.remove(out)
    return rows


# ---- published ------------------------------------------------------------------------------

def published_figures(source):
    """docs/bench.md's two tables: {name: (mean, sd, rounding half-unit)} and {stage: (share, half)}."""
    text = open(os.path.join(source, "docs/bench.md"), encoding="utf-8").read()
    section = text[text.index("## Reference statistics"):]
    seeds = int(re.search(r"means over (\d+) seeds", section).group(1))
    full = {}
    for label, value, sd in re.findall(r"^\| ([a-z ]+) \| ([0-9.,]+(?:%| million)?) \(([0-9.,]+)(?: million)?\) \|$",
                                       section, re.M):
        # "5.14% (0.07)" in percentage points, "12.107 million (0.029 million)", "242,136 (498)".
        unit = 1e6 if value.endswith(" million") else 0.01 if value.endswith("%") else 1.0
        digits = value.replace(" million", "").rstrip("%").replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        full[label] = (float(digits) * unit, float(sd.replace(",", "")) * unit,
                       0.5 * 10**-decimals * unit)
    without = {}
    line = re.search(r"\*\*The world without channels and word of mouth\*\*(.*?)\n\n", section, re.S).group(1)
    for stage, value in re.findall(r"([a-z]+) ([0-9.]+)%", line):
        decimals = len(value.split(".")[1])
        without[stage] = (float(value) / 100, 0.5 * 10**-decimals / 100)
    expected = set(STAGES) | {"purchases", "first purchases", "revenue", "total spend"}
    assert set(full) == expected, f"docs/bench.md's full-world table changed: {sorted(full)}"
    assert len(without) >= 4, f"docs/bench.md's no-channel figures changed: {without}"
    return seeds, full, without


def published(exe, source, work, args):
    seeds, full, without = published_figures(source)
    runs = args.runs or 32
    v = Verdicts(args.target)
    rows = engine_runs(exe, source, work, 100_000, runs, [], "published_full")
    for s in STAGES:
        mean, sd, half = full[s]
        v.add(f"full: {s}", mean_sd([r["shares"][s] for r in rows]), (mean, sd, seeds), rounding=half)
    for key, label in (("purchases", "purchases"), ("first_purchases", "first purchases"),
                       ("revenue", "revenue")):
        mean, sd, half = full[label]
        v.add(f"full: {label}", mean_sd([r[key] for r in rows]), (mean, sd, seeds), rounding=half)
    mean, sd, half = full["total spend"]
    v.add("full: total spend", mean_sd([sum(r["spend"].values()) for r in rows]), (mean, sd, seeds),
          rounding=half)
    # Without channels and word of mouth the page gives no sd: the figure is taken as exact but
    # for its rounding, and the engine's own spread over its runs makes the standard error.
    quiet = [f"channels.{c}.budget=0" for c in BUDGETS] + ["word_of_mouth.rate=0"]
    rows = engine_runs(exe, source, work, 100_000, runs, quiet, "published_quiet")
    for s, (share, half) in without.items():
        v.add(f"no channels: {s}", mean_sd([r["shares"][s] for r in rows]), (share, 0.0, 10**9),
              rounding=half)
    return v.judge()


# ---- per day --------------------------------------------------------------------------------

def reference_runs(source, customers, runs, scale, first_seed=1000):
    """bench_reference.py over seeds first_seed .. first_seed + runs - 1, on two processes."""
    script = os.path.join(source, "tests/reference/bench_reference.py")
    halves = [(first_seed, first_seed + runs // 2), (first_seed + runs // 2, first_seed + runs)]

    def run(seeds):
        if seeds[0] == seeds[1]:
            return []
        res = subprocess.run(["/usr/bin/python3", script, str(customers), "365", str(seeds[0]),
                              str(seeds[1]), "--budget-scale", str(scale), "--late", str(LATE_DAYS)],
                             check=True, capture_output=True, text=True)
        return [json.loads(line) for line in res.stdout.splitlines()]

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return [row for part in pool.map(run, halves) for row in part]


def per_day_path(exe, source, work, args):
    # docs/bench.md's world at N = 25,000: budgets x N / 100,000 keep its exposures per customer.
    n = 25_000
    scale = n / 100_000
    runs_r = args.reference_runs or 20
    runs_e = args.runs or 4 * runs_r  # engine runs are cheap: four per reference run
    engine = engine_runs(exe, source, work, n, runs_e,
                         [f"channels.{c}.budget={b * scale:g}" for c, b in BUDGETS.items()], "per_day")
    ref = reference_runs(source, n, runs_r, scale)
    assert len(ref) == runs_r, f"{len(ref)} reference runs, expected {runs_r}"
    v = Verdicts(args.target)
    for kind, label, covered in (("shares", "final", False), ("late_shares", "last 30 days", True),
                                 ("mean_shares", "horizon", True)):
        for s in STAGES:
            v.add(f"{label}: {s}", mean_sd([r[kind][s] for r in engine]),
                  mean_sd([r[kind][s] for r in ref]), covered=covered)
    for key in ("purchases", "first_purchases", "revenue"):
        v.add(key, mean_sd([r[key] for r in engine]), mean_sd([r[key] for r in ref]))
    for c in BUDGETS:
        v.add(f"spend: {c}", mean_sd([r["spend"][c] for r in engine]),
              mean_sd([r["spend"][c] for r in ref]))
    return v.judge()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exe")
    p.add_argument("source")
    p.add_argument("work")
    p.add_argument("check", choices=["published", "per-day-path"])
    p.add_argument("--runs", type=int, default=0, help="engine runs (published: 32; per day: 4 x R_r)")
    p.add_argument("--reference-runs", type=int, default=0, help="NumPy runs (per day: 20)")
    p.add_argument("--target", type=float, default=0.10,
                   help="relative difference every covered statistic must detect (default 0.10)")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ok = {"per-day-path": per_day_path, "published": published}[args.check](
        args.exe, args.source, args.work, args)
    print("OK" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
