"""The readings hot path: validate, resolve series ids, drop duplicates, store, roll up.

Everything after the first Python loop is columnar: numpy sorts the batch into primary-key
order, finds in-batch and already-stored duplicates, and computes the 5-minute and hourly
(count, sum, min, max) of exactly the rows that are new, so a re-delivered batch changes
nothing. The database sees a few bulk statements whatever the batch size.

Duplicates already stored are found without probing every row: `latest.ts` is the newest
timestamp ever stored for a series (it never goes back, retention leaves it), so only rows at
or before it can exist already, and only those are looked up, in one join. The ingest holds
the write lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock) so the answer stays true
until commit.

That check has a blind spot: retention deletes raw readings but keeps rollups and latest, so
a reading older than the retention cut cannot be found in `readings` however often it was
stored before, and re-delivering it (a `backfill --days` longer than `raw_days`) would count
it in the rollups again. Retention therefore leaves the watermark `raw_retained_before`, and
readings before it are quarantined ("older than the raw retention horizon") rather than
dropped as duplicates: the store cannot know whether such a reading is a re-delivery or new,
and a refused record is written down with its reason, never silently lost. Its rollups stay
as they were (retention holds the same lock, so no ingest sees half of it).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import Connection, bindparam, case, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.records import METRICS, Reading, ReadingBlock
from dashboard.store import bulk
from dashboard.store.blocks import block_columns, block_keys
from dashboard.store.columns import Columns, SeriesKey, to_columns
from dashboard.store.models import (
    AssetRow,
    Latest,
    ReadingRow,
    Rollup1h,
    Rollup5m,
    Series,
    Watermark,
)

__all__ = [
    "RAW_RETAINED_BEFORE",
    "ReadingsOutcome",
    "SeriesKey",
    "lock_readings",
    "raw_retained_before",
    "store_readings",
]

RAW_RETAINED_BEFORE = "raw_retained_before"  # the watermark's name in `watermarks`

_IN_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit
_PG_INGEST_LOCK = 0x636974796F7073  # "cityops": one readings writer at a time
_ROLLUPS = ((300, Rollup5m.__table__), (3600, Rollup1h.__table__))


@dataclass(slots=True)
class ReadingsOutcome:
    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[Reading, str]] = field(default_factory=list)
    new_series: dict[SeriesKey, int] = field(default_factory=dict)


def lock_readings(conn: Connection) -> None:
    """Make this transaction the only one writing readings (or deleting them) until it ends.

    SQLite writers hold the database lock already (`BEGIN IMMEDIATE`); PostgreSQL takes a
    transaction-level advisory lock.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_INGEST_LOCK})")


def raw_retained_before(conn: Connection) -> int | None:
    """The retention watermark (epoch seconds), or None before any retention ran."""
    q = select(Watermark.value).where(Watermark.name == RAW_RETAINED_BEFORE)
    return conn.execute(q).scalar_one_or_none()


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i : i + _IN_CHUNK]


def _resolve_series(
    conn: Connection, pairs: set[SeriesKey], batch_assets: set[str]
) -> tuple[dict[SeriesKey, int], set[str]]:
    """Series ids for `pairs` (created in bulk where missing) and the set of known assets."""
    asset_ids = sorted({a for a, _ in pairs})
    known = set(batch_assets) & set(asset_ids)
    stored_q = select(AssetRow.id).where(AssetRow.id.in_(bindparam("ids", expanding=True)))
    for chunk in _chunks([a for a in asset_ids if a not in known]):
        known.update(conn.execute(stored_q, {"ids": list(chunk)}).scalars())
    wanted = {p for p in pairs if p[0] in known}
    series_q = select(Series.asset_id, Series.metric, Series.id).where(
        Series.asset_id.in_(bindparam("ids", expanding=True))
    )

    def load() -> dict[SeriesKey, int]:
        found: dict[SeriesKey, int] = {}
        for chunk in _chunks(sorted(known)):
            for asset_id, metric, sid in conn.execute(series_q, {"ids": list(chunk)}):
                if (asset_id, metric) in wanted:
                    found[(asset_id, metric)] = sid
        return found

    found = load()
    missing = sorted(wanted - found.keys())
    if missing:
        ins = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = ins(Series).on_conflict_do_nothing(index_elements=["asset_id", "metric"])
        conn.execute(stmt, [{"asset_id": a, "metric": m} for a, m in missing])
        found = load()
    return found, known


