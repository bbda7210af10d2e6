#!/usr/bin/python3
"""End-to-end checks of `cjsim sweep` and `cjsim compare` (ctest label "sweep"; registered in
tests/sweep.cmake).

    check_sweep.py --cjsim BIN --source SRC --work DIR CHECK

One reference sweep (CHECK = reference: 12 points x 3 replicates of the bench world (docs/bench.md), small,
on one thread) and checks that each other way of computing it gives the same sweep table and
per-point series bit for bit:

  threads        --threads 2
  mpi            mpirun -np 2 (Boost.MPI; --oversubscribe, --allow-run-as-root when root)
  kill_resume    SIGKILL after a few rows are saved, then --resume: only the missing rows run
  ctrl_c_resume  SIGINT: exit 130, the message says how to resume; then --resume
and:
  resume_refused the scenario file (or a varied value) changed: --resume refuses and says why
  bad_input      unknown key path, range with no values, design with no points, non-numeric
                 key or value, nothing to vary, a bad [sweep] line: exit 1, a clear message,
                 nothing written
  compare        cjsim compare of two run files and of the sweep against a baseline row: every
                 number and '*' of the table against scipy's Student t on the stored KPIs
  pandas         results/README.md's sweep examples run as written on the reference file
  help           --help of sweep and compare, with examples

Uses Debian's /usr/bin/python3 (python3-h5py, python3-numpy, python3-scipy, python3-pandas).
"""

import argparse
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
from scipy import stats

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402

checks = Checks(echo=True)
check = checks.check
finish = checks.finish
sys.stdout.reconfigure(line_buffering=True)

# The reference sweep: 2 axes (6 x 2 values) at 4,000 customers x 150 days (--world), 3 replicates.
WORLD = []
AXES = ["--vary", "channels.search.budget=0:300000:6", "--vary", "channels.service.budget=0,50000"]
ROWS = 12
REPLICATES = 3


class Env:
    def __init__(self, args):
        self.args = args
        self.cjsim = args.cjsim
        self.source = pathlib.Path(args.source)
        self.work = pathlib.Path(args.work)
        self.bench = str(self.source / "scenarios" / "bench.toml")
        self.reference = self.work / "reference.h5"

    def folder(self, name):
        d = self.work / name
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        return d

    def sweep_args(self, out, *extra, scenario=None):
        return [self.cjsim, "sweep", scenario or self.bench, *WORLD, *AXES,
                "--replicates", str(REPLICATES), "-o", str(out), "--quiet", *extra]

    def run(self, argv, timeout=150, **kw):
        print("    $ " + " ".join(argv))
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)


# ---- comparing sweep files bit for bit ---------------------------------------------------------

def sweep_contents(path):
    """The sweep table and the per-point datasets, as raw bytes per column or dataset."""
    out = {}
    with h5py.File(path, "r") as f:
        table = f["sweep"][()]
        for name in table.dtype.names:
            column = table[name]
            out["sweep/" + name] = (list(column) if column.dtype == object else column.tobytes())
        for name in ("kpi_values", "stage_counts", "revenue", "spend"):
            out["points/" + name] = f["points"][name][()].tobytes()
        out["attrs"] = {k: str(v) for k, v in f["sweep"].attrs.items()}
    return out


def same_sweep(path, reference, what):
    a, b = sweep_contents(path), sweep_contents(reference)
    differ = [k for k in b if a.get(k) != b[k]]
    return check(not differ and set(a) == set(b),
                 f"{what}: sweep table and per-point series equal the reference bit for bit"
                 + (f" (differ: {differ[:5]})" if differ else ""))


def row_files(partial):
    return sorted(p.name for p in pathlib.Path(partial).glob("row_*.h5")) if os.path.isdir(partial) else []


def wait_for_rows(partial, count, process, timeout=120):
    """Polls the partial folder until `count` rows are saved; False if the sweep ended first."""
    start = time.time()
    while time.time() - start < timeout:
        if len(row_files(partial)) >= count:
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    return False


# ---- checks ------------------------------------------------------------------------------------

