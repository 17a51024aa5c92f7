"""The report desk's list at 50,000 reports (issue 5): the list callback against its bare SQL.

    python -m bench.reports_desk --db sqlite|postgres|both [--reports 50000] [--rounds 30]

Data (generated before any timing, deterministic for the seed, as bench/datagen.py does): 50,000
citizen reports over the 90 days before NOW, shaped like the simulator's (categories with its
weights, the 2025 wards and the demo's zones, every status), stored through `Store.ingest`;
then 2,000 desk actions (acknowledge, assign, close) so the overlay has rows to join.

Timed, interleaved round by round (5 warm-ups, then `--rounds`): for each case, the list
callback over HTTP (POST /_dash-update-component with the body the renderer sends, keep-alive,
the production app served in a process of its own, pinned to the second core; this client to
the first) and its bare limit: the exact statements the callback runs (captured with
`before_cursor_execute` from the same query function) on a raw DB-API connection, `fetchall`,
`orjson.dumps`. Cases: the first page (newest first), page 1,000 sorted by category, the
overdue ones of two zones, a text search. Goal: median HTTP time <= 1.5x median bare time.

Results: bench/results/<date>-<sha>-reports-desk.{json,md}; exit 1 when a goal fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg
import requests
from sqlalchemy import event

from bench.ingest import PG_URL, _git_sha, _versions
from bench.stores import fresh_store
from dashboard.records import CitizenReport
from dashboard.store import SQLITE_CACHE_KIB, Store

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
GOAL = 1.5
WARMUP = 5
WARDS = ("Phường Rạch Giá", "Phường Vĩnh Thông")
ZONES = ("Vĩnh Quang", "Vĩnh Thanh", "Vĩnh Thanh Vân", "Vĩnh Lạc", "Vĩnh Hiệp", "An Hòa")
WEIGHTS = {
    "pothole": 0.15, "streetlight": 0.14, "flooding": 0.07, "waste": 0.18, "noise": 0.10,
    "traffic_signal": 0.05, "drainage": 0.09, "tree": 0.05, "encroachment": 0.11, "other": 0.06,
}  # fmt: skip
STATUSES = ("open", "acknowledged", "in_progress", "closed")
STATUS_P = (0.08, 0.07, 0.1, 0.75)  # a 90-day backlog is mostly closed
TEXTS = (
    "Ổ gà lớn trên đường {s}, xe máy đi qua rất nguy hiểm.",
    "Đèn đường trước nhà số {n} {s} không sáng đã 3 đêm.",
    "Rác thải tồn đọng ở hẻm {n} {s}, bốc mùi.",
    "Pothole near no. {n} {s}, dangerous at night.",
)
STREETS = ("Nguyễn Trung Trực", "Lâm Quang Ky", "Trần Phú", "Mạc Cửu", "Lạc Hồng", "Ngô Quyền")
CASES: dict[str, dict[str, Any]] = {
    "first-page": {"view": "range=90d", "page": 0, "sort": [], "text": None},
    "page-1000-by-category": {
        "view": "range=90d",
        "page": 1000,
        "sort": [{"column_id": "category", "direction": "asc"}],
        "text": None,
    },
    "overdue-two-zones": {
        "view": "zone=An Hòa&zone=Vĩnh Lạc&range=90d&status=overdue",
        "page": 0,
        "sort": [{"column_id": "created_at", "direction": "asc"}],
        "text": None,
    },
    "text-search": {"view": "range=30d", "page": 0, "sort": [], "text": "đèn đường"},
}


def generate(n: int, seed: int = 5) -> list[CitizenReport]:
    """`n` reports created over the 90 days before NOW (all before timing starts)."""
    rng = np.random.default_rng(seed)
    cats = list(WEIGHTS)
    p = np.array(list(WEIGHTS.values()))
    created = [NOW - timedelta(seconds=int(v)) for v in rng.integers(60, 90 * 86400, n)]
    category = rng.choice(len(cats), n, p=p / p.sum())
    status = rng.choice(4, n, p=STATUS_P)
    out = []
    for k in range(n):
        c = created[k]
        updated = min(c + timedelta(minutes=int(rng.integers(5, 3000))), NOW)
        s = STATUSES[int(status[k])]
        street, no = STREETS[int(rng.integers(len(STREETS)))], int(rng.integers(1, 400))
        out.append(
            CitizenReport(
                external_id=f"RG-{c:%Y%m%d%H}-{k:05d}",
                category=cats[int(category[k])],
                description=TEXTS[int(rng.integers(len(TEXTS)))].format(s=street, n=no),
                status=s,
                lon=105.06 + float(rng.random()) * 0.05,
                lat=9.99 + float(rng.random()) * 0.04,
                created_at=c,
                updated_at=updated,
                address=f"{no} {street}, Rạch Giá",
                ward=WARDS[int(rng.integers(2))],
                zone=ZONES[int(rng.integers(len(ZONES)))],
                closed_at=updated if s == "closed" else None,
                agency="Phòng Quản lý đô thị",
            )
        )
    return out


def build(db: str, workdir: Path, n: int) -> Store:
    """A fresh store with `n` reports and 2,000 desk actions."""
    store = fresh_store(db, workdir, "reports_desk")
    reports = generate(n)
    for i in range(0, n, 5000):
        store.ingest("open311", reports=reports[i : i + 5000], now=NOW)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, status FROM reports WHERE status = 'open'").all()
    for k, (rid, _status) in enumerate(rows[:2000]):
        at = NOW - timedelta(minutes=2000 - k)
        store.desk_action(rid, "acknowledge", actor="bench", at=at)
        if k % 3 == 0:
            store.desk_action(rid, "assign", actor="bench", at=at, agency="Đội trật tự đô thị")
        if k % 4 == 0:
            store.desk_action(rid, "close", actor="bench", at=at, text="Đã xử lý")
    store.optimize()  # SQLite: planner statistics
    if db == "postgres":  # what autovacuum would have done by now on a live store
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return store


def serve(url: str, cpu: int | None, port_out: Any) -> None:
    """Process target: the production app on `url` (clock fixed at NOW), on a free port."""
    import logging

    from werkzeug.serving import make_server

    from dashboard.app import create_app
    from dashboard.config import Config

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    config = Config(database={"url": url})
    app = create_app(config, Store(url), clock=lambda: NOW)
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    port_out.send(httpd.server_port)
    port_out.close()
    httpd.serve_forever()


def sign_in(store: Store) -> dict[str, str]:
    """A manager's session cookie (when the auth layer is installed)."""
    try:
        from dashboard.auth.passwords import hash_password
        from dashboard.auth.sessions import COOKIE, open_session
    except ImportError:  # an app without accounts
        return {}
    user = store.accounts.create_user("bench-manager", "manager", hash_password("x" * 16), NOW)
    return {COOKIE: open_session(store, datetime.now(UTC), user_id=user.id)}


