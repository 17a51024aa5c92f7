"""Ingest throughput of `Store.ingest` against the bare insert limit, measured in the same run.

    python -m bench.ingest --size S --db sqlite|postgres|both --runs N [--interval 60|300]
                           [--path blocks|readings|both]

Each run gets a fresh database. Before timing: the store is migrated, the assets and one
reading per series are ingested (so series ids and latest values exist, as in steady state),
and the bare rows are prepared. Then, batch by batch, interleaved (the bare batch first on
every other batch, alternating between runs), so a burst of noise on a shared machine falls
on both sides alike rather than on one whole phase:

- bare: the identical (series_id, ts, value) tuples, one transaction per batch, into an
  identical empty table: DB-API `executemany` on SQLite (a database file of its own with the
  store's pragmas, so neither side's WAL checkpoints are charged to the other), binary COPY
  (psycopg `cursor.copy`, `write_row`) on PostgreSQL;
- store: `Store.ingest(source, ..., now=...)` for the same batches (validation, series
  lookup, duplicate check, readings, 5-minute and hourly rollups, latest), the rows handed
  over either as ReadingBlock columns (`blocks`: the simulator's way, any connector that
  computes arrays) or as Reading objects (`readings`: a message parser's way).

Figures: medians over runs of readings/s and of the per-run ratio store/bare time.
Results go to bench/results/<date>-<sha>.json (merged per db/size/interval) and a markdown
table next to it.
"""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import sqlalchemy
from psycopg import sql

from bench.datagen import BenchData, generate
from dashboard.records import Reading
from dashboard.store import SQLITE_CACHE_KIB, SQLITE_WAL_AUTOCHECKPOINT, Store

GOALS = {"sqlite": 1.5, "postgres": 2.0}
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
RESULTS = Path(__file__).parent / "results"
_BARE_DDL = (
    "CREATE TABLE readings_bare (series_id INTEGER NOT NULL, ts BIGINT NOT NULL, "
    "value FLOAT NOT NULL, PRIMARY KEY (series_id, ts))"
)


class Target:
    """One fresh database per run: a SQLite file or a PostgreSQL schema of our own."""

    def __init__(self, db: str, pg_url: str, workdir: Path, run: int) -> None:
        self.db = db
        if db == "sqlite":
            self.path = workdir / f"run{run}.db"
            self.bare_path = workdir / f"run{run}-bare.db"
            self.url = f"sqlite:///{self.path}"
        else:
            self.schema = f"bench_{run}_{int(time.time())}"
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema)))
            self.pg_url = pg_url
            self.url = f"{pg_url}?options=-csearch_path%3D{self.schema}"

    def bare_conn(self) -> Any:
        if self.db == "sqlite":
            conn = sqlite3.connect(self.bare_path, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            # the same tuning the store's engine applies: the bare limit gets every advantage
            conn.execute(f"PRAGMA cache_size={-SQLITE_CACHE_KIB}")
            conn.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
            conn.execute(_BARE_DDL + " WITHOUT ROWID")
            return conn
        conn = psycopg.connect(self.pg_url, options=f"-csearch_path={self.schema}")
        conn.execute(_BARE_DDL.replace("FLOAT", "DOUBLE PRECISION"))
        conn.commit()
        return conn

    def drop(self) -> None:
        if self.db == "sqlite":
            for path in (self.path, self.bare_path):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            with psycopg.connect(self.pg_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(self.schema)))


def _bare(db: str, conn: Any, rows: list[tuple[int, int, float]]) -> float:
    """Seconds to write one batch the bare way."""
    start = time.perf_counter()
    if db == "sqlite":
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO readings_bare VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    else:
        with conn.cursor() as cur:
            copy_sql = "COPY readings_bare (series_id, ts, value) FROM STDIN (FORMAT BINARY)"
            with cur.copy(copy_sql) as copy:
                copy.set_types(["int4", "int8", "float8"])
                for row in rows:
                    copy.write_row(row)
        conn.commit()
    return time.perf_counter() - start


def _store(store: Store, batch: list[Reading], block: Any, path: str) -> float:
    """Seconds to ingest one batch through `Store.ingest`."""
    start = time.perf_counter()
    now = batch[-1].ts + timedelta(seconds=5)
    if path == "blocks":
        store.ingest("bench", blocks=[block], now=now)
    else:
        store.ingest("bench", readings=batch, now=now)
    return time.perf_counter() - start


def _bare_rows(store: Store, data: BenchData) -> list[list[tuple[int, int, float]]]:
    """The exact tuples the store will write, per batch, in primary-key order."""
    with store.engine.connect() as conn:
        ids = {
            (a, m): i for i, a, m in conn.exec_driver_sql("SELECT id, asset_id, metric FROM series")
        }
    return [
        sorted((ids[(r.asset_id, r.metric)], int(r.ts.timestamp()), r.value) for r in batch)
        for batch in data.batches
    ]


