"""The wall benchmark (issue 3): the refresh callback, its payload, and the page in Chromium.

    python -m bench.wall --days 30 --db sqlite|postgres|both [--quick]

On the bench city (bench/wallcity.py: 5,000 lights, 300 segments, 30 air stations, 8 gauges,
reports) with `--days` and with 1 day of 5-minute history, each served by the production app in
a process of its own (pinned to the second core; this client to the first):

1. Three refreshes, played as the browser sends them (the states its stores hold):
   `first` (no map on screen: the whole map, trends and every text), `lamps` (1% of the lamps
   changed since the map on screen), `steady` (nothing changed). Their bare limits: the exact
   SQL each one ran (recorded in the server with `before_cursor_execute`) re-run on a raw
   DB-API connection, `fetchall`, `orjson.dumps`; the framework floor: a trivial string
   callback on the same server. 5 warm-up rounds, then >= 30 rounds, every measurement
   interleaved (the order rotates each round). Goal: p95 <= 1.5 x bare p95 + trivial p95 and
   < 100 ms, for `steady` and `lamps`; `--days` within 1.2x of 1 day.
2. Payload: raw and gzip bytes of `first` against `lamps` (goal < 2%); no numeric list over
   1,000 in any figure (typed arrays).
3. In-process split of each refresh (queries, SQL inside them, building the outputs,
   serialising) against its HTTP time: where the time goes.
4. Page ready in headless Chromium, median of >= 5 cold loads (see bench/wallpage.py).

Results: bench/results/<date>-<sha>-wall.{json,md}; exit 1 when a goal fails.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing as mp
import os
import pickle
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg

from bench.ingest import PG_URL, _git_sha, _versions
from bench.wallcity import (
    NOW,
    city_config,
    harness_session,
    postgres_city,
    serve,
    split,
    sqlite_city,
    wall_token,
)
from bench.wallpage import Screen, page_ready
from dashboard.queries.wall import map_state
from dashboard.records import Reading
from dashboard.store import SQLITE_CACHE_KIB, Store

RESULTS = Path(__file__).parent / "results"
CHANGED_AT = NOW + timedelta(seconds=20)  # the lamp changes land here
LATER = NOW + timedelta(seconds=30)  # the refreshes are timed at this clock
VARIANTS = ("steady", "lamps", "first")
GOAL_FACTOR, GOAL_MS, GOAL_DAYS, GOAL_PAYLOAD, TYPED_MAX = 1.5, 100.0, 1.2, 0.02, 1000


@dataclass
class Target:
    """One served city (`days` of history) and what is timed on it."""

    days: float
    db: str
    url: str
    proc: Any
    screen: Screen
    token: str
    bodies: dict[str, bytes] = field(default_factory=dict)
    sql: dict[str, list[tuple[str, Any, bool]]] = field(default_factory=dict)
    held: dict[str, Any] = field(default_factory=dict)  # the states before each variant
    payload: dict[str, Any] = field(default_factory=dict)
    bare_conn: Any = None


def start_server(url: str, cpu: int | None) -> tuple[Any, str]:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=serve, args=(url, NOW.timestamp(), cpu, child), daemon=True)
    proc.start()
    if not parent.poll(180):
        proc.terminate()
        raise RuntimeError("the bench server did not start")
    return proc, f"http://127.0.0.1:{parent.recv()}"


def _bare_conn(db: str, url: str) -> Any:
    """A raw DB-API connection tuned as the store's engine tunes its own."""
    if db == "sqlite":
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        conn.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def bare(conn: Any, statements: list[tuple[str, Any, bool]]) -> int:
    """The limit of a refresh's reads: its statements, fetchall, orjson of the rows."""
    size = 0
    cur = conn.cursor()
    for statement, params, _many in statements:  # the app's own BEGIN included
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
        size += len(orjson.dumps(rows, default=str))
    cur.close()
    conn.rollback()  # as the read session ends
    return size


def longest_numeric_list(node: Any) -> int:
    if isinstance(node, dict):
        return max((longest_numeric_list(v) for v in node.values()), default=0)
    if isinstance(node, list):
        own = len(node) if node and all(isinstance(x, int | float) for x in node[:50]) else 0
        return max([own, *(longest_numeric_list(v) for v in node)])
    return 0


def change_lamps(url: str, share: float = 0.01) -> int:
    """Flip `lamp_on` for `share` of the lamps at CHANGED_AT (every 1/share-th lamp)."""
    store = Store(url)
    config = city_config(url)
    with store.read_session() as session:
        lamps = map_state(session, config, NOW).lamps
    step = round(1 / share)
    picked = lamps.iloc[::step]
    readings = [
        Reading(str(i), "lamp_on", CHANGED_AT, 1.0 - float(on))
        for i, on in zip(picked["id"], picked["on"], strict=True)
    ]
    store.ingest("sim", readings=readings, now=CHANGED_AT)
    store.dispose()
    return len(readings)


