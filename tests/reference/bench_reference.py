#!/usr/bin/python3
"""An independent, plain per-day implementation of the bench world (docs/bench.md) in NumPy.

It shares no code with the engine and uses none of its shortcuts: every customer draws a
uniform every day and leaves its stage when u < 1 - exp(-H) (the per-day path of docs/model.md),
exposures are numpy.random.choice without replacement, recommendations go to uniformly random
customers. The engine's exponential-clock method must agree with it in distribution; the
ctest `reference.bench_per_day_path` compares the two (tests/reference/compare_bench.py).

Usage: bench_reference.py CUSTOMERS DAYS SEED [--no-channels] [--no-wom] [--budget-scale X]
Prints JSON: final stage shares and totals.
"""
import json
import sys

import numpy as np

STAGES = ["unaware", "aware", "consideration", "purchase", "experience", "loyal", "advocate", "lost"]
U, AW, CO, PU, EX, LO, AD, LS = range(8)

# (from, to, rate, forward, salience, satisfaction, curiosity)
EDGES = [
    (U, AW, 0.002, True, True, "", False),
    (AW, CO, 0.03, True, True, "", False),
    (AW, U, 0.02, False, False, "", False),
    (CO, PU, 0.04, True, True, "", False),
    (CO, AW, 0.03, False, False, "", False),
    (PU, EX, 5.0, False, False, "", False),
    (EX, LO, 0.05, False, False, "+", False),
    (EX, LS, 0.02, False, False, "-", False),
    (LO, PU, 0.02, True, False, "", False),
    (LO, AD, 0.01, False, False, "+", False),
    (LO, LS, 0.004, False, False, "", True),
    (AD, PU, 0.02, True, False, "", False),
    (AD, LO, 0.01, False, False, "", False),
    (LS, CO, 0.002, False, False, "", False),
]
SEG_SHARE = [0.16, 0.68, 0.16]
TEMPO = np.array([2.0, 1.0, 0.5])
CURIOSITY = np.array([3.0, 1.0, 0.3])
# name, cost, budget, reached stages, {edge index: lift}
CHANNELS = [
    ("social", 0.01, 200_000, [U, AW], {0: 3.0, 1: 1.3}),
    ("search", 0.50, 150_000, [AW, CO], {3: 1.5}),
    ("content", 0.05, 50_000, [AW], {1: 1.5}),
    ("sales_call", 2.00, 100_000, [CO], {3: 1.8, 4: 1.5}),
    ("email", 0.02, 20_000, [LO, AD], {8: 1.5, 11: 1.5}),
    ("service", 1.00, 50_000, [EX], {6: 1.5, 7: 0.6}),
]


def main():
    n, days, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    channels_on = "--no-channels" not in sys.argv
    wom_on = "--no-wom" not in sys.argv
    scale = float(sys.argv[sys.argv.index("--budget-scale") + 1]) if "--budget-scale" in sys.argv else 1.0
    rng = np.random.default_rng(seed)
    seg = rng.choice(3, size=n, p=SEG_SHARE)
    stage = np.zeros(n, dtype=np.int64)
    sal = np.zeros(n)
    sat = np.full(n, 0.7)
    referred = np.zeros(n, dtype=bool)
    sigma2 = np.log(1 + 0.5**2)
    mu = np.log(50.0) - sigma2 / 2
    spent = [0] * len(CHANNELS)  # in cents (all costs are whole cents)
    revenue = 0.0
    purchases = 0
    for t in range(days):
        start = stage.copy()
        lifts = [np.ones(n) for _ in EDGES]
        # Exposures by the stage at the start of the day (rule 1), pacing (rule 2).
        exposures = np.zeros(n)
        if channels_on:
            for c, (_, cost, budget, reach, lift) in enumerate(CHANNELS):
                cost_c = round(cost * 100)
                eligible = np.flatnonzero(np.isin(start, reach))
                k = min(len(eligible), (round(budget * scale * 100) - spent[c]) // ((days - t) * cost_c))
                spent[c] += k * cost_c
                if k == 0:
                    continue
                chosen = rng.choice(eligible, size=k, replace=False)
                exposures[chosen] += 1.0
                for e, f in lift.items():
                    lifts[e][chosen] *= f
        sal = 0.9 * sal + exposures
        hill = 1.0 + sal**2 / (sal**2 + 4.0)
        # Word of mouth: advocates at the start of the day; heard tomorrow (rule 3).
        moved = np.zeros(n, dtype=bool)
        if wom_on:
            moved = referred & np.isin(start, [U, AW])
            referred = np.zeros(n, dtype=bool)
            advocates = np.flatnonzero(start == AD)
            counts = rng.poisson(0.05, size=len(advocates))
            hearers = rng.integers(0, n, size=int(counts.sum()))
            referred[hearers] = True
        # Hazards.
        h = np.zeros((len(EDGES), n))
        for e, (f, to, rate, fwd, salience, sign, curious) in enumerate(EDGES):
            x = np.full(n, rate)
            if fwd:
                x *= TEMPO[seg]
            if curious:
                x *= CURIOSITY[seg]
            if salience:
                x *= hill
            if sign == "+":
                x *= sat / 0.7
            if sign == "-":
                x *= (1 - sat) / 0.3
            x *= lifts[e]
            h[e] = np.where(start == f, x, 0.0)
        total = h.sum(axis=0)
        leave = rng.random(n) < 1 - np.exp(-total)
        pick = rng.random(n) * total
        cum = np.cumsum(h, axis=0)
        edge = (cum <= pick[None, :]).sum(axis=0).clip(max=len(EDGES) - 1)
        to = np.array([e[1] for e in EDGES])[edge]
        new = np.where(leave & ~moved, to, start)
        new = np.where(moved, CO, new)
        bought = (new == PU) & (start != PU)
        nb = int(bought.sum())
        if nb:
            sat[bought] = np.clip(rng.normal(0.7, 0.15, nb), 0, 1)
            revenue += float(np.exp(rng.normal(mu, np.sqrt(sigma2), nb)).sum())
            purchases += nb
        stage = new
    shares = {s: float((stage == i).mean()) for i, s in enumerate(STAGES)}
    print(json.dumps({"shares": shares, "revenue": revenue, "purchases": purchases,
                      "spend": [s / 100 for s in spent]}))


if __name__ == "__main__":
    main()
