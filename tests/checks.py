"""What the end-to-end check scripts share (tests/*/check_*.py): collecting failed checks, running
the cjsim program, writing small input files, the shape of a refusal (the exit code, the message's
patterns, a fix, nothing written), and running one named case of a script.

A script imports it after putting tests/ on its path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from checks import Checks, Cjsim, run_case
"""
import os
import re
import subprocess
import sys


class Checks:
    """Failed checks, collected so that one run reports all of them. With `echo`, every check
    prints one line ("ok" or "FAIL") as it happens, for the long scripts whose log is read."""

    def __init__(self, echo=False):
        self.failures = []
        self.echo = echo

    def check(self, ok, what):
        if self.echo:
            print(("ok    " if ok else "FAIL  ") + what, flush=True)
        if not ok:
            self.failures.append(what)
        return ok

    def finish(self, label="all checks"):
        """Exit 1 listing every failure, or print that `label` passed."""
        if self.failures:
            print(f"\n{label}: {len(self.failures)} check(s) failed:", file=sys.stderr)
            for f in self.failures:
                print("  - " + f, file=sys.stderr)
            sys.exit(1)
        print(f"{label}: ok" if label != "all checks" else "\nall checks passed")


class Cjsim:
    """The program under test, run in a work folder with its output captured."""

    def __init__(self, binary, work, checks, timeout=300):
        self.binary, self.work, self.checks, self.timeout = binary, work, checks, timeout
        os.makedirs(work, exist_ok=True)

    def run(self, *args, cwd=None, timeout=None):
        p = subprocess.run([self.binary, *args], cwd=cwd or self.work, capture_output=True,
                           text=True, timeout=timeout or self.timeout)
        return p.returncode, p.stdout, p.stderr

    def write(self, name, text):
        """A file of the work folder (a scenario, observed data); returns its path."""
        path = os.path.join(self.work, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def expect(self, args, code, patterns, absent=(), stream="err", output=None, fix=None):
        """Exit `code`; every pattern found (and no `absent` one) in stderr, or stdout with
        stream="out"; a refusal (exit 1 or 2) offers a fix (matching `fix` when given) and writes
        nothing at `output`, not even a temporary file beside it."""
        rc, out, err = self.run(*args)
        label = " ".join(args)
        text = err if stream == "err" else out
        check = self.checks.check
        check(rc == code, f"{label}: exit {rc}, expected {code}\n{err[-2000:]}")
        for p in patterns:
            check(re.search(p, text, re.M), f"{label}: {stream} lacks /{p}/:\n{text[-2000:]}")
        for p in absent:
            check(not re.search(p, text, re.M), f"{label}: {stream} has /{p}/:\n{text[-2000:]}")
        if code in (1, 2):
            check("fix:" in err, f"{label}: no fix offered:\n{err[-2000:]}")
            if fix:
                check(re.search(fix, err), f"{label}: the fix lacks /{fix}/:\n{err[-2000:]}")
            if output:
                check(not os.path.exists(output), f"{label}: wrote {output} despite exit {code}")
                folder = os.path.dirname(output) or "."
                litter = [n for n in os.listdir(folder) if ".tmp-" in n]
                check(not litter, f"{label}: left temporary files {litter}")
        return rc, out, err


def run_case(prefix, case, checks):
    """Runs the script's function `case_<case>` (a ctest per case), or lists the cases for
    `--list`; exits 1 with every failure, or prints "<prefix>.<case>: ok"."""
    main = sys.modules["__main__"]
    cases = {n[len("case_"):]: f for n, f in vars(main).items() if n.startswith("case_")}
    if case == "--list":
        print(";".join(sorted(cases)))
        sys.exit(0)
    if case not in cases:
        sys.exit(f"{os.path.basename(main.__file__)}: no case '{case}' "
                 f"(have: {', '.join(sorted(cases))})")
    cases[case]()
    checks.finish(f"{prefix}.{case}")
