#!/usr/bin/python3
"""The model's regression net (ctest reference.regression): every KPI of every shipped scenario,
run small, against the values recorded in regression.json.

The closed-form tests (tests/sim, tests/analysis) and the comparisons with docs/bench.md and the
independent per-day implementation (compare_bench.py) say the engine is right where an answer is
known. Most of what a scenario exercises at once (complaints, social graphs, salience,
satisfaction, service quality, flights, variants, every KPI on top) has no closed form; this
net says it has not changed. Two tiers:

  exact        every KPI mean equals the recorded one (same build inputs, same seed: the same
               bits on any thread count, docs/model.md "Randomness"). Any change to the model, a
               KPI or the random streams fails here and must be explained: rerun with
               --update --reason "what changed and why", which records the new values, the
               commit and the reason in regression.json (git shows the diff).
  statistical  each KPI mean against the recorded one with a Welch t-test on the replicates'
               spreads, family-wise false-alarm rate 1e-6 over all KPIs: tells a change of the
               model (fails here too) from a change of the random path only (passes here: on a
               CPU whose libm rounds differently, or after reordering draws). Each world prints
               the median relative difference its KPIs detect with probability 0.9.

Usage: regression.py CJSIM_EXE SOURCE_DIR WORK_DIR [--update --reason TEXT]
"""
import argparse
import datetime
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
RECORD = os.path.join(HERE, "regression.json")
CUSTOMERS = 5000
REPLICATES = 24
# Each shipped scenario with what it exercises beyond the bench world's mechanisms.
WORLDS = {
    "b2b_services": "twelve stages, small-world word of mouth, complaints",
    "bench": "the reference world (docs/bench.md), budgets scaled to 5,000 customers",
    "car_dealership": "small-world word of mouth, complaints, variants with lifts below 1",
    "flower_delivery": "flights, service quality, small-world word of mouth, complaints",
    "funnel_vs_loop": "funnel and loop worlds and plans (variants)",
    "hr_agency": "scale-free word of mouth, per-segment order values",
    "smartwatch": "a nonlinear story with a shop consultant, variants",
}
EXTRA = {"bench": [f"channels.{c}.budget={b * CUSTOMERS // 1_000_000}" for c, b in
                   (("social", 200_000), ("search", 150_000), ("content", 50_000),
                    ("sales_call", 100_000), ("email", 20_000), ("service", 50_000))]}


def text(x):
    return x.decode() if isinstance(x, bytes) else x


