"""The wall page in headless Chromium (BENCH.md 5.2): time to ready and callbacks on first load.

"Ready" = navigation start -> every `.js-plotly-plot` of the page present, the map's
`.maplibregl-canvas` present, `document.title` not "Updating...", and no
`_dash-update-component` request in flight (counted in the page by wrapping `fetch`, which the
Dash renderer uses). Each load is cold: a fresh browser context (no cache, no cookies), as a
wall screen that boots. Also kept: Navigation Timing (DCL, load), first contentful paint, CDP
`Performance.getMetrics`, and the number and bytes of callback requests.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
GOAL_READY_S, GOAL_CALLBACKS = 3.5, 3
PLOTS = 2  # the map and the trend strip
SETTLE_S = 1.5  # after ready, so a late callback is still counted (the interval is 10 s)

_COUNT_FETCHES = """
(() => {
  window.__inflight = 0; window.__calls = 0;
  const original = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (!url.includes('_dash-update-component')) return original.apply(this, arguments);
    window.__inflight += 1; window.__calls += 1;
    return original.apply(this, arguments).then(
      (r) => r.clone().arrayBuffer().then(() => { window.__inflight -= 1; return r; }),
      (e) => { window.__inflight -= 1; throw e; });
  };
})();
"""
_READY = f"""
() => {{
  const ok = document.querySelectorAll('.js-plotly-plot').length >= {PLOTS}
    && document.querySelector('.maplibregl-canvas') !== null
    && !document.title.startsWith('Updating')
    && window.__calls > 0 && window.__inflight === 0;
  if (ok && window.__ready === undefined) window.__ready = performance.now();
  return ok;
}}
"""
_TIMING = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {ready_ms: window.__ready, dcl_ms: nav.domContentLoadedEventEnd,
          load_ms: nav.loadEventEnd, fcp_ms: fcp ? fcp.startTime : null,
          callbacks: window.__calls};
}
"""
_CDP = ("ScriptDuration", "TaskDuration", "LayoutDuration", "JSHeapUsedSize", "Nodes")


def _load(browser: Any, url: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    page.add_init_script(_COUNT_FETCHES)
    sizes: list[int] = []
    page.on(
        "requestfinished",
        lambda r: (
            sizes.append(r.sizes()["responseBodySize"])
            if "_dash-update-component" in r.url
            else None
        ),
    )
    page.goto(url, wait_until="commit")
    page.wait_for_function(_READY, polling="raf", timeout=30_000)
    time.sleep(SETTLE_S)
    out: dict[str, Any] = page.evaluate(_TIMING)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    out.update({k: metrics.get(k) for k in _CDP})
    out["callback_bytes"] = sum(sizes)
    out["callback_requests_seen"] = len(sizes)
    context.close()
    return out


def page_ready(base: str, loads: int) -> dict[str, Any]:
    """Median of `loads` cold loads of /wall (one warm-up load first, discarded)."""
    url = f"{base}/wall?lang=en"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            _load(browser, url)
            samples = [_load(browser, url) for _ in range(loads)]
        finally:
            browser.close()
    ready = statistics.median(s["ready_ms"] for s in samples) / 1000
    calls = max(s["callbacks"] for s in samples)
    med = {
        k: statistics.median(s[k] for s in samples if s[k] is not None)
        for k in ("dcl_ms", "load_ms", "fcp_ms", "ScriptDuration", "TaskDuration", "callback_bytes")
        if any(s[k] is not None for s in samples)
    }
    rows = [
        {
            "what": f"page ready in Chromium (median of {loads} cold loads)",
            "value": f"{ready:.2f} s",
            "bare": f"DCL {med.get('dcl_ms', 0) / 1000:.2f} s, FCP {med.get('fcp_ms', 0) / 1000:.2f} s",
            "ratio": "-",
            "goal": f"< {GOAL_READY_S} s",
            "pass": ready < GOAL_READY_S,
        },
        {
            "what": "callback requests on first load (max over loads)",
            "value": str(calls),
            "bare": f"{med.get('callback_bytes', 0):,.0f} B of responses",
            "ratio": "-",
            "goal": f"<= {GOAL_CALLBACKS}",
            "pass": calls <= GOAL_CALLBACKS,
        },
    ]
    return {"rows": rows, "samples": samples, "medians": med, "ready_s": ready}
