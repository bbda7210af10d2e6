#!/usr/bin/python3
"""Every KPI of a run recomputed from its HDF5 file alone, outside the engine (ctest kpi.from_file).

    check_kpis.py CJSIM WORK_DIR

Runs each shipped scenario small (2 replicates, every variant), opens the file with h5py and,
for every run, recomputes each KPI from the per-customer table and the daily series with the
formulas results/README.md and engine/README.md "KPIs" give, written here in NumPy (Kaplan-Meier
included), then compares with the run's `kpis` table (relative 1e-9: float32 revenues summed in
another order). A KPI this script has no formula for fails the test: a new or renamed KPI gets
its independent formula here (and its hand-worked case in tests/analysis/test_kpi.cpp).
"""
import math
import os
import subprocess
import sys

import h5py
import numpy as np

CJSIM, WORK = sys.argv[1:3]
SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCENARIOS = ["b2b_services", "car_dealership", "flower_delivery", "funnel_vs_loop", "hr_agency",
             "smartwatch"]


def names(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[()]]


def kaplan_meier(first, churn, days, k):
    """Survival k days after the first purchase, churn censored at the horizon; NaN when nobody
    was followed that long."""
    acquired = first >= 0
    t = np.where(churn[acquired] >= 0, churn[acquired] - first[acquired], days - 1 - first[acquired])
    event = churn[acquired] >= 0
    if len(t) == 0 or t.max() < k:
        return math.nan
    s = 1.0
    for time in np.unique(t[event]):
        if time > k:
            break
        at_risk = np.count_nonzero(t >= time)
        s *= 1 - np.count_nonzero((t == time) & event) / at_risk
    return s


def ratio(a, b):
    return a / b if b != 0 else math.nan


def expected_kpis(run):
    stages = names(run["stage"])
    roles = [r.decode() if isinstance(r, bytes) else r for r in run["stage"].attrs["role"]]
    advocate = list(run["stage"].attrs["advocate"])
    segments = names(run["segment"])
    channels = names(run["channel"])
    sources = names(run["source"])
    c = run["customers"][()]
    counts = run["stage_counts"][()]
    days = counts.shape[0] - 1
    spend_by_channel = run["channel_spend"][()].sum(axis=0)
    spend = float(spend_by_channel.sum())
    revenue = float(run["revenue"][()].sum())
    margin = float(run["margin"][()].sum())
    new = float(run["first_purchases"][()].sum())
    purchases = float(run["purchases"][()].sum())
    first = c["first_purchase_day"].astype(np.int64)
    churn = c["churn_day"].astype(np.int64)
    acquired = first >= 0
    k = {}
    leads = [float(np.count_nonzero((c["stages_reached"] >> s) & 1)) for s in range(len(stages))]
    for s, name in enumerate(stages):
        k[f"leads.{name}"] = leads[s]
    for s in range(1, len(stages)):
        k[f"conversion.{stages[s]}"] = ratio(leads[s], leads[s - 1])
        if roles[s] == "purchase":
            break
    k["new_customers"] = new
    k["cac"] = ratio(spend, new)
    k["revenue"] = revenue
    k["margin"] = margin
    k["purchases"] = purchases
    k["ltv"] = ratio(float(c["revenue"][acquired].astype(np.float64).sum()), new)
    k["repeat_rate"] = ratio(float(np.count_nonzero(acquired & (c["purchases"] >= 2))), new)
    for d in (30, 90, 365):
        k[f"retention.{d}"] = kaplan_meier(first, churn, days, d) if d <= days else math.nan
    k["advocates"] = float(sum(counts[-1, s, :].sum() for s in range(len(stages)) if advocate[s]))
    referral = sources.index("referral")
    k["referral_share"] = ratio(float(np.count_nonzero(acquired & (c["source"] == referral))), new)
    k["profit"] = margin - spend
    k["romi"] = ratio(margin - spend, spend)
    k["spend"] = spend
    for ch, name in enumerate(channels):
        k[f"spend.{name}"] = float(spend_by_channel[ch])
    k["back_steps"] = float(c["back_steps"].astype(np.float64).sum()) / len(c)
    for g, name in enumerate(segments):
        mine = acquired & (c["segment"] == g)
        k[f"days_to_first_purchase.{name}"] = \
            float((first[mine] + 1).mean()) if np.any(mine) else math.nan
    return k


def main():
    os.makedirs(WORK, exist_ok=True)
    failures = []
    checked = 0
    for scenario in SCENARIOS:
        out = os.path.join(WORK, f"{scenario}.h5")
        subprocess.run([CJSIM, "run", os.path.join(SOURCE, "scenarios", f"{scenario}.toml"), "-o", out,
                        "-q", "--threads", "2", "--replicates", "2",
                        "--set", "simulation.customers=3000"], check=True, stdout=subprocess.DEVNULL)
        with h5py.File(out, "r") as f:
            for variant in f["runs"]:
                for rep in (k for k in f[f"runs/{variant}"] if k.startswith("replicate_")):
                    run = f[f"runs/{variant}/{rep}"]
                    stored = {row["id"].decode(): float(row["value"]) for row in run["kpis"][()]}
                    want = expected_kpis(run)
                    where = f"{scenario}/{variant}/{rep}"
                    for kpi, value in stored.items():
                        if kpi not in want:
                            failures.append(f"{where}: KPI {kpi} has no independent formula in "
                                            f"tests/analysis/check_kpis.py: add one")
                            continue
                        w = want[kpi]
                        ok = (math.isnan(w) and math.isnan(value)) or \
                            (not math.isnan(w) and abs(value - w) <= 1e-9 * max(1.0, abs(w)))
                        checked += 1
                        if not ok:
                            failures.append(f"{where}: {kpi} = {value!r}, recomputed {w!r}")
                    for kpi in want:
                        if kpi not in stored:
                            failures.append(f"{where}: KPI {kpi} is missing from the file")
        os.remove(out)
    print(f"kpi.from_file: {checked} KPI values recomputed from {len(SCENARIOS)} scenarios' files")
    if failures:
        print(f"kpi.from_file: {len(failures)} failure(s)")
        for line in failures[:40]:
            print(" - " + line)
        return 1
    print("kpi.from_file: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