def cmd_reference(env):
    env.work.mkdir(parents=True, exist_ok=True)
    if env.reference.exists():
        env.reference.unlink()
    shutil.rmtree(str(env.reference) + ".partial", ignore_errors=True)
    r = env.run(env.sweep_args(env.reference, "--threads", "1"))
    check(r.returncode == 0, f"the reference sweep runs (exit {r.returncode}) {r.stderr[-500:]}")
    with h5py.File(env.reference, "r") as f:
        check(f.attrs["kind"] == "sweep", "the file says it is a sweep")
        check(len(f["sweep"]) == ROWS, f"{ROWS} rows in /sweep")
        check(f["points/kpi_values"].shape[:2] == (ROWS, REPLICATES), "every run's KPIs are kept")
    check(not os.path.exists(str(env.reference) + ".partial"), "the partial folder is gone")
    finish()


def cmd_threads(env):
    d = env.folder("threads")
    r = env.run(env.sweep_args(d / "t2.h5", "--threads", "2"))
    check(r.returncode == 0, f"--threads 2 runs (exit {r.returncode}) {r.stderr[-300:]}")
    same_sweep(d / "t2.h5", env.reference, "--threads 2")
    finish()


def skip(reason):
    """ctest's skip (the marker line, exit 77), or a failure under CJSIM_NO_SKIPS=1."""
    print(f"CJSIM-SKIPPED: {reason}")
    if os.environ.get("CJSIM_NO_SKIPS") == "1":
        print("FAIL: skipped under CJSIM_NO_SKIPS=1, where every check must run")
        sys.exit(1)
    sys.exit(77)


def mpirun():
    argv = [shutil.which("mpirun") or "mpirun", "-np", "2", "--oversubscribe"]
    if os.geteuid() == 0:
        argv.append("--allow-run-as-root")
    environment = dict(os.environ)
    # A sandbox without a network: shared memory between the two ranks, nothing else.
    environment.update({"OMPI_MCA_btl": "self,vader", "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
                        "OMPI_MCA_rmaps_base_oversubscribe": "1"})
    return argv, environment