def prepare(db: str, days: float, workdir: Path, cpu: int | None) -> Target:
    """Serve the city, play the three refreshes once, record their bodies, SQL and bytes."""
    url = sqlite_city(days, workdir) if db == "sqlite" else postgres_city(days)
    token, harness = wall_token(url), harness_session(url)
    proc, base = start_server(url, cpu)
    screen = Screen(base, token, harness)
    target = Target(days, db, url, proc, screen, token, bare_conn=_bare_conn(db, url))
    state_ids = [s["id"] for s in screen.refresh["state"]]
    snapshot = lambda: {i: dict(screen.props.get(i, {})) for i in state_ids}  # noqa: E731
    target.held["first"] = snapshot()
    target.bodies["first"] = screen.refresh_body()
    first = screen.post(target.bodies["first"])
    screen.keep(first)
    target.held["lamps"] = snapshot()
    target.bodies["lamps"] = screen.refresh_body()
    target.payload["lamps_changed"] = change_lamps(url)
    screen.control("clock", {"t": LATER.timestamp()})
    lamps = screen.post(target.bodies["lamps"])
    screen.keep(lamps)
    target.held["steady"] = snapshot()
    target.bodies["steady"] = screen.refresh_body()
    steady = screen.post(target.bodies["steady"])
    first = screen.post(target.bodies["first"])  # again at LATER: what is timed
    zipped = {
        name: screen.post(target.bodies[name], gzip_ok=True)
        for name in ("first", "lamps", "steady")
    }
    for name, r in (("first", first), ("lamps", lamps), ("steady", steady)):
        target.payload[name] = {
            "raw_bytes": len(r.content),
            "gzip_bytes": len(gzip.compress(r.content, 6)),
            "wire_encoding": zipped[name].headers.get("Content-Encoding", "identity"),
            "status": r.status_code,
        }
    full = first.json()["response"]
    target.payload["first"]["map_bytes"] = len(json.dumps(full["wall-map"], separators=(",", ":")))
    target.payload["longest_numeric_list"] = longest_numeric_list(full)
    target.payload["page_layout_bytes"] = len(screen.page.content)
    for name in VARIANTS:
        screen.control("capture", {"on": True})
        screen.post(target.bodies[name])
        target.sql[name] = pickle.loads(screen.control("capture", {"on": False}))
    return target


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def measure(targets: list[Target], rounds: int, warmup: int) -> dict[str, list[float]]:
    """Every measurement once per round, the order rotating round by round; ms."""
    tasks: list[tuple[str, Callable[[], Any]]] = []
    for t in targets:
        tag = f"{t.db}/{t.days:g}d"
        tasks.append((f"{tag}/trivial", partial(t.screen.post, t.screen.trivial_body())))
        for v in VARIANTS:
            tasks.append((f"{tag}/{v}/http", partial(t.screen.post, t.bodies[v])))
            tasks.append((f"{tag}/{v}/bare", partial(bare, t.bare_conn, t.sql[v])))
    samples: dict[str, list[float]] = {name: [] for name, _ in tasks}
    for k in range(warmup + rounds):
        shift = k % len(tasks)
        for name, fn in tasks[shift:] + tasks[:shift]:
            ms = _timed(fn)
            if k >= warmup:
                samples[name].append(ms)
    return samples


def stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "n": len(ms),
    }


