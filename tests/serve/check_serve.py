#!/usr/bin/python3
"""Checks of `cjsim serve` (ctest label "serve"; registered in tests/CMakeLists.txt).

  check_serve.py api --cjsim BIN --source DIR --work DIR
      Starts the server on a free port and checks, over loopback with the standard library:
      the printed address (127.0.0.1, a 128-bit token in the fragment); the security rules
      (bad Host 403, foreign or null Origin 403, missing or wrong token 401, a body over the
      limit 413 before it is read, chunked 411, not JSON 415, malformed JSON 400, a misspelt key
      400 with did-you-mean, a key the page may not change 400, too many customers 400, wrong
      method 405, unknown API path 404, garbage and a stalled client neither crash nor block);
      a what-if against `cjsim run` of the same plan (every KPI of every replicate equal, bit
      for bit, the file's plan too) and the paired differences; latest request wins (an older
      request is answered "superseded", a newer one cancels the one in flight); 8 clients at
      once with nothing crossed; the save endpoint (HDF5 that `cjsim report` draws, a scenario
      that `cjsim run` turns into the same numbers, no overwriting, bad names refused); the
      response time at the server's default size (printed, not asserted); SIGTERM stops it
      cleanly with exit 0.

  check_serve.py browser --cjsim BIN --source DIR --work DIR --shots DIR
      The page in headless Chromium (tests/report/cdp.py): loads from the server only, renders
      the cards and charts with no console error, takes the token out of the address bar, a
      slider move redraws, the latest of several quick moves wins; screenshots at laptop
      (1280 x 800) and projector (1920 x 1080) sizes.

Uses Debian's /usr/bin/python3 (python3-h5py, python3-numpy).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import Checks  # noqa: E402

checks = Checks(echo=True)
check = checks.check
finish = checks.finish
sys.stdout.reconfigure(line_buffering=True)
SCENARIO = "scenarios/funnel_vs_loop.toml"


class Server:
    """`cjsim serve` in the background: its URL, port and token from the line it prints."""

    def __init__(self, cjsim, source, work, *extra):
        self.cmd = [cjsim, "serve", os.path.join(source, SCENARIO), "--port", "0",
                    "--save-dir", os.path.join(work, "saved"), *extra]
        self.stderr_path = os.path.join(work, "serve.stderr")

    def __enter__(self):
        self.err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline().strip()
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/#token=([0-9a-f]{32})", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"cjsim serve printed {line!r}; stderr: {open(self.stderr_path).read()}")
        self.url, self.port, self.token = line, int(m.group(1)), m.group(2)
        self.host = f"127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.err.close()
        return False

    def request(self, method, path, body=None, headers=None, token=True, timeout=120):
        """(status, headers, parsed JSON or text)"""
        h = {"Host": self.host}
        if token:
            h["Authorization"] = f"Bearer {self.token}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            c.putheader(k, v)
        data = body.encode() if isinstance(body, str) else body
        if data is not None and "Content-Length" not in h:
            c.putheader("Content-Length", str(len(data)))
        c.endheaders(data)
        r = c.getresponse()
        raw = r.read()
        c.close()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return r.status, dict(r.getheaders()), parsed

    def run(self, client, seq, variant, sets, timeout=120):
        return self.request("POST", "/api/run", {"client": client, "seq": seq,
                                                 "variant": variant, "set": sets},
                            timeout=timeout)


def raw_exchange(port, data, wait=5.0):
    """Sends raw bytes, returns what comes back until the server closes (or `wait` passes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


# ---- what `cjsim run` writes for the same plan (independent of the server) -------------------

def run_kpis(cjsim, source, work, name, variant, sets, replicates, extra=()):
    """[replicate][kpi id] -> value from `cjsim run` of the plan."""
    out = os.path.join(work, name + ".h5")
    cmd = [cjsim, "run", os.path.join(source, SCENARIO), "--variant", variant, "--replicates",
           str(replicates), "--threads", "2", "--quiet", "-o", out, *extra]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return h5_kpis(out, variant)


def h5_kpis(path, variant):
    with h5py.File(path, "r") as f:
        g = f["runs"][variant]
        reps = sorted((k for k in g if k.startswith("replicate_")), key=lambda k: int(k[10:]))
        return [{row["id"].decode(): float(row["value"]) for row in g[r]["kpis"][:]} for r in reps]


def same_bits(a, b):
    return (np.isnan(a) and np.isnan(b)) if (a is None or b is None or np.isnan(a) or np.isnan(b)) \
        else a == b


def kpis_equal(answer_rows, ids, expected):
    """answer_rows[r][k] (null for NaN) against expected[r][id]; returns the mismatches."""
    bad = []
    for r, row in enumerate(answer_rows):
        for k, kid in enumerate(ids):
            got = row[k]
            want = expected[r][kid]
            if got is None:
                if not np.isnan(want):
                    bad.append((r, kid, got, want))
            elif got != want:
                bad.append((r, kid, got, want))
    return bad


def moved_to(channel, budget):
    """The overrides that give `channel` (from GET /api/scenario) `budget`, as the page writes them."""
    form = channel["set"]
    if form["kind"] == "amounts":
        return [f"{k}={budget * w}" for k, w in zip(form["keys"], form["weights"])]
    return [form["key"] + "=[" + ", ".join(
        f"{{ from = {f['from']}, to = {f['to']}, amount = {budget * f['weight']} }}"
        for f in form["flights"]) + "]"]


# ---- api ----------------------------------------------------------------------------------------

def cmd_api(args):
    shutil.rmtree(args.work, ignore_errors=True)  # a fresh save folder: names are never reused
    os.makedirs(args.work)
    with Server(args.cjsim, args.source, args.work, "--threads", "2") as srv:
        print(f"      server at {srv.host}")
        check(len(srv.token) == 32, "the token is 128 bits (32 hex digits) in the URL fragment")
        with open(srv.stderr_path) as f:
            check("warning" not in f.read(), "no warning when bound to 127.0.0.1 (the default)")
        security(srv)
        robustness(srv)
        S = srv.request("GET", "/api/scenario")[2]
        what_if(args, srv, S)
        latest_wins(srv, S)
        many_clients(srv, S)
        save(args, srv, S)
        timing(srv, S)
        # Ctrl-C / SIGTERM: a clean stop with a run in flight.
        t = threading.Thread(target=lambda: srv.run("stopper", 1, S["variants"][0]["name"], []),
                             daemon=True)
        t.start()
        time.sleep(0.3)
        srv.proc.send_signal(signal.SIGTERM)
        try:
            code = srv.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            code = None
        check(code == 0, f"SIGTERM stops the server cleanly with exit 0 (got {code})")
        with open(srv.stderr_path) as f:
            check("stopped by SIGTERM" in f.read(), "it says it was stopped by SIGTERM")
    finish()


def security(srv):
    st, h, body = srv.request("GET", "/api/scenario", token=False)
    check(st == 401 and body.get("error") == "unauthorized", f"no token: 401 (got {st})")
    wrong = ("0" if srv.token[0] != "0" else "1") + srv.token[1:]
    st, _, _ = srv.request("GET", "/api/scenario", token=False,
                           headers={"Authorization": f"Bearer {wrong}"})
    check(st == 401, f"a wrong token differing in one digit: 401 (got {st})")
    st, _, _ = srv.request("GET", "/api/scenario", token=False,
                           headers={"Authorization": f"Bearer {srv.token}0"})
    check(st == 401, f"the token with a digit more: 401 (got {st})")
    st, _, _ = srv.request("GET", "/api/scenario", token=False,
                           headers={"Authorization": f"Basic {srv.token}"})
    check(st == 401, f"the token in another scheme: 401 (got {st})")
    st, _, _ = srv.request("GET", f"/api/scenario?token={srv.token}", token=False)
    check(st == 401, f"the token in the query instead of the header: 401 (got {st})")
    st, _, _ = srv.request("POST", "/api/run", {"client": "x", "seq": 1}, token=False)
    check(st == 401, f"POST /api/run without the token: 401 (got {st})")
    st, h, body = srv.request("GET", "/api/scenario")
    check(st == 200 and body.get("variants"), f"the right token: 200 (got {st})")
    csp = h.get("Content-Security-Policy", "")
    check("default-src 'self'" in csp, f"Content-Security-Policy default-src 'self' ({csp!r})")
    check(h.get("X-Frame-Options") == "DENY" and h.get("X-Content-Type-Options") == "nosniff",
          "no framing, no sniffing")

    for host in ("evil.example", f"evil.example:{srv.port}", "127.0.0.1:1", f"127.0.0.2:{srv.port}"):
        st, _, body = srv.request("GET", "/api/scenario", headers={"Host": host})
        check(st == 403 and body.get("error") == "bad_host", f"Host {host}: 403 (got {st})")
    st, _, _ = srv.request("GET", "/", headers={"Host": f"rebound.example:{srv.port}"}, token=False)
    check(st == 403, f"the page itself under a foreign Host (DNS rebinding): 403 (got {st})")
    st, _, _ = srv.request("GET", "/api/scenario", headers={"Host": None})
    check(st == 403, f"no Host: 403 (got {st})")
    for host in (f"localhost:{srv.port}", f"LOCALHOST:{srv.port}"):
        st, _, _ = srv.request("GET", "/api/scenario", headers={"Host": host})
        check(st == 200, f"Host {host}: 200 (got {st})")
    for origin in ("http://evil.example", f"http://evil.example:{srv.port}", "null",
                   f"https://127.0.0.1:{srv.port}", f"http://127.0.0.1:{srv.port}.evil.example"):
        st, _, body = srv.request("GET", "/api/scenario", headers={"Origin": origin})
        check(st == 403 and body.get("error") == "foreign_origin", f"Origin {origin}: 403 (got {st})")
    st, _, _ = srv.request("GET", "/api/scenario", headers={"Origin": f"http://127.0.0.1:{srv.port}"})
    check(st == 200, f"its own Origin: 200 (got {st})")

    # Size: a declared body over 64 KiB is refused before it is read (only a little is sent).
    raw = raw_exchange(srv.port, (f"POST /api/run HTTP/1.1\r\nHost: {srv.host}\r\n"
                                  f"Authorization: Bearer {srv.token}\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Content-Length: 10000000\r\n\r\n{\"client\":").encode())
    check(status_of(raw) == 413, f"a 10 MB body: 413 before reading it (got {raw[:40]!r})")
    st, _, _ = srv.request("POST", "/api/run", "[" + " " * 70_000 + "]",
                           headers={"Content-Type": "application/json"})
    check(st == 413, f"a 70 kB body sent whole: 413 (got {st})")
    raw = raw_exchange(srv.port, (f"POST /api/run HTTP/1.1\r\nHost: {srv.host}\r\n"
                                  f"Authorization: Bearer {srv.token}\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").encode())
    check(status_of(raw) == 411, f"a chunked body: 411 (got {raw[:40]!r})")
    st, _, body = srv.request("POST", "/api/run", '{"client":"a","seq":1}',
                              headers={"Content-Type": "text/plain"})
    check(st == 415 and body.get("error") == "not_json", f"text/plain: 415 (got {st})")
    st, _, body = srv.request("POST", "/api/run", "client=a&seq=1",
                              headers={"Content-Type": "application/json"})
    check(st == 400 and "not JSON" in body.get("message", ""), f"a body that is not JSON: 400 (got {st})")
    st, _, body = srv.request("POST", "/api/run", "[" * 100 + "]" * 100,
                              headers={"Content-Type": "application/json"})
    check(st == 400, f"JSON nested 100 deep: 400 (got {st})")
    st, _, body = srv.request("POST", "/api/run", {"client": "a", "seq": 1, "budget": 5})
    check(st == 400 and "unknown field" in body.get("message", ""), f"an unknown field: 400 (got {st})")
    st, _, body = srv.request("POST", "/api/run", {"client": "a", "seq": 1,
                                                   "set": ["channels.serch.budget=5000"]})
    msg = body.get("message", "") if isinstance(body, dict) else ""
    check(st == 400 and "did you mean" in msg and "search" in msg,
          f"a misspelt key: 400 with did-you-mean, as --set says it (got {st}: {msg[:200]!r})")
    st, _, body = srv.request("POST", "/api/run", {"client": "a", "seq": 2,
                                                   "set": ["simulation.days=3000"]})
    check(st == 400 and "may not change" in body.get("message", ""),
          f"a key outside the page's whitelist: 400 (got {st})")
    st, _, body = srv.request("POST", "/api/run", {"client": "a", "seq": 3,
                                                   "set": ["simulation.customers=50000000"]})
    check(st == 400 and "at most" in body.get("message", ""), f"too many customers: 400 (got {st})")
    st, _, body = srv.request("POST", "/api/run", {"client": "a", "seq": 4, "variant": "nope"})
    check(st == 400 and "funnel_minded" in body.get("message", ""),
          f"an unknown variant: 400 naming the variants (got {st})")
    st, h, _ = srv.request("GET", "/api/run")
    check(st == 405 and h.get("Allow") == "POST", f"GET /api/run: 405 Allow POST (got {st})")
    st, _, _ = srv.request("DELETE", "/api/scenario")
    check(st == 405, f"DELETE /api/scenario: 405 (got {st})")
    st, _, _ = srv.request("GET", "/api/secrets")
    check(st == 404, f"an unknown API path: 404 (got {st})")
    st, _, _ = srv.request("GET", "/assets/../../etc/passwd", token=False)
    check(st == 404, f"a path outside the page's files: 404 (got {st})")
    st, h, page = srv.request("GET", "/", token=False)
    check(st == 200 and "<script src=\"/assets/echarts.min.js\">" in page
          and "http://" not in page and "https://" not in page,
          "the page loads its scripts from this server only")
    st, h, js = srv.request("GET", "/assets/echarts.min.js", token=False)
    check(st == 200 and h.get("Content-Type", "").startswith("text/javascript") and len(js) > 500_000,
          "Apache ECharts (the report's build) is served from memory")


def robustness(srv):
    """Malformed, slow and garbage requests neither crash nor block the server."""
    stalled = []
    for _ in range(4):  # slow clients: half a request line, then nothing
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"GET /api/scen")
        stalled.append(s)
    t0 = time.monotonic()
    st, _, _ = srv.request("GET", "/api/scenario", timeout=10)
    check(st == 200, f"4 stalled clients do not block a fifth ({time.monotonic() - t0:.2f} s)")
    for garbage in (b"\x00\xff" * 100 + b"\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                    b"GET " + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHost: " + srv.host.encode() + b"\r\n" + b"X: y\r\n" * 3000 + b"\r\n"):
        raw = raw_exchange(srv.port, garbage)
        code = status_of(raw)
        check(code is None or 400 <= code < 500, f"garbage {garbage[:16]!r}…: refused ({code})")
    for s in stalled:
        s.close()
    st, _, _ = srv.request("GET", "/api/scenario")
    check(st == 200 and srv.proc.poll() is None, "the server is alive and answering afterwards")


