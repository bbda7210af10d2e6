#!/usr/bin/python3
"""Checks of `cjsim report` (ctest label "report"; registered in tests/CMakeLists.txt).

  check_report.py page --h5 RUN.h5 --html REPORT.html --shots DIR
      Opens the page in headless Chromium (tests/report/cdp.py): fails on any console error or
      warning, uncaught exception, failed request or request leaving the file; waits until every
      chart has rendered; saves screenshots (the whole page and each section) into DIR; clicks
      every control; checks the numbers the page shows against the HDF5 file read with h5py.

  check_report.py sweep-view --h5 SWEEP.h5 --html REPORT.html --shots DIR
      The page of a real (small) sweep file: the sweep view alone, a row per row of /sweep,
      the numbers of the file, a line per variant and value of the other keys, controls work.

  check_report.py bad-input --cjsim BIN --h5 RUN.h5 --work DIR
      Truncated, foreign (an HDF5 file cjsim did not write), missing-dataset and sweep-kind
      inputs: exit code 1, a message naming what is wrong, and no report written (an older
      report at the output path stays as it was, and no temporary file is left behind).

Uses Debian's /usr/bin/python3 (python3-h5py, python3-numpy).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Chromium, Page  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402

checks = Checks(echo=True)
check = checks.check
finish = checks.finish
sys.stdout.reconfigure(line_buffering=True)


# ---- what the file says (independent of the C++ reduction) -----------------------------------

def variants_in(f):
    out = {}
    for name in f["runs"]:
        reps = sorted((k for k in f["runs"][name] if k.startswith("replicate_")),
                      key=lambda k: int(k.split("_")[1]))
        out[name] = [f["runs"][name][r] for r in reps]
    return out


def expected_numbers(h5_path, a="funnel_minded", b="loop_minded"):
    exp = {}
    with h5py.File(h5_path, "r") as f:
        runs = variants_in(f)
        profit_curves = {}
        for name, groups in runs.items():
            revenue = [g["revenue"][()].sum() for g in groups]
            spend = [g["channel_spend"][()].sum() for g in groups]
            margin = [g["margin"][()].sum() for g in groups]
            exp[f"total-revenue:{name}"] = float(np.mean(revenue))
            exp[f"total-spend:{name}"] = float(np.mean(spend))
            exp[f"total-profit:{name}"] = float(np.mean(np.array(margin) - np.array(spend)))
            daily = np.mean([g["margin"][()].sum(axis=1) - g["channel_spend"][()].sum(axis=1)
                             for g in groups], axis=0)
            profit_curves[name] = np.cumsum(daily)
            flows = np.mean([g["flows"][()].sum(axis=0) for g in groups], axis=0)
            back = np.tril(flows, -1).sum()
            exp[f"backward-share:{name}"] = float(back / flows.sum())
        if a in profit_curves and b in profit_curves:
            pa, pb = profit_curves[a], profit_curves[b]
            if not pb[-1] > pa[-1]:
                exp["crossover-day"] = "never"
            else:
                behind = np.nonzero(pb <= pa)[0]
                exp["crossover-day"] = int(behind[-1]) + 1 if len(behind) else "ahead_throughout"
    return exp


# ---- the page in the browser ------------------------------------------------------------------

def open_report(browser, html, shots=None, prefix="report", min_charts=10):
    page = Page(browser, width=1280, height=900)
    page.navigate("file://" + os.path.abspath(html))
    state = page.wait_for(
        "document.documentElement.dataset.cjsimReady || document.documentElement.dataset.cjsimError",
        timeout=45)
    check(state == "true", f"every chart rendered (page state: {str(state)[:300]})")
    charts = page.evaluate("Number(document.documentElement.dataset.cjsimCharts || 0)")
    check(charts >= min_charts, f"the page drew {charts} charts")
    if shots:
        os.makedirs(shots, exist_ok=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.full_height(height)
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
        full = page.screenshot(os.path.join(shots, f"{prefix}-full.png"))
        sections = page.evaluate("""[...document.querySelectorAll('header, main > section')]
            .filter(s => !s.hidden).map(s => { const r = s.getBoundingClientRect();
              return [s.id || 'header', r.x, r.y + window.scrollY, r.width, r.height]; })""")
        for sid, x, y, w, h in sections:
            page.screenshot(os.path.join(shots, f"{prefix}-{sid}.png"),
                            clip={"x": x, "y": y, "width": w, "height": h})
        print(f"      screenshots: {full} and {len(sections)} sections in {shots}")
    return page


def cmd_page(args):
    html = open(args.html, encoding="utf-8").read()
    check("<script src" not in html and "<link" not in html and "http://" not in html.split("<script>")[0],
          "the page loads nothing from outside itself (no <script src>, no <link>)")
    check(re.search(r"echarts", html) is not None, "Apache ECharts is inlined")
    exp = expected_numbers(args.h5)
    with Chromium() as browser:
        page = open_report(browser, args.html, args.shots)
        shown = page.evaluate("""Object.fromEntries([...document.querySelectorAll('[data-check]')]
            .map(e => [e.dataset.check, [e.dataset.value, e.textContent]]))""")
        shares = [k for k in exp if k.startswith("backward-share:")]
        check(any(k in shown for k in shares), "the page shows the share of backward moves")
        for key, want in sorted(exp.items()):
            got = shown.get(key)
            if got is None and key in shares:
                continue  # shown for the strategy on display only
            if got is None:
                check(False, f"the page shows {key}")
                continue
            if isinstance(want, str) or key == "crossover-day":
                check(str(got[0]) == str(want), f"{key}: page {got[0]!r} ({got[1]!r}), HDF5 {want!r}")
            else:
                value = float(got[0])
                tol = 1e-4 if key.startswith("backward-share") else 0.011
                check(abs(value - want) <= tol + 1e-9 * abs(want),
                      f"{key}: page {value:,.2f} ({got[1]}), HDF5 {want:,.4f}")
        if isinstance(exp.get("crossover-day"), int):
            day = exp["crossover-day"]
            marked = page.evaluate("""(() => {
                const c = echarts.getInstanceByDom(document.getElementById('chart-compare'));
                const s = c.getOption().series.find(s => s.markLine && s.markLine.data.length);
                return s ? [s.markLine.data[0].xAxis, s.markLine.label.formatter] : null; })()""")
            check(marked is not None and marked[0] == day and f"Day {day}" in marked[1],
                  f"the comparison chart marks and labels day {day} (it marks {marked})")
        # The story: the re-run of the stored scenario must be the stored run, customer for
        # customer (its purchases and revenue are in the file's customer table).
        story = page.evaluate("JSON.parse(document.getElementById('cjsim-data').textContent).story")
        check(story.get("available") is True, f"the page tells a customer's story ({story.get('reason', '')})")
        if story.get("available"):
            with h5py.File(args.h5, "r") as f:
                row = f["runs"][story["variant"]][f"replicate_{story['replicate']}"]["customers"][story["customer"]]
            check(story["reproduced"] and len(story["purchases"]) == int(row["purchases"]),
                  f"story of customer {story['customer']}: {len(story['purchases'])} purchases, "
                  f"the file's customer table says {int(row['purchases'])}")
            told = sum(p["value"] for p in story["purchases"])
            check(abs(told - float(row["revenue"])) < 0.01 * max(1, len(story["purchases"])),
                  f"story revenue {told:.2f} = the file's {float(row['revenue']):.2f}")
            lines = page.evaluate("document.querySelectorAll('#story-text li').length")
            check(lines > 3, f"the story is told in {lines} lines")
        check_words(page, args.h5)
        check_save_as_image(page)
        check_no_loop_sentence(page)
        # Click every control, then look again for problems.
        clicks = page.evaluate("""(() => { let n = 0;
            for (const b of document.querySelectorAll('.controls button')) { b.click(); n++; }
            for (const b of document.querySelectorAll('.controls .seg')) b.querySelector('button').click();
            return n; })()""")
        page.evaluate("new Promise(r => setTimeout(r, 500))", await_promise=True)
        check(clicks > 10, f"clicked {clicks} controls")
        check_print(page, args.shots, "report")
        problems = page.problems()
        for p in problems:
            print("      " + p)
        check(not problems, f"no console errors or warnings, exceptions or failed requests ({len(problems)})")
    finish()


# ---- what the page says, in whose words ------------------------------------------------------

def check_words(page, h5_path):
    """Money in the file's currency, plain words, definitions one click away."""
    with h5py.File(h5_path, "r") as f:
        code = f.attrs.get("currency", "")
        code = code.decode() if isinstance(code, bytes) else str(code)
    text = page.evaluate("document.body.innerText")
    cards = page.evaluate("document.getElementById('glance-cards').innerText")
    if code == "RUB":
        check("\u20bd" in cards, "the cards write amounts in roubles (\u20bd)")
        axis = page.evaluate("""echarts.getInstanceByDom(document.getElementById('chart-compare'))
            .getOption().yAxis[0].name""")
        check("RUB" in axis, f"the money axis names the currency ({axis!r})")
    check("currency units" not in text, "no 'currency units' where the file names its currency")
    # Plain words: the method's name only in its footnote and the definitions.
    outside = page.evaluate("""(() => { const c = document.body.cloneNode(true);
        c.querySelectorAll('#retention-method, #definitions, script').forEach(x => x.remove());
        return c.innerText; })()""")
    check("Kaplan" not in outside, "Kaplan–Meier is named only in a footnote and the definitions")
    check("salience" not in outside.lower(), "'salience' is said as 'ad memory' outside the definitions")
    check("Kaplan" in page.evaluate("document.getElementById('retention-method').innerText"),
          "the retention footnote names the method")
    titles = page.evaluate("""[...document.querySelectorAll('.mini')].map(d => {
        const o = echarts.getInstanceByDom(d).getOption(); return o.title[0].text; })""")
    check(any(t.startswith("Still a customer") for t in titles),
          f"the retention mini chart says 'Still a customer ...' ({[t for t in titles if 'ustomer' in t]})")
    # KPI definitions one click away: the first KPI link of the table leads to its definition.
    shown = page.evaluate("""(() => { const a = document.querySelector('#kpi-table a.def');
        if (!a) return null; a.click();
        const t = document.getElementById('def-' + a.dataset.def.replace(/[^a-z0-9_-]/gi, '_'));
        return t ? [a.dataset.def, t.classList.contains('shown'), t.nextElementSibling.innerText] : [a.dataset.def]; })()""")
    check(shown is not None and len(shown) == 3 and shown[1] and len(shown[2]) > 10,
          f"a KPI name in the table opens its definition ({shown})")
    defs = page.evaluate("document.querySelectorAll('#definitions dt').length")
    kpis = page.evaluate("JSON.parse(document.getElementById('cjsim-data').textContent).variants[0].kpis.length")
    check(defs >= kpis, f"every KPI has a definition ({defs} terms for {kpis} KPIs)")
    # n/a is no bar: wherever a mini chart has no value, its label says n/a.
    na = page.evaluate("""[...document.querySelectorAll('.mini')].flatMap(d => {
        const s = echarts.getInstanceByDom(d).getOption().series[0];
        return s.data.filter(x => x.itemStyle && x.itemStyle.opacity === 0)
          .map(x => [d.id, x.value, x.label && x.label.formatter]); })""")
    check(all(v == 0 and lab == "n/a" for _, v, lab in na), f"n/a values are drawn as the word n/a, no bar ({na})")