def evaluate(
    targets: list[Target], samples: dict[str, list[float]], long_days: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rows of the result table (value, bare, ratio, goal, pass) and the raw figures."""
    rows: list[dict[str, Any]] = []
    figures: dict[str, Any] = {k: stats(v) for k, v in samples.items()}
    for t in targets:
        tag = f"{t.db}/{t.days:g}d"
        trivial = figures[f"{tag}/trivial"]["p95_ms"]
        for v in VARIANTS:
            value = figures[f"{tag}/{v}/http"]["p95_ms"]
            sql = figures[f"{tag}/{v}/bare"]["p95_ms"]
            limit = GOAL_FACTOR * sql + trivial
            goal = v != "first"
            rows.append(
                {
                    "what": f"{tag} refresh `{v}` p95",
                    "value": f"{value:.1f} ms",
                    "bare": f"SQL+orjson {sql:.1f} + trivial {trivial:.1f} ms "
                    f"({len(t.sql[v])} statements)",
                    "ratio": f"{value / (sql + trivial):.2f}x",
                    "goal": f"<= {limit:.1f} ms and < {GOAL_MS:.0f} ms" if goal else "(info)",
                    "pass": (value <= limit and value < GOAL_MS) if goal else None,
                }
            )
        first, lamps = t.payload["first"], t.payload["lamps"]
        share = lamps["raw_bytes"] / first["raw_bytes"]
        rows.append(
            {
                "what": f"{tag} payload: 1% lamps changed vs first load",
                "value": f"{lamps['raw_bytes']:,} B ({lamps['gzip_bytes']:,} gz)",
                "bare": f"{first['raw_bytes']:,} B ({first['gzip_bytes']:,} gz)",
                "ratio": f"{share:.2%} ({lamps['gzip_bytes'] / first['gzip_bytes']:.2%} gz)",
                "goal": f"< {GOAL_PAYLOAD:.0%}",
                "pass": share < GOAL_PAYLOAD,
            }
        )
        rows.append(
            {
                "what": f"{tag} longest numeric list in the figures",
                "value": str(t.payload["longest_numeric_list"]),
                "bare": "-",
                "ratio": "-",
                "goal": f"<= {TYPED_MAX:,} (typed arrays)",
                "pass": t.payload["longest_numeric_list"] <= TYPED_MAX,
            }
        )
    for db in sorted({t.db for t in targets}):
        for v in VARIANTS:
            a = figures.get(f"{db}/{long_days:g}d/{v}/http")
            b = figures.get(f"{db}/1d/{v}/http")
            if a is None or b is None or long_days == 1:
                continue
            ratio = a["p95_ms"] / b["p95_ms"]
            rows.append(
                {
                    "what": f"{db} refresh `{v}` p95, {long_days:g} days vs 1 day",
                    "value": f"{a['p95_ms']:.1f} ms",
                    "bare": f"{b['p95_ms']:.1f} ms",
                    "ratio": f"{ratio:.2f}x (p50 {a['p50_ms'] / b['p50_ms']:.2f}x)",
                    "goal": f"<= {GOAL_DAYS}x" if v != "first" else "(info)",
                    "pass": ratio <= GOAL_DAYS if v != "first" else None,
                }
            )
    return rows, figures


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| what | value | bare | ratio | goal | pass |", "|---|---|---|---|---|---|"]
    for r in rows:
        ok = "-" if r["pass"] is None else "PASS" if r["pass"] else "FAIL"
        lines.append(
            f"| {r['what']} | {r['value']} | {r['bare']} | {r['ratio']} | {r['goal']} | {ok} |"
        )
    return "\n".join(lines)


def run_db(
    db: str, args: argparse.Namespace, workdir: Path, browser: bool
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Everything on one database: the 1-day and `--days` cities served side by side."""
    pin = hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2
    cpus = os.sched_getaffinity(0) if pin else set()
    if pin:
        os.sched_setaffinity(0, {0})  # the client; the servers get the other core
    targets: list[Target] = []
    try:
        for days in sorted({1.0, args.days}):
            targets.append(prepare(db, days, workdir, 1 if pin else None))
        samples = measure(targets, args.rounds, warmup=5)
        rows, figures = evaluate(targets, samples, args.days)
        longest = next(t for t in targets if t.days == args.days)
        breakdown = split(longest.url, longest.held, LATER, rounds=15)
        page = None
        if browser and not args.no_browser:
            if pin:
                os.sched_setaffinity(0, cpus)  # Chromium gets the machine
            page = page_ready(longest.screen.base, longest.token, args.loads)
            rows += page["rows"]
    finally:
        if pin:
            os.sched_setaffinity(0, cpus)
        for t in targets:
            t.proc.terminate()
            t.proc.join(10)
            t.bare_conn.close()
    return rows, {
        "figures": figures,
        "payload": {f"{t.days:g}d": t.payload for t in targets},
        "sql": {
            f"{t.days:g}d": {v: [s for s, _, _ in t.sql[v]] for v in VARIANTS} for t in targets
        },
        "split": breakdown,
        "browser": page,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="30 rounds, 5 page loads")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--loads", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (30 if args.quick else 60)
    args.loads = args.loads or (5 if args.quick else 9)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    sha = _git_sha()  # the code measured (others may commit during the run)
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {"now": NOW.isoformat(), "rounds": args.rounds, "dbs": {}}
    with tempfile.TemporaryDirectory(prefix="cityops-wall-") as tmp:
        for db in dbs:
            try:
                db_rows, report["dbs"][db] = run_db(db, args, Path(tmp), browser=db == dbs[0])
            except Exception as exc:  # one database down must not lose the other
                db_rows = [
                    {
                        "what": f"{db}: the run failed",
                        "value": repr(exc)[:200],
                        "bare": "-",
                        "ratio": "-",
                        "goal": "runs",
                        "pass": False,
                    }
                ]
                report["dbs"][db] = {"error": repr(exc)}
            rows += db_rows
            print(table(db_rows), flush=True)
    report["rows"] = rows
    report["versions"] = {
        **_versions(PG_URL, dbs),
        "dash": metadata.version("dash"),
        "plotly": metadata.version("plotly"),
        "chromium": next(
            (e["browser"]["chromium"] for e in report["dbs"].values() if e.get("browser")), None
        ),
    }
    out = table(rows)
    RESULTS.mkdir(exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{sha}-wall"
    (RESULTS / f"{stem}.md").write_text(out + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=1, default=str), "utf-8")
    print(f"written {RESULTS / stem}.{{json,md}}")
    return 0 if all(r["pass"] is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