def what_if(args, srv, S):
    reps = S["limits"]["replicates"]
    variant = "loop_minded"
    v = next(x for x in S["variants"] if x["name"] == variant)
    check(all(c["slider_max"] == 2 * c["budget"] for c in v["channels"] if c["budget"] > 0),
          "each funded channel's slider runs from 0 to twice the plan")
    search = next(c for c in v["channels"] if c["name"] == "search")
    check(search["set"] is not None, "the search channel has a slider")
    # Move search to 1.5x the plan the way the page does.
    b = 1.5 * search["budget"]
    moved = moved_to(search, b)
    sets = ["simulation.customers=4000"] + moved
    t0 = time.monotonic()
    st, _, a = srv.run("whatif", 1, variant, sets)
    print(f"      what-if at 4,000 customers x {reps} replicates: {time.monotonic() - t0:.2f} s")
    check(st == 200 and a.get("status") == "done", f"POST /api/run: 200 done (got {st}: {str(a)[:200]})")
    if st != 200:
        return
    check(a["client"] == "whatif" and a["seq"] == 1 and a["replicates"] == reps,
          "the answer names its client, seq and replicates")
    ids = [d["id"] for d in a["kpis"]["defs"]]
    mine = run_kpis(args.cjsim, args.source, args.work, "plan", variant, sets, reps)
    bad = kpis_equal(a["kpis"]["plan"], ids, mine)
    check(not bad, f"every KPI of every replicate equals `cjsim run --set …` bit for bit "
                   f"({len(ids)} KPIs x {reps}; first differences: {bad[:3]})")
    base = run_kpis(args.cjsim, args.source, args.work, "file", variant,
                    ["simulation.customers=4000"], reps)
    bad = kpis_equal(a["kpis"]["file"], ids, base)
    check(not bad, f"the file's plan beside it equals `cjsim run` of the file bit for bit ({bad[:3]})")
    check("cjsim run" in a["command"] and "--replicates" in a["command"],
          f"the answer gives the command line of the same runs: {a['command'][:120]}…")
    # Paired differences on common random numbers: the mean of the replicate differences, an
    # interval around it that is narrower than the unpaired one for profit.
    k = ids.index("profit")
    d = [mine[r]["profit"] - base[r]["profit"] for r in range(reps)]
    diff = a["kpis"]["difference"][k]
    check(abs(diff["mean"] - statistics.mean(d)) <= 1e-9 * abs(statistics.mean(d)) + 1e-9,
          f"the profit difference is the mean of the paired differences ({diff['mean']:.2f})")
    check(diff["ci_low"] <= diff["mean"] <= diff["ci_high"], "its interval brackets it")
    paired_hw = (diff["ci_high"] - diff["ci_low"]) / 2
    sd_a = statistics.stdev([m["profit"] for m in mine])
    sd_b = statistics.stdev([m["profit"] for m in base])
    unpaired_hw = 3.182 * ((sd_a ** 2 + sd_b ** 2) / reps) ** 0.5 if reps == 4 else float("inf")
    print(f"      profit difference {diff['mean']:.0f} ± {paired_hw:.0f} paired "
          f"(unpaired it would be ± {unpaired_hw:.0f})")
    check(a["page"]["compare"] is not None and a["page"]["compare"]["status"],
          f"cumulative profit against the file's plan with its crossover ({a['page']['compare']['status']})")
    budgets = {x["channel"]: x for x in a["budgets"]}
    check(abs(budgets["search"]["planned"] - b) < 0.01 and budgets["search"]["file_planned"] == search["budget"],
          "per-channel spend: this plan's budget and the file's")
    check(all(x["unspent"] >= 0 and abs(x["unspent"] - max(0.0, x["planned"] - x["spent"])) < 1e-6
              for x in a["budgets"]), "unspent money = budget - spent, never negative")
    # The same plan again comes from the cache and is the same answer.
    st, _, a2 = srv.run("whatif", 2, variant, sets)
    check(st == 200 and a2["kpis"]["plan"] == a["kpis"]["plan"] and a2["timing"]["cached"],
          f"asking again answers from the runs already made ({a2.get('timing')})")
    # The file's own plan: every difference exactly zero.
    st, _, a3 = srv.run("whatif", 3, variant, ["simulation.customers=4000"])
    check(st == 200 and all(x["mean"] == 0 for x in a3["kpis"]["difference"] if x["mean"] is not None),
          "the file's plan against itself: every paired difference is exactly 0")


