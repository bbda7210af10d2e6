#!/usr/bin/python3
"""An independent, plain per-day implementation of the bench world (docs/bench.md) in NumPy.

It shares no code with the engine and uses none of its shortcuts: every customer draws a
uniform every day and leaves its stage when u < 1 - exp(-H) (the per-day path of docs/model.md),
exposures are numpy.random.Generator.choice without replacement, recommendations go to uniformly
random customers. The engine's exponential-clock method must agree with it in distribution; the
ctests `reference.bench_per_day_path*` compare the two (tests/reference/compare_bench.py).

Usage: bench_reference.py CUSTOMERS DAYS SEED [SEED_END] [--no-channels] [--no-wom]
                          [--budget-scale X] [--late D]
Runs seeds SEED .. SEED_END - 1 (one when SEED_END is absent) and prints one JSON line per run:
  shares        final-day stage shares
  late_shares   stage shares averaged over the ends of the last D days (default 30)
  mean_shares   stage shares averaged over the ends of days 0 .. DAYS-1 (the whole horizon)
  purchases, first_purchases, revenue, spend (per channel), exposed (per channel)
"""
import json
import sys

import numpy as np

STAGES = ["unaware", "aware", "consideration", "purchase", "experience", "loyal", "advocate", "lost"]
U, AW, CO, PU, EX, LO, AD, LS = range(8)

# (from, to, rate, forward, salience, satisfaction, curiosity), docs/bench.md's edge table.
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
OUT_EDGES = [[e for e, edge in enumerate(EDGES) if edge[0] == s] for s in range(len(STAGES))]


def simulate(n, days, seed, channels_on, wom_on, scale, late):
    rng = np.random.default_rng(seed)
    seg = rng.choice(3, size=n, p=SEG_SHARE)
    stage = np.zeros(n, dtype=np.int64)
    sal = np.zeros(n)
    sat = np.full(n, 0.7)
    referred = np.zeros(n, dtype=bool)
    customer = np.zeros(n, dtype=bool)
    sigma2 = np.log(1 + 0.5**2)
    mu = np.log(50.0) - sigma2 / 2
    spent = [0] * len(CHANNELS)  # in cents (all costs are whole cents)
    exposed_total = [0] * len(CHANNELS)
    revenue, purchases, first = 0.0, 0, 0
    occupancy = np.zeros(len(STAGES))  # summed over the ends of days 0 .. days-1
    late_occupancy = np.zeros(len(STAGES))  # summed over the ends of the last `late` days
    late = min(late, days)
    reaches = []
    for _, _, _, reach, _ in CHANNELS:
        mask = np.zeros(len(STAGES), dtype=bool)
        mask[reach] = True
        reaches.append(mask)
    for t in range(days):
        start = stage.copy()
        # Exposures by the stage at the start of the day (rule 1), pacing (rule 2). A customer
        # exposed by several channels gets every lift and a salience gain for each.
        lift = {}
        sal *= 0.9
        if channels_on:
            for c, (_, cost, budget, _, lifts) in enumerate(CHANNELS):
                cost_c = round(cost * 100)
                eligible = np.flatnonzero(reaches[c][start])
                k = min(len(eligible), (round(budget * scale * 100) - spent[c]) // ((days - t) * cost_c))
                spent[c] += k * cost_c
                exposed_total[c] += k
                if k == 0:
                    continue
                chosen = rng.choice(eligible, size=k, replace=False)
                sal[chosen] += 1.0
                for e, f in lifts.items():
                    lift.setdefault(e, np.ones(n))[chosen] *= f
        # Word of mouth: advocates at the start of the day; heard tomorrow (rule 3).
        moved = np.zeros(n, dtype=bool)
        if wom_on:
            moved = referred & (start <= AW)
            referred = np.zeros(n, dtype=bool)
            advocates = np.count_nonzero(start == AD)
            hearers = rng.integers(0, n, size=int(rng.poisson(0.05, size=advocates).sum()))
            referred[hearers] = True
        # Competing hazards, stage by stage: leave with 1 - exp(-H), then edge e with h_e / H.
        new = start.copy()
        for s, out in enumerate(OUT_EDGES):
            who = np.flatnonzero((start == s) & ~moved)
            if len(who) == 0 or not out:
                continue
            g = seg[who]
            a2 = sal[who] ** 2
            hill = 1.0 + a2 / (a2 + 4.0)
            h = np.empty((len(out), len(who)))
            for row, e in enumerate(out):
                _, _, rate, forward, salience, sign, curious = EDGES[e]
                x = np.full(len(who), rate)
                if forward:
                    x *= TEMPO[g]
                if curious:
                    x *= CURIOSITY[g]
                if salience:
                    x *= hill
                if sign == "+":
                    x *= sat[who] / 0.7
                if sign == "-":
                    x *= (1 - sat[who]) / 0.3
                if e in lift:
                    x *= lift[e][who]
                h[row] = x
            total = h.sum(axis=0)
            leave = rng.random(len(who)) < 1 - np.exp(-total)
            pick = rng.random(len(who)) * total
            row = (np.cumsum(h, axis=0) <= pick[None, :]).sum(axis=0).clip(max=len(out) - 1)
            to = np.array([EDGES[e][1] for e in out])[row]
            new[who[leave]] = to[leave]
        new[moved] = CO
        bought = (new == PU) & (start != PU)
        nb = int(bought.sum())
        if nb:
            sat[bought] = np.clip(rng.normal(0.7, 0.15, nb), 0, 1)
            revenue += float(np.exp(rng.normal(mu, np.sqrt(sigma2), nb)).sum())
            purchases += nb
            first += int((bought & ~customer).sum())
            customer |= bought
        stage = new
        counts = np.bincount(stage, minlength=len(STAGES))
        occupancy += counts
        if t >= days - late:
            late_occupancy += counts
    shares = np.bincount(stage, minlength=len(STAGES)) / n
    return {
        "seed": seed,
        "shares": dict(zip(STAGES, shares.tolist())),
        "late_shares": dict(zip(STAGES, (late_occupancy / (late * n)).tolist())),
        "mean_shares": dict(zip(STAGES, (occupancy / (days * n)).tolist())),
        "purchases": purchases,
        "first_purchases": first,
        "revenue": revenue,
        "spend": {CHANNELS[c][0]: spent[c] / 100 for c in range(len(CHANNELS))},
        "exposed": {CHANNELS[c][0]: exposed_total[c] for c in range(len(CHANNELS))},
    }


def main():
    args = [a for a in sys.argv[1:]]
    flags = {"--no-channels": False, "--no-wom": False}
    options = {"--budget-scale": 1.0, "--late": 30}
    positional = []
    i = 0
    while i < len(args):
        if args[i] in flags:
            flags[args[i]] = True
        elif args[i] in options:
            options[args[i]] = float(args[i + 1])
            i += 1
        else:
            positional.append(int(args[i]))
        i += 1
    n, days, seed = positional[:3]
    seed_end = positional[3] if len(positional) > 3 else seed + 1
    for s in range(seed, seed_end):
        result = simulate(n, days, s, not flags["--no-channels"], not flags["--no-wom"],
                          options["--budget-scale"], int(options["--late"]))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