def check_save_as_image(page):
    """Every chart can be saved as an image (ECharts' saveAsImage), named after its title."""
    found = page.evaluate("""[...document.querySelectorAll('[_echarts_instance_]')].map(d => {
        const o = echarts.getInstanceByDom(d).getOption();
        const t = o.toolbox && o.toolbox[0];
        return [d.id, !!(t && t.show && t.feature && t.feature.saveAsImage), t && t.feature.saveAsImage ? t.feature.saveAsImage.name : null]; })""")
    missing = [d for d, ok, _ in found if not ok]
    check(found and not missing, f"every chart ({len(found)}) has ECharts' save-as-image (missing: {missing})")


def check_no_loop_sentence(page):
    """The flow sentence says what each world shows: the funnel world has no loop to boast of."""
    notes = page.evaluate("""(() => { const out = {};
        for (const b of document.querySelectorAll('#flows-controls button')) {
          b.click(); out[b.dataset.value] = [document.getElementById('flows-note').innerText,
                                             document.getElementById('flows-h').innerText]; }
        return out; })()""")
    data = page.evaluate("JSON.parse(document.getElementById('cjsim-data').textContent)")
    stages = data["stages"]
    for v in data["variants"]:
        flows = v["flows"]
        S = len(stages)
        loops = sum(flows[a][b] or 0 for a in range(S) for b in range(S)
                    if b < a and (stages[a]["role"] == "lost" or stages[b]["role"] == "purchase"))
        note, heading = notes.get(v["name"], ["", ""])
        if loops == 0:
            check("funnel would have none" not in note and "loop" not in heading.lower().replace("no loop", ""),
                  f"{v['name']}: no repeat purchase or return, and the page does not claim a loop "
                  f"({heading!r}: {note[:120]!r})")
        else:
            check("repeat purchases" in note and "loop" in heading.lower(),
                  f"{v['name']}: {loops:,.0f} loop moves, and the page says so ({heading!r})")


