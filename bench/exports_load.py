"""The wall's refresh while PDF exports render (issue 12: "never in the way").

    python -m bench.exports_load [--days 1] [--exports 4] [--workers 1] [--rounds 60] [--nice 10]
                                 [--no-idle-priority] [--render-cpus 0]

On the bench city (bench/wallcity.py), served by the production app in a process of its own
(pinned to the second core, this client to the first, as bench/wall.py does), the wall's
`steady` refresh (nothing changed since the map on screen) is timed back to back:

1. idle: `--rounds` refreshes with nothing else running;
2. loaded: the same refresh, again and again, while `--exports` PDF exports (the wall and
   the domain pages, queued at once in the store) are rendered by the render workers
   (`dashboard.exports.worker.ExportWorkers`, `--workers` at a time) in a third process, as
   the scheduler's process renders them beside the web workers; until the queue is empty.

Goal: the loaded p95 within 1.5x of the idle p95. Also reported: each export's status and
seconds (claimed to finished) and the whole queue's makespan. Results:
bench/results/<date>-<sha>-exports-load.{json,md}; exit 1 when the goal fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.ingest import _git_sha
from bench.wall import _timed, start_server, stats
from bench.wallcity import NOW, city_config, harness_session, sqlite_city, wall_token
from bench.wallpage import Screen
from dashboard.config_exports import ExportsConfig
from dashboard.store import Store

RESULTS = Path(__file__).parent / "results"
PAGES = ("/wall", "/traffic?range=7d", "/lighting?range=7d", "/environment?range=7d",
         "/reports?range=7d", "/alerts?range=7d")  # fmt: skip
USER = "bench-exports"
GOAL_FACTOR = 1.5


def _render(url: str, folder: str, workers: int, priority: dict[str, Any], done: Any) -> None:
    """The render process: workers drain the queue, then `done` is set. The pages show the
    city at NOW; the queue's times are the real ones (each export's seconds)."""
    from dashboard.exports.worker import ExportWorkers, chromium_renderer

    exports = ExportsConfig(folder=Path(folder), workers=workers, timeout_s=180, **priority)
    config = city_config(url).model_copy(update={"exports": exports})
    store = Store(url)
    renderer = chromium_renderer(config, store, lambda: NOW)
    pool = ExportWorkers(config, store, renderer=renderer, poll_s=0.2)
    pool.start()
    try:
        while True:
            from dashboard.queries.exports import recent_exports

            with store.read_session() as session:
                if not any(e.pending for e in recent_exports(session)):
                    break
            time.sleep(0.2)
    finally:
        pool.stop()
        store.dispose()
        done.set()


def _queue(url: str, count: int) -> None:
    store = Store(url)
    try:
        store.accounts.create_user(USER, "manager", "!unusable", NOW)
        for i in range(count):
            store.exports.enqueue(
                requested_by=USER,
                username=USER,
                path=PAGES[i % len(PAGES)],
                paper="A4",
                landscape=True,
                lang="vi",
                at=datetime.now(UTC),
            )
    finally:
        store.dispose()


def _exports(url: str) -> list[dict[str, Any]]:
    from dashboard.queries.exports import recent_exports

    store = Store(url)
    try:
        with store.read_session() as session:
            found = recent_exports(session)
    finally:
        store.dispose()
    return [
        {
            "path": e.path,
            "status": e.status,
            "error": e.error,
            "seconds": round((e.finished_at - e.started_at).total_seconds(), 2)
            if e.finished_at and e.started_at
            else None,
            "size_bytes": e.size_bytes,
        }
        for e in reversed(found)
    ]


def _priority(args: argparse.Namespace) -> dict[str, Any]:
    """The `[exports]` CPU keys of this run."""
    return {"nice": args.nice, "idle_priority": args.idle_priority, "cpus": args.render_cpus}


def _described(args: argparse.Namespace) -> str:
    idle = ", SCHED_IDLE" if args.idle_priority else ""
    cpus = f", on CPU {','.join(map(str, args.render_cpus))}" if args.render_cpus else ""
    return f"{args.workers} at a time, nice {args.nice}{idle}{cpus}"


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    cpus = os.sched_getaffinity(0) if pin else set()
    if pin:
        os.sched_setaffinity(0, {0})
    url = sqlite_city(args.days, workdir)
    token, harness = wall_token(url), harness_session(url)
    proc, base = start_server(url, 1 if pin else None)
    try:
        screen = Screen(base, token, harness)
        screen.keep(screen.post(screen.refresh_body()))  # the map is on screen now
        steady = screen.refresh_body()
        for _ in range(5):
            screen.post(steady)
        idle = [_timed(lambda: screen.post(steady)) for _ in range(args.rounds)]
        _queue(url, args.exports)
        ctx = mp.get_context("spawn")
        done = ctx.Event()
        renderer = ctx.Process(
            target=_render,
            args=(url, str(workdir / "pdfs"), args.workers, _priority(args), done),
            daemon=True,
        )
        if pin:
            os.sched_setaffinity(0, cpus)  # the render process may use the whole machine
        started = time.perf_counter()
        renderer.start()
        if pin:
            os.sched_setaffinity(0, {0})
        loaded: list[float] = []
        while not done.is_set():
            loaded.append(_timed(lambda: screen.post(steady)))
        makespan = time.perf_counter() - started
        renderer.join(30)
    finally:
        proc.terminate()
        proc.join(10)
        if pin:
            os.sched_setaffinity(0, cpus)
    idle_s, loaded_s = stats(idle), stats(loaded)
    ratio = loaded_s["p95_ms"] / idle_s["p95_ms"]
    return {
        "idle": idle_s,
        "loaded": loaded_s,
        "ratio_p95": round(ratio, 2),
        "goal": f"<= {GOAL_FACTOR}x",
        "pass": ratio <= GOAL_FACTOR,
        "makespan_s": round(makespan, 1),
        "exports": _exports(url),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=float, default=1)
    parser.add_argument("--exports", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--nice", type=int, default=ExportsConfig().nice, help="[exports] nice")
    parser.add_argument(
        "--idle-priority",
        action=argparse.BooleanOptionalAction,
        default=ExportsConfig().idle_priority,
        help="[exports] idle_priority (Linux SCHED_IDLE)",
    )
    parser.add_argument(
        "--render-cpus", type=int, nargs="+", default=None, help="[exports] cpus (e.g. 0)"
    )
    args = parser.parse_args(argv)
    sha = _git_sha()
    with tempfile.TemporaryDirectory(prefix="cityops-exports-load-") as tmp:
        result = run(args, Path(tmp))
    result.update(args=vars(args), sha=sha, now=NOW.isoformat())
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{sha}-exports-load"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    lines = [
        f"# The wall's refresh while {args.exports} PDF exports render ({_described(args)})",
        "",
        "| what | p50 ms | p95 ms | n |",
        "|---|---|---|---|",
        *(
            f"| {k} | {result[k]['p50_ms']} | {result[k]['p95_ms']} | {result[k]['n']} |"
            for k in ("idle", "loaded")
        ),
        "",
        f"loaded p95 / idle p95: **{result['ratio_p95']}x** (goal {result['goal']}: "
        f"{'pass' if result['pass'] else 'FAIL'}); queue drained in {result['makespan_s']} s",
        "",
        "| export | status | seconds | KB |",
        "|---|---|---|---|",
        *(
            f"| {e['path']} | {e['status']} {e['error'] or ''} | {e['seconds']} | "
            f"{round((e['size_bytes'] or 0) / 1024)} |"
            for e in result["exports"]
        ),
    ]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
