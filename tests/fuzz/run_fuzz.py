#!/usr/bin/python3
"""Runs a libFuzzer target for a fixed number of inputs and fails unless it got through them.

    run_fuzz.py MIN_RUNS TARGET [libFuzzer arguments...]

The ctests fuzz.* (tests/fuzz/CMakeLists.txt) call this: `-runs=MIN_RUNS` makes the amount of
fuzzing the same on a fast and a slow machine (a time budget would fuzz less wherever the machine
is busy), `-print_final_stats=1` reports how many inputs ran, and a run that ends early (a
finding, a crash of the harness, the -max_total_time safety stop) fails with libFuzzer's output.
"""
import re
import subprocess
import sys


def main():
    minimum = int(sys.argv[1])
    target = sys.argv[2]
    args = [target, f"-runs={minimum}", "-print_final_stats=1", *sys.argv[3:]]
    # errors="replace": a harness may echo the fuzzed bytes, which need not be UTF-8.
    p = subprocess.run(args, capture_output=True, text=True, errors="replace")
    executed = re.search(r"stat::number_of_executed_units:\s*(\d+)", p.stderr)
    units = int(executed.group(1)) if executed else 0
    print(p.stderr[-6000:])
    print(f"fuzz: {target}: {units} inputs run, at least {minimum} required, exit {p.returncode}")
    if p.returncode != 0:
        print("fuzz: FAIL: the target stopped with a finding or an error (above)")
        return 1
    if units < minimum:
        print(f"fuzz: FAIL: only {units} of the {minimum} inputs ran")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