def run_world(exe, source, work, name):
    out = os.path.join(work, f"{name}.h5")
    cmd = [exe, "run", os.path.join(source, "scenarios", f"{name}.toml"), "-o", out, "-q",
           "--threads", "2", "--replicates", str(REPLICATES),
           "--set", f"simulation.customers={CUSTOMERS}"]
    for o in EXTRA.get(name, []):
        cmd += ["--set", o]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    variants = {}
    with h5py.File(out, "r") as f:
        for v in f["runs"]:
            table = f[f"runs/{v}/kpi_summary"][()]
            variants[v] = {text(row["id"]): [float(row["mean"]), float(row["sd"])] for row in table}
    os.remove(out)
    command = ["cjsim", "run", f"scenarios/{name}.toml", "--replicates", str(REPLICATES),
               "--set", f"simulation.customers={CUSTOMERS}"] + \
              [x for o in EXTRA.get(name, []) for x in ("--set", o)]
    return {"what": WORLDS[name], "command": " ".join(command), "variants": variants}


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def check(now, recorded):
    """Returns the list of failures (exact and statistical) and prints each world's power."""
    failures = []
    rows = []  # (world, variant, kpi, now mean, now sd, recorded mean, recorded sd)
    for world, rec in recorded["worlds"].items():
        if world not in now:
            failures.append(f"{world}: recorded but not run")
            continue
        for variant, kpis in rec["variants"].items():
            got = now[world]["variants"].get(variant)
            if got is None:
                failures.append(f"{world}/{variant}: the variant is gone")
                continue
            for kpi in sorted(set(kpis) | set(got)):
                if kpi not in got:
                    failures.append(f"{world}/{variant}: KPI {kpi} is gone")
                elif kpi not in kpis:
                    failures.append(f"{world}/{variant}: KPI {kpi} is new (record it with --update)")
                else:
                    rows.append((world, variant, kpi, *got[kpi], *kpis[kpi]))
        for variant in now[world]["variants"]:
            if variant not in rec["variants"]:
                failures.append(f"{world}/{variant}: a new variant (record it with --update)")
    exact = [r for r in rows if not same(r[3], r[5])]
    for r in exact:
        failures.append(f"exact: {r[0]}/{r[1]} {r[2]}: {r[3]!r}, recorded {r[5]!r}")
    testable = [r for r in rows if r[4] > 0 and r[6] > 0 and not math.isnan(r[3] + r[5])]
    alpha = 1e-6 / max(len(testable), 1)
    df = 2 * REPLICATES - 2
    crit = stats.t.isf(alpha / 2, df)
    power = stats.t.ppf(0.9, df)
    detect = {}
    for world, variant, kpi, m, s, mr, sr in testable:
        se = math.sqrt((s * s + sr * sr) / REPLICATES)
        if abs(m - mr) > crit * se:
            failures.append(f"statistical: {world}/{variant} {kpi}: {m:.6g} against {mr:.6g} "
                            f"(+- {se:.3g}, {abs(m - mr) / se:.1f} se; limit {crit:.1f})")
        if mr != 0:
            detect.setdefault(world, []).append((crit + power) * se / abs(mr))
    for world, d in sorted(detect.items()):
        print(f"{world:16s} {len(d):4d} KPIs with a spread; median detectable difference "
              f"{np.median(d):.1%}, 90% of them below {np.percentile(d, 90):.1%}")
    print(f"{len(rows)} KPI means compared exactly, {len(testable)} statistically "
          f"(each at {alpha:.2g}, Student t on {df} df: {crit:.2f} standard errors)")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exe")
    ap.add_argument("source")
    ap.add_argument("work")
    ap.add_argument("--update", action="store_true", help="record the values of this build")
    ap.add_argument("--reason", default="", help="with --update: what changed and why")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    now = {name: run_world(a.exe, a.source, a.work, name) for name in sorted(WORLDS)}
    if a.update:
        if not a.reason:
            print("regression: --update needs --reason \"what changed and why\"")
            return 1
        history = []
        if os.path.exists(RECORD):
            with open(RECORD, encoding="utf-8") as f:
                history = json.load(f).get("history", [])
        commit = subprocess.run(["git", "-C", a.source, "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        history.append({"date": datetime.date.today().isoformat(), "commit": commit,
                        "reason": a.reason})
        record = {"about": "tests/reference/regression.py: every KPI of the shipped scenarios at "
                           f"{CUSTOMERS} customers, {REPLICATES} replicates (mean, sd)",
                  "customers": CUSTOMERS, "replicates": REPLICATES, "history": history,
                  "worlds": now}
        with open(RECORD, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"regression: recorded {sum(len(w['variants']) for w in now.values())} variants "
              f"in {RECORD}")
        return 0
    with open(RECORD, encoding="utf-8") as f:
        recorded = json.load(f)
    failures = check(now, recorded)
    if failures:
        print(f"regression: {len(failures)} differences from {os.path.relpath(RECORD, a.source)}:")
        for line in failures[:60]:
            print("  " + line)
        print("If the model, a KPI or the random streams changed on purpose, record the new values "
              "with\n  tests/reference/regression.py build/release/cjsim . build/release/tests/"
              "regression --update --reason \"what changed and why\"\nand say so in the commit.")
        return 1
    print("regression: every KPI as recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
