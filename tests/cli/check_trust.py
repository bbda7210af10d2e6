#!/usr/bin/python3
"""Files, paths and numbers a user must be able to trust (issue 14), tested like a product.

    check_trust.py CJSIM SOURCE_DIR WORK_DIR CASE

Each CASE is one ctest (tests/CMakeLists.txt registers them as trust.<case>). Every check here
failed before the fix it guards: damaged result files that crashed the readers, outputs that
replaced devices, FIFOs or symlinks, inputs that never ended, KPIs that printed n/a for 0 or
100% for undefined, budgets left unspent without a word, overrides that silently did nothing,
and messages that pointed the wrong way.
"""
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys

CJSIM, SOURCE, WORK, CASE = sys.argv[1:5]
SCENARIOS = os.path.join(SOURCE, "scenarios")
os.makedirs(WORK, exist_ok=True)

# A small world (the README's first scenario, shrunk), with a lost stage.
BASE = """\
[simulation]
customers = 2_000
days      = 60

[stages]
unaware       = { role = "unaware" }
aware         = { role = "journey" }
consideration = { role = "journey" }
purchase      = { role = "purchase" }
lost          = { role = "lost" }

[edges]
"unaware -> aware"          = { rate = 0.05, forward = true, salience = true }
"aware -> consideration"    = { rate = 0.08, forward = true }
"aware -> unaware"          = { rate = 0.02 }
"consideration -> purchase" = { rate = 0.10, forward = true }
"consideration -> aware"    = { rate = 0.03 }
"purchase -> lost"          = { rate = 0.01 }

[channels.search]
cost    = 0.50
budget  = 2_000
reaches = ["aware", "consideration"]
lift    = { "consideration -> purchase" = 1.5 }
"""

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def cjsim(*args, cwd=WORK, timeout=300):
    p = subprocess.run([CJSIM, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def scenario_file(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def edited(old, new, text=BASE):
    assert old in text, old
    return text.replace(old, new, 1)


def expect(args, code, patterns, absent=(), stream="err"):
    rc, out, err = cjsim(*args)
    label = " ".join(args)
    text = err if stream == "err" else out
    check(rc == code, f"{label}: exit {rc}, expected {code}\n{err[-2000:]}")
    for p in patterns:
        check(re.search(p, text, re.M), f"{label}: {stream} lacks /{p}/:\n{text[-2000:]}")
    for p in absent:
        check(not re.search(p, text, re.M), f"{label}: {stream} has /{p}/:\n{text[-2000:]}")
    if code == 1 or code == 2:
        check("fix:" in err, f"{label}: no fix offered:\n{err[-2000:]}")
    return rc, out, err


def kpis_of(h5_path, variant=None):
    """{id: value} of the first replicate's kpis table of `variant` (the first one by default)."""
    import h5py
    with h5py.File(h5_path, "r") as f:
        runs = f["runs"]
        v = variant or sorted(runs.keys())[0]
        group = runs[v]
        rep = sorted(k for k in group.keys() if k.startswith("replicate_"))[0]
        table = group[rep]["kpis"][()]
        return {row["id"].decode(): float(row["value"]) for row in table}


def small_run(name, text=BASE, extra=()):
    path = scenario_file(name + ".toml", text)
    out = os.path.join(WORK, name + ".h5")
    rc, stdout, err = cjsim("run", path, "-q", "-o", out, *extra)
    check(rc == 0, f"run {name}: exit {rc}\n{err}")
    return out, stdout, err


# --- damaged files -----------------------------------------------------------------------------

def case_damaged_result_files():
    """Random 20-byte corruptions of real result files: every reader exits 0 or 1 (with "the file
    is damaged" or another refusal naming the file), never a signal, never 2. Before: 5 segfaults
    and 1 abort in 60 corruptions of a small run's file."""
    run_file, _, _ = small_run("damaged", extra=["--touch-paths", "--replicates", "2"])
    size = os.path.getsize(run_file)
    rng = random.Random(14)
    readers = [
        lambda p: ["report", p, "-o", os.path.join(WORK, "damaged.html"), "-q"],
        lambda p: ["export", p, "--weekly", os.path.join(WORK, "weekly.csv"), "--paths",
                   os.path.join(WORK, "paths.csv")],
        lambda p: ["attribute", p],
        lambda p: ["compare", p, run_file],
    ]
    crashes = []
    for k in range(40):
        damaged = os.path.join(WORK, f"damaged-{k}.h5")
        with open(run_file, "rb") as f:
            data = bytearray(f.read())
        at = rng.randrange(0, size - 20)
        data[at:at + 20] = bytes(rng.randrange(256) for _ in range(20))
        with open(damaged, "wb") as f:
            f.write(data)
        for reader in readers:
            args = reader(damaged)
            try:
                rc, _, err = cjsim(*args, timeout=120)
            except subprocess.TimeoutExpired:
                rc, err = "timeout (120 s)", ""
            if rc not in (0, 1):
                crashes.append(f"{' '.join(args)} (bytes {at}..{at + 20}): exit {rc}\n{err[-600:]}")
            elif rc == 1:
                check(damaged in err, f"{' '.join(args)}: the message does not name the file:\n{err}")
        os.remove(damaged)
    check(not crashes, f"{len(crashes)} readers crashed or failed with exit 2:\n" + "\n".join(crashes[:5]))
    crashes = []
    # A sweep file through compare's reader.
    sweep_file = os.path.join(WORK, "damaged-sweep.h5")
    base = scenario_file("base.toml", BASE)
    rc, _, err = cjsim("sweep", base, "-q", "-o", sweep_file, "--vary",
                       "channels.search.budget=0,2000", "--replicates", "2")
    check(rc == 0, f"sweep: exit {rc}\n{err}")
    size = os.path.getsize(sweep_file)
    for k in range(20):
        damaged = os.path.join(WORK, f"damaged-sweep-{k}.h5")
        with open(sweep_file, "rb") as f:
            data = bytearray(f.read())
        at = rng.randrange(0, size - 20)
        data[at:at + 20] = bytes(rng.randrange(256) for _ in range(20))
        with open(damaged, "wb") as f:
            f.write(data)
        for args in (["compare", damaged], ["report", damaged, "-o", os.path.join(WORK, "s.html"), "-q"]):
            try:
                rc, _, err = cjsim(*args, timeout=120)
            except subprocess.TimeoutExpired:
                rc, err = "timeout (120 s)", ""
            if rc not in (0, 1):
                crashes.append(f"{' '.join(args)} (bytes {at}..{at + 20}): exit {rc}\n{err[-600:]}")
        os.remove(damaged)
    check(not crashes, f"{len(crashes)} readers of sweep files crashed:\n" + "\n".join(crashes[:5]))
    # A truncated file says so.
    cut = os.path.join(WORK, "cut.h5")
    with open(run_file, "rb") as f:
        data = f.read()
    with open(cut, "wb") as f:
        f.write(data[: len(data) // 2])
    expect(["report", cut, "-o", os.path.join(WORK, "cut.html")], 1, [r"the file is damaged"])


# --- special output paths ----------------------------------------------------------------------

def case_special_outputs():
    """An existing output that is not a regular file is refused (exit 2, left as it was); a
    symlink is followed and its target replaced; '-' is standard output for CSV outputs."""
    base = scenario_file("base.toml", BASE)
    fifo = os.path.join(WORK, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    run_file, _, _ = small_run("outputs", extra=["--touch-paths"])
    writers = [
        ["run", base, "-q", "-o", fifo],
        ["run", base, "-q", "-o", os.path.join(WORK, "x.h5"), "--csv", fifo],
        ["report", run_file, "-o", fifo],
        ["export", run_file, "--weekly", fifo],
        ["export", run_file, "--paths", fifo],
        ["attribute", run_file, "--csv", fifo],
        ["value", base, "-q", "-r", "2", "--csv", fifo],
    ]
    for args in writers:
        expect(args, 2, [r"FIFO", r"does not overwrite"])
        check(stat.S_ISFIFO(os.stat(fifo).st_mode), f"{' '.join(args)}: the FIFO was replaced")
    # A symlink: its target is replaced, the link stays a link.
    target = os.path.join(WORK, "target.h5")
    link = os.path.join(WORK, "link.h5")
    with open(target, "w") as f:
        f.write("old\n")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("target.h5", link)
    rc, _, err = cjsim("run", base, "-q", "-o", link)
    check(rc == 0, f"run -o LINK: exit {rc}\n{err}")
    check(os.path.islink(link), "run -o LINK replaced the link by a plain file")
    with open(target, "rb") as f:
        check(f.read(8) == b"\x89HDF\r\n\x1a\n", "run -o LINK did not write the HDF5 file to the link's target")
    # '-' means standard output for CSV, and nothing else goes there.
    rc, out, err = cjsim("export", run_file, "--weekly", "-")
    check(rc == 0 and out.split("\n")[0].count(",") >= 2,
          f"export --weekly -: exit {rc}, stdout {out[:200]!r}\n{err}")
    check("wrote" not in out, f"export --weekly -: notes on standard output: {out[:300]!r}")
    rc, out, err = cjsim("attribute", run_file, "--csv", "-")
    check(rc == 0 and out.startswith('"Channel",') and "Attribution of" not in out,
          f"attribute --csv -: {out[:200]!r}\n{err}")
    expect(["run", base, "-q", "-o", "-"], 2, [r"-o", r"standard output"])
    expect(["report", run_file, "-o", "-"], 2, [r"-o", r"standard output"])
    # A path below a missing folder names the option it was given to.
    expect(["value", base, "-q", "-r", "2", "--csv", "/nonexist/x.csv"], 2,
           [r"--csv", r"does not exist"], absent=[r"another -o"])


def case_one_writer_per_output():
    """A second cjsim writing the same output fails at once naming the first (before: both
    exited 0 and one result silently replaced the other)."""
    import fcntl
    base = scenario_file("base.toml", BASE)
    out = os.path.join(WORK, "same.h5")
    lock = os.path.join(WORK, ".same.h5.lock")
    for stale in (out, lock):  # from an earlier run of this case in the same folder
        if os.path.exists(stale):
            os.remove(stale)
    with open(lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        expect(["run", base, "-q", "-o", out], 2, [r"another cjsim \(pid 4242\) is writing", r"same\.h5"])
        check(not os.path.exists(out), "the second writer wrote the output")
    # Two real runs at once: one of them is refused, or they ran one after the other.
    procs = [subprocess.Popen([CJSIM, "run", base, "-q", "-o", out, "--set",
                               "simulation.customers=60000"], cwd=WORK,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    check(codes in ([0, 0], [0, 2]), f"two writers of one output: exits {codes}")
    if codes == [0, 2]:
        check(any("another cjsim" in e for _, e in results), f"the refused writer does not say why: {results}")
    check(not os.path.exists(lock), "the lock file stayed after both writers ended")


# --- special input files -----------------------------------------------------------------------

def case_special_inputs():
    """Scenario files: devices refused at once, a FIFO without a writer given up after a bounded
    wait, more than 16 MiB refused saying so (before: /dev/zero ran until killed, a FIFO blocked
    for ever)."""
    for dev in ["/dev/zero", "/dev/urandom"]:
        for command in ["validate", "run"]:
            expect([command, dev], 1, [r"character device", dev])
    fifo = os.path.join(WORK, "scenario.fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    expect(["validate", fifo], 1, [r"nothing came through the pipe"])
    big = os.path.join(WORK, "big.toml")
    with open(big, "w") as f:
        f.write(BASE)
        f.write("#" + "x" * (17 << 20) + "\n")
    expect(["validate", big], 1, [r"16 MiB"])
    # A FIFO with a writer is read (cjsim validate <(generate)).
    p = subprocess.Popen([CJSIM, "validate", fifo], cwd=WORK, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    with open(fifo, "w") as f:
        f.write(BASE)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"validate FIFO with a writer: exit {p.returncode}\n{err}")


# --- numbers that mislead ----------------------------------------------------------------------

def case_retention_zero_and_undefined():
    """Retention that reached 0 is 0%, not n/a; n/a only where the horizon censors it, with a
    footnote; a world with no lost stage has no retention (not 100%)."""
    fast = edited('"purchase -> lost"          = { rate = 0.01 }',
                  '"purchase -> lost"          = { rate = 50 }')
    out, stdout, _ = small_run("all_lost", fast)
    k = kpis_of(out)
    for day in (30, 90, 365):
        check(k[f"retention.{day}"] == 0.0,
              f"retention.{day} of a world where everyone is lost at once: {k[f'retention.{day}']}")
    check(re.search(r"Retention 30 d\s+0(\.0)?%", stdout), f"the table does not print 0% for retention 30 d:\n{stdout}")
    # Where the horizon censors every customer before day k (and the curve is not yet 0): n/a
    # with a footnote saying so.
    out, stdout, _ = small_run("censored")
    k = kpis_of(out)
    check(k["retention.90"] != k["retention.90"], f"retention.90 beyond a 60-day horizon: {k['retention.90']}")
    check(re.search(r"n/a: the horizon \(60 days\) ends before day 90", stdout),
          f"no footnote for the censored retention:\n{stdout}")
    no_lost = BASE.replace('lost          = { role = "lost" }\n', "").replace(
        '"purchase -> lost"          = { rate = 0.01 }\n', "")
    out, stdout, _ = small_run("no_lost", no_lost)
    k = kpis_of(out)
    check(k["retention.30"] != k["retention.30"], f"retention of a world with no lost stage: {k['retention.30']}")
    check("no stage of this world is a lost stage" in stdout, f"no footnote for the undefined retention:\n{stdout}")


def case_conversion_on_the_graph():
    """Stage conversion is the share of those who reached A that went on to B; never above 100%,
    and absent for consecutive stages no edge path joins (before: a ratio of counts, 102.8% on
    the bench world)."""
    # aware and consideration are consecutive, but no path leads from aware to consideration.
    skip = edited('"aware -> consideration"    = { rate = 0.08, forward = true }\n',
                  '"aware -> purchase"         = { rate = 0.05, forward = true }\n')
    skip = edited('"aware -> unaware"          = { rate = 0.02 }\n', "", skip)
    skip = edited('"consideration -> aware"    = { rate = 0.03 }\n',
                  '"unaware -> consideration"  = { rate = 0.02 }\n', skip)
    out, stdout, _ = small_run("unjoined", skip)
    k = kpis_of(out)
    check("conversion.consideration" not in k, "a conversion between stages no path joins")
    check("conversion.aware" in k, "conversion.aware is missing")
    bench = os.path.join(WORK, "bench.h5")
    rc, _, err = cjsim("run", os.path.join(SCENARIOS, "bench.toml"), "-q", "-o", bench,
                       "--set", "simulation.customers=20000", "--set", "simulation.days=120")
    check(rc == 0, f"bench: exit {rc}\n{err}")
    for kid, v in kpis_of(bench).items():
        if kid.startswith("conversion."):
            check(0 <= v <= 1, f"bench {kid} = {v}: a conversion outside 0..100%")


def case_cac_ltv_romi_named():
    """CAC and LTV are named as what they are, acquisition CAC and margin LTV added, ROMI labelled,
    incremental ROMI on common random numbers with --incremental; --explain prints formulas."""
    base = scenario_file("base.toml", BASE)
    out = os.path.join(WORK, "incr.h5")
    rc, stdout, err = cjsim("run", base, "-q", "-o", out, "--incremental", "--replicates", "2")
    check(rc == 0, f"run --incremental: exit {rc}\n{err}")
    for label in ["Spend per new customer \\(all channels\\)", "Acquisition CAC",
                  "Revenue per new customer \\(horizon\\)", "Margin per new customer \\(horizon\\)",
                  "ROMI \\(all margin, incl. organic\\)", "ROMI \\(incremental\\)"]:
        check(re.search(label, stdout), f"the KPI table lacks {label}:\n{stdout}")
    k = kpis_of(out)
    # Every channel of BASE reaches pre-purchase stages only: acquisition CAC = CAC.
    check(abs(k["cac.acquisition"] - k["cac"]) <= 1e-9 * abs(k["cac"]), f"acquisition CAC {k['cac.acquisition']} vs CAC {k['cac']}")
    check(k["ltv.margin"] < k["ltv"], "margin LTV is not below revenue LTV")
    check(abs(k["romi.incremental"] - (k["margin.incremental"] - k["spend"]) / k["spend"]) < 1e-9,
          "romi.incremental is not (margin added - spend) / spend")
    check(k["romi.incremental"] < k["romi"], "incremental ROMI is not below all-margin ROMI")
    rc, stdout, err = cjsim("run", base, "--explain")
    check(rc == 0 and "cac.acquisition" in stdout and "/ new customers" in stdout,
          f"run --explain: exit {rc}\n{stdout[:800]}{err}")
    check(not os.path.exists(os.path.join(WORK, "results")), "run --explain ran and wrote a file")


UNDERSPEND = edited("budget  = 2_000", "budget  = 200_000")


def case_underspend_warned():
    """A channel that cannot spend its budget is named with the amount left and why, by validate
    (estimated), run, value and optimize (whose allocation no longer counts unspendable money)."""
    path = scenario_file("underspend.toml", UNDERSPEND)
    expect(["validate", path], 0, [r"warning: channels\.search: its budget of .* cannot be spent"])
    expect(["run", path, "-q", "-o", os.path.join(WORK, "u.h5")], 0,
           [r"warning: channel 'search' spent .* of its budget of .* left"])
    expect(["value", path, "-q", "-r", "2"], 0, [r"warning: channel 'search' spent"])
    rc, stdout, err = expect(["optimize", path, "-q", "--total", "150000", "-r", "2",
                              "--set", "simulation.customers=1000", "--set", "simulation.days=30"],
                             0, [r"cannot be spent"])
    m = re.search(r"allocated (\S+) of the total (\S+); spent (\S+)", stdout)
    check(m is not None, f"optimize does not say what it allocated and spent:\n{stdout}")
    sweep_out = os.path.join(WORK, "u-sweep.h5")
    expect(["sweep", path, "-q", "-o", sweep_out, "--vary", "channels.search.budget=100000,200000",
            "--replicates", "2"], 0, [r"warning: at 2 of 2 rows, channel 'search' spent"])


def case_overrides_that_do_nothing():
    """Overrides that replaced more than asked or undid a variant's own plan: refused or warned."""
    base = scenario_file("base.toml", BASE)
    # A table value merges into the existing table (before: seed, days and name were reset).
    rc, out, err = cjsim("validate", base, "--set", "simulation={customers=500}")
    check(rc == 0 and re.search(r"\b500 customers", out) and "60 days" in out,
          f"--set simulation={{customers=500}} did not merge: exit {rc}\n{out}{err}")
    expect(["sweep", base, "-q", "--vary", "simulation.replicates=1,2"], 1,
           [r"replicates are not a scenario value"])
    expect(["run", base, "-q", "--seed", "-5"], 1, [r"--seed", r">= 0"])
    expect(["run", base, "-q", "--set", "simulation.seed=-1"], 1, [r"seed"])
    expect(["trace", base, "--customer", "-1"], 1, [r"--customer", r">= 0"],
           absent=[r"18446744073709551615"])
    flowers = os.path.join(SCENARIOS, "flower_delivery.toml")
    expect(["validate", flowers], 0,
           [r"warning: the sweep varies channels\.loyalty\.budget, which a variant sets itself \(variant 'no_after_sales'"])
    expect(["validate", flowers, "--set", "channels.loyalty.budget=5000"], 0,
           [r"warning: --set channels\.loyalty\.budget=5000 replaces a variant's own value"])


def case_compare_unrelated_worlds():
    """Two runs of different worlds are compared with a warning naming what differs, and common
    random numbers are claimed only where they hold."""
    a, _, _ = small_run("world_a")
    b, _, _ = small_run("world_b", edited("customers = 2_000", "customers = 1_000"))
    rc, out, err = cjsim("compare", a, b, "-q")
    check(rc == 0, f"compare A B -q: exit {rc}\n{err}")
    check("common random numbers" not in out.split("\n\n")[0].replace("share no random", ""),
          f"compare of different worlds claims common random numbers:\n{out[:400]}")
    check(re.search(r"different worlds \(customers 2,000 vs 1,000", err), f"no warning naming the difference:\n{err}")
    a2, _, _ = small_run("world_a2", extra=["--set", "channels.search.budget=1000"])
    rc, out, err = cjsim("compare", a, a2)
    check(rc == 0 and "with common random numbers" in out and "different worlds" not in err,
          f"two plans of one world: {out[:300]}\n{err}")


# --- messages ----------------------------------------------------------------------------------

def case_messages_point_the_right_way():
    base = scenario_file("base.toml", BASE)
    expect(["run", base, "-q", "--set", "channels.search.budget=1e309"], 1, [r"out of range"],
           absent=[r"without quotes"])
    rc, out, err = expect(["optimize", base, "-q", "--total", "1e300"], 1, [r"--total", r"at most"])
    check(err.count("error") <= 1 and "flight" not in err, f"optimize --total 1e300: {err}")
    expect(["run", "-q"], 1, [r"missing the SCENARIO argument"], absent=[r"--scenario"])
    expect(["report"], 1, [r"missing the \S+ argument"], absent=[r"--input"])
    sweep_file = os.path.join(WORK, "s.h5")
    rc, _, err = cjsim("sweep", base, "-q", "-o", sweep_file, "--vary", "channels.search.budget=0,2000",
                       "--replicates", "2")
    check(rc == 0, f"sweep: exit {rc}\n{err}")
    for args in (["export", sweep_file, "--weekly", os.path.join(WORK, "w.csv")],
                 ["attribute", sweep_file]):
        expect(args, 1, [r"sweep file"], absent=[r"/runs: missing group"])
    run_file, _, _ = small_run("msg")
    expect(["export", run_file, "-q", "--weekly", os.path.join(WORK, "w.csv")], 0, [])
    expect(["compare", run_file, run_file, "-q"], 0, [])
    for command in ["run", "value", "optimize", "sweep", "attribute", "bench", "report"]:
        rc, out, _ = cjsim(command, "--help")
        check(not re.search(r"\d\.\d{8,}", out), f"cjsim {command} --help prints a raw double:\n" +
              "\n".join(l for l in out.split("\n") if re.search(r"\d\.\d{8,}", l)))
    # Nothing a user reads points outside the repository.
    rc, out, _ = cjsim("--help")
    check(not re.search(r"MODEL\.md|BENCH\.md|ARCHITECTURE\.md", out), "cjsim --help points outside the repository")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}

if CASE == "--list":
    print(";".join(sorted(CASES)))
    sys.exit(0)
if CASE not in CASES:
    sys.exit(f"check_trust.py: no case '{CASE}' (have: {', '.join(sorted(CASES))})")
CASES[CASE]()
if failures:
    print(f"{len(failures)} check(s) failed:")
    for f in failures:
        print(" -", f)
    sys.exit(1)
print("ok")