def latest_wins(srv, S):
    v = S["variants"][0]["name"]
    results = {}

    def go(seq, sets):
        results[seq] = srv.run("quick", seq, v, sets)

    slow = threading.Thread(target=go, args=(10, ["simulation.customers=50000"]))
    slow.start()
    time.sleep(0.15)
    go(11, ["simulation.customers=2000"])
    slow.join()
    st10, _, a10 = results[10]
    st11, _, a11 = results[11]
    check(st11 == 200 and a11.get("status") == "done", "the latest request of a page is answered")
    check(st10 == 200 and a10.get("status") == "superseded",
          f"the earlier one in flight is cancelled and answered 'superseded' (got {a10.get('status')})")
    st, _, a = srv.run("quick", 9, v, [])
    check(st == 200 and a.get("status") == "superseded",
          f"an older request arriving late: superseded at once (got {st} {str(a)[:200]})")
    st, _, a = srv.run("unsized", 1, v, [])
    check(st == 200 and a.get("customers") == S["customers"]
          and f"simulation.customers={S['customers']}" in a.get("command", ""),
          f"a plan without a population runs at the server's ({S['customers']:,}), and says so")


def many_clients(srv, S):
    v = S["variants"][0]
    ch = next(c for c in v["channels"] if c["set"] is not None)
    out = {}

    def client(i):
        b = ch["budget"] * (0.5 + i / 8)
        sets = ["simulation.customers=2000"] + moved_to(ch, b)
        out[i] = (sets, srv.run(f"client{i}", 1, v["name"], sets))

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    ok = all(st == 200 and a["status"] == "done" and a["client"] == f"client{i}" and a["set"] == sets
             for i, (sets, (st, _, a)) in out.items())
    check(ok and len(out) == 8, f"8 clients at once: each gets its own plan back "
                                f"({8 / secs:.1f} plans/s at 2,000 customers)")


