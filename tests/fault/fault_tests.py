#!/usr/bin/python3
"""Fault tests: cjsim under a full disk, a read-only folder, kills, vanishing or damaged inputs.

Each fault is one ctest (tests/hardening.cmake): fault_tests.py --cjsim BIN --source DIR
--work DIR FAULT. Every fault runs against every command it applies to (the WRITERS, INPUT_USERS
and RESULT_READERS tables below), and checks what tests/fault/README.md promises:

  - a clear message (the path, the cause, a fix) and a non-zero exit code (1 for bad input,
    2 for a runtime failure, 128 + signal for a signal);
  - any previous file at the target path untouched, byte for byte;
  - no partial file under the final name;
  - no temporary file left behind, except after SIGKILL (nothing can clean up then: the
    leftover is a hidden .NAME.tmp-PID file that the next run ignores and readers refuse).

Running as root (CI containers), permissions do not apply to us: the read-only and unreadable
faults run cjsim as nobody (setpriv), and the tmpfs and read-only-mount faults use a private
mount namespace (unshare), so they mean the same for root and for a user. A fault that cannot be
set up on this machine, in whole or in part, prints "CJSIM-SKIPPED: <what and why>" and exits 77,
which ctest reports as skipped (tools/test lists every skip with its reason); under CJSIM_NO_SKIPS=1 it
fails instead, because CI must run every case.

Adding a command is one row in a table; see tests/fault/README.md.
"""

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77


class Failure(Exception):
    pass


class Skipped(Exception):
    """The fault cannot be set up here (the whole of it)."""


def check(condition, what):
    if not condition:
        raise Failure(what)


# ---- the commands under test -------------------------------------------------------------------


class Ctx:
    """Paths and the inputs every case shares."""

    def __init__(self, cjsim, source, work):
        self.cjsim = os.path.abspath(cjsim)
        self.source = os.path.abspath(source)
        self.work = os.path.abspath(work)
        self.scenario = os.path.join(self.source, "scenarios", "smartwatch.toml")
        # A small world: a run writes about 0.7 MB, a report about 1.2 MB, in well under a second.
        self.small = ["--variant", "as_told", "--set", "simulation.customers=20000", "-r", "2"]
        self.result = os.path.join(self.work, "inputs", "result.h5")
        self.dropped = []  # cases that could not run here, with the reason: a partial skip


class Writer:
    """A command that writes one file: how to call it, and what a good output looks like."""

    def __init__(self, name, args, suffix, slow_args=None):
        self.name = name
        self.args = args  # (ctx, output path) -> arguments after "cjsim"
        self.suffix = suffix
        self.slow_args = slow_args  # (ctx, output) -> a call that runs for seconds (kill tests)


WRITERS = [
    Writer("run", lambda c, out: ["run", c.scenario, *c.small, "-q", "--threads", "2", "-o", out],
           ".h5",
           slow_args=lambda c, out: ["run", os.path.join(c.source, "scenarios", "bench.toml"),
                                     "--set", "simulation.customers=100000", "-r", "30", "-q",
                                     "--threads", "2", "-o", out]),
    Writer("report", lambda c, out: ["report", c.result, "--no-story", "-q", "-o", out], ".html"),
    # sweep: its own fault (sweep_faults below), since a failed sweep keeps its finished rows
    # in OUT.partial/ for --resume.
]

# Commands that read a scenario file: (name, arguments given the scenario path).
INPUT_USERS = [
    ("run", lambda c, scen, out: ["run", scen, "-q", "-o", out]),
    ("validate", lambda c, scen, out: ["validate", scen]),
    ("trace", lambda c, scen, out: ["trace", scen, "--customer", "1"]),
    ("sweep", lambda c, scen, out: ["sweep", scen, "-q", "-o", out]),
]

# Commands that read a result file: (name, arguments given the input, and the output it writes).
RESULT_READERS = [
    ("report", lambda c, h5, out: ["report", h5, "--no-story", "-q", "-o", out], ".html"),
    # compare writes nothing: `out` is a file beside it that must stay as it is.
    ("compare", lambda c, h5, out: ["compare", h5, c.result], ".txt"),
]


# ---- running and looking ---------------------------------------------------------------------