def check_print(page, shots, prefix):
    """Print to PDF as a browser would (A4 landscape from the page's @page rule): charts redrawn at
    the paper's width without their buttons, every page has ink, pictures of the pages for a look."""
    paper = (297 - 2 * 12) / 25.4 * 96  # the page's @page: A4 landscape, 12 mm side margins
    page.emulate_print(paper)
    state = page.wait_for("document.documentElement.dataset.cjsimPrinting === 'true'", timeout=20)
    check(state is True, "the page noticed it is being printed")
    page.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
    wide = page.evaluate(f"""[...document.querySelectorAll('canvas')].filter(c => c.offsetParent !== null
        && c.getBoundingClientRect().right > {paper} + 1).map(c => c.closest('[id]').id)""")
    check(not wide, f"every chart fits the paper's width ({wide})")
    # A title wraps at the chart's printed width: one fitted to the wider screen ran off the paper
    # ("Still a customer 90 days after buyin"). The wrap width is the chart's less the button's.
    cut = page.evaluate("""[...document.querySelectorAll('[_echarts_instance_]')].filter(d => d.offsetParent !== null)
        .map(d => { const t = (echarts.getInstanceByDom(d).getOption().title || [])[0];
                    return t && t.text ? [d.id || d.closest('[id]').id, (t.textStyle || {}).width || 1e9, d.clientWidth] : null; })
        .filter(x => x && x[1] > x[2])""")
    check(not cut, f"every chart's title wraps within its printed width (id, wrap width, chart width: {cut[:4]})")
    buttons = page.evaluate("""[...document.querySelectorAll('[_echarts_instance_]')].filter(d =>
        echarts.getInstanceByDom(d).getOption().toolbox[0].show).length""")
    check(buttons == 0, f"no save-as-image buttons on paper ({buttons} left)")
    pdf = page.print_pdf(os.path.join(shots, f"{prefix}.pdf"))
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) if info.returncode == 0 else 0
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info.stdout)
    check(pages >= 3, f"the PDF has {pages} pages")
    check(size is not None and float(size.group(1)) > float(size.group(2)),
          f"the PDF is landscape ({size.group(0) if size else info.stdout[:200]})")
    for old in os.listdir(shots):
        if old.startswith(f"{prefix}-print-"):
            os.remove(os.path.join(shots, old))
    subprocess.run(["pdftoppm", "-r", "60", "-png", pdf, os.path.join(shots, f"{prefix}-print")], check=True)
    subprocess.run(["pdftoppm", "-r", "12", "-gray", pdf, os.path.join(shots, f"{prefix}-ink")], check=True)
    blank = []
    for name in sorted(os.listdir(shots)):
        if not name.startswith(f"{prefix}-ink"):
            continue
        raw = open(os.path.join(shots, name), "rb").read()
        os.remove(os.path.join(shots, name))
        # A binary PGM: "P5 w h 255" then one byte per pixel.
        head = raw.split(b"\n", 3)
        pixels = head[3] if len(head) == 4 else b""
        ink = sum(1 for b in pixels if b < 245) / max(1, len(pixels))
        if ink < 0.002:
            blank.append(name)
    check(not blank, f"every printed page has something on it (blank: {blank})")
    print(f"      printed: {pdf}, {pages} pages, pictures {prefix}-print-*.png in {shots}")


