"""Sustained ingest: a steady stream of readings for minutes, and whether the store keeps up.

A producer process emits `--rate` readings every second (one reading per series per second,
`rate` series: sensors pushing at 1 Hz) as columnar arrays; the consumer turns them into
`Reading` records (as a push connector would) and stores whatever has arrived with one
`Store.ingest` call per drain. Backlog = readings produced but not yet stored. "No backlog" means
the backlog never exceeds `--max-lag` seconds of production and is empty at the end.
Goal (BENCH.md): 18,000 readings/s for 10 minutes on 2 cores (ThingsBoard's ceiling).

    python -m bench.sustained --rate 18000 --minutes 10 --db sqlite|postgres
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np

from bench.ingest import _git_sha
from bench.stores import fresh_store
from dashboard.records import Asset, Reading

RESULTS = Path(__file__).parent / "results"
METRICS = ("speed_kmh", "volume_vph", "occupancy_pct", "pm25_ugm3", "temp_c", "power_w")


def _series(rate: int) -> tuple[list[Asset], list[tuple[str, str]]]:
    assets, series = [], []
    per_asset = len(METRICS)
    for i in range((rate + per_asset - 1) // per_asset):
        geom = {
            "type": "Point",
            "coordinates": [105.08 + (i % 100) * 1e-4, 10.0 + (i // 100) * 1e-4],
        }
        assets.append(Asset(f"dev-{i:05d}", "environment", "sensor", f"Sensor {i}", geom))
        series += [(f"dev-{i:05d}", m) for m in METRICS]
    return assets, series[:rate]


def _producer(queue: Any, rate: int, seconds: int, start: float) -> None:
    """Every wall-clock second, put (epoch second, produced_at, values) on the queue."""
    rng = np.random.default_rng(1)
    epoch0 = int(time.time())
    for k in range(seconds):
        target = start + k
        delay = target - time.time()
        if delay > 0:
            time.sleep(delay)
        queue.put((epoch0 + k, time.time(), rng.uniform(1, 99, rate).round(2)))
    queue.put(None)


def run(db: str, rate: int, seconds: int, workdir: Path) -> dict[str, Any]:
    store = fresh_store(db, workdir, "sustained")
    assets, series = _series(rate)
    store.ingest("bench", assets=assets, now=datetime.now(UTC))
    queue: Any = mp.get_context("spawn").Queue()
    start = time.time() + 1.0
    producer = mp.get_context("spawn").Process(
        target=_producer, args=(queue, rate, seconds, start), daemon=True
    )
    producer.start()
    stored = 0
    lags: list[float] = []  # per stored second: stored_at - produced_at
    backlog_max = 0
    done = False
    while not done:
        pending = [queue.get()]
        while True:
            try:
                pending.append(queue.get_nowait())
            except Empty:
                break
        if pending[-1] is None:
            done = True
            pending.pop()
        if not pending:
            continue
        backlog_max = max(backlog_max, len(pending) * rate)
        readings = []
        for epoch, _, values in pending:
            ts = datetime.fromtimestamp(epoch, UTC)
            readings += [
                Reading(a, m, ts, float(v)) for (a, m), v in zip(series, values, strict=True)
            ]
        store.ingest("bench", readings=readings, now=datetime.now(UTC))
        stored_at = time.time()
        stored += len(readings)
        lags += [stored_at - produced for _, produced, _ in pending]
    elapsed = time.time() - start + 1.0  # production spans [start, start + seconds)
    producer.join()
    store.dispose()
    lags.sort()
    return {
        "db": db,
        "rate_target": rate,
        "seconds": seconds,
        "stored": stored,
        "achieved_per_s": round(stored / elapsed),
        "lag_median_s": round(statistics.median(lags), 3),
        "lag_p95_s": round(lags[int(0.95 * (len(lags) - 1))], 3),
        "lag_max_s": round(lags[-1], 3),
        "backlog_max_readings": backlog_max,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=18_000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--max-lag", type=float, default=5.0, help="seconds of production")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as tmp:
        results = [run(db, args.rate, int(args.minutes * 60), Path(tmp)) for db in dbs]
    lines = [
        "| db | target/s | achieved/s | lag median | lag p95 | lag max | max backlog | pass |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        r["pass"] = (
            r["lag_max_s"] <= args.max_lag and r["stored"] == r["rate_target"] * r["seconds"]
        )
        lines.append(
            f"| {r['db']} | {r['rate_target']:,} | {r['achieved_per_s']:,} | {r['lag_median_s']} s"
            f" | {r['lag_p95_s']} s | {r['lag_max_s']} s | {r['backlog_max_readings']:,} |"
            f" {'PASS' if r['pass'] else 'FAIL'} |"
        )
    table = "\n".join(lines)
    print(f"sustained ingest, {args.minutes:g} min\n{table}")
    RESULTS.mkdir(exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{_git_sha()}-sustained"
    (RESULTS / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
