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
import tomllib

import h5py
import numpy as np

CJSIM, WORK = sys.argv[1:3]
SOURCE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCENARIOS = ["b2b_services", "car_dealership", "flower_delivery", "funnel_vs_loop", "hr_agency",
             "smartwatch"]


def names(ds):
    return [x.decode() if isinstance(x, bytes) else x for x in ds[()]]


def kaplan_meier(first, churn, days, k):
    """Survival k days after the first purchase, churn censored at the horizon; past the last
    follow-up 0 when the curve reached 0 (everyone followed was lost), else NaN (unknown)."""
    acquired = first >= 0
    t = np.where(churn[acquired] >= 0, churn[acquired] - first[acquired], days - 1 - first[acquired])
    event = churn[acquired] >= 0
    if len(t) == 0:
        return math.nan
    s = 1.0
    for time in np.unique(t[event]):
        if time > k:
            break
        at_risk = np.count_nonzero(t >= time)
        s *= 1 - np.count_nonzero((t == time) & event) / at_risk
    if t.max() < k and s != 0.0:
        return math.nan
    return s


def reachable(stages, edges):
    """reach[a] = the stages a customer in stage a can get to along the declared edges."""
    index = {name: i for i, name in enumerate(stages)}
    reach = [set() for _ in stages]
    for e in edges:
        a, b = e.split(" -> ")
        reach[index[a]].add(index[b])
    grew = True
    while grew:
        grew = False
        for a in range(len(stages)):
            more = set().union(*(reach[b] for b in reach[a])) - reach[a]
            if more:
                reach[a] |= more
                grew = True
    return reach


# Conversion (results/README.md "KPIs") counts first entries in the order they happened, which
# the file does not keep (stages_reached is a set): here only where it must exist (stages joined
# by the edges, up to the first purchase stage) and its range are checked; its values are worked
# by hand in tests/analysis/test_kpi.cpp and against a forward-only chain in tests/cli/check_trust.py.
BOUNDED_ONLY = "conversion."


def merged(base, over):
    """A variant's world: the base tables with the variant's keys laid over them, key by key."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else value
    return out


def buyers_can_be_lost(scenario_effective, variant, stages, roles):
    """Whether a customer who bought can reach a lost stage: along edges whose rate is positive in
    some segment (rate x tempo if forward x curiosity if marked x the segment's own multiplier),
    or a recommendation's move (word_of_mouth.rate > 0, from a stage it reaches to moves_to).
    Retention is undefined where nobody can be lost, read here from the scenario the file holds."""
    doc = tomllib.loads(scenario_effective)
    world = merged(doc, doc.get("variants", {}).get(variant, {}))
    segments = list(world.get("segments", {}).values()) or [{}]
    following = {s: set() for s in stages}
    for name, edge in world.get("edges", {}).items():
        source, target = (x.strip() for x in name.split("->"))
        rate = edge.get("rate", 0.0) if isinstance(edge, dict) else float(edge)
        for seg in segments:
            h = rate
            if isinstance(edge, dict) and edge.get("forward", False):
                h *= seg.get("tempo", 1.0)
            if isinstance(edge, dict) and edge.get("curiosity", False):
                h *= seg.get("curiosity", 1.0)
            for edge_name, factor in seg.get("edges", {}).items():
                if edge_name.replace(" ", "") == name.replace(" ", ""):
                    h *= factor
            if h > 0:
                following[source].add(target)
    wom = world.get("word_of_mouth", {})
    if wom.get("rate", 0.0) > 0 and wom.get("moves_to") in following:
        for s in wom.get("reaches", []):
            if s in following:
                following[s].add(wom["moves_to"])
    todo = [s for s, role in zip(stages, roles) if role == "purchase"]
    seen = set(todo)
    while todo:
        s = todo.pop()
        for t in following[s]:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return any(role == "lost" and s in seen for s, role in zip(stages, roles))


def ratio(a, b):
    return a / b if b != 0 else math.nan


def expected_kpis(run, can_be_lost):
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
    reach = reachable(stages, names(run["edge"]))
    for s in range(1, len(stages)):
        if s in reach[s - 1]:
            k[f"conversion.{stages[s]}"] = (0.0, 1.0)  # a range: BOUNDED_ONLY
        if roles[s] == "purchase":
            break
    k["new_customers"] = new
    k["cac"] = ratio(spend, new)
    # Acquisition CAC: the channels whose every reached stage comes before a purchase.
    reaches = run["channel"].attrs["reaches"]
    acquiring = [ch for ch in range(len(channels)) if reaches[ch] != 0 and all(
        roles[s] in ("unaware", "journey") for s in range(len(stages)) if (reaches[ch] >> s) & 1)]
    k["cac.acquisition"] = ratio(float(spend_by_channel[acquiring].sum()), new)
    k["revenue"] = revenue
    k["margin"] = margin
    k["purchases"] = purchases
    k["ltv"] = ratio(float(c["revenue"][acquired].astype(np.float64).sum()), new)
    # Margin LTV: each acquired customer's revenue at their segment's margin share over the run.
    seg_revenue = run["revenue"][()].sum(axis=0)
    seg_margin = run["margin"][()].sum(axis=0)
    acquired_margin = 0.0
    for g in range(len(segments)):
        if seg_revenue[g] > 0:
            mine = acquired & (c["segment"] == g)
            acquired_margin += float(c["revenue"][mine].astype(np.float64).sum()) * \
                float(seg_margin[g]) / float(seg_revenue[g])
    k["ltv.margin"] = ratio(acquired_margin, new)
    k["repeat_rate"] = ratio(float(np.count_nonzero(acquired & (c["purchases"] >= 2))), new)
    for d in (30, 90, 365):
        k[f"retention.{d}"] = kaplan_meier(first, churn, days, d) if can_be_lost else math.nan
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
                    stages = names(run["stage"])
                    roles = [r.decode() if isinstance(r, bytes) else r
                             for r in run["stage"].attrs["role"]]
                    text = f["scenario_effective"][()]
                    text = text.decode() if isinstance(text, bytes) else text
                    want = expected_kpis(run, buyers_can_be_lost(text, variant, stages, roles))
                    where = f"{scenario}/{variant}/{rep}"
                    for kpi, value in stored.items():
                        if kpi not in want:
                            failures.append(f"{where}: KPI {kpi} has no independent formula in "
                                            f"tests/analysis/check_kpis.py: add one")
                            continue
                        w = want[kpi]
                        if kpi.startswith(BOUNDED_ONLY):
                            ok = w[0] <= value <= w[1]
                            w = f"a share in [{w[0]}, {w[1]}]"
                        else:
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
