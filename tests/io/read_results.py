#!/usr/bin/python3
"""Reads a sample result file the way results/README.md tells users to, and checks the numbers.

    /usr/bin/python3 tests/io/read_results.py SAMPLE.h5

SAMPLE.h5 and SAMPLE.h5.expected.json come from tests/io/hdf5_sample.cpp. Every ```python block of
results/README.md is run as written (only its `path = "..."` line points at SAMPLE.h5), then the
variables the examples define are compared with what the engine wrote. A last pass compares every
dataset of every run with h5py directly. Exit 0 when all agree; the first difference fails.

Needs Debian's python3 with python3-h5py, python3-pandas, python3-xarray, python3-h5netcdf.
"""
import contextlib
import io
import json
import math
import pathlib
import re
import sys

import h5py
import numpy as np

README = pathlib.Path(__file__).resolve().parents[2] / "results" / "README.md"


def python_blocks(markdown):
    # The run file's examples; the sweep file's ("## Sweep files") run in tests/sweep/.
    markdown = markdown.split("\n## Sweep files", 1)[0]
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.S)


def run_readme_examples(sample):
    """Runs every README example in one namespace; returns the namespace."""
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4, f"expected quick start, h5py, pandas and xarray examples in {README}"
    namespace = {}
    for number, block in enumerate(blocks, 1):
        code = re.sub(r'^path = ".*"$', f"path = {str(sample)!r}", block, flags=re.M)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(code, f"{README.name} python block {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"README python block {number} fails: {error!r}\n{block}")
    return namespace


def same(actual, expected, what):
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    assert a.shape == e.shape, f"{what}: shape {a.shape}, expected {e.shape}"
    if not np.array_equal(a, e, equal_nan=True):
        differ = ~((a == e) | (np.isnan(a) & np.isnan(e)))
        first = tuple(int(i) for i in np.argwhere(differ)[0]) if a.ndim else ()
        raise AssertionError(f"{what}: {int(differ.sum())} values differ, first at {first}: "
                             f"read {a[first]}, wrote {e[first]}")


def shaped(run, name, *dims):
    return np.asarray(run[name], dtype=float).reshape(dims)


def check_examples(ns, expected):
    base = expected["base_0"]
    days, S, G = base["days"], len(base["stage"]), len(base["segment"])
    counts = shaped(base, "stage_counts", days + 1, S, G)
    revenue = shaped(base, "revenue", days, G)
    spend = shaped(base, "channel_spend", days, len(base["channel"]))
    columns = base["customer_columns"]

    # quick start and h5py
    assert ns["runs"] == [tuple(r) for r in expected["runs"]], ns["runs"]
    assert ns["scenario_text"].startswith("[simulation]"), ns["scenario_text"]
    assert ns["stages"] == base["stage"], ns["stages"]
    assert ns["roles"] == base["role"], ns["roles"]
    for s, name in enumerate(base["stage"]):
        same(ns["at_end"][name], counts[-1, s].sum(), f"at_end[{name}]")
    same(ns["total_revenue"], revenue.sum(), "total_revenue")
    assert ns["revenue_units"] == "currency/day", ns["revenue_units"]
    same([ns["kpi_values"][k] for k in base["kpi"]], base["kpi_value"], "kpi_values")

    # pandas
    customers = ns["customers"]
    assert len(customers) == len(columns["segment"]), len(customers)
    same(customers["revenue"], columns["revenue"], "customers.revenue")
    same(customers["churn_day"], columns["churn_day"], "customers.churn_day")
    assert list(customers["segment"]) == [base["segment"][c] for c in columns["segment"]]
    assert list(customers["final_stage"]) == [base["stage"][c] for c in columns["final_stage"]]
    assert list(customers["source"]) == [base["source"][c] for c in columns["source"]]
    for g, name in enumerate(base["segment"]):
        want = sum(r for r, c in zip(columns["revenue"], columns["segment"]) if c == g)
        assert math.isclose(ns["revenue_by_segment"][name], want, rel_tol=1e-6), name
    assert ns["buyers"] == sum(1 for d in columns["first_purchase_day"] if d >= 0)
    same(ns["daily_revenue"].to_numpy(), revenue, "daily_revenue")
    assert list(ns["daily_revenue"].columns) == base["segment"]
    assert list(ns["kpi_table"].index) == base["kpi"]
    same(ns["kpi_table"]["value"], base["kpi_value"], "kpi_table.value")
    assert ns["kpi_table"].loc["back_steps", "description"] == "ünïcödé label check"
    summary = expected["summary"]
    assert list(ns["summary"].index) == summary["kpi"]
    for column in ("mean", "sd", "ci_low", "ci_high"):
        same(ns["summary"][column], summary[column], f"summary.{column}")

    # xarray
    assert list(ns["revenue_per_segment"].segment.values) == base["segment"]
    same(ns["revenue_per_segment"], revenue.sum(axis=0), "revenue_per_segment")
    same(ns["spend_per_channel"], spend.sum(axis=0), "spend_per_channel")
    same(ns["aware_at_end"], counts[-1, base["stage"].index("aware")], "aware_at_end")
    same(ns["search_spend"], spend[:, base["channel"].index("search")].sum(), "search_spend")
    flows = shaped(base, "flows", G, S, S)[base["segment"].index("families")]
    same(ns["flows_families"].to_numpy(), flows, "flows_families")
    assert list(ns["flows_families"].index) == base["stage"]
    other = shaped(expected["base_1"], "revenue", days, G)
    same(ns["mean_revenue"], (revenue.sum(axis=0) + other.sum(axis=0)) / 2, "mean_revenue")


def check_every_dataset(sample, expected):
    """Everything the sample writer wrote, read back with plain h5py."""
    with h5py.File(sample, "r") as f:
        assert f.attrs["format"] == 1
        assert f.attrs["kind"] == "run"
        assert f.attrs["seed"] == expected["seed"]
        assert f.attrs["scenario_name"] == expected["scenario_name"]
        assert f.attrs["command_line"] == expected["command_line"]
        for variant, replicate in expected["runs"]:
            want = expected[f"{variant}_{replicate}"]
            run = f[f"runs/{variant}/replicate_{replicate}"]
            where = f"{variant}/replicate_{replicate}"
            for scale in ("stage", "segment", "channel", "source", "edge", "kpi"):
                assert list(run[scale].asstr()[:]) == want[scale], f"{where}/{scale}"
            assert list(run["stage"].attrs["role"]) == want["role"]
            same(run["stage"].attrs["advocate"], want["advocate"], f"{where}/stage.advocate")
            same(run["day"][:], range(want["days"]), f"{where}/day")
            same(run["day_start"][:], range(want["days"] + 1), f"{where}/day_start")
            for name in ("stage_counts", "channel_spend", "channel_exposed", "channel_eligible",
                         "purchases", "first_purchases", "revenue", "margin", "recommendations",
                         "referral_moves", "complaints", "flows"):
                dataset = run[name]
                assert "units" in dataset.attrs, f"{where}/{name} has no units"
                scales = [dim[0].name.split("/")[-1] for dim in dataset.dims]
                sizes = [len(run[s]) for s in scales]
                assert list(dataset.shape) == sizes, f"{where}/{name}: {dataset.shape} vs {scales}"
                same(dataset[:].ravel(), want[name], f"{where}/{name}")
            table = run["customers"][:]
            for field, values in want["customer_columns"].items():
                same(table[field], values, f"{where}/customers.{field}")
            same(run["customer"][:], range(len(table)), f"{where}/customer")
            kpis = run["kpis"][:]
            assert [k.decode() for k in kpis["id"]] == want["kpi"]
            same(kpis["value"], want["kpi_value"], f"{where}/kpis.value")
            for attribute in ("seed", "replicate", "threads", "customers"):
                assert run.attrs[attribute] == want[attribute], f"{where}: {attribute}"
            assert run["profile"].attrs["units"] == "seconds"
        assert f["runs/base/kpi_summary"].attrs["replicates"] == expected["summary"]["replicates"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sample = pathlib.Path(sys.argv[1])
    expected = json.loads(pathlib.Path(f"{sample}.expected.json").read_text(encoding="utf-8"))
    namespace = run_readme_examples(sample)
    check_examples(namespace, expected)
    check_every_dataset(sample, expected)
    print(f"ok: {len(python_blocks(README.read_text(encoding='utf-8')))} README examples and "
          f"every dataset of {len(expected['runs'])} runs agree with what the engine wrote")


if __name__ == "__main__":
    main()