def run(ctx, args, *, as_nobody=False, preexec=None, timeout=300, wrap=None):
    cmd = [ctx.cjsim, *args]
    if as_nobody:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    if wrap:
        cmd = [*wrap, *cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, preexec_fn=preexec,
                       cwd=ctx.work)
    return p.returncode, p.stdout, p.stderr


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(folder):
    """{name: sha256} of every file in a folder (not recursive)."""
    out = {}
    for name in sorted(os.listdir(folder)):
        full = os.path.join(folder, name)
        out[name] = digest(full) if os.path.isfile(full) else "<dir>"
    return out


def fresh(ctx, *parts):
    path = os.path.join(ctx.work, *parts)
    if os.path.exists(path):
        make_writable(path)
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def make_writable(path):
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    os.chmod(path, 0o755)


def prepare_inputs(ctx):
    """A good result file (input of report) and a good output of every writer (the 'previous
    file' faults must leave untouched)."""
    fresh(ctx, "inputs")
    code, _, err = run(ctx, ["run", ctx.scenario, *ctx.small, "-q", "--threads", "2",
                             "-o", ctx.result])
    check(code == 0, f"preparing the input result file failed: {err}")
    previous = {}
    for w in WRITERS:
        path = os.path.join(ctx.work, "inputs", "previous_" + w.name + w.suffix)
        code, _, err = run(ctx, w.args(ctx, path))
        check(code == 0, f"preparing a previous {w.name} output failed: {err}")
        previous[w.name] = path
    return previous


def expect_failure(what, code, err, exit_code, says):
    check(code == exit_code, f"{what}: exit code {code}, expected {exit_code}; stderr:\n{err}")
    for part in says:
        check(part in err, f"{what}: the message lacks '{part}':\n{err}")
    check("Traceback" not in err and "terminate called" not in err and "Sanitizer" not in err,
          f"{what}: crashed:\n{err}")


def expect_folder(what, folder, expected):
    now = snapshot(folder)
    check(now == expected,
          f"{what}: the folder changed:\n  before {sorted(expected)}\n  after  {sorted(now)}"
          + "".join(f"\n  {n}: changed" for n in now if n in expected and now[n] != expected[n]))


def with_and_without_previous(ctx, writer, previous, body):
    """Runs body(folder, output, before) in a fresh folder: once empty, once with a previous
    good file at the output path."""
    for keep in (False, True):
        folder = fresh(ctx, "case")
        out = os.path.join(folder, "out" + writer.suffix)
        if keep:
            shutil.copyfile(previous[writer.name], out)
        body(folder, out, snapshot(folder), keep)


# ---- faults ------------------------------------------------------------------------------------


