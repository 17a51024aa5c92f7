"""The drill-down benchmark (issue 5): one asset's history for 1, 7, 30 and 90 days.

    python -m bench.drill [--db sqlite|postgres|both] [--rounds 30]

A store holding road segments with 5-minute speeds for 97 days (90 days and the week before,
which the detail overlays) is served by the production app in a process of its own (the wall
bench's server, bench/wallcity.py: harness clock, SQL capture, a trivial callback; pinned to
the second core, this client to the first). For each window the asset detail's callback
(/traffic, `asset=…&range=…`) is POSTed to /_dash-update-component as the renderer sends it;
its bare limit is the SQL it ran (captured in the server) re-run on a raw DB-API connection,
`fetchall`, `orjson.dumps` (bench/wall.py's `bare`); the framework floor is the trivial
callback. 5 warm-ups, then >= 30 rounds, every measurement interleaved. Goals: median within
1.5x of bare + trivial, and 90 days no slower than 2x 1 day.

Results: bench/results/<date>-<sha>-drill.{json,md}; exit 1 when a goal fails.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import requests

from bench.ingest import PG_URL, _git_sha, _versions
from bench.stores import fresh_store
from bench.wall import _bare_conn, _timed, bare, start_server, stats
from bench.wallcity import NOW, TRIVIAL_OUTPUT
from dashboard.records import Asset, Reading

RESULTS = Path(__file__).parent / "results"
DAYS = (1, 7, 30, 90)
HISTORY_DAYS = 97
STEP_S = 300
SEGMENTS = 4
GOAL_FACTOR, GOAL_LONG = 1.5, 2.0
DETAIL_INPUT = "traffic-filter"


def _segment(i: int) -> Asset:
    lon, lat = 105.075 + 0.004 * i, 10.005 + 0.003 * i
    return Asset(
        f"bench-road-{i:03d}",
        "traffic",
        "road_segment",
        f"Đường thử {i}",
        {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.003, lat + 0.002]]},
        attributes={"free_flow_kmh": 40.0, "length_m": 380.0},
    )


def build(db: str, workdir: Path) -> str:
    """A store with SEGMENTS segments of 5-minute speeds over HISTORY_DAYS, ingested a day
    per batch through `Store.ingest` (so the rollups are the store's own)."""
    store = fresh_store(db, workdir, "drill")
    assets = [_segment(i) for i in range(SEGMENTS)]
    end = int(NOW.timestamp()) // STEP_S * STEP_S
    start = end - HISTORY_DAYS * 86400
    rng = np.random.default_rng(5)
    for day0 in range(start, end, 86400):
        ts = np.arange(day0, min(day0 + 86400, end), STEP_S)
        readings = [
            Reading(a.id, "speed_kmh", datetime.fromtimestamp(int(t), UTC), float(v))
            for a in assets
            for t, v in zip(ts, 30 + 8 * rng.standard_normal(len(ts)), strict=True)
        ]
        store.ingest("bench", assets=assets, readings=readings, now=NOW)
    url = store.url
    store.dispose()
    return url


def bodies(http: requests.Session, base: str) -> tuple[dict[int, bytes], bytes]:
    """The detail callback's request body per window, and the trivial callback's."""
    http.get(f"{base}/traffic")  # Dash sets up its routes on the first request
    deps = http.get(f"{base}/_dash-dependencies").json()
    detail = next(d for d in deps if d["output"].startswith("..traffic-detail.className"))
    outs = [
        {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
        for o in detail["output"].strip(".").split("...")
    ]
    out: dict[int, bytes] = {}
    for days in DAYS:
        query = f"asset=bench-road-001&range={days}d" if days != 1 else "asset=bench-road-001"
        body = {
            "output": detail["output"],
            "outputs": outs,
            "inputs": [{"id": DETAIL_INPUT, "property": "data", "value": query}],
            "state": [{"id": "traffic-url", "property": "search", "value": f"?{query}"}],
            "changedPropIds": [f"{DETAIL_INPUT}.data"],
        }
        out[days] = json.dumps(body).encode()
    ident, prop = TRIVIAL_OUTPUT.rsplit(".", 1)
    trivial = {
        "output": TRIVIAL_OUTPUT,
        "outputs": {"id": ident, "property": prop},
        "inputs": [{"id": "bench-trivial-in", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["bench-trivial-in.n_clicks"],
    }
    return out, json.dumps(trivial).encode()


def sign_in(http: requests.Session, url: str) -> None:
    """Sign the client in as an admin when the app has accounts (a session cookie, opened
    at the harness clock's NOW); without them there is nothing to do."""
    try:
        from dashboard.auth.passwords import hash_password
        from dashboard.auth.sessions import COOKIE, open_session
    except ImportError:
        return
    from dashboard.store import Store

    store = Store(url)
    try:
        user = store.accounts.create_user("bench", "admin", hash_password("bench-only-pw"), NOW)
        secret = open_session(store, NOW, user_id=user.id, address="127.0.0.1")
    finally:
        store.dispose()
    http.cookies.set(COOKIE, secret)


def post(http: requests.Session, base: str, body: bytes) -> requests.Response:
    r = http.post(
        f"{base}/_dash-update-component",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    if r.status_code != 200:
        raise RuntimeError(f"callback answered {r.status_code}: {r.text[:300]}")
    return r


def history_transaction(statements: list[tuple[str, Any, bool]]) -> list[tuple[str, Any, bool]]:
    """The read session of the detail callback among the captured statements (the request's
    sign-in check runs its own): the transaction that reads readings or rollups."""
    runs: list[list[tuple[str, Any, bool]]] = []
    for st in statements:
        if st[0].strip().upper() == "BEGIN" or not runs:
            runs.append([])
        runs[-1].append(st)
    found = [r for r in runs if any(("rollup_" in st[0] or "readings" in st[0]) for st in r)]
    if len(found) != 1:
        raise RuntimeError(f"expected one history read, captured {len(found)}")
    return found[0]


def run_db(db: str, rounds: int, warmup: int, workdir: Path) -> dict[str, Any]:
    url = build(db, workdir)
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    proc, base = start_server(url, cpus[-1] if len(cpus) > 1 else None)
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[0]})
    try:
        http = requests.Session()
        sign_in(http, url)
        body, trivial = bodies(http, base)
        sql: dict[int, Any] = {}
        points: dict[int, int] = {}
        for days in DAYS:
            http.post(f"{base}/_bench/capture", json={"on": True})
            figure = post(http, base, body[days]).json()["response"]["traffic-detail-graph"]
            taken = pickle.loads(http.post(f"{base}/_bench/capture", json={"on": False}).content)
            sql[days] = history_transaction(taken)
            points[days] = figure["figure"]["layout"]["meta"]["points"]
        conn = _bare_conn(db, url)
        tasks: list[tuple[str, Callable[[], Any]]] = [
            ("trivial", partial(post, http, base, trivial))
        ]
        for days in DAYS:
            tasks.append((f"{days}d/http", partial(post, http, base, body[days])))
            tasks.append((f"{days}d/bare", partial(bare, conn, sql[days])))
        samples: dict[str, list[float]] = {name: [] for name, _ in tasks}
        for k in range(warmup + rounds):
            shift = k % len(tasks)
            for name, fn in tasks[shift:] + tasks[:shift]:
                ms = _timed(fn)
                if k >= warmup:
                    samples[name].append(ms)
    finally:
        proc.terminate()
    figures = {k: stats(v) for k, v in samples.items()}
    triv = figures["trivial"]["p50_ms"]
    rows = []
    for days in DAYS:
        http_ms, bare_ms = figures[f"{days}d/http"]["p50_ms"], figures[f"{days}d/bare"]["p50_ms"]
        rows.append(
            {
                "db": db,
                "window": f"{days} d",
                "points": points[days],
                "http_p50_ms": http_ms,
                "bare_p50_ms": bare_ms,
                "trivial_p50_ms": triv,
                "ratio_bare": round(http_ms / bare_ms, 2),
                "ratio_bare_trivial": round(http_ms / (bare_ms + triv), 2),
                "pass": http_ms <= GOAL_FACTOR * (bare_ms + triv),
            }
        )
    one, ninety = figures["1d/http"]["p50_ms"], figures["90d/http"]["p50_ms"]
    long_row = {"db": db, "90d_over_1d": round(ninety / one, 2), "pass": ninety <= GOAL_LONG * one}
    return {"rows": rows, "long": long_row, "figures": figures}


def table(results: list[dict[str, Any]]) -> str:
    head = "| db | window | points | http p50 ms | bare p50 ms | trivial p50 ms | http/bare | http/(bare+trivial) | goal 1.5x |"
    lines = [head, "|" + "---|" * 9]
    for res in results:
        for r in res["rows"]:
            lines.append(
                f"| {r['db']} | {r['window']} | {r['points']} | {r['http_p50_ms']} | "
                f"{r['bare_p50_ms']} | {r['trivial_p50_ms']} | {r['ratio_bare']} | "
                f"{r['ratio_bare_trivial']} | {'pass' if r['pass'] else 'FAIL'} |"
            )
        lg = res["long"]
        lines.append(
            f"\n{lg['db']}: 90 d / 1 d = {lg['90d_over_1d']} (goal <= 2): "
            f"{'pass' if lg['pass'] else 'FAIL'}\n"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as tmp:
        results = [run_db(db, args.rounds, args.warmup, Path(tmp)) for db in dbs]
    stamp = f"{datetime.now(UTC):%Y-%m-%d}-{_git_sha()}-drill"
    RESULTS.mkdir(exist_ok=True)
    payload = {"results": results, "versions": _versions(PG_URL, list(dbs))}
    (RESULTS / f"{stamp}.json").write_text(json.dumps(payload, indent=2, default=str))
    text = table(results)
    (RESULTS / f"{stamp}.md").write_text(f"# Asset history (drill-down detail)\n\n{text}\n")
    print(text)
    ok = all(r["pass"] for res in results for r in res["rows"]) and all(
        res["long"]["pass"] for res in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