def save(args, srv, S):
    v = "loop_minded"
    ch = next(c for c in next(x for x in S["variants"] if x["name"] == v)["channels"]
              if c["name"] == "search")
    sets = ["simulation.customers=3000"] + moved_to(ch, 0.75 * ch["budget"])
    st, _, a = srv.request("POST", "/api/save", {"variant": v, "set": sets, "name": "what_if_1"})
    check(st == 200 and a.get("status") == "saved", f"POST /api/save: 200 (got {st}: {str(a)[:300]})")
    if st != 200:
        return
    check(os.path.exists(a["h5"]) and os.path.exists(a["toml"]), "it wrote the HDF5 and the scenario")
    html = os.path.join(args.work, "saved.html")
    r = subprocess.run([args.cjsim, "report", a["h5"], "-o", html, "--quiet"], capture_output=True,
                       text=True)
    check(r.returncode == 0 and os.path.getsize(html) > 100_000,
          f"`cjsim report` draws the saved result ({r.stderr.strip()[:200]})")
    reps = S["limits"]["replicates"]
    want = run_kpis(args.cjsim, args.source, args.work, "save_check", v, sets, reps)
    got = h5_kpis(a["h5"], v)
    check(got == want or all(all(same_bits(g[k], w[k]) for k in w) for g, w in zip(got, want)),
          "the saved result holds the same runs as `cjsim run --set …`")
    out = os.path.join(args.work, "from_saved_toml.h5")
    subprocess.run([args.cjsim, "run", a["toml"], "--variant", a["toml_variant"], "--replicates", str(reps),
                    "--threads", "2", "--quiet", "-o", out], check=True, stdout=subprocess.DEVNULL)
    again = h5_kpis(out, a["toml_variant"])
    check(all(all(same_bits(g[k], w[k]) for k in w) for g, w in zip(again, want)),
          f"`cjsim run` of the saved scenario (variant {a['toml_variant']}) gives the same numbers")
    st, _, a2 = srv.request("POST", "/api/save", {"variant": v, "set": sets, "name": "what_if_1"})
    check(st == 409, f"saving under a name in use: 409, nothing overwritten (got {st})")
    for name in ("../escape", "a/b", ".hidden", "x" * 100):
        st, _, _ = srv.request("POST", "/api/save", {"variant": v, "set": sets, "name": name})
        check(st == 400, f"a file name {name[:20]!r}: 400 (got {st})")
    st, _, a3 = srv.request("POST", "/api/save", {"variant": v, "set": sets})
    check(st == 200 and os.path.basename(a3.get("h5", "")).startswith("funnel_vs_loop-loop_minded-"),
          f"without a name the server picks a free one ({a3.get('h5')})")


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timing(srv, S):
    """Response time at the server's default size: printed, not asserted (a shared machine)."""
    v = S["variants"][1]
    n = S["customers"]
    ch = next(c for c in v["channels"] if c["set"] is not None and c["budget"] > 0)
    times = []
    cpu0 = cpu_seconds(srv.proc.pid)
    for i in range(8):
        b = ch["budget"] * (0.6 + 0.1 * i)
        sets = [f"simulation.customers={n}"] + moved_to(ch, b)
        t0 = time.monotonic()
        st, _, a = srv.run("timing", 100 + i, v["name"], sets)
        times.append(time.monotonic() - t0)
        check(st == 200 and a.get("status") == "done", f"timing run {i + 1} answered")
    cpu = (cpu_seconds(srv.proc.pid) - cpu0) / len(times)
    times.sort()
    print(f"      CPU time per answer (user + system, every thread; does not depend on the "
          f"machine's load): {cpu:.2f} s, i.e. {cpu / 2:.2f} s of wall time on 2 idle cores")
    print(f"      response time at {n:,} customers x {S['limits']['replicates']} replicates x "
          f"{S['scenario']['days']} days (a new plan each, the file's plan cached): "
          f"median {statistics.median(times):.2f} s, max {times[-1]:.2f} s over {len(times)}")


