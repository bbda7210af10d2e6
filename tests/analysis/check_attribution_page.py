#!/usr/bin/python3
"""The report's attribution section ("Who gets the credit") in headless Chromium.

    check_attribution_page.py --cjsim BIN --work DIR --scenario TOML

Writes a value file with touch paths (cjsim value -o F --touch-paths) of a small world, its
report, opens the page (tests/report/cdp.py; fails on console errors, exceptions and failed
requests), and checks the last-touch share error the page shows against one computed here from
the file alone: last-touch credit from /touch_paths, the truth from /channel_value.
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
import check_report  # noqa: E402
from check_report import check, finish  # noqa: E402
from cdp import Chromium, Page  # noqa: E402


def last_touch_share_error(h5_path):
    """Last-touch credit per channel (mean over replicates) against incremental purchases."""
    with h5py.File(h5_path, "r") as f:
        variant = next(iter(f["runs"]))
        group = f["runs"][variant]
        channels = list(group["replicate_0/channel"].asstr()[:])
        credit = []
        for name in sorted((k for k in group if k.startswith("replicate_")), key=lambda k: int(k[10:])):
            tp = group[name]["touch_paths"]
            offsets, event = tp["offsets"][:], tp["event"][:]
            counts = np.zeros(len(channels))
            for i in range(len(offsets) - 1):
                last = None
                for e in event[offsets[i]:offsets[i + 1]]:
                    if e == 255:
                        if last is not None:
                            counts[last] += 1  # a purchase after a touch: the last touch's
                        last = None            # the next path starts after the purchase
                    else:
                        last = e
            credit.append(counts)
        credit = np.mean(credit, axis=0)
        rows = group["channel_value"][:]
        truth = np.zeros(len(channels))
        for r in rows:
            if (r["measure"].decode() == "incremental.purchases" and r["segment"].decode() == ""
                    and r["stage"].decode() == ""):
                truth[channels.index(r["channel"].decode())] = r["mean"]
    a = credit / credit.sum()
    t = np.maximum(truth, 0)
    t = t / t.sum()
    return float(np.abs(a - t).sum() / 2), channels


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cjsim", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--scenario", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    h5 = os.path.join(args.work, "value.h5")
    html = os.path.join(args.work, "value.html")
    run = subprocess.run([args.cjsim, "value", args.scenario, "--variant", "loop_minded",
                          "--set", "simulation.customers=2000", "--replicates", "2", "--threads", "2",
                          "--quiet", "-o", h5, "--touch-paths"], capture_output=True, text=True, timeout=600)
    check(run.returncode == 0, f"cjsim value -o --touch-paths (exit {run.returncode}) {run.stderr[-300:]}")
    run = subprocess.run([args.cjsim, "report", h5, "-o", html, "--quiet"], capture_output=True,
                         text=True, timeout=300)
    check(run.returncode == 0, f"cjsim report (exit {run.returncode}) {run.stderr[-300:]}")
    want, channels = last_touch_share_error(h5)
    with Chromium() as browser:
        page = Page(browser, width=1280, height=900)
        page.navigate("file://" + os.path.abspath(html))
        state = page.wait_for("document.documentElement.dataset.cjsimReady || "
                              "document.documentElement.dataset.cjsimError", timeout=45)
        check(state == "true", f"every chart rendered (page state: {str(state)[:300]})")
        shown = page.evaluate("!document.getElementById('attribution').hidden")
        check(shown, "the attribution section is shown")
        got = page.evaluate("""(() => { const e = document.querySelector('[data-check="share-error:last_touch"]');
            return e ? Number(e.dataset.value) : null; })()""")
        check(got is not None and abs(got - want) < 1e-9,
              f"last-touch share error: page {got}, from the file {want}")
        bars = page.evaluate("""(() => { const c = echarts.getInstanceByDom(document.getElementById('chart-attribution'));
            return c.getOption().series.filter(s => s.type === 'bar').length; })()""")
        check(bars == 1 + 6, f"truth and six models drawn ({bars} bar series)")
        rows = page.evaluate("document.querySelectorAll('#attribution-table tbody tr').length")
        check(rows == 6, f"a table row per model ({rows})")
        shots = os.path.join(args.work, "shots")
        os.makedirs(shots, exist_ok=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.full_height(height)
        page.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
        box = page.evaluate("""(() => { const r = document.getElementById('attribution').getBoundingClientRect();
            return [r.x, r.y + window.scrollY, r.width, r.height]; })()""")
        page.screenshot(os.path.join(shots, "report-attribution.png"),
                        clip={"x": box[0], "y": box[1], "width": box[2], "height": box[3]})
        problems = page.problems()
        for p in problems:
            print("      " + p)
        check(not problems, f"no console errors or warnings, exceptions or failed requests ({len(problems)})")
    finish()


if __name__ == "__main__":
    main()
