"""A headless Chromium driven over the DevTools protocol, with the standard library only.

The browser talks on a pipe (--remote-debugging-pipe: it reads commands on fd 3 and writes
replies and events on fd 4, each message a JSON text ending in a NUL byte), so no port, no
websocket library and no race for a free port. One page target, attached in flat mode.
"""

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time


class BrowserError(RuntimeError):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserError("no Chromium found: install Debian's 'chromium' package (tools/setup does)")


class Chromium:
    """Starts Chromium headless on a pipe; use as a context manager."""

    FLAGS = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-default-apps", "--disable-extensions",
        "--disable-sync", "--no-first-run", "--no-default-browser-check", "--mute-audio",
        "--hide-scrollbars", "--disable-dev-shm-usage", "--remote-debugging-pipe",
        # Same pixels on every machine: no font hinting differences from the screen setup.
        "--force-device-scale-factor=1", "--font-render-hinting=none",
    ]

    def __init__(self, executable=None, timeout=30.0):
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self.events = []  # (method, params, sessionId) in arrival order
        self._replies = {}
        self._cond = threading.Condition()
        self._next_id = 0
        self._closed = False

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="cjsim-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds():  # in the child: its fd 3 reads our commands, fd 4 writes its replies
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.log_path = os.path.join(self.profile, "chromium.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.executable, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=wire_fds)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self._cond:
                    if "id" in msg:
                        self._replies[msg["id"]] = msg
                    else:
                        self.events.append((msg.get("method"), msg.get("params", {}),
                                            msg.get("sessionId")))
                    self._cond.notify_all()
        with self._cond:
            self._closed_pipe = True
            self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=None):
        with self._cond:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        with self._cond:
            while mid not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or getattr(self, "_closed_pipe", False):
                    raise BrowserError(f"no reply to {method} (browser log: {self.log_path})")
                self._cond.wait(left)
            reply = self._replies.pop(mid)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})


class Page:
    """One tab: navigation, evaluation, screenshots, and the problems it reported."""

    def __init__(self, browser, width=1280, height=900, reduced_motion=True):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget",
                                    {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable")
        self.width = width
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        if reduced_motion:
            self.send("Emulation.setEmulatedMedia",
                      {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})

    def send(self, method, params=None, timeout=None):
        return self.b.send(method, params, session=self.session, timeout=timeout)

    def navigate(self, url):
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")

    def evaluate(self, expression, await_promise=False):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": await_promise})
        if "exceptionDetails" in r:
            raise BrowserError(f"evaluating {expression!r}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout=30.0, poll=0.1):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:  # while the page is still loading, its document may not be there yet
                value = self.evaluate(expression)
                if value:
                    return value
            except BrowserError as e:
                last = e
            time.sleep(poll)
        if last:
            raise BrowserError(f"timed out after {timeout:.0f} s waiting for {expression}: {last}")
        raise BrowserError(f"timed out after {timeout:.0f} s waiting for {expression}")

    def problems(self, allowed_schemes=("file:", "data:", "about:", "blob:")):
        """Console errors and warnings, uncaught exceptions, failed and outgoing requests."""
        found = []
        for method, p, session in self.b.events:
            if session != self.session:
                continue
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                text = d.get("exception", {}).get("description") or d.get("text")
                found.append(f"uncaught exception: {text}")
            elif method == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert",
                                                                           "warning"):
                args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                found.append(f"console.{p['type']}: {args}")
            elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
                e = p["entry"]
                found.append(f"browser log error ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
            elif method == "Network.loadingFailed":
                found.append(f"failed request: {p.get('errorText')} (type {p.get('type')})")
            elif method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(allowed_schemes):
                    found.append(f"the page reached for the network: {url}")
            elif method == "Network.responseReceived":
                status = p["response"].get("status", 0)
                if status >= 400:
                    found.append(f"HTTP {status} for {p['response']['url']}")
        return found

    def screenshot(self, path, clip=None):
        params = {"format": "png"}
        if clip:
            params["clip"] = dict(clip, scale=1)
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", params, timeout=60)["data"]
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def emulate_print(self, paper_width_px):
        """What a browser's print dialog does first: print media, the layout at the paper's width
        (the page's @page rule sets the paper; the page's print listeners run now)."""
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": int(paper_width_px), "height": 900, "deviceScaleFactor": 1,
                   "mobile": False})
        self.send("Emulation.setEmulatedMedia",
                  {"media": "print",
                   "features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})

    def print_pdf(self, path):
        """Chromium's print-to-PDF of the page as it is (call emulate_print first)."""
        data = self.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True},
                         timeout=120)["data"]
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def full_height(self, height):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": int(height), "deviceScaleFactor": 1,
                   "mobile": False})
