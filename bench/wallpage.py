"""The wall page as a client sees it: over HTTP (`Screen`, BENCH.md 5.1) and in headless
Chromium (`page_ready`, BENCH.md 5.2: time to ready and callbacks on first load).

`Screen` plays the Dash renderer: it renders /wall through the pages router, then sends the
refresh callback's body with the states the page's components hold.

"Ready" = navigation start -> every `.js-plotly-plot` of the page present, the map's
`.maplibregl-canvas` present, `document.title` not "Updating...", and no
`_dash-update-component` request in flight (counted in the page by wrapping `fetch`, which the
Dash renderer uses). Each load is cold: a fresh browser context (no cache, no cookies), as a
wall screen that boots. Also kept: Navigation Timing (DCL, load), first contentful paint, CDP
`Performance.getMetrics`, and the number and bytes of callback requests.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import requests
from playwright.sync_api import sync_playwright

from bench.wallcity import TRIVIAL_OUTPUT, sign_in
from dashboard.auth.sessions import COOKIE
from dashboard.pdf.renderer import CHROMIUM, CHROMIUM_ARGS

GOAL_READY_S, GOAL_CALLBACKS = 3.5, 3
ROUTER_PREFIX = ".._pages_content.children"
REFRESH_PREFIX = "..wall-map.figure...wall-version.data"
PLOTS = 2  # the map and the trend strip
SETTLE_S = 1.5  # after ready, so a late callback is still counted (the interval is 10 s)


def components(node: Any, found: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Props of every component with an id in a serialised layout, by the renderer's key."""
    found = {} if found is None else found
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "id" in props:
            found[key_of(props["id"])] = props
        for value in node.values():
            components(value, found)
    elif isinstance(node, list):
        for value in node:
            components(value, found)
    return found


def key_of(ident: Any) -> str:
    return (
        json.dumps(ident, sort_keys=True, separators=(",", ":"))
        if isinstance(ident, dict)
        else ident
    )


class Screen:
    """One wall screen over HTTP, signed in with a wall token (its session cookie then rides
    on every request): renders /wall through the router, then builds the refresh body the
    renderer sends (its inputs and the states its components hold). `harness`: an admin's
    session cookie for the harness routes (/_bench/...)."""

    def __init__(self, base: str, token: str, harness: str) -> None:
        self.base = base
        self.http = requests.Session()  # keep-alive
        sign_in(self.http, base, token)
        self.harness = requests.Session()
        self.harness.cookies.set(COOKIE, harness)
        self.deps = {d["output"]: d for d in self.http.get(f"{base}/_dash-dependencies").json()}
        router = self._dep(ROUTER_PREFIX)
        values = {"_pages_location.pathname": "/wall", "_pages_location.search": "?lang=en"}
        self.page = self.post(self._body(router, values, "_pages_location.pathname"))
        self.props = components(self.page.json()["response"]["_pages_content"]["children"])
        self.order = list(self.props)
        self.refresh = self._dep(REFRESH_PREFIX)
        self.n = 0

    def _dep(self, prefix: str) -> dict[str, Any]:
        return next(d for k, d in self.deps.items() if k.startswith(prefix))

    def _spec(self, ref: str) -> Any:
        ident, prop = ref.rsplit(".", 1)
        if not ident.startswith("{"):
            return {"id": ident, "property": prop}
        kind = json.loads(ident)["type"]
        keys = [k for k in self.order if k.startswith("{") and json.loads(k)["type"] == kind]
        return [{"id": json.loads(k), "property": prop} for k in keys]

    def _body(self, dep: dict[str, Any], values: dict[str, Any], changed: str) -> bytes:
        out = dep["output"]
        refs = out.strip(".").split("...") if out.startswith("..") else [out]
        specs = [self._spec(r) for r in refs]

        def deps(items: list[dict[str, str]]) -> list[dict[str, Any]]:
            return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        body = {
            "output": out,
            "outputs": specs if out.startswith("..") else specs[0],
            "inputs": deps(dep["inputs"]),
            "state": deps(dep["state"]),
            "changedPropIds": [changed],
        }
        return json.dumps(body).encode()

    def post(self, body: bytes, gzip_ok: bool = False) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        headers["Accept-Encoding"] = "gzip" if gzip_ok else "identity"
        r = self.http.post(f"{self.base}/_dash-update-component", data=body, headers=headers)
        if r.status_code not in (200, 204):
            raise RuntimeError(f"callback answered {r.status_code}: {r.text[:500]}")
        return r

    def refresh_body(self) -> bytes:
        """The body of the next interval tick, with the states this screen holds now."""
        self.n += 1
        values = {"wall-interval.n_intervals": self.n}
        for s in self.refresh["state"]:
            values[f"{s['id']}.{s['property']}"] = self.props.get(s["id"], {}).get(s["property"])
        return self._body(self.refresh, values, "wall-interval.n_intervals")

    def keep(self, response: requests.Response) -> None:
        """Hold what a refresh returned (a map Patch is not applied: the tests check those)."""
        for key, changed in response.json()["response"].items():
            if key == "wall-map":
                continue
            self.props.setdefault(key, {}).update(changed)

    def trivial_body(self) -> bytes:
        return self._body(
            self.deps[TRIVIAL_OUTPUT], {"bench-trivial-in.n_clicks": 1}, "bench-trivial-in.n_clicks"
        )

    def control(self, path: str, payload: dict[str, Any]) -> bytes:
        r = self.harness.post(f"{self.base}/_bench/{path}", json=payload)
        if r.status_code != 200:
            raise RuntimeError(f"/_bench/{path} answered {r.status_code}: {r.text[:200]}")
        return r.content


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


def _load(browser: Any, url: str, cookie: str) -> dict[str, Any]:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    # The screen's own session cookie (a booting wall screen keeps its persistent cookie).
    context.add_cookies([{"name": COOKIE, "value": cookie, "url": url}])
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


def page_ready(base: str, token: str, loads: int) -> dict[str, Any]:
    """Median of `loads` cold loads of /wall (one warm-up load first, discarded), by a screen
    signed in once with the wall `token`."""
    url = f"{base}/wall?lang=en"
    cookie = sign_in(requests.Session(), base, token)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            version = browser.version
            _load(browser, url, cookie)
            samples = [_load(browser, url, cookie) for _ in range(loads)]
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
    return {
        "rows": rows,
        "samples": samples,
        "medians": med,
        "ready_s": ready,
        "chromium": version,
    }