def cmd_sweep_view(args):
    """The page of a real sweep file: only the sweep view, its table row for row the /sweep table,
    the chart's lines as the design implies, every control clicked without an error."""
    with h5py.File(args.h5, "r") as f:
        table = f["sweep"][()]
        axes = [a.decode() if isinstance(a, bytes) else str(a) for a in f["sweep"].attrs["axes"]]
        variants = [v for v in f["sweep"].attrs["variants"]]
    html = open(args.html, encoding="utf-8").read()
    m = re.search(r'(<script id="cjsim-data" type="application/json">)(.*?)(</script>)', html, re.S)
    data = json.loads(m.group(2))
    rows = data["sweep"]["rows"]
    check(len(rows) == len(table), f"the page's data has a row per sweep row ({len(rows)} of {len(table)})")
    kpi_ids = [k["id"] for k in data["sweep"]["kpis"]]
    worst = 0.0
    for r, row in zip(rows, table):
        for k, kid in enumerate(kpi_ids):
            want = float(row[kid + ".mean"])
            got = r["mean"][k]
            if np.isnan(want):
                worst = max(worst, 0.0 if got is None else 1.0)
            else:
                worst = max(worst, abs(got - want) / max(1e-12, abs(want)))
    check(worst < 1e-5, f"every mean on the page is the file's to 6 significant digits (worst {worst:.1e})")
    with Chromium() as browser:
        page = open_report(browser, args.html, args.shots, prefix="sweep", min_charts=1)
        visible = page.evaluate("!document.getElementById('sweep').hidden")
        check(visible, "the sweep section is shown")
        hidden = page.evaluate("['glance','compare','flows','occupancy','kpis','channels','retention','story']"
                               ".every(id => document.getElementById(id).hidden)")
        check(hidden, "the sections that need single runs are left out")
        rows_shown = page.evaluate("document.querySelectorAll('#sweep-table tbody tr').length")
        check(rows_shown == len(table), f"the sweep table has a row per point and variant ({rows_shown} of {len(table)})")
        # Along the first axis: one line per variant and value of the other axes (a Latin
        # hypercube: one scatter per variant).
        with h5py.File(args.h5, "r") as f:
            lhs = f["sweep"].attrs["design"] == "lhs"
        others = {tuple(row[a] for a in axes[1:]) for row in table}
        lines = (1 if lhs else len(others)) * (len(variants) if len(variants) > 1 else 1)
        # Up to four lines share one chart; more are small multiples, a panel per line (12 a page).
        mode = page.evaluate("document.documentElement.dataset.sweepMode")
        if lines > 4 and not lhs:
            panels = page.evaluate("document.querySelectorAll('#sweep-panels .panel').length")
            check(mode == "panels" and panels == min(lines, 12),
                  f"{lines} lines are drawn as small multiples ({mode}: {panels} panels)")
            titles = page.evaluate("""[...document.querySelectorAll('#sweep-panels .panel')]
                .map(d => echarts.getInstanceByDom(d).getOption().title[0].text)""")
            check(all("." not in t and "b'" not in t for t in titles),
                  f"panel titles in the planner's words, no key paths or byte strings ({titles[:3]})")
        else:
            legend = page.evaluate("echarts.getInstanceByDom(document.getElementById('chart-sweep'))"
                                   ".getOption().legend[0].data.length")
            check(mode == "lines" and legend == lines,
                  f"the chart has a line per variant and value of the other keys ({legend} of {lines})")
        heads = page.evaluate("[...document.querySelectorAll('#sweep-table th')].map(t => t.innerText)")
        check(not any(a in heads for a in axes) and all("channels." not in h for h in heads),
              f"the table's headers are in the planner's words ({heads})")
        page.evaluate("""(() => { const s = document.querySelector('#sweep-controls select');
            s.value = 'repeat_rate'; s.dispatchEvent(new Event('change'));
            for (const b of document.querySelectorAll('#sweep-controls button')) b.click(); })()""")
        page.evaluate("new Promise(r => setTimeout(r, 300))", await_promise=True)
        check_save_as_image(page)
        check_print(page, args.shots, "sweep")
        problems = page.problems()
        for p in problems:
            print("      " + p)
        check(not problems, f"no console errors or failed requests ({len(problems)})")
    finish()