def disk_full(ctx):
    """The output disk fills during the write: a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored,
    so writes past it fail with EFBIG as they do with ENOSPC), from 'nothing fits' to 'the last
    bytes do not fit', so the failure lands in every phase of the write."""
    previous = prepare_inputs(ctx)
    for w in WRITERS:
        size = os.path.getsize(previous[w.name])
        for limit in (0, 4096, 64 * 1024, size // 2, size - 2048):
            def limited(limit=limit):
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            def body(folder, out, before, keep):
                what = f"{w.name}, file size limit {limit} bytes, previous file {keep}"
                code, _, err = run(ctx, w.args(ctx, out), preexec=limited)
                expect_failure(what, code, err, 2, [out])
                check("disk full" in err or "File too large" in err,
                      f"{what}: the message does not say the disk is full:\n{err}")
                expect_folder(what, folder, before)

            with_and_without_previous(ctx, w, previous, body)
    return "every writer, five file size limits, with and without a previous file"


def inside_namespace(ctx, mode, folder, args):
    """Runs cjsim inside a private mount namespace where `folder` is a tmpfs with 128 KiB free
    (mode "tmpfs") or read-only (mode "ro"), and reports code, stderr and the folder's files."""
    helper = os.path.abspath(__file__)
    cmd = ["unshare", "--user", "--map-root-user", "--mount", "/usr/bin/python3", helper,
           "--inside", mode, folder, ctx.cjsim, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ctx.work)
    if p.returncode == SKIP:
        return None
    check(p.returncode == 0, f"the namespace helper failed: {p.stderr}")
    return json.loads(p.stdout)


def inside_main(mode, folder, cjsim, args):
    """The part of inside_namespace that runs in the namespace."""
    contents = {}
    for name in os.listdir(folder):  # what to put back into the fresh mount
        with open(os.path.join(folder, name), "rb") as f:
            contents[name] = f.read()
    if mode == "tmpfs":
        # Room for what is there plus 128 KiB: every writer's output is larger.
        size = sum(len(d) + 4096 for d in contents.values()) + 128 * 1024
        setup = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", folder]
    else:
        setup = ["mount", "--bind", folder, folder]
    if subprocess.run(setup, capture_output=True).returncode != 0:
        sys.exit(SKIP)
    if mode == "tmpfs":
        for name, data in contents.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
    else:
        if subprocess.run(["mount", "-o", "remount,bind,ro", folder, folder],
                          capture_output=True).returncode != 0:
            sys.exit(SKIP)
    before = snapshot(folder)
    p = subprocess.run([cjsim, *args], capture_output=True, text=True, timeout=300)
    print(json.dumps({"code": p.returncode, "stderr": p.stderr, "before": before,
                      "after": snapshot(folder)}))


def disk_full_tmpfs(ctx):
    """The output disk really is full (ENOSPC): a tmpfs with 128 KiB free, in a private mount
    namespace."""
    previous = prepare_inputs(ctx)
    ran = 0
    missed = []
    for w in WRITERS:
        def body(folder, out, before, keep):
            nonlocal ran
            what = f"{w.name} on a full tmpfs, previous file {keep}"
            r = inside_namespace(ctx, "tmpfs", folder, w.args(ctx, out))
            if r is None:
                missed.append(what)
                return
            ran += 1
            expect_failure(what, r["code"], r["stderr"], 2, [out, "disk full"])
            check(r["after"] == r["before"], f"{what}: the folder changed: {r}")

        with_and_without_previous(ctx, w, previous, body)
    if ran == 0:
        raise Skipped("this machine does not allow a private mount namespace (unshare)")
    if missed:
        ctx.dropped.append("the mount could not be set up for: " + ", ".join(missed))
    return "every writer on a tmpfs with 128 KiB free, with and without a previous file"


def nobody_can_reach(path):
    """Whether user nobody can walk to `path` (every folder above it searchable by others)."""
    path = os.path.abspath(path)
    while path != "/":
        path = os.path.dirname(path)
        if not os.stat(path).st_mode & 0o001:
            return False
    return True


def read_only(ctx):
    """The output folder is read-only: a folder without write permission (as nobody when we are
    root: root ignores permissions), and an output path below a plain file."""
    previous = prepare_inputs(ctx)
    as_nobody = os.geteuid() == 0
    if as_nobody and not nobody_can_reach(ctx.work):
        raise Skipped(f"we are root and user nobody cannot reach {ctx.work} (a folder above it "
                      f"is not searchable by others)")
    for w in WRITERS:
        def body(folder, out, before, keep):
            what = f"{w.name} into a read-only folder, previous file {keep}"
            os.chmod(folder, 0o555)
            try:
                code, _, err = run(ctx, w.args(ctx, out), as_nobody=as_nobody)
            finally:
                os.chmod(folder, 0o755)
            expect_failure(what, code, err, 2, [folder])
            check("read-only" in err or "Permission denied" in err,
                  f"{what}: the message does not say the folder is read-only:\n{err}")
            expect_folder(what, folder, before)

        with_and_without_previous(ctx, w, previous, body)
        folder = fresh(ctx, "case")
        with open(os.path.join(folder, "plain"), "w") as f:
            f.write("a file, not a folder\n")
        before = snapshot(folder)
        out = os.path.join(folder, "plain", "out" + w.suffix)
        code, _, err = run(ctx, w.args(ctx, out))
        expect_failure(f"{w.name} below a plain file", code, err, 2, [out if w.name == "report"
                                                                      else "plain"])
        expect_folder(f"{w.name} below a plain file", folder, before)
    return "every writer, as " + ("nobody" if as_nobody else "this user") + \
        ", with and without a previous file; and below a plain file"


def read_only_mount(ctx):
    """The output folder is on a read-only mount (EROFS), in a private mount namespace."""
    previous = prepare_inputs(ctx)
    ran = 0
    missed = []
    for w in WRITERS:
        def body(folder, out, before, keep):
            nonlocal ran
            what = f"{w.name} on a read-only mount, previous file {keep}"
            r = inside_namespace(ctx, "ro", folder, w.args(ctx, out))
            if r is None:
                missed.append(what)
                return
            ran += 1
            expect_failure(what, r["code"], r["stderr"], 2, [folder])
            check("read-only" in r["stderr"] or "Read-only file system" in r["stderr"],
                  f"{what}: the message does not say the folder is read-only:\n{r['stderr']}")
            check(r["after"] == r["before"], f"{what}: the folder changed: {r}")

        with_and_without_previous(ctx, w, previous, body)
    if ran == 0:
        raise Skipped("this machine does not allow a private mount namespace (unshare)")
    if missed:
        ctx.dropped.append("the mount could not be set up for: " + ", ".join(missed))
    return "every writer on a read-only bind mount, with and without a previous file"


def temp_files(folder):
    return [n for n in os.listdir(folder) if ".tmp-" in n]


def start_and_signal(ctx, w, out, folder, sig, when):
    """Starts a slow write, waits for `when` (the temporary file exists / holds runs: past
    256 KiB, the header is 13 KiB and one run of 100,000 customers about 1 MiB), sends `sig`;
    returns (exit code, stderr, seconds waited)."""
    p = subprocess.Popen([ctx.cjsim, *w.slow_args(ctx, out)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, cwd=ctx.work)
    start = time.monotonic()
    while p.poll() is None and time.monotonic() - start < 120:
        temps = temp_files(folder)
        if temps:
            if when == "created" or os.path.getsize(os.path.join(folder, temps[0])) > 256 << 10:
                break
        time.sleep(0.005)
    check(p.poll() is None, f"{w.name} finished before it could be signalled: make it slower")
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    return p.returncode, err, time.monotonic() - start


def killed(ctx):
    """SIGKILL during the HDF5 write, just after the file is created and once a run is in it:
    the final path keeps what it had; the leftover temporary file is refused by readers, and
    the next run writes a good file beside it."""
    previous = prepare_inputs(ctx)
    notes = []
    for w in [w for w in WRITERS if w.slow_args]:
        for when in ("created", "grown"):
            def body(folder, out, before, keep):
                what = f"{w.name} killed when the file is {when}, previous file {keep}"
                code, err, waited = start_and_signal(ctx, w, out, folder, signal.SIGKILL, when)
                check(code == -signal.SIGKILL, f"{what}: exit {code}, expected SIGKILL")
                leftovers = temp_files(folder)
                check(len(leftovers) == 1, f"{what}: expected one leftover, got {leftovers}")
                after = snapshot(folder)
                del after[leftovers[0]]
                # The writer's lock file may stay too (the kernel released the lock itself);
                # the next writer takes it and removes it when done.
                lock = "." + os.path.basename(out) + ".lock"
                after.pop(lock, None)
                check(after == before, f"{what}: the final path changed")
                # A reader refuses the leftover (an HDF5 file that was never closed).
                code, _, err = run(ctx, ["report", os.path.join(folder, leftovers[0]),
                                         "--no-story", "-q", "-o", os.path.join(folder, "x.html")])
                expect_failure(f"{what}: report of the leftover", code, err, 1, [leftovers[0]])
                # The next run is not disturbed by the leftover.
                code, _, err = run(ctx, w.args(ctx, out))
                check(code == 0, f"{what}: the next run failed: {err}")
                check(snapshot(folder).keys() == {os.path.basename(out), leftovers[0]},
                      f"{what}: after the next run: {sorted(snapshot(folder))}")
                notes.append(f"{when} after {waited:.2f} s")

            with_and_without_previous(ctx, w, previous, body)
    return "SIGKILL " + ", ".join(notes)


def interrupted(ctx):
    """SIGINT (Ctrl-C) and SIGTERM (kill, a cluster's time limit) during the write: cjsim stops
    at the end of the day it is simulating, removes its temporary file and exits 128 + signal."""
    previous = prepare_inputs(ctx)
    for w in [w for w in WRITERS if w.slow_args]:
        for sig in (signal.SIGINT, signal.SIGTERM):
            def body(folder, out, before, keep):
                what = f"{w.name} given {sig.name}, previous file {keep}"
                code, err, _ = start_and_signal(ctx, w, out, folder, sig, "grown")
                expect_failure(what, code, err, 128 + sig, ["interrupted", "nothing was written"])
                expect_folder(what, folder, before)

            with_and_without_previous(ctx, w, previous, body)
    return "SIGINT and SIGTERM, with and without a previous file"


def scenario_unreadable(ctx):
    """The scenario file is missing, a folder, below a plain file, or unreadable (mode 000, as
    nobody when we are root): exit 1, the path and the cause in the message, nothing written."""
    folder = fresh(ctx, "case")
    plain = os.path.join(folder, "plain.toml")
    shutil.copyfile(ctx.scenario, plain)
    locked = os.path.join(folder, "locked.toml")
    shutil.copyfile(ctx.scenario, locked)
    os.chmod(locked, 0)
    as_nobody = os.geteuid() == 0
    cases = [("missing", os.path.join(folder, "gone.toml"), False, "No such file"),
             ("a folder", folder, False, "Is a directory"),
             ("below a plain file", os.path.join(plain, "x.toml"), False, "Not a directory")]
    if not as_nobody or nobody_can_reach(folder):
        os.chmod(folder, 0o755)
        cases.append(("unreadable", locked, as_nobody, "Permission denied"))
    else:
        ctx.dropped.append(f"the unreadable scenario: we are root and user nobody cannot reach "
                           f"{folder}")
    out = os.path.join(folder, "out.h5")
    for name, args in INPUT_USERS:
        for what, path, nobody, cause in cases:
            before = snapshot(folder)
            code, _, err = run(ctx, args(ctx, path, out), as_nobody=nobody)
            expect_failure(f"{name}: scenario {what}", code, err, 1, [path, cause])
            expect_folder(f"{name}: scenario {what}", folder, before)
    return f"{len(cases)} ways for {len(INPUT_USERS)} commands"


def scenario_vanishes(ctx):
    """The scenario file is deleted while a run is under way: the run needs only the text it
    read, finishes, and its file holds the scenario, so a report (which re-runs the story from
    the stored scenario) works without the original file."""
    folder = fresh(ctx, "case")
    scen = os.path.join(folder, "gone.toml")
    shutil.copyfile(os.path.join(ctx.source, "scenarios", "bench.toml"), scen)
    out = os.path.join(folder, "out.h5")
    p = subprocess.Popen([ctx.cjsim, "run", scen, "--set", "simulation.customers=100000", "-q",
                          "-o", out], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, cwd=ctx.work)
    start = time.monotonic()
    while not temp_files(folder) and p.poll() is None and time.monotonic() - start < 60:
        time.sleep(0.005)
    os.remove(scen)
    _, err = p.communicate(timeout=300)
    check(p.returncode == 0, f"the run failed after its scenario vanished: {err}")
    check(sorted(os.listdir(folder)) == ["out.h5"], f"left: {os.listdir(folder)}")
    code, _, err = run(ctx, ["report", out, "-q", "-o", os.path.join(folder, "out.html")])
    check(code == 0, f"the report needed the vanished scenario: {err}")
    return "run finished, report re-ran the story from the stored scenario"


def truncate_copy(src, dst, fraction):
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data[: int(len(data) * fraction)])


def newer_format_copy(ctx, src, dst):
    """A copy whose root attribute 'format' is one above what this cjsim reads (h5py)."""
    import h5py
    shutil.copyfile(src, dst)
    with h5py.File(dst, "r+") as f:
        f.attrs["format"] = int(f.attrs["format"]) + 1


def foreign_hdf5(dst):
    import h5py
    import numpy
    with h5py.File(dst, "w") as f:
        f["temperature"] = numpy.arange(10.0)


def bad_result_input(ctx):
    """A result file given to a reader is truncated, not HDF5, someone else's HDF5, of a newer
    format, empty, a folder or missing: exit 1, the path and the cause, the reader's previous
    output untouched."""
    previous = prepare_inputs(ctx)
    inputs = fresh(ctx, "bad_inputs")
    bad = {
        "truncated to half": ("half.h5", lambda p: truncate_copy(ctx.result, p, 0.5), "truncated"),
        "truncated to its header": ("header.h5", lambda p: truncate_copy(ctx.result, p, 0.002),
                                    "truncated"),
        "a text file": ("notes.h5", lambda p: open(p, "w").write("journey notes\n"),
                        "not an HDF5 file"),
        "empty": ("empty.h5", lambda p: open(p, "w").close(), "not an HDF5 file"),
        "someone else's HDF5": ("foreign.h5", foreign_hdf5, "not a cjsim result file"),
        "a newer format": ("newer.h5", lambda p: newer_format_copy(ctx, ctx.result, p),
                           "newer cjsim"),
        "a folder": ("folder.h5", os.mkdir, "folder.h5"),
        "missing": ("missing.h5", lambda p: None, "No such file"),
    }
    for what, (name, make, says) in bad.items():
        make(os.path.join(inputs, name))
    for reader, args, suffix in RESULT_READERS:
        for what, (name, _, says) in bad.items():
            folder = fresh(ctx, "case")
            out = os.path.join(folder, "out" + suffix)
            shutil.copyfile(previous.get(reader, previous["report"]), out)
            before = snapshot(folder)
            path = os.path.join(inputs, name)
            code, _, err = run(ctx, args(ctx, path, out))
            expect_failure(f"{reader}: input {what}", code, err, 1, [path, says])
            expect_folder(f"{reader}: input {what}", folder, before)
    return f"{len(bad)} damaged inputs for {len(RESULT_READERS)} readers"


SWEEP_WORLD = ["--replicates", "2", "--set", "simulation.customers=20000", "--threads", "2", "-q"]


def sweep_args(ctx, out, *extra, steps=4):
    return ["sweep", os.path.join(ctx.source, "scenarios", "bench.toml"), *SWEEP_WORLD,
            "--vary", f"channels.search.budget=0:300000:{steps}", "-o", out, *extra]


def sweep_tables(path):
    """The sweep table and per-point series of a sweep file, as bytes (h5py)."""
    import h5py
    with h5py.File(path, "r") as f:
        table = f["sweep"][()]
        out = {}
        for name in table.dtype.names:  # text columns compare as values, numbers as bits
            column = table[name]
            out["sweep/" + name] = list(column) if column.dtype == object else column.tobytes()
        for name in ("kpi_values", "stage_counts", "revenue", "spend"):
            out[name] = f["points"][name][()].tobytes()
    return out


def sweep_faults(ctx):
    """A sweep whose disk fills (file size limit: in the manifest, in a row, in the final file)
    or whose folder is read-only: exit 2 with the cause and the fix, the output path keeps what
    it had, no temporary file under or beside the final name; the rows already finished stay in
    OUT.partial/, and the same command with --resume, once the fault is gone, finishes the sweep
    with a table equal bit for bit to an uninterrupted run's. (SIGKILL and SIGINT during a sweep,
    and resuming after them: tests/sweep/check_sweep.py, kill_resume and ctrl_c_resume.)"""
    inputs = fresh(ctx, "inputs")
    reference = os.path.join(inputs, "reference.h5")
    code, _, err = run(ctx, sweep_args(ctx, reference))
    check(code == 0, f"the reference sweep failed: {err}")
    # A previous file at the output path: another, complete sweep (3 points instead of 4).
    previous = os.path.join(inputs, "previous.h5")
    code, _, err = run(ctx, sweep_args(ctx, previous, steps=3))
    check(code == 0, f"the previous sweep failed: {err}")
    expected = sweep_tables(reference)
    size = os.path.getsize(reference)
    faults = [(f"file size limit {limit} bytes", limit) for limit in
              (0, 4096, 64 * 1024, size // 2, size - 2048)]
    as_nobody = os.geteuid() == 0
    if not as_nobody or nobody_can_reach(ctx.work):
        faults.append(("read-only folder", None))
    else:
        ctx.dropped.append(f"the read-only folder: we are root and user nobody cannot reach "
                           f"{ctx.work}")
    w = Writer("sweep", None, ".h5")
    for what_fault, limit in faults:
        def body(folder, out, before, keep):
            what = f"sweep, {what_fault}, previous file {keep}"
            if limit is None:
                os.chmod(folder, 0o555)
                try:
                    code, _, err = run(ctx, sweep_args(ctx, out), as_nobody=as_nobody)
                finally:
                    os.chmod(folder, 0o755)
                expect_failure(what, code, err, 2, [folder])
                check("read-only" in err or "Permission denied" in err,
                      f"{what}: the message does not say the folder is read-only:\n{err}")
            else:
                def limited():
                    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

                code, _, err = run(ctx, sweep_args(ctx, out), preexec=limited)
                expect_failure(what, code, err, 2, [os.path.basename(out)])
                check("disk full" in err or "File too large" in err,
                      f"{what}: the message does not say the disk is full:\n{err}")
            after = snapshot(folder)
            partial = os.path.basename(out) + ".partial"
            after.pop(partial, None)  # the finished rows, kept for --resume
            check(after == before, f"{what}: the output path or the folder changed: "
                                   f"{sorted(before)} -> {sorted(snapshot(folder))}")
            # Saved rows are announced with the command that finishes the sweep; with none
            # saved there is nothing to resume and the partial folder is gone.
            saved = [n for n in os.listdir(os.path.join(folder, partial))
                     if n.startswith("row_")] if os.path.isdir(os.path.join(folder, partial)) else []
            if saved:
                check(f"{len(saved)} of 4 rows are saved in" in err and "--resume" in err,
                      f"{what}: {len(saved)} rows are saved but the message does not say how to "
                      f"finish:\n{err}")
            # The fault is gone: the command the message gives (or the same one, with nothing
            # saved) finishes the sweep.
            code, _, err = run(ctx, sweep_args(ctx, out, *(["--resume"] if saved else [])))
            check(code == 0, f"{what}: finishing after the fault failed: {err}")
            check(sweep_tables(out) == expected,
                  f"{what}: after --resume the sweep differs from an uninterrupted one")
            check(sorted(os.listdir(folder)) == [os.path.basename(out)],
                  f"{what}: after --resume the folder holds {sorted(os.listdir(folder))}")

        with_and_without_previous(ctx, w, {"sweep": previous}, body)
    return f"{len(faults)} faults, each with and without a previous file, each resumed to the " \
        "uninterrupted table"


def absurd_input(ctx):
    """Absurd numbers and thread counts on the command line: refused with the key (or option),
    the value and the limit, exit 1, before anything is simulated or written."""
    folder = fresh(ctx, "case")
    out = os.path.join(folder, "out.h5")
    cases = [
        (["--set", "simulation.customers=1e12"], ["simulation.customers", "needs about",
                                                  "TiB", "available"]),
        (["--set", "simulation.days=0"], ["simulation.days", "between 1 and 36500, got 0"]),
        (["--set", "salience.decay=nan"], ["salience.decay", "finite number, got nan"]),
        (["--set", "channels.search.budget=inf"], ["channels.search.budget", "got inf"]),
        (["--set", "channels.search.budget=1e13"], ["budget must be at most 1e+12"]),
        (["--threads", "100000"], ["--threads", "at most 256 threads, got 100000"]),
        (["--threads", "-1"], ["--threads", "must be 0 or more"]),
    ]
    bench = os.path.join(ctx.source, "scenarios", "bench.toml")
    for args, says in cases:
        for command in (["run", bench, "-q", "-o", out], ["validate", bench]):
            if command[0] == "validate" and args[0] == "--threads":
                continue
            code, _, err = run(ctx, [*command, *args])
            expect_failure(f"{command[0]} {' '.join(args)}", code, err, 1, says)
            check(os.listdir(folder) == [], f"{' '.join(args)}: wrote {os.listdir(folder)}")
    return f"{len(cases)} absurd values refused by run and validate"


FAULTS = {f.__name__: f for f in [disk_full, disk_full_tmpfs, read_only, read_only_mount, killed,
                                  interrupted, scenario_unreadable, scenario_vanishes,
                                  bad_result_input, sweep_faults, absurd_input]}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        inside_main(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cjsim", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("fault", choices=sorted(FAULTS))
    a = ap.parse_args()
    ctx = Ctx(a.cjsim, a.source, os.path.join(a.work, a.fault))
    os.makedirs(ctx.work, exist_ok=True)
    try:
        summary = FAULTS[a.fault](ctx)
    except Failure as e:
        print(f"FAIL {a.fault}: {e}")
        return 1
    except Skipped as e:
        return skipped(a.fault, str(e))
    print(f"ok {a.fault}: {summary}")
    if ctx.dropped:
        return skipped(a.fault, "the other cases passed; could not run " + "; ".join(ctx.dropped))
    return 0


def skipped(fault, reason):
    """ctest's skip (exit 77 and the marker line), or a failure under CJSIM_NO_SKIPS=1."""
    print(f"CJSIM-SKIPPED: {fault}: {reason}")
    if os.environ.get("CJSIM_NO_SKIPS") == "1":
        print(f"FAIL {fault}: skipped under CJSIM_NO_SKIPS=1, where every case must run")
        return 1
    return SKIP


if __name__ == "__main__":
    sys.exit(main())