def body(case: dict[str, Any], output: str) -> bytes:
    """The renderer's request for the list callback in `case`."""

    def dep(i: str, p: str, v: Any) -> dict[str, Any]:
        return {"id": i, "property": p, "value": v}

    return orjson.dumps(
        {
            "output": output,
            "outputs": [
                {"id": "reports-desk-table", "property": "data"},
                {"id": "reports-desk-table", "property": "page_count"},
                {"id": "reports-desk-table", "property": "page_current"},
                {"id": "reports-desk-count", "property": "children"},
            ],
            "inputs": [
                dep("reports-filter", "data", case["view"]),
                dep("reports-search", "value", case["text"]),
                dep("reports-desk-table", "page_current", case["page"]),
                dep("reports-desk-table", "sort_by", case["sort"]),
                dep("reports-acted", "data", None),
            ],
            "state": [dep("reports-lang", "data", "en")],
            "changedPropIds": ["reports-desk-table.page_current"],
        }
    )


def floor_body(output: str) -> bytes:
    """The category-click callback with no click: Dash, the auth guard and a PreventUpdate."""
    return orjson.dumps(
        {
            "output": output,
            "outputs": {"id": "reports-category", "property": "value"},
            "inputs": [
                {"id": "reports-by-category", "property": "clickData", "value": None},
                {"id": "reports-times", "property": "clickData", "value": None},
            ],
            "state": [{"id": "reports-category", "property": "value", "value": "all"}],
            "changedPropIds": ["reports-by-category.clickData"],
        }
    )


def captured_sql(store: Store, case: dict[str, Any]) -> list[tuple[str, Any]]:
    """The statements the list callback runs for `case` (the same query function, captured)."""
    from dashboard.queries.filters import FilterSpec, parse_search
    from dashboard.queries.report_desk import desk_page
    from layouts._reports.common import EXTRAS, desk_filter
    from layouts._reports.desk import PAGE_SIZE, _sort

    spec = FilterSpec(WARDS, ZONES, EXTRAS)
    drill = parse_search(case["view"], spec, now=NOW, tz=UTC).filter
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    with store.read_session() as session:
        desk_page(session, desk_filter(drill, case["text"]), NOW, sort=_sort(case["sort"]),
                  page=case["page"], page_size=PAGE_SIZE)  # fmt: skip
    event.remove(store.engine, "before_cursor_execute", capture)
    return seen


def bare(conn: Any, statements: list[tuple[str, Any]]) -> None:
    cur = conn.cursor()
    for statement, params in statements:
        cur.execute(statement, params)
        orjson.dumps(cur.fetchall(), default=str)
    cur.close()
    conn.rollback()


