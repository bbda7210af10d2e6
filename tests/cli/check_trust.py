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
import stat
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks, Cjsim, run_case  # noqa: E402

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

checks = Checks()
check = checks.check
program = Cjsim(CJSIM, WORK, checks)
cjsim = program.run
scenario_file = program.write


def edited(old, new, text=BASE):
    assert old in text, old
    return text.replace(old, new, 1)


def expect(args, code, patterns, absent=(), stream="err"):
    return program.expect(args, code, patterns, absent=absent, stream=stream)


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


# A world to calibrate in seconds: its weekly series come from a run of itself (export --weekly),
# its one unknown is a purchase rate.
CALIBRATED = BASE.replace("days      = 60", "days      = 56\nstart     = 2025-01-06") + """
[calibrate]
observed = "weekly.csv"
particles = 20
budget = 200
draws = 10
forecast = 2
value_draws = 2
seed = 5

[calibrate.priors]
"edges.consideration -> purchase.rate" = { dist = "lognormal", median = 0.1, sigma = 0.5 }
"""


def case_calibration_writers():
    """calibrate -o and --write-scenario, forecast --csv, and value/optimize over a posterior
    (--csv, --xlsx) follow the one output rule (tools/cli/common/output_path.hpp): claimed before
    any work, devices and FIFOs refused and left as they were, a symlink's target replaced with
    the link kept, '-' standard output for CSV alone, one writer per output. Before: calibrate
    and forecast replaced a FIFO or a link by a plain file after the work, value over a posterior
    wrote '--csv -' to a file named '-', and optimize over a posterior wrote nothing for --csv."""
    import fcntl
    fit = scenario_file("fit.toml", CALIBRATED)
    truth = scenario_file("truth.toml", CALIBRATED.split("[calibrate]")[0])
    truth_h5 = os.path.join(WORK, "truth.h5")
    rc, _, err = cjsim("run", truth, "-q", "-o", truth_h5)
    check(rc == 0, f"run truth: exit {rc}\n{err}")
    rc, _, err = cjsim("export", truth_h5, "--weekly", os.path.join(WORK, "weekly.csv"))
    check(rc == 0, f"export --weekly: exit {rc}\n{err}")
    fifo = os.path.join(WORK, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    # Refused at once (before the fit: well under the seconds a fit takes), the FIFO untouched.
    for args in (["calibrate", fit, "-q", "-o", fifo],
                 ["calibrate", fit, "-q", "-o", os.path.join(WORK, "c0.h5"), "--write-scenario", fifo]):
        expect(args, 2, [r"FIFO", r"does not overwrite"])
        check(stat.S_ISFIFO(os.stat(fifo).st_mode), f"{' '.join(args)}: the FIFO was replaced")
    expect(["calibrate", fit, "-q", "-o", "/nonexist/cal.h5"], 2, [r"\(-o\)", r"does not exist"])
    held_out = os.path.join(WORK, "held.h5")
    with open(os.path.join(WORK, ".held.h5.lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242\n")
        held.flush()
        expect(["calibrate", fit, "-q", "-o", held_out], 2, [r"another cjsim \(pid 4242\) is writing"])
        check(not os.path.exists(held_out), "calibrate wrote an output another cjsim holds")
    os.remove(os.path.join(WORK, ".held.h5.lock"))
    # Through symbolic links: the targets are written, the links stay links.
    links = {}
    for name in ("cal.h5", "fitted.toml", "forecast.csv"):
        target, link = os.path.join(WORK, "target-" + name), os.path.join(WORK, name)
        with open(target, "w") as f:
            f.write("old\n")
        if os.path.lexists(link):
            os.remove(link)
        os.symlink("target-" + name, link)
        links[name] = (link, target)
    cal = links["cal.h5"][0]
    rc, out, err = cjsim("calibrate", fit, "-q", "-o", cal, "--write-scenario", links["fitted.toml"][0])
    check(rc == 0, f"calibrate -o LINK: exit {rc}\n{err}")
    for name in ("cal.h5", "fitted.toml"):
        link, target = links[name]
        check(os.path.islink(link), f"calibrate replaced the link {name} by a plain file")
        with open(target, "rb") as f:
            head = f.read(8)
        check(head != b"old\n" and (name != "cal.h5" or head == b"\x89HDF\r\n\x1a\n"),
              f"calibrate did not write {name} to the link's target: {head!r}")
    check(not os.path.exists(os.path.join(WORK, ".cal.h5.lock")) and
          not os.path.exists(os.path.join(WORK, ".target-cal.h5.lock")), "calibrate left its lock")
    if rc != 0:
        return
    # forecast --csv: a FIFO refused, a link's target written, '-' standard output with the
    # table on standard error.
    expect(["forecast", cal, "-q", "--periods", "2", "--csv", fifo], 2, [r"FIFO", r"--csv"])
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "forecast --csv FIFO: the FIFO was replaced")
    link, target = links["forecast.csv"]
    rc, out, err = cjsim("forecast", cal, "-q", "--periods", "2", "--csv", link)
    check(rc == 0 and os.path.islink(link), f"forecast --csv LINK: exit {rc}, link kept: {os.path.islink(link)}\n{err}")
    with open(target) as f:
        check(f.readline().startswith("target,date,"), "forecast --csv LINK did not write the target")
    rc, out, err = cjsim("forecast", cal, "-q", "--periods", "2", "--csv", "-")
    check(rc == 0 and out.startswith("target,date,") and "Forecast over" not in out and
          "Forecast over" in err, f"forecast --csv -: exit {rc}\nstdout {out[:300]!r}\nstderr {err[:300]!r}")
    check(not os.path.exists(os.path.join(WORK, "-")), "forecast --csv - wrote a file named '-'")
    # value and optimize over the posterior.
    expect(["value", cal, "-q", "--draws", "2", "-r", "2", "--csv", fifo], 2, [r"FIFO"])
    rc, out, err = cjsim("value", cal, "-q", "--draws", "2", "-r", "2", "--csv", "-")
    check(rc == 0 and out.startswith("channel,measure,") and "Channel value over" not in out,
          f"value CALIBRATION --csv -: exit {rc}\nstdout {out[:300]!r}\n{err[-300:]}")
    check(not os.path.exists(os.path.join(WORK, "-")), "value CALIBRATION --csv - wrote a file named '-'")
    split = os.path.join(WORK, "split.csv")
    if os.path.exists(split):
        os.remove(split)
    rc, out, err = cjsim("optimize", cal, "-q", "--total", "2000", "--draws", "2", "-r", "2",
                         "--csv", split)
    check(rc == 0 and os.path.exists(split), f"optimize CALIBRATION --csv FILE: exit {rc}, "
          f"file written: {os.path.exists(split)}\n{err[-300:]}")
    if os.path.exists(split):
        with open(split) as f:
            check("search" in f.read(), "optimize CALIBRATION --csv: the allocation lacks the channel")


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
    # A lost stage that only edges at rate 0 enter is no way to leave either (funnel_world:
    # 100% retention next to a 0% repeat rate); one segment's positive rate is a way.
    closed = edited('"purchase -> lost"          = { rate = 0.01 }', '"purchase -> lost"          = { rate = 0.0 }')
    out, stdout, _ = small_run("lost_closed", closed)
    k = kpis_of(out)
    check(k["retention.30"] != k["retention.30"], f"retention with every way to 'lost' at rate 0: {k['retention.30']}")
    check("no edge of positive rate leads a customer who bought to a lost stage" in stdout,
          f"no footnote for the closed lost stage:\n{stdout}")
    check(not re.search(r"Retention 30 d\s+100(\.0)?%", stdout), f"100% retention printed:\n{stdout}")
    # Per segment: the way out exists when one segment's rate is positive, not when every
    # segment multiplies it by 0.
    segments = BASE + """
[segments.keeps]
share = 0.5
edges = { "purchase -> lost" = 0.0 }

[segments.leaves]
share = 0.5
"""
    out, stdout, _ = small_run("one_segment_leaves", segments)
    k = kpis_of(out)
    check(k["retention.30"] == k["retention.30"] and 0 < k["retention.30"] < 1,
          f"retention where one segment can be lost: {k['retention.30']}")
    closed_for_all = segments.replace("[segments.leaves]\nshare = 0.5\n",
                                      "[segments.leaves]\nshare = 0.5\nedges = { \"purchase -> lost\" = 0.0 }\n")
    assert closed_for_all != segments
    out, stdout, _ = small_run("no_segment_leaves", closed_for_all)
    k = kpis_of(out)
    check(k["retention.30"] != k["retention.30"] and "no edge of positive rate" in stdout,
          f"retention where every segment multiplies the way out by 0: {k['retention.30']}\n{stdout[-600:]}")
    funnel = os.path.join(WORK, "funnel_world.h5")
    rc, stdout, err = cjsim("run", os.path.join(SCENARIOS, "funnel_vs_loop.toml"), "-q", "-o", funnel,
                            "--variant", "funnel_world", "--set", "simulation.customers=3000",
                            "--set", "simulation.days=90")
    check(rc == 0, f"funnel_world: exit {rc}\n{err}")
    k = kpis_of(funnel, "funnel_world")
    check(k["retention.30"] != k["retention.30"], f"funnel_world retention.30 = {k['retention.30']}")
    check(not re.search(r"Retention 30 d\s+100(\.0)?%", stdout), f"funnel_world prints 100% retention:\n{stdout}")
    # compare says why each n/a is n/a (before: a bare n/a).
    rc, out, err = cjsim("compare", funnel, funnel, "-q")
    check(rc == 0 and re.search(r"n/a \(Retention 30 d, Retention 90 d, Retention 365 d\) in B: undefined: no edge of positive rate", out),
          f"compare does not footnote the undefined retention: exit {rc}\n{out[-800:]}{err[-300:]}")
    # The report draws no retention curve for it (it was a flat 100%) and gives the reason.
    page = os.path.join(WORK, "funnel_world.html")
    rc, _, err = cjsim("report", funnel, "-o", page, "-q")
    check(rc == 0, f"report funnel_world: exit {rc}\n{err}")
    if rc == 0:
        with open(page, encoding="utf-8") as f:
            html = f.read()
        check('"retention":null' in html and '"retention_undefined":"undefined: no edge of positive rate' in html,
              "the report of funnel_world draws a retention curve or does not say why")


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


run_case("trust", CASE, checks)