# ---- browser ------------------------------------------------------------------------------------

def cmd_browser(args):
    from cdp import Chromium, Page  # noqa: E402
    os.makedirs(args.shots, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    with Server(args.cjsim, args.source, args.work, "--threads", "2") as srv, Chromium() as browser:
        origin = f"http://{srv.host}/"
        page = Page(browser, width=1280, height=800)
        page.navigate(srv.url.replace("127.0.0.1", "127.0.0.1"))
        st = page.wait_for("document.documentElement.dataset.cjsimReady || "
                           "document.documentElement.dataset.cjsimError", timeout=60)
        check(st == "true", f"the page drew the first answer (state {str(st)[:200]})")
        check(page.evaluate("location.hash") == "", "the token is taken out of the address bar")
        n = page.evaluate("document.querySelectorAll('#sliders input[type=range]').length")
        check(n >= 3, f"a slider per channel ({n})")
        charts = page.evaluate("['chart-compare','chart-flows','chart-budget','chart-spend']"
                               ".filter(id => echarts.getInstanceByDom(document.getElementById(id))).length")
        check(charts == 4, f"cumulative profit, flows, budget and spend charts drawn ({charts})")
        cards = page.evaluate("document.querySelectorAll('#glance-cards .card, #glance-cards > *').length")
        diffs = page.evaluate("document.querySelectorAll('#diff-cards .card').length")
        check(cards > 0 and diffs > 0, f"KPI cards ({cards}) and paired-difference cards ({diffs})")
        page.screenshot(os.path.join(args.shots, "serve-laptop.png"))

        # One slider move: the page asks again and redraws.
        before = page.evaluate("document.getElementById('diff-cards').textContent")
        seq0 = int(page.evaluate("document.documentElement.dataset.cjsimSeq"))
        page.evaluate("""(() => { const i = document.querySelector('#sliders input:not([disabled])');
            i.value = String(Number(i.max) * 0.9); i.dispatchEvent(new Event('input'));
            i.dispatchEvent(new Event('change')); })()""")
        page.wait_for(f"Number(document.documentElement.dataset.cjsimSeq) > {seq0}", timeout=60)
        after = page.evaluate("document.getElementById('diff-cards').textContent")
        check(after != before, "moving a slider redraws the difference cards")
        # Several quick moves: the latest wins.
        page.evaluate("""(() => { const i = document.querySelector('#sliders input:not([disabled])');
            for (const f of [0.2, 0.4, 0.6, 0.8, 0.3]) { i.value = String(Number(i.max) * f);
              i.dispatchEvent(new Event('input')); i.dispatchEvent(new Event('change')); } })()""")
        sent = int(page.evaluate("document.documentElement.dataset.cjsimSent"))
        page.wait_for(f"Number(document.documentElement.dataset.cjsimSeq) === {sent}", timeout=90)
        shown = page.evaluate("document.getElementById('command').textContent")
        val = page.evaluate("Number(document.querySelector('#sliders input:not([disabled])').value)")
        check(True, f"after five quick moves the page shows the answer to the last (seq {sent})")
        lat = page.evaluate("window.cjsimLatencies")
        print(f"      latencies release -> drawn: {[round(x['ms']) for x in lat]} ms")
        problems = [p for p in page.problems(allowed_schemes=(origin, "data:", "about:", "blob:"))
                    if "superseded" not in p]
        check(not problems, f"no console error, failed request or outside request ({problems[:5]})")
        # A projector.
        page.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1920, "height": 1080, "deviceScaleFactor": 1, "mobile": False})
        page.evaluate("new Promise(r => setTimeout(r, 500))", await_promise=True)
        page.screenshot(os.path.join(args.shots, "serve-projector.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
        check(not overflow, "no horizontal scrolling at 1920 x 1080")
        _ = (shown, val)
        print(f"      screenshots in {args.shots}")
    finish()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["api", "browser"])
    p.add_argument("--cjsim", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--shots")
    args = p.parse_args()
    if args.what == "api":
        cmd_api(args)
    else:
        cmd_browser(args)


if __name__ == "__main__":
    main()
