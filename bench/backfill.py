"""Backfill of the demo city through the real pipeline: N days of simulated Rạch Giá.

Times `dashboard.pipeline.backfill` (simulator fetch -> area placement -> `Store.ingest`, in
6-hour chunks) into a fresh store, and, in the same run on the same chunks, the simulator's
generation alone (the floor below which no backfill can go). Goal: 30 days under 3 minutes.

    python -m bench.backfill --days 30 --db sqlite|postgres|both --runs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.ingest import PG_URL, _git_sha, _versions
from bench.stores import fresh_store
from dashboard.areas import Areas
from dashboard.config import load_config
from dashboard.pipeline import backfill
from data_sources.base import create

GOAL_S = 180.0
RESULTS = Path(__file__).parent / "results"


def _generation_only(days: float, now: datetime) -> tuple[float, int]:
    config = load_config(env={})
    connector = create(config.sources[0], config)
    rows = 0
    t0 = time.perf_counter()
    t = now - timedelta(days=days)
    while t < now:
        batch = connector.fetch(t, min(t + timedelta(hours=6), now))
        rows += len(batch.readings)
        t += timedelta(hours=6)
    return time.perf_counter() - t0, rows


def _one_run(db: str, days: float, workdir: Path, run: int) -> dict[str, float]:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    gen_s, gen_rows = _generation_only(days, now)
    store = fresh_store(db, workdir, f"backfill{run}")
    config = load_config(env={})
    connector = create(config.sources[0], config)
    t0 = time.perf_counter()
    outcome = backfill(store, connector, Areas.from_config(config), days=days, now=now)
    total_s = time.perf_counter() - t0
    store.dispose()
    if outcome.status != "ok":
        raise RuntimeError(outcome.error)
    return {"total_s": total_s, "generate_s": gen_s, "rows": outcome.rows, "readings": gen_rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    entries: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for db in dbs:
            runs = [_one_run(db, args.days, Path(tmp), i) for i in range(args.runs)]
            total = statistics.median(r["total_s"] for r in runs)
            gen = statistics.median(r["generate_s"] for r in runs)
            entries.append(
                {
                    "db": db,
                    "days": args.days,
                    "rows": runs[0]["rows"],
                    "median_s": round(total, 2),
                    "generate_median_s": round(gen, 2),
                    "ratio_to_generation": round(total / gen, 2),
                    "rows_per_s": round(runs[0]["rows"] / total),
                    "goal_s": GOAL_S * args.days / 30,
                    "pass": total <= GOAL_S * args.days / 30,
                    "runs": runs,
                }
            )
    lines = [
        "| db | days | rows | backfill median | generation alone | ratio | rows/s | goal | pass |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        lines.append(
            f"| {e['db']} | {e['days']:g} | {e['rows']:,} | {e['median_s']} s | "
            f"{e['generate_median_s']} s | {e['ratio_to_generation']}x | {e['rows_per_s']:,} | "
            f"< {e['goal_s']:.0f} s | {'PASS' if e['pass'] else 'FAIL'} |"
        )
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d}-{_git_sha()}-backfill"
    (RESULTS / f"{stem}.md").write_text(table + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.json").write_text(
        json.dumps({"entries": entries, "versions": _versions(PG_URL, dbs)}, indent=1),
        encoding="utf-8",
    )
    return 0 if all(e["pass"] for e in entries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
