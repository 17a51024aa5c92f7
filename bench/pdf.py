"""Seconds per PDF snapshot, cold and warm, and the renderer's peak memory (issue 12).

    python -m bench.pdf [--days 7] [--runs 5] [--paper A4] [--landscape]

The city is bench/wallcity.py's (the simulator at wall scale, cached; a working copy per run).
For each page (the wall and every domain page), a fresh `dashboard.pdf.Renderer`:

* `start`: the renderer's construction (the app, its loopback server, Chromium's launch);
* `cold`: its first PDF of that page (Dash bundles, plotly, MapLibre fetched and compiled);
* `warm`: the median of `--runs` further PDFs of the same page on the same renderer.

Peak memory is the largest resident set of the Chromium process tree (every descendant of
this process but itself, from /proc, sampled every 50 ms while the renderer lives). No limit
to compare with: the goal of issue 12 is under 5 s a page, warm. Results:
bench/results/<date>-<sha>-pdf.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import save
from bench.wallcity import NOW, city_config, sqlite_city
from dashboard.auth.passwords import hash_password
from dashboard.pdf import PdfJob, Renderer
from dashboard.store import Store

PAGES = ("/wall", "/traffic?range=7d", "/lighting?range=7d", "/environment?range=7d",
         "/reports?range=7d", "/alerts?range=7d")  # fmt: skip
USER = "bench-pdf"
GOAL_WARM_S = 5.0
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _children(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        frontier += kids
    return found


def _rss(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
        except OSError:
            continue
    return total


class PeakRss:
    """The largest summed RSS of this process's descendants while running (bytes)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss(_children(os.getpid())))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


def measure(url: str, page: str, runs: int, paper: str, landscape: bool) -> dict[str, Any]:
    config = city_config(url)
    store = Store(url)
    job = PdfJob(page, USER, paper=paper, landscape=landscape)  # type: ignore[arg-type]
    try:
        with PeakRss() as memory:
            began = time.perf_counter()
            renderer = Renderer(config, store, clock=lambda: NOW, timeout_s=120)
            started = time.perf_counter()
            try:
                first = renderer.render(job)
                cold = time.perf_counter() - started
                warm = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    renderer.render(job)
                    warm.append(time.perf_counter() - t0)
            finally:
                renderer.close()
    finally:
        store.dispose()
    median = statistics.median(warm)
    return {
        "page": page, "start_s": started - began, "cold_s": cold, "warm_s": warm,
        "warm_median_s": median, "peak_rss_mb": memory.peak / 2**20, "bytes": len(first),
        "pass": median < GOAL_WARM_S,
    }  # fmt: skip


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| page | start s | cold s | warm s (median) | peak Chromium RSS MB | PDF KB | < 5 s warm |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['page']}` | {r['start_s']:.2f} | {r['cold_s']:.2f} | {r['warm_median_s']:.2f} "
            f"| {r['peak_rss_mb']:.0f} | {r['bytes'] / 1024:.0f} | {'yes' if r['pass'] else 'NO'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=7)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--paper", choices=("A4", "A3"), default="A4")
    parser.add_argument("--landscape", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = sqlite_city(args.days, Path(tmp))
        store = Store(url)
        store.accounts.create_user(USER, "admin", hash_password("bench only"), datetime.now(UTC))
        store.dispose()
        rows = [measure(url, p, args.runs, args.paper, args.landscape) for p in PAGES]
    save("pdf", {"args": vars(args), "rows": rows}, table(rows))
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