# ---- damaged and foreign inputs ---------------------------------------------------------------

def cmd_bad_input(args):
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    out = os.path.join(work, "report.html")
    old = "<p>an older report that must survive</p>\n"

    def report(h5, expect_in_message, what):
        with open(out, "w") as f:
            f.write(old)
        r = subprocess.run([args.cjsim, "report", h5, "-o", out, "--quiet"],
                           capture_output=True, text=True, timeout=120)
        msg = r.stderr.strip().replace("\n", " | ")
        check(r.returncode == 1, f"{what}: exit code 1 (got {r.returncode}): {msg[:400]}")
        for needle in expect_in_message:
            check(needle.lower() in r.stderr.lower(), f"{what}: the message names {needle!r}")
        with open(out) as f:
            check(f.read() == old, f"{what}: the older report at the output path is untouched")
        left = [n for n in os.listdir(work) if ".tmp-" in n and n.endswith(tuple("0123456789"))
                and n.startswith(".report.html")]
        check(not left, f"{what}: no temporary file left behind {left}")

    # Truncated: the first half of a real file.
    truncated = os.path.join(work, "truncated.h5")
    with open(args.h5, "rb") as src, open(truncated, "wb") as dst:
        dst.write(src.read(os.path.getsize(args.h5) // 2))
    report(truncated, [truncated], "truncated file")

    # Foreign: a valid HDF5 file that cjsim did not write.
    foreign = os.path.join(work, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["temperature"] = np.arange(10.0)
        f.attrs["instrument"] = "thermometer"
    report(foreign, ["not a cjsim result file", "format"], "foreign HDF5 file")

    # A cjsim file with one dataset removed.
    missing = os.path.join(work, "missing_revenue.h5")
    shutil.copyfile(args.h5, missing)
    with h5py.File(missing, "r+") as f:
        first = next(iter(f["runs"]))
        del f["runs"][first]["replicate_0"]["revenue"]
        where = f"/runs/{first}/replicate_0/revenue"
    report(missing, [where, "missing dataset"], "missing dataset")

    # A cjsim file without its runs.
    noruns = os.path.join(work, "no_runs.h5")
    shutil.copyfile(args.h5, noruns)
    with h5py.File(noruns, "r+") as f:
        del f["runs"]
    report(noruns, ["/runs", "missing group"], "missing /runs group")

    # A run file that says it is a sweep: it has no /sweep table, and the message says so.
    sweep = os.path.join(work, "sweep_kind.h5")
    shutil.copyfile(args.h5, sweep)
    with h5py.File(sweep, "r+") as f:
        f.attrs.modify("kind", "sweep")
    report(sweep, ["/sweep", "missing dataset"], "sweep-kind file without a sweep table")

    # Not there at all.
    report(os.path.join(work, "nothing_here.h5"), ["nothing_here.h5"], "missing input file")

    # And a good file still works, writing only the final name.
    r = subprocess.run([args.cjsim, "report", args.h5, "-o", out, "--quiet", "--no-story"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"a good file reports (exit {r.returncode}) {r.stderr[:300]}")
    with open(out) as f:
        check(f.read() != old, "the good report replaced the older one")
    check(sorted(n for n in os.listdir(work) if n.startswith(".")) == [],
          "no hidden temporary files in the output folder")
    finish()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("page")
    p.add_argument("--h5", required=True)
    p.add_argument("--html", required=True)
    p.add_argument("--shots", required=True)
    s = sub.add_parser("sweep-view")
    s.add_argument("--h5", required=True)
    s.add_argument("--html", required=True)
    s.add_argument("--shots", required=True)
    b = sub.add_parser("bad-input")
    b.add_argument("--cjsim", required=True)
    b.add_argument("--h5", required=True)
    b.add_argument("--work", required=True)
    args = ap.parse_args()
    {"page": cmd_page, "sweep-view": cmd_sweep_view, "bad-input": cmd_bad_input}[args.cmd](args)


if __name__ == "__main__":
    main()
