"""Alert evaluation of 200 rules after one ingest, against the bare queries it runs (issue 13).

    python -m bench.alerts [--db sqlite|postgres|both] [--city demo|wall] [--days 1]
                           [--runs 30] [--rules 200] [--profile] [--tag NAME]

The city is the demo city (`--city demo`, the default: the simulator's defaults as the built-in
configuration runs them, 3,000 lights, 160 segments, 12 air stations) or the wall bench's
(`--city wall`: 5,000 lights, 300 segments, 30 stations), built by bench/wallcity.py (cached:
a SQLite file, a PostgreSQL template database; a working copy per run, on PostgreSQL a
database of its own, `cityops_bench_<city>_run_<days>d`, so the tests' schemas are never
touched), then one ingest: the simulator source's next run (`pipeline.run_source`, 5 minutes
after the city's evening). The rules are a mix generated from the demo defaults
(`dashboard.alerts.defaults`) and a few more of each kind over other metrics (threshold,
relative threshold, VN_AQI, count of assets and of reports, no_data, rate), each with its
bounds varied and its scope the whole city, a ward or a zone, in turn.

* `engine`: `AlertEngine.evaluate(now)` of every rule (one warm-up evaluation before timing
  opened what the city's state opens, so a timed evaluation is the steady one: the conditions
  read, nothing or little to change, the outbox claimed);
* `bare`: the statements that evaluation executed (recorded with `before_cursor_execute`,
  its commits and rollbacks with the engine's `commit`/`rollback` events), executed again on
  a raw DB-API connection of the same pool, each `fetchall`ed, committed and rolled back
  where the store's sessions were: the SQL without the engine's Python around it.

Each run measures both once, alternating which goes first; figures are medians and p95s and
the ratio of the medians. Goal: engine ≤ 1.5x bare and < a tenth of the feed's interval (the
simulator's 60 s: 6 s), on each database. `--profile` prints the engine's cProfile (top 25 by
cumulative time). Results: bench/results/<date>-<sha>-alerts[-<tag>].{json,md}, with the load
average before and after; exit 1 on a failed goal.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from bench.ingest import PG_URL, _versions
from bench.report import save
from bench.wallcity import CITIES, NOW, city_config, postgres_city, sqlite_city
from dashboard.alerts.defaults import default_rules
from dashboard.alerts.engine import AlertEngine
from dashboard.areas import Areas
from dashboard.config import AlertRule
from dashboard.pipeline import run_source
from dashboard.store import Store
from dashboard.store.models import AssetRow
from data_sources.simulator import SimulatorSource

INTERVAL_S = 60  # the simulator's, in every bench city
GOAL_RATIO = 1.5
GOAL_S = INTERVAL_S / 10
_COMMIT, _ROLLBACK = "-- commit", "-- rollback"  # the recorder's marks between statements
# More rules of each kind than the defaults have, over other metrics (name: the rule's keys).
_MORE: tuple[dict[str, Any], ...] = (
    {"name": "pm25-high", "kind": "threshold", "domain": "environment", "metric": "pm25_ugm3",
     "above": 55, "for_min": 30, "clear": 45, "clear_after_min": 10},
    {"name": "no2-high", "kind": "threshold", "domain": "environment", "metric": "no2_ugm3",
     "above": 200, "for_min": 60, "clear": 150},
    {"name": "heat", "kind": "threshold", "domain": "environment", "metric": "temp_c",
     "above": 33, "for_min": 60, "clear": 31, "clear_after_min": 30},
    {"name": "occupancy-high", "kind": "threshold", "domain": "traffic",
     "metric": "occupancy_pct", "above": 60, "for_min": 15, "clear": 50},
    {"name": "volume-high", "kind": "threshold", "domain": "traffic", "metric": "volume_vph",
     "above": 1500, "for_min": 10, "clear": 1200},
    {"name": "cabinet-power", "kind": "threshold", "domain": "lighting", "metric": "power_w",
     "above": 4000, "for_min": 15, "clear": 3500},
    {"name": "speed-drop", "kind": "rate", "domain": "traffic", "metric": "speed_kmh",
     "fall": 15, "window_min": 30, "clear": 8},
    {"name": "pm25-rising", "kind": "rate", "domain": "environment", "metric": "pm25_ugm3",
     "rise": 25, "window_min": 60, "clear": 10},
    {"name": "zone-lamps-faulty", "kind": "count", "domain": "lighting", "metric": "lamp_fault",
     "above": 0.5, "group_by": "zone", "count": 10, "clear": 6},
    {"name": "cabinet-lamps-dark", "kind": "count", "domain": "lighting", "metric": "lamp_on",
     "below": 0.5, "group_by": "cabinet_id", "count": 30, "clear": 20},
    {"name": "ward-potholes", "kind": "count", "domain": "reports", "category": "pothole",
     "count": 3, "window_min": 240, "clear": 1},
)  # fmt: skip
_SCALED = ("above", "below", "rise", "fall")


def _varied(
    template: dict[str, Any], i: int, places: list[tuple[str | None, str | None]]
) -> AlertRule:
    """Rule `i` from `template`: bounds scaled by 0.8-1.2, the hold varied, a scope in turn."""
    raw = {k: v for k, v in template.items() if k != "title"}
    raw["title"] = template["title"]
    f = 0.8 + 0.04 * (i * 7 % 11)
    for key in _SCALED:
        if raw.get(key) is not None:
            raw[key] = raw[key] * f
            if raw.get("clear") is not None:
                raw["clear"] = template["clear"] * f
    if raw.get("count") is not None:
        raw["count"] = max(1, round(raw["count"] * f))
        if raw.get("clear") is not None:
            raw["clear"] = min(raw["clear"], raw["count"])
    if raw["kind"] == "threshold":
        raw["for_min"] = template.get("for_min", 0) * (0.5 + 0.25 * (i % 4))
    if raw["kind"] == "no_data":
        raw["intervals"] = 2 + i % 4
    ward, zone = places[i % len(places)]
    if raw["kind"] != "no_data":
        raw["ward"], raw["zone"] = ward, zone
    raw["name"] = f"{template['name'][:50]}-{i}"
    return AlertRule.model_validate(raw)


def make_rules(n: int, places: list[tuple[str | None, str | None]]) -> list[AlertRule]:
    """`n` rules cycling over the defaults (with the feed's no-data rule) and `_MORE`;
    `places`: (ward, zone) scopes to take in turn, (None, None) the whole city."""
    title = {"vi": "Quy tắc thử", "en": "Bench rule"}
    defaults = [r.model_dump(exclude_none=True) for r in default_rules([("sim", INTERVAL_S)])]
    templates = defaults + [{**t, "title": title} for t in _MORE]
    return [_varied(templates[i % len(templates)], i, places) for i in range(n)]


def _places(store: Store) -> list[tuple[str | None, str | None]]:
    with store.read_session() as session:
        pairs = session.execute(
            select(AssetRow.ward, AssetRow.zone).where(AssetRow.ward.is_not(None)).distinct()
        ).all()
    wards = sorted({w for w, _ in pairs})
    zones = sorted({(w, z) for w, z in pairs if z is not None})
    out: list[tuple[str | None, str | None]] = []
    for i in range(max(len(wards), len(zones))):
        out.append((None, None))  # the whole city
        out.append((wards[i % len(wards)], None))
        out.append(zones[i % len(zones)])
    return out


class _Recorder:
    """The statements (statement, DB-API parameters, executemany) executed while `on`, and
    the transactions' ends between them (`_COMMIT`, `_ROLLBACK`)."""

    def __init__(self, store: Store) -> None:
        self.on = False
        self.statements: list[tuple[str, Any, bool]] = []
        event.listen(store.engine, "before_cursor_execute", self.executed)
        event.listen(store.engine, "commit", lambda _conn: self.mark(_COMMIT))
        event.listen(store.engine, "rollback", lambda _conn: self.mark(_ROLLBACK))

    def executed(
        self, _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        if self.on:
            self.statements.append((statement, params, many))

    def mark(self, end: str) -> None:
        if self.on:
            self.statements.append((end, None, False))


def _bare(store: Store, statements: list[tuple[str, Any, bool]]) -> float:
    raw = store.engine.raw_connection()
    try:
        t0 = time.perf_counter()
        cursor = raw.cursor()
        for statement, params, many in statements:
            if statement == _COMMIT:
                raw.commit()  # SQLite: the store BEGINs itself, the DB-API ends it
            elif statement == _ROLLBACK:
                raw.rollback()
            elif many:
                cursor.executemany(statement, params)
            else:
                cursor.execute(statement, params)
                if cursor.description is not None:
                    cursor.fetchall()
        raw.commit()
        return time.perf_counter() - t0
    finally:
        raw.close()


def _engine(engine: AlertEngine, now: Any) -> float:
    t0 = time.perf_counter()
    engine.evaluate(now)
    return time.perf_counter() - t0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(db: str, url: str, city: str, n_rules: int, runs: int, profile: bool) -> dict[str, Any]:
    config = city_config(url, city)
    store = Store(url)
    try:
        now = NOW + timedelta(minutes=5)
        connector = SimulatorSource(config.source("sim"), config)
        t0 = time.perf_counter()
        ingested = run_source(store, connector, Areas.from_config(config), clock=lambda: now)
        ingest_s = time.perf_counter() - t0
        if ingested.status != "ok" or not ingested.rows:
            raise RuntimeError(f"the ingest stored nothing: {ingested.error}")
        rules = make_rules(n_rules, _places(store))
        with store.read_session() as session:
            lights = session.scalar(
                select(func.count()).select_from(AssetRow).where(AssetRow.kind == "lamp")
            )
        engine = AlertEngine(config, store, rules=rules)
        opened = len(engine.evaluate(now))  # warm-up: opens what the city's state opens
        recorder = _Recorder(store)
        recorder.on = True
        engine.evaluate(now)
        recorder.on = False
        statements = recorder.statements
        marks = sum(1 for s, _, _ in statements if s in (_COMMIT, _ROLLBACK))
        _bare(store, statements)  # warm-up
        took: dict[str, list[float]] = {"engine": [], "bare": []}
        for run in range(runs):
            pair = [
                ("engine", lambda: _engine(engine, now)),
                ("bare", lambda: _bare(store, statements)),
            ]
            for name, fn in pair if run % 2 == 0 else pair[::-1]:
                took[name].append(fn())
        if profile:
            prof = cProfile.Profile()
            prof.runcall(engine.evaluate, now)
            out = pstats.Stats(prof).sort_stats("cumulative")
            out.print_stats(25)
    finally:
        store.dispose()
    engine_s, bare_s = statistics.median(took["engine"]), statistics.median(took["bare"])
    ratio = engine_s / bare_s
    return {
        "db": db, "city": city, "lights": lights,
        "rules": n_rules, "kinds": dict(Counter(r.kind for r in rules)),
        "scoped": sum(1 for r in rules if r.ward or r.zone), "opened_warmup": opened,
        "ingest_rows": ingested.rows, "ingest_s": ingest_s,
        "statements": len(statements) - marks, "transactions": marks,
        "engine_s": took["engine"], "bare_s": took["bare"], "engine_median_s": engine_s,
        "bare_median_s": bare_s, "engine_p95_s": _p95(took["engine"]),
        "bare_p95_s": _p95(took["bare"]), "ratio": ratio,
        "pass": ratio <= GOAL_RATIO and engine_s < GOAL_S,
    }  # fmt: skip


def table(found: list[dict[str, Any]], load: tuple[float, ...]) -> str:
    lines = [
        "| db | city | rules | statements | engine s (median / p95) | bare s (median / p95) "
        "| ratio | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in found:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(r["kinds"].items()))
        lines.append(
            f"| {r['db']} | {r['city']} ({r['lights']:,} lights) | {r['rules']} ({kinds}; "
            f"{r['scoped']} scoped to a ward or zone) | {r['statements']} "
            f"| {r['engine_median_s']:.3f} / {r['engine_p95_s']:.3f} "
            f"| {r['bare_median_s']:.3f} / {r['bare_p95_s']:.3f} | {r['ratio']:.2f}x "
            f"| {'yes' if r['pass'] else 'NO'} (≤ {GOAL_RATIO}x, < {GOAL_S:g} s) |"
        )
    lines.append("")
    lines.append(f"Load average (1, 5, 15 min) before and after: {load[:3]} / {load[3:]}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--city", choices=sorted(CITIES), default="demo")
    parser.add_argument("--days", type=float, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tag", default="", help="appended to the results' name")
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    before = os.getloadavg()
    found = []
    for db in dbs:
        with tempfile.TemporaryDirectory() as tmp:
            if db == "sqlite":
                url = sqlite_city(args.days, Path(tmp), args.city)
            else:
                url = postgres_city(args.days, args.city)
            found.append(measure(db, url, args.city, args.rules, args.runs, args.profile))
    load = (*before, *os.getloadavg())
    name = f"alerts-{args.tag}" if args.tag else "alerts"
    payload = {"args": vars(args), "rows": found, "load": load, "versions": _versions(PG_URL, dbs)}
    save(name, payload, table(found, load))
    return 0 if all(r["pass"] for r in found) else 1


if __name__ == "__main__":
    raise SystemExit(main())