def _sorted_unique(parts: list[Columns]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The batch in (series, ts) order, first delivery of each key kept."""
    sid = np.concatenate([p[0] for p in parts])
    ts = np.floor(np.concatenate([p[1] for p in parts])).astype(np.int64)
    val = np.concatenate([p[2] for p in parts])
    key = (sid << 34) | ts  # epoch seconds stay below 2**34 until the year 2514
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.argsort(key, kind="stable")
        sid, ts, val, key = sid[order], ts[order], val[order], key[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        sid, ts, val = sid[first], ts[first], val[first]
    return sid, ts, val


def _latest_of(conn: Connection, sid: np.ndarray) -> np.ndarray:
    """Per row, the newest ts stored for its series (-1 for a series with none yet)."""
    uniq = sid[np.concatenate(([True], sid[1:] != sid[:-1]))]
    sql = "SELECT series_id, ts FROM latest"
    if len(uniq) <= _IN_CHUNK:
        sql += f" WHERE series_id IN ({', '.join(str(int(s)) for s in uniq)})"
    rows = conn.exec_driver_sql(sql + " ORDER BY series_id").fetchall()
    out = np.full(len(sid), -1, dtype=np.int64)
    if rows:
        lsid, lts = np.asarray([tuple(r) for r in rows], dtype=np.int64).T
        pos = np.clip(np.searchsorted(lsid, sid), 0, len(lsid) - 1)
        hit = lsid[pos] == sid
        out[hit] = lts[pos[hit]]
    return out


def _already_stored(
    conn: Connection, sid: np.ndarray, ts: np.ndarray, latest: np.ndarray
) -> np.ndarray:
    """Boolean mask of the rows whose (series, ts) is in `readings` already: only rows at or
    before their series' latest can be, and only those are looked up."""
    stored = np.zeros(len(sid), dtype=bool)
    maybe = ts <= latest
    if not maybe.any():
        return stored
    idx = np.flatnonzero(maybe)
    found: set[tuple[int, int]] = set()
    key = tuple_(ReadingRow.series_id, ReadingRow.ts)
    q = select(ReadingRow.series_id, ReadingRow.ts).where(
        key.in_(bindparam("keys", expanding=True))
    )
    pairs = list(zip(sid[idx].tolist(), ts[idx].tolist(), strict=True))
    for i in range(0, len(pairs), _IN_CHUNK):
        found.update((a, b) for a, b in conn.execute(q, {"keys": pairs[i : i + _IN_CHUNK]}))
    if found:
        stored[idx] = [p in found for p in pairs]
    return stored


def _rollup(sid: np.ndarray, ts: np.ndarray, val: np.ndarray, width: int) -> list[np.ndarray]:
    """(series, bucket, count, sum, min, max, first row) of rows sorted by (series, ts)."""
    bucket = ts - ts % width
    starts = np.flatnonzero(
        np.concatenate(([True], (sid[1:] != sid[:-1]) | (bucket[1:] != bucket[:-1])))
    )
    count = np.diff(np.append(starts, len(sid)))
    return [
        sid[starts].astype(np.int32),
        bucket[starts],
        count.astype(np.int32),
        np.add.reduceat(val, starts),
        np.minimum.reduceat(val, starts),
        np.maximum.reduceat(val, starts),
        starts,
    ]


def _write(
    conn: Connection, sid: np.ndarray, ts: np.ndarray, val: np.ndarray, latest: np.ndarray
) -> None:
    """Insert the new rows, fold them into the rollups, move latest forward.

    A rollup bucket that starts after its series' latest reading cannot exist yet, so those
    rows (nearly all, in steady state) are plain inserts; only buckets that may already hold
    readings take the slower upsert.
    """
    bulk.insert_rows(conn, ReadingRow.__table__, [sid.astype(np.int32), ts, val])  # type: ignore[arg-type]
    for width, rollup in _ROLLUPS:
        cols = _rollup(sid, ts, val, width)
        starts = cols.pop()
        may_exist = cols[1] <= latest[starts]
        if not may_exist.all():
            bulk.insert_rows(conn, rollup, [c[~may_exist] for c in cols])  # type: ignore[arg-type]
        if may_exist.any():
            old, new = rollup.c, rollup.alias("excluded").c  # type: ignore[attr-defined]
            bulk.upsert_rows(
                conn,
                rollup,  # type: ignore[arg-type]
                [c[may_exist] for c in cols],
                {
                    "count": old.count + new.count,
                    "sum": old.sum + new.sum,
                    "min": case((new.min < old.min, new.min), else_=old.min),
                    "max": case((new.max > old.max, new.max), else_=old.max),
                },
            )
    last = np.concatenate((sid[1:] != sid[:-1], [True]))
    table = Latest.__table__
    old, new = table.c, table.alias("excluded").c  # type: ignore[attr-defined]
    bulk.upsert_rows(
        conn,
        table,  # type: ignore[arg-type]
        [sid[last].astype(np.int32), ts[last], val[last]],
        {"ts": new.ts, "value": new.value},
        where=new.ts > old.ts,
    )


def store_readings(
    conn: Connection,
    readings: Sequence[Reading],
    series_cache: dict[SeriesKey, int],
    batch_assets: Iterable[str],
    now: datetime,
    blocks: Sequence[ReadingBlock] = (),
) -> ReadingsOutcome:
    """Store `readings` and the rows of `blocks` inside the caller's transaction; see the
    module docstring. Readings more than FUTURE_TOLERANCE after the ingest's `now`, or before
    the retention watermark, are refused."""
    out = ReadingsOutcome()
    blocks = [b for b in blocks if len(b)]
    if not readings and not blocks:
        return out
    lock_readings(conn)
    horizon = raw_retained_before(conn)
    rejected = out.rejected
    parts: list[Columns] = []
    cols, unresolved = to_columns(readings, series_cache, rejected, now=now, not_before=horizon)
    parts.append(cols)
    keys = [block_keys(b) for b in blocks]
    missing = {(r.asset_id, r.metric) for r in unresolved}
    missing.update(p for k in keys for p in k.pairs if p not in series_cache and p[1] in METRICS)
    series: Mapping[SeriesKey, int] = series_cache
    known: set[str] | None = None
    if missing:
        out.new_series, known = _resolve_series(conn, missing, set(batch_assets))
        series = ChainMap(out.new_series, series_cache)
        cols, _ = to_columns(
            unresolved, out.new_series, rejected, known_assets=known, now=now, not_before=horizon
        )
        parts.append(cols)
    for block, key in zip(blocks, keys, strict=True):
        parts.append(block_columns(block, key, series, rejected, known, now, horizon))
    valid = sum(len(p[0]) for p in parts)
    if valid == 0:
        return out
    sid, ts, val = _sorted_unique(parts)
    latest = _latest_of(conn, sid)
    stored = _already_stored(conn, sid, ts, latest)
    if stored.any():
        keep = ~stored
        sid, ts, val, latest = sid[keep], ts[keep], val[keep], latest[keep]
    out.stored = len(sid)
    out.duplicates = valid - out.stored
    if out.stored:
        _write(conn, sid, ts, val, latest)
    return out
