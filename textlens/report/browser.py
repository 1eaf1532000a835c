"""Look at an HTML report the way a reader's browser does: headless Chromium over the DevTools protocol.

Used by `scripts/render_report.py` and the tests: it loads the page from disk (no network), waits
for the charts, reports JavaScript errors and console errors (CSP violations included), counts
the drawn SVG of every chart, can click a chart point to open the evidence panel, and takes
screenshots. Needs the `chromium` binary and the `websocket-client` package.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textlens.errors import AnalysisError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-extensions", "--mute-audio",
                  "--hide-scrollbars")


class BrowserError(AnalysisError):
    """Chromium could not be started or driven; the message says why."""


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary ($CHROMIUM first), or None."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).exists():
        return env
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    """What the browser saw."""

    title: str = ""
    charts: list[dict[str, Any]] = field(default_factory=list)  # id, svg_children, traces, width, height
    errors: list[str] = field(default_factory=list)  # uncaught exceptions, console errors, CSP violations
    pwned: Any = None  # window.__pwned (set only if corpus script ran)
    text: str = ""  # text content of the page (collapsed parts included, scripts excluded)
    injected: dict[str, int] = field(default_factory=dict)  # elements that only corpus markup could create
    evidence_opened: bool = False
    evidence_items: int = 0
    evidence_text: str = ""
    screenshots: list[str] = field(default_factory=list)

    @property
    def charts_rendered(self) -> int:
        return sum(1 for c in self.charts if c["svg_children"] > 0 and c["traces"] > 0)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["charts_rendered"] = self.charts_rendered
        d.pop("text")
        return d


class _DevTools:
    """A minimal synchronous DevTools client over one page websocket."""

    def __init__(self, ws_url: str, timeout: float):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=timeout, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise BrowserError(f"{method}: no answer within {timeout} s")

    def wait_event(self, name: str, timeout: float) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        for ev in self.events:
            if ev["method"] == name:
                return ev
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(self.ws.recv())
            except Exception:  # noqa: BLE001 - websocket timeout: keep waiting until the deadline
                continue
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == name:
                    return msg
        return None

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        res = self.call("Runtime.evaluate", timeout=timeout, expression=expression, returnByValue=True,
                        awaitPromise=True)
        if "exceptionDetails" in res:
            raise BrowserError(f"evaluate failed: {res['exceptionDetails'].get('text')}")
        return res.get("result", {}).get("value")

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass


_CHECK_JS = r"""
(() => {
  const charts = Array.from(document.querySelectorAll('.plot')).map(n => {
    const svg = n.querySelector('svg.main-svg');
    const r = n.getBoundingClientRect();
    return {id: n.id, svg_children: svg ? svg.querySelectorAll('*').length : 0,
            traces: n.querySelectorAll('.trace, .hm, .bars, .sankey .node-rect').length,
            width: Math.round(r.width), height: Math.round(r.height)};
  });
  const injected = {
    'img[src="x"]': document.querySelectorAll('img[src="x"]').length,
    '[onerror]': document.querySelectorAll('[onerror]').length,
    '[onload]': document.querySelectorAll('[onload]').length,
    'a[href^="javascript"]': document.querySelectorAll('a[href^="javascript" i]').length,
    'script': document.querySelectorAll('script').length,
    'textarea': document.querySelectorAll('textarea').length,
  };
  return {title: document.title, charts: charts, pwned: (window.__pwned === undefined ? null : String(window.__pwned)),
          text: Array.from(document.body.children).filter(n => n.tagName !== 'SCRIPT')
                  .map(n => n.textContent).join('\n'),
          injected: injected,
          state: window.textlensReport ? {rendered: window.textlensReport.rendered,
                                          failed: window.textlensReport.failed} : null};
})()
"""

_POINT_JS = r"""
((chartId) => {
  // the biggest visible bar, marker or Sankey node of the chart: the easiest target for a real click
  const root = chartId ? document.getElementById(chartId) : document;
  if (!root) return null;
  const pts = Array.from(root.querySelectorAll('.scatterlayer .trace .points path.point, .bars path, .sankey .node-rect'));
  let best = null, area = 0;
  for (const p of pts) {
    const r = p.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.top > 0 && r.bottom < window.innerHeight - 5 && r.width * r.height > area) {
      best = {x: r.left + r.width / 2, y: r.top + r.height / 2}; area = r.width * r.height;
    }
  }
  return best;
})
"""


def inspect_report(html_path: str | Path, screenshot: str | Path | None = None, sections: bool = False,
                   width: int = 1360, height: int = 900, click: bool | str = True, timeout: float = 90.0,
                   chromium: str | None = None) -> PageReport:
    """Open `html_path` in headless Chromium and report what rendered (see PageReport).

    `click`: click a mark of the first chart (True) or of the chart with this id, with real mouse
    events, and record what the evidence panel then shows."""
    binary = chromium or find_chromium()
    if not binary:
        raise BrowserError("no Chromium found: `apt-get install -y chromium` (Debian) or set $CHROMIUM")
    html_path = Path(html_path).resolve()
    if not html_path.is_file():
        raise BrowserError(f"{html_path}: no such report")
    profile = tempfile.mkdtemp(prefix="textlens-chromium-")
    proc = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         f"--window-size={width},{height}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tools = None
    try:
        port = _devtools_port(Path(profile), proc, timeout=30)
        tools = _DevTools(_page_ws(port), timeout=timeout)
        for domain in ("Runtime", "Log", "Page"):
            tools.call(f"{domain}.enable")
        tools.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                   mobile=False)
        tools.call("Page.navigate", url=html_path.as_uri())
        if tools.wait_event("Page.loadEventFired", timeout) is None:
            raise BrowserError(f"{html_path}: page did not load within {timeout} s")
        deadline = time.monotonic() + timeout
        expected = tools.evaluate("document.querySelectorAll('.plot').length") or 0
        while time.monotonic() < deadline:
            state = tools.evaluate("window.textlensReport ? window.textlensReport.rendered : -1")
            if state is None or state == -1 or state >= expected:  # -1: not a textlens page (or its script died)
                break
            time.sleep(0.25)
        time.sleep(0.3)
        report = PageReport()
        if click:
            _click_a_point(tools, report, click if isinstance(click, str) else None)
        data = tools.evaluate(_CHECK_JS)
        report.title, report.charts, report.pwned = data["title"], data["charts"], data["pwned"]
        report.text, report.injected = data["text"], data["injected"]
        if data["state"] and data["state"]["failed"]:
            report.errors += [f"chart failed: {f}" for f in data["state"]["failed"]]
        if screenshot:
            report.screenshots = _screenshots(tools, Path(screenshot), sections, width)
        report.errors += _errors(tools.events)
        return report
    finally:
        if tools is not None:
            tools.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(profile: Path, proc: subprocess.Popen, timeout: float) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace")[-2000:] if proc.stderr else ""
            raise BrowserError(f"chromium exited with status {proc.returncode}: {err}")
        if marker.exists():
            lines = marker.read_text().split()
            if lines:
                return int(lines[0])
        time.sleep(0.1)
    raise BrowserError(f"chromium did not open its DevTools port within {timeout} s")


def _page_ws(port: int) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as resp:
                targets = json.load(resp)
        except OSError:
            time.sleep(0.2)
            continue
        pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise BrowserError("chromium has no page to drive")


def _click_a_point(tools: _DevTools, report: PageReport, chart_id: str | None) -> None:
    """Scroll a chart into view and click a drawn point or bar: the evidence panel must open."""
    target = json.dumps(chart_id)
    tools.evaluate(f"(() => {{ const n = {target} ? document.getElementById({target}) : document.querySelector('.plot');"
                   " if (n) n.scrollIntoView({behavior: 'instant', block: 'center'}); })()")
    time.sleep(0.3)
    pt = tools.evaluate(f"{_POINT_JS}({target})")
    if not pt:
        return
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        extra = {"button": "left", "clickCount": 1} if kind != "mouseMoved" else {}
        tools.call("Input.dispatchMouseEvent", type=kind, x=pt["x"], y=pt["y"], **extra)
        time.sleep(0.15)
    time.sleep(0.3)
    state = tools.evaluate("(() => { const p = document.getElementById('evidence-panel');"
                           " return p ? {open: !p.hidden, items: document.querySelectorAll('#evidence-list li').length,"
                           " text: p.innerText} : null; })()")
    if state:
        report.evidence_opened = bool(state["open"])
        report.evidence_items = int(state["items"])
        report.evidence_text = state["text"]
    tools.evaluate("(() => { const b = document.getElementById('evidence-close'); if (b) b.click();"
                   " window.scrollTo({top: 0, behavior: 'instant'}); })()")


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for ev in events:
        method, params = ev["method"], ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = params.get("exceptionDetails", {})
            out.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            out.append(f"log ({params['entry'].get('source')}): {params['entry'].get('text')}")
    return out


def _screenshots(tools: _DevTools, out: Path, sections: bool, width: int) -> list[str]:
    """A full-page PNG at `out`, plus one per report section (`<stem>_<section>.png`) when asked."""
    out.parent.mkdir(parents=True, exist_ok=True)
    metrics = tools.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    full_h = int(min(size["height"], 16000))
    written = []
    shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "width": width, "height": full_h, "scale": 1})
    out.write_bytes(base64.b64decode(shot["data"]))
    written.append(str(out))
    if sections:
        rects = tools.evaluate("Array.from(document.querySelectorAll('header.top, section.card')).map(s => {"
                               " const r = s.getBoundingClientRect();"
                               " return {id: s.id || 'header', x: r.left + window.scrollX, y: r.top + window.scrollY,"
                               " w: r.width, h: r.height}; })")
        for r in rects or []:
            path = out.with_name(f"{out.stem}_{r['id']}{out.suffix}")
            shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                              clip={"x": r["x"], "y": r["y"], "width": r["w"], "height": min(r["h"], 6000),
                                    "scale": 1})
            path.write_bytes(base64.b64decode(shot["data"]))
            written.append(str(path))
    return written