def cmd_mpi(env):
    if env.args.no_mpi_build:
        skip("cjsim was built without MPI (tools/setup installs libopenmpi-dev and "
             "libboost-mpi-dev; reconfigure)")
    if shutil.which("mpirun") is None:
        skip("no mpirun on PATH (tools/setup installs openmpi-bin)")
    d = env.folder("mpi")
    argv, environment = mpirun()
    r = env.run(argv + env.sweep_args(d / "m2.h5"), env=environment)
    check(r.returncode == 0, f"mpirun -np 2 runs (exit {r.returncode}) {r.stderr[-500:]}")
    same_sweep(d / "m2.h5", env.reference, "mpirun -np 2")
    # And a resume under MPI of a sweep started alone: the ranks finish what one process began.
    out = d / "mixed.h5"
    p = subprocess.Popen(env.sweep_args(out, "--threads", "1"), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    started = wait_for_rows(str(out) + ".partial", 2, p)
    p.kill()
    p.wait()
    check(started and not out.exists(), "a single-process sweep was killed part-way")
    r = env.run(argv + env.sweep_args(out, "--resume"), env=environment)
    check(r.returncode == 0, f"mpirun -np 2 --resume finishes it (exit {r.returncode}) {r.stderr[-300:]}")
    same_sweep(out, env.reference, "started alone, finished by mpirun")
    finish()


def cmd_kill_resume(env):
    d = env.folder("kill")
    out = d / "k.h5"
    partial = str(out) + ".partial"
    p = subprocess.Popen(env.sweep_args(out, "--threads", "2"), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    reached = wait_for_rows(partial, 2, p)
    p.send_signal(signal.SIGKILL)
    p.wait()
    saved = row_files(partial)
    check(reached and 2 <= len(saved) < ROWS,
          f"killed with SIGKILL part-way: {len(saved)} of {ROWS} rows saved")
    check(not out.exists(), "no output file after the kill")
    r = env.run(env.sweep_args(out, "--threads", "2"))
    check(r.returncode == 1 and "--resume" in r.stderr,
          f"without --resume the partial sweep is not overwritten (exit {r.returncode}): {r.stderr.strip()[:200]}")
    r = env.run([a for a in env.sweep_args(out, "--threads", "2", "--resume") if a != "--quiet"])
    check(r.returncode == 0, f"--resume finishes it (exit {r.returncode}) {r.stderr[-300:]}")
    m = re.search(r"resuming: (\d+) of (\d+) rows already saved", r.stderr)
    check(m is not None and int(m.group(1)) == len(saved) and int(m.group(2)) == ROWS,
          f"--resume finds the {len(saved)} saved rows: {m.group(0) if m else r.stderr[:200]}")
    m = re.search(r"sweep (\d+) rows x", r.stderr)
    check(m is not None and int(m.group(1)) == ROWS - len(saved),
          f"only the missing rows ran ({m.group(1) if m else '?'} of {ROWS}, {len(saved)} were saved)")
    same_sweep(out, env.reference, "killed with SIGKILL, then --resume")
    check(not os.path.exists(partial), "the partial folder is removed once the file is complete")
    check(not [n for n in os.listdir(d) if ".tmp-" in n], "no temporary files are left")
    r = env.run(env.sweep_args(out, "--resume"))
    check(r.returncode == 0 and "nothing to resume" in r.stderr,
          f"--resume of a finished sweep does nothing (exit {r.returncode}) {r.stderr.strip()[:200]}")
    finish()


def cmd_ctrl_c_resume(env):
    d = env.folder("ctrl_c")
    out = d / "c.h5"
    partial = str(out) + ".partial"
    p = subprocess.Popen(env.sweep_args(out, "--threads", "2"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    reached = wait_for_rows(partial, 1, p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    check(reached and p.returncode == 130, f"Ctrl-C stops the sweep with exit 130 (exit {p.returncode})")
    check("interrupted:" in err and "--resume" in err and partial in err,
          f"and says how to resume: {err.strip()[-300:]}")
    check(0 < len(row_files(partial)) < ROWS and not out.exists(),
          f"the finished rows stay ({len(row_files(partial))} of {ROWS}); no output file yet")
    command = err[err.index("finish with: ") + len("finish with: "):].strip().splitlines()[0]
    check(command.endswith("--resume") and " sweep " in command, f"the resume command is given: {command}")
    r = env.run(env.sweep_args(out, "--threads", "1", "--resume"))
    check(r.returncode == 0, f"--resume finishes it (exit {r.returncode}) {r.stderr[-300:]}")
    same_sweep(out, env.reference, "Ctrl-C, then --resume")
    finish()


def cmd_resume_refused(env):
    d = env.folder("refused")
    scenario = d / "world.toml"
    shutil.copyfile(env.bench, scenario)
    out = d / "r.h5"
    partial = str(out) + ".partial"
    p = subprocess.Popen(env.sweep_args(out, "--threads", "1", scenario=str(scenario)),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reached = wait_for_rows(partial, 1, p)
    p.kill()
    p.wait()
    check(reached, "a sweep was killed part-way")
    saved = row_files(partial)
    text = scenario.read_text()
    scenario.write_text(text.replace('"consideration -> purchase" = { rate = 0.04',
                                     '"consideration -> purchase" = { rate = 0.05'))
    check(scenario.read_text() != text, "the scenario was edited")
    r = env.run(env.sweep_args(out, "--resume", scenario=str(scenario)))
    check(r.returncode == 1, f"--resume of a changed scenario is refused with exit 1 (exit {r.returncode})")
    check("cannot resume: the scenario changed" in r.stderr and "rate = 0.04" in r.stderr
          and "rate = 0.05" in r.stderr, f"and says what changed: {r.stderr.strip()[:400]}")
    check(row_files(partial) == saved and not out.exists(), "nothing was written or removed")
    scenario.write_text(text)
    argv = [a if not a.startswith("channels.search.budget=") else "channels.search.budget=0:250000:6"
            for a in env.sweep_args(out, "--resume", scenario=str(scenario))]
    r = env.run(argv)
    check(r.returncode == 1 and "varied values changed" in r.stderr,
          f"changed --vary values are refused too: {r.stderr.strip()[:300]}")
    argv = env.sweep_args(out, "--resume", scenario=str(scenario))
    argv[argv.index("--replicates") + 1] = "5"
    r = env.run(argv)
    check(r.returncode == 1 and "replicates per point changed" in r.stderr,
          f"and changed replicates: {r.stderr.strip()[:300]}")
    finish()


def cmd_bad_input(env):
    d = env.folder("bad_input")
    out = d / "bad.h5"
    bad_sweep = d / "bad_sweep.toml"
    bad_sweep.write_text(pathlib.Path(env.bench).read_text()
                         + '\n[sweep]\n"channels.search.budget" = []\n')
    lines = bad_sweep.read_text().count("\n")
    cases = [
        ("unknown key path", ["--vary", "channels.serch.budget=1,2"],
         ["--vary", "no channel named 'serch'", "did you mean 'search'"]),
        ("unknown key in a known table", ["--vary", "channels.search.budjet=1,2"],
         ["unknown key 'budjet'", "did you mean 'budget'"]),
        ("range with no values", ["--vary", "channels.search.budget=0:300000:0"], ["--vary", "no values"]),
        ("empty list", ["--vary", "channels.search.budget="], ["--vary", "no values"]),
        ("design with no points", ["--vary", "channels.search.budget=0:300000", "--design", "lhs"],
         ["--points", "no points"]),
        ("Latin hypercube of 0 points", ["--vary", "channels.search.budget=0:300000", "--design", "lhs",
                                         "--points", "0"], ["no points"]),
        ("non-numeric key", ["--vary", "word_of_mouth.network=1,2"], ["word_of_mouth.network", "not a number"]),
        ("non-numeric key (a table)", ["--vary", "channels.search=1,2"], ["not a number"]),
        ("non-numeric value", ["--vary", "channels.search.budget=low,high"], ["'low' is not a number"]),
        ("a value the scenario refuses", ["--vary", "channels.search.budget=0,-1"],
         ["at point 1", "channels.search.budget = -1"]),
        ("unknown design", ["--vary", "channels.search.budget=1", "--design", "random"], ["--design", "unknown design"]),
        ("nothing to vary", [], ["nothing to vary", "--vary"]),
        ("zero replicates", ["--vary", "channels.search.budget=1", "--replicates", "0"], ["--replicates", "must be 1"]),
    ]
    for what, extra, expect in cases:
        r = env.run([env.cjsim, "sweep", env.bench, *WORLD, *extra, "-o", str(out), "--quiet"])
        msg = r.stderr.strip()
        check(r.returncode == 1 and all(e in msg for e in expect),
              f"{what}: exit 1 and a message with {expect} (exit {r.returncode}): {msg[:300]}")
        check(not out.exists() and not os.path.exists(str(out) + ".partial"), f"{what}: nothing written")
    r = env.run([env.cjsim, "sweep", str(bad_sweep), *WORLD, "-o", str(out), "--quiet"])
    check(r.returncode == 1 and f"{bad_sweep}:{lines}:" in r.stderr and "no values" in r.stderr,
          f"a bad [sweep] line is named file:line:column (exit {r.returncode}): {r.stderr.strip()[:300]}")
    r = env.run([env.cjsim, "validate", str(bad_sweep)])
    check(r.returncode == 1 and f"{bad_sweep}:{lines}:" in r.stderr and "no values" in r.stderr,
          f"cjsim validate checks [sweep] too (exit {r.returncode}): {r.stderr.strip()[:300]}")
    r = env.run([env.cjsim, "compare", str(env.reference), "--baseline", "99"])
    check(r.returncode == 1 and "row 99 is not in the sweep" in r.stderr,
          f"compare --baseline 99: exit 1 (exit {r.returncode}): {r.stderr.strip()[:200]}")
    r = env.run([env.cjsim, "compare", str(env.reference), "--kpi", "profitt"])
    check(r.returncode == 1 and "no KPI named 'profitt'" in r.stderr,
          f"compare --kpi with a typo: exit 1: {r.stderr.strip()[:200]}")
    finish()


# ---- compare -----------------------------------------------------------------------------------

def number(text):
    """A table cell's number and the half of its last shown digit (the display's rounding)."""
    t = text.strip().replace(",", "").replace("+", "")
    scale = 1.0
    if t.endswith("%"):
        t, scale = t[:-1], 0.01
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t) * scale, 0.5 * 10 ** -decimals * scale


def close(text, value, what):
    if text == "n/a":
        return check(not np.isfinite(value), f"{what}: n/a for an undefined value")
    shown, half = number(text)
    return check(abs(shown - value) <= half * 1.0001 + 1e-9 * abs(value),
                 f"{what}: shown {text}, computed {value:.6g}")


def t_interval(diffs):
    n = len(diffs)
    m = float(np.mean(diffs))
    if n < 2:
        return m, float("nan"), float("nan")
    h = stats.t.ppf(0.975, n - 1) * float(np.std(diffs, ddof=1)) / np.sqrt(n)
    return m, m - h, m + h


def kpis_of(path):
    """{kpi id: [value per replicate]} of the only variant of a run file."""
    out = {}
    with h5py.File(path, "r") as f:
        (variant,) = list(f["runs"])
        reps = sorted((k for k in f["runs"][variant] if k.startswith("replicate_")),
                      key=lambda k: int(k.split("_")[1]))
        for rep in reps:
            for row in f["runs"][variant][rep]["kpis"][()]:
                out.setdefault(row["id"].decode(), []).append(float(row["value"]))
    return out


def cmd_compare(env):
    """compare of two run files and of the sweep against its baseline: the --csv file holds every
    digit, checked against scipy's Student t on the HDF5 files' replicates (relative 1e-12: only
    the order of additions differs); the printed table and the workbook are looked at too."""
    import openpyxl
    import pandas as pd
    d = env.folder("compare")
    a, b = d / "a.h5", d / "b.h5"
    for path, budget in ((a, "0"), (b, "150000")):
        r = env.run([env.cjsim, "run", env.bench, *WORLD, "--set", f"channels.search.budget={budget}",
                     "--replicates", "4", "--no-customers", "-q", "-o", str(path)])
        check(r.returncode == 0, f"run file with search budget {budget} (exit {r.returncode}) {r.stderr[-200:]}")
    csv, xlsx = d / "ab.csv", d / "ab.xlsx"
    r = env.run([env.cjsim, "compare", str(a), str(b), "--csv", str(csv), "--xlsx", str(xlsx)])
    check(r.returncode == 0, f"compare A B (exit {r.returncode}) {r.stderr[-300:]}")
    print(r.stdout)
    check("common random numbers" in r.stdout, "it says the pairs share their random numbers")
    check("\u00b1" in r.stdout and "[" not in r.stdout, "differences print as mean ± half-width")
    ka, kb = kpis_of(a), kpis_of(b)
    table = pd.read_csv(csv, float_precision="round_trip")
    check(list(table.columns[:4]) == ["View", "KPI", "KPI id", "Unit"], f"CSV header {list(table.columns)}")

    def near(x, y, scale=None):
        """Equal but for rounding: the means to 1e-12 (the order of additions), the interval ends
        to 1e-10 of |mean| + half-width (Boost's and scipy's t quantiles agree to ~1e-12; a wrong
        quantile or degrees of freedom moves them by 1e-3 or more)."""
        if not np.isfinite(y):
            return pd.isna(x)
        return abs(x - y) <= (1e-12 * max(1.0, abs(y)) if scale is None else 1e-10 * max(1.0, scale))

    rows = 0
    for _, row in table.iterrows():
        kid = row["KPI id"]
        diffs = np.array(kb[kid]) - np.array(ka[kid])
        mean, lo, hi = t_interval(diffs)
        ok = check(near(row["A: base"], np.mean(ka[kid])) and near(row["B: base"], np.mean(kb[kid])),
                   f"{kid}: A and B are the replicates' means")
        scale = abs(mean) + (hi - lo) / 2 if np.isfinite(lo) else None
        ok = check(near(row["B - A"], mean) and near(row["B - A 95% CI low"], lo, scale)
                   and near(row["B - A 95% CI high"], hi, scale),
                   f"{kid}: B - A {row['B - A']} [{row['B - A 95% CI low']}, {row['B - A 95% CI high']}], "
                   f"scipy {mean} [{lo}, {hi}]") and ok
        excludes = np.isfinite(lo) and (lo > 0 or hi < 0)
        check((row["B - A mark"] == "*") == bool(excludes), f"{kid}: '*' exactly when the CI excludes 0")
        rows += ok
    check(rows >= 30 and rows == len(table), f"{rows} KPI rows of {len(table)} agree with scipy's Student t")
    book = openpyxl.load_workbook(xlsx)
    check(book.sheetnames == ["Comparison", "About"], f"workbook sheets {book.sheetnames}")
    formats = {c.number_format for row in book["Comparison"].iter_rows(min_row=2) for c in row
               if isinstance(c.value, float)}
    check(any(f.startswith('"+"') or '"+' in f for f in formats), f"differences carry their sign in Excel ({sorted(formats)[:4]})")

    # The sweep against its baseline row: the planner's words, every KPI in the files.
    csv = d / "sweep.csv"
    r = env.run([env.cjsim, "compare", str(env.reference), "--baseline", "0", "--csv", str(csv)])
    check(r.returncode == 0, f"compare SWEEP --baseline 0 (exit {r.returncode}) {r.stderr[-300:]}")
    print(r.stdout)
    # bench.toml labels the channel "Search ads": its budget is "Search ads budget".
    check("Search ads budget" in r.stdout and "channels." not in r.stdout.split("varied")[0],
          "the varied keys print in the planner's words (the key only in the note under the table)")
    with h5py.File(env.reference, "r") as f:
        values = f["points/kpi_values"][()]
        ids = [x.decode() for x in f["points/kpi"][()]]
    table = pd.read_csv(csv, float_precision="round_trip")
    check(len(table) == ROWS - 1, f"a row per point but the baseline ({len(table)} of {ROWS - 1})")
    check("Search ads budget (currency units)" in table.columns
          and "After-sales service budget (currency units)" in table.columns,
          f"CSV axis headers in words: {list(table.columns)[:5]}")
    differences = [c for c in table.columns if c.endswith("vs baseline") or " vs baseline (" in c]
    check(len(differences) == len(ids), f"every KPI in the CSV ({len(differences)} of {len(ids)})")
    checked = 0
    for _, row in table.iterrows():
        k_row = int(row["Row"])
        for kid in ("new_customers", "profit"):
            k = ids.index(kid)
            mean, lo, hi = t_interval(values[k_row, :, k] - values[0, :, k])
            col = next(c for c in differences if c.startswith({"new_customers": "New customers",
                                                                "profit": "Profit"}[kid]))
            stem, unit = (col.split(" (", 1) + [""])[:2]
            unit = f" ({unit}" if unit else ""
            scale = abs(mean) + (hi - lo) / 2
            ok = near(row[col], mean) and near(row[f"{stem} 95% CI low{unit}"], lo, scale) \
                and near(row[f"{stem} 95% CI high{unit}"], hi, scale)
            checked += check(ok, f"row {k_row} {kid}: {row[col]} vs scipy {mean}")
    check(checked == 2 * (ROWS - 1), f"{checked} differences agree with scipy")
    # Standard output carries only the CSV when asked.
    r = env.run([env.cjsim, "compare", str(env.reference), "--csv", "-"])
    check(r.returncode == 0 and r.stdout.startswith('"Row","Point"'),
          f"compare --csv - writes the CSV alone on standard output: {r.stdout[:80]!r}")
    finish()


def cmd_pandas(env):
    """results/README.md's sweep examples, run as written on the reference file."""
    readme = (env.source / "results" / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Sweep files", 1)
    check(len(section) == 2, "results/README.md has a 'Sweep files' section")
    body = section[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", body, flags=re.S)
    check(len(blocks) >= 2, f"with python examples ({len(blocks)})")
    namespace = {}
    for i, block in enumerate(blocks, 1):
        code = re.sub(r'^path = ".*"$', f"path = {str(env.reference)!r}", block, flags=re.M)
        try:
            exec(compile(code, f"README sweep block {i}", "exec"), namespace)
            check(True, f"block {i} runs")
        except Exception as error:  # noqa: BLE001
            check(False, f"block {i} fails: {error!r}")
    df = namespace.get("df")
    check(df is not None and len(df) == ROWS, "the one-liner gives a DataFrame with a row per point")
    if df is not None:
        for column in ("point", "variant", "channels.search.budget", "channels.service.budget",
                       "profit.mean", "profit.sd", "profit.ci_low", "profit.ci_high"):
            check(column in df.columns, f"column {column}")
        with h5py.File(env.reference, "r") as f:
            check(np.array_equal(df["profit.mean"].to_numpy(), f["sweep"]["profit.mean"]),
                  "the DataFrame holds the file's numbers")
    finish()


def cmd_help(env):
    for command, expect in (("sweep", ["--vary", "--resume", "--design", "examples:", "mpirun"]),
                            ("compare", ["--baseline", "examples:", "95%"])):
        r = env.run([env.cjsim, command, "--help"])
        check(r.returncode == 0 and all(e in r.stdout for e in expect),
              f"cjsim {command} --help: exit 0 with {expect}")
    r = env.run([env.cjsim, "--help"])
    check("sweep" in r.stdout and "compare" in r.stdout, "cjsim --help lists sweep and compare")
    finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cjsim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--no-mpi-build", action="store_true",
                    help="cjsim was built without MPI: the mpi check reports itself skipped")
    ap.add_argument("--world", default="4000x150",
                    help="customers x days of the sweeps (smaller under sanitizers)")
    ap.add_argument("check", choices=["reference", "threads", "mpi", "kill_resume", "ctrl_c_resume",
                                      "resume_refused", "bad_input", "compare", "pandas", "help"])
    args = ap.parse_args()
    customers, days = args.world.split("x")
    WORLD.extend(["--set", f"simulation.customers={customers}", "--set", f"simulation.days={days}"])
    globals()["cmd_" + args.check](Env(args))


if __name__ == "__main__":
    main()