def _bare_conn(db: str, url: str) -> Any:
    """A raw DB-API connection tuned as the store's engine tunes its own."""
    if db == "sqlite":
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
        conn.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def run_db(db: str, n: int, rounds: int) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    t0 = time.perf_counter()
    store = build(db, workdir, n)
    built_s = time.perf_counter() - t0
    cookies = sign_in(store)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=serve, args=(store.url, 1, child), daemon=True)
    proc.start()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    try:
        port = parent.recv()
        http = requests.Session()
        http.cookies.update(cookies)
        base = f"http://127.0.0.1:{port}"
        http.get(f"{base}/reports")
        deps = http.get(f"{base}/_dash-dependencies").json()
        output = next(
            d["output"] for d in deps if d["output"].startswith("..reports-desk-table.data")
        )
        conn = _bare_conn(db, store.url)
        if db == "sqlite":  # the desk's text search folds Unicode case with this function
            conn.create_function("cityops_lower", 1, _lower, deterministic=True)
        plans = {
            name: (body(case, output), captured_sql(store, case)) for name, case in CASES.items()
        }
        times: dict[str, list[float]] = {f"{k}/{w}": [] for k in CASES for w in ("http", "bare")}
        times["floor"] = []
        rows_seen: dict[str, int] = {}
        floor_key = next(
            d["output"] for d in deps if d["output"].startswith("reports-category.value@")
        )
        floor = floor_body(floor_key)
        for r in range(WARMUP + rounds):
            start = time.perf_counter()
            http.post(f"{base}/_dash-update-component", data=floor,
                      headers={"Content-Type": "application/json"})  # fmt: skip
            if r >= WARMUP:
                times["floor"].append((time.perf_counter() - start) * 1000)
            for k, (payload, sql) in plans.items():
                order = ("http", "bare") if r % 2 else ("bare", "http")
                for what in order:
                    start = time.perf_counter()
                    if what == "http":
                        resp = http.post(f"{base}/_dash-update-component", data=payload,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
                        resp.raise_for_status()
                        rows_seen[k] = len(resp.json()["response"]["reports-desk-table"]["data"])
                    else:
                        bare(conn, sql)
                    if r >= WARMUP:
                        times[f"{k}/{what}"].append((time.perf_counter() - start) * 1000)
    finally:
        proc.terminate()
        proc.join()
        store.dispose()
    floor_ms = statistics.median(times["floor"])
    out: dict[str, Any] = {
        "db": db,
        "reports": n,
        "build_s": round(built_s, 1),
        "floor_median_ms": round(floor_ms, 2),
        "cases": {},
    }
    for k in CASES:
        h, b = times[f"{k}/http"], times[f"{k}/bare"]
        med_h, med_b = statistics.median(h), statistics.median(b)
        out["cases"][k] = {
            "http_median_ms": round(med_h, 2),
            "http_p95_ms": round(float(np.percentile(h, 95)), 2),
            "bare_median_ms": round(med_b, 2),
            "bare_p95_ms": round(float(np.percentile(b, 95)), 2),
            "ratio": round(med_h / med_b, 2),
            "ratio_with_floor": round(med_h / (med_b + floor_ms), 2),
            "rows": rows_seen.get(k),
            "statements": len(plans[k][1]),
            "pass": med_h <= GOAL * med_b,
        }
    return out


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| db | case | rows | callback median (p95) ms | bare SQL median (p95) ms | ratio "
        "| ratio to bare + floor | goal ≤ 1.5x |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        for k, c in res["cases"].items():
            lines.append(
                f"| {res['db']} | {k} | {c['rows']} | {c['http_median_ms']} ({c['http_p95_ms']}) "
                f"| {c['bare_median_ms']} ({c['bare_p95_ms']}) | {c['ratio']}x "
                f"| {c['ratio_with_floor']}x (floor {res['floor_median_ms']} ms) "
                f"| {'pass' if c['pass'] else 'FAIL'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    dbs = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    results = [run_db(db, args.reports, args.rounds) for db in dbs]
    sha = _git_sha()
    stem = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{sha}-reports-desk"
    doc = {
        "sha": sha,
        "versions": _versions(PG_URL, list(dbs)),
        "rounds": args.rounds,
        "results": results,
    }
    stem.with_suffix(".json").write_text(json.dumps(doc, indent=2, ensure_ascii=False))
    md = table(results)
    stem.with_suffix(".md").write_text(
        f"# Report desk list, {args.reports:,} reports ({sha})\n\n{md}\n"
    )
    print(md)
    return 0 if all(c["pass"] for r in results for c in r["cases"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