def _one_run(
    db: str, data: BenchData, path: str, pg_url: str, workdir: Path, run: int
) -> dict[str, float]:
    target = Target(db, pg_url, workdir, run)
    try:
        store = Store(target.url)
        store.upgrade()
        first = data.batches[0][0].ts - timedelta(seconds=data.interval_s)
        warm = [Reading(a, m, first, 1.0) for a, m in data.series]
        store.ingest("bench", assets=data.assets, readings=warm, now=first)
        bare_rows = _bare_rows(store, data)
        conn = target.bare_conn()
        bare_s = store_s = 0.0
        batches = zip(data.batches, data.blocks, bare_rows, strict=True)
        for i, (batch, block, rows) in enumerate(batches):
            if (i + run) % 2 == 0:
                bare_s += _bare(db, conn, rows)
                store_s += _store(store, batch, block, path)
            else:
                store_s += _store(store, batch, block, path)
                bare_s += _bare(db, conn, rows)
        conn.close()
        with store.engine.connect() as c:
            stored = c.exec_driver_sql("SELECT count(*) FROM readings").scalar_one()
        if stored != data.rows + len(warm):
            raise RuntimeError(f"store holds {stored} readings, expected {data.rows + len(warm)}")
        store.dispose()
        return {"bare_s": bare_s, "store_s": store_s, "ratio": store_s / bare_s}
    finally:
        target.drop()


def _versions(pg_url: str, dbs: list[str]) -> dict[str, str]:
    out = {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "numpy": np.__version__,
    }
    if "postgres" in dbs:
        with psycopg.connect(pg_url) as conn:
            out["postgresql"] = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    return out


def _git_sha() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def _table(entries: list[dict[str, Any]]) -> str:
    lines = [
        "| db | rows as | size | interval | batch | rows | store rows/s | bare rows/s "
        "| ratio (median) | goal | pass |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        lines.append(
            f"| {e['db']} | {e.get('path', 'readings')} | {e['size']} | {e['interval_s']}s | {e['batch_s'] // 60} min "
            f"| {e['rows']:,} | "
            f"{e['store_rows_per_s']:,.0f} | {e['bare_rows_per_s']:,.0f} | {e['ratio_median']:.2f}x "
            f"| ≤ {e['goal']}x | {'pass' if e['pass'] else 'FAIL'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", choices=["S", "M"], default="S")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=int, choices=[60, 300], default=300)
    parser.add_argument("--batch-s", type=int, default=3600, help="data seconds per batch")
    parser.add_argument("--path", choices=["blocks", "readings", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    paths = ["blocks", "readings"] if args.path == "both" else [args.path]
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{_git_sha()}"  # the code that was measured
    data = generate(args.size, args.interval, args.batch_s)
    entries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="cityops-bench-") as tmp:
        for db, path in [(db, path) for db in dbs for path in paths]:
            runs = [_one_run(db, data, path, args.pg_url, Path(tmp), i) for i in range(args.runs)]
            bare_med = statistics.median(r["bare_s"] for r in runs)
            store_med = statistics.median(r["store_s"] for r in runs)
            ratio = statistics.median(r["ratio"] for r in runs)
            entries.append(
                {
                    "db": db,
                    "path": path,
                    "size": args.size,
                    "interval_s": args.interval,
                    "batch_s": args.batch_s,
                    "batches": len(data.batches),
                    "rows": data.rows,
                    "runs": runs,
                    "store_rows_per_s": data.rows / store_med,
                    "bare_rows_per_s": data.rows / bare_med,
                    "ratio_median": ratio,
                    "ratio_max": max(r["ratio"] for r in runs),
                    "goal": GOALS[db],
                    "pass": ratio <= GOALS[db],
                }
            )
            print(_table(entries[-1:]).splitlines()[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{stem}.json"
    previous = json.loads(out.read_text())["entries"] if out.exists() else []

    def key(e: dict[str, Any]) -> tuple[Any, ...]:
        return (e["db"], e.get("path", "readings"), e["size"], e["interval_s"], e["batch_s"])

    fresh = {key(e) for e in entries}
    kept = [e for e in previous if key(e) not in fresh]
    merged = kept + entries
    out.write_text(
        json.dumps({"versions": _versions(args.pg_url, dbs), "entries": merged}, indent=2)
    )
    (RESULTS / f"{stem}.md").write_text(_table(merged) + "\n")
    print(_table(merged))
    print(f"written {out}")
    return 0 if all(e["pass"] for e in entries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
