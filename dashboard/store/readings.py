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

Five-minute rollups are written only for series that need them. A series reporting every 5
minutes or less often has one reading per bucket, and a rollup_5m row repeating it (count 1)
cost SQLite's ingest as much as the reading itself. So a new series starts with
`rolled_5m` false: its buckets after the raw horizon are its readings, retention writes them
to rollup_5m before it deletes the readings, and `dashboard.queries._five_minute` reads the two
as one. The first batch that would put a second reading in one of its buckets (two in the
batch, or one at or before the series' latest reading) first writes the series' rollup_5m
rows from its stored readings and sets the flag for good; from then on it is rolled up like
any other series. Hourly rollups are written for every series.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, bindparam, case, func, insert, select, tuple_, update
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
    "keep_five_minute_buckets",
    "lock_readings",
    "raw_retained_before",
    "store_readings",
]

RAW_RETAINED_BEFORE = "raw_retained_before"  # the watermark's name in `watermarks`

T = TypeVar("T")
_IN_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit
_PG_INGEST_LOCK = 0x636974796F7073  # "cityops": one readings writer at a time


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


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
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
        # A new series keeps no rollup_5m rows until two readings share a bucket.
        conn.execute(stmt, [{"asset_id": a, "metric": m, "rolled_5m": False} for a, m in missing])
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


def _series_state(conn: Connection, sid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the newest ts stored for its series (-1 for a series with none yet) and
    whether the series keeps its 5-minute buckets in rollup_5m (`series.rolled_5m`)."""
    uniq = sid[np.concatenate(([True], sid[1:] != sid[:-1]))]
    sql = (
        "SELECT s.id, s.rolled_5m, COALESCE(l.ts, -1) FROM series s"
        " LEFT JOIN latest l ON l.series_id = s.id"
    )
    if len(uniq) <= _IN_CHUNK:
        sql += f" WHERE s.id IN ({', '.join(str(int(s)) for s in uniq)})"
    rows = bulk.plain_rows(conn, sql + " ORDER BY s.id")
    latest = np.full(len(sid), -1, dtype=np.int64)
    rolled = np.ones(len(sid), dtype=bool)
    if rows:
        sids, flags, stamps = np.array(rows, dtype=np.int64).T
        pos = np.clip(np.searchsorted(sids, sid), 0, len(sids) - 1)
        hit = sids[pos] == sid
        latest[hit] = stamps[pos[hit]]
        rolled[hit] = flags[pos[hit]] != 0
    return latest, rolled


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


def _five_minute_rows(where: Any) -> Any:
    """(series, bucket, count, sum, min, max) of the stored readings matching `where`."""
    r = ReadingRow.__table__.c
    bucket = r.ts - r.ts % 300
    return (
        select(r.series_id, bucket, func.count(), func.sum(r.value), func.min(r.value),
               func.max(r.value))
        .where(where)
        .group_by(r.series_id, bucket)
    )  # fmt: skip


_ROLLUP_COLUMNS = ("series_id", "bucket", "count", "sum", "min", "max")


def keep_five_minute_buckets(conn: Connection, before: int) -> int:
    """Write to rollup_5m the buckets before `before` (a whole hour) of the series that keep
    none there (`rolled_5m` false): retention calls it before it deletes those readings."""
    r, r5 = ReadingRow.__table__.c, Rollup5m.__table__.c
    own = select(Series.id).where(Series.rolled_5m.is_(False))
    rows = _five_minute_rows((r.ts < before) & r.series_id.in_(own))
    cols = [r5[n] for n in _ROLLUP_COLUMNS]
    return int(conn.execute(insert(Rollup5m).from_select(cols, rows)).rowcount or 0)


def _start_rollup_5m(conn: Connection, ids: np.ndarray) -> None:
    """Give the series `ids` (rolled_5m false) their rollup_5m rows: one per stored reading's
    bucket (buckets before the raw horizon are there already, written by retention), then
    flip the flag. Runs before the batch's own rows are stored."""
    r, r5 = ReadingRow.__table__.c, Rollup5m.__table__.c
    cols = [r5[n] for n in _ROLLUP_COLUMNS]
    for chunk in _chunks(ids.tolist()):
        rows = _five_minute_rows(r.series_id.in_(chunk))
        conn.execute(insert(Rollup5m).from_select(cols, rows))
        conn.execute(update(Series).where(Series.id.in_(chunk)).values(rolled_5m=True))


def _write_rollup(
    conn: Connection, rollup: Any, cols: list[np.ndarray], may_exist: np.ndarray
) -> None:
    """Fold rollup rows into `rollup`: plain inserts where the bucket cannot exist yet."""
    if not may_exist.all():
        bulk.insert_rows(conn, rollup, [c[~may_exist] for c in cols])
    if may_exist.any():
        old, new = rollup.c, rollup.alias("excluded").c
        bulk.upsert_rows(
            conn,
            rollup,
            [c[may_exist] for c in cols],
            {
                "count": old.count + new.count,
                "sum": old.sum + new.sum,
                "min": case((new.min < old.min, new.min), else_=old.min),
                "max": case((new.max > old.max, new.max), else_=old.max),
            },
        )


def _write(
    conn: Connection,
    sid: np.ndarray,
    ts: np.ndarray,
    val: np.ndarray,
    latest: np.ndarray,
    rolled: np.ndarray,
) -> None:
    """Insert the new rows, fold them into the rollups, move latest forward.

    A rollup bucket that starts after its series' latest reading cannot exist yet, so those
    rows (nearly all, in steady state) are plain inserts; only buckets that may already hold
    readings take the slower upsert. A series without rollup_5m rows (`rolled`) gets none
    while each of its buckets holds one reading; a bucket of the batch holding two, or one
    that may hold a stored reading already, gives the series its rollup_5m rows first.
    """
    five = _rollup(sid, ts, val, 300)
    starts = five.pop()
    keep = rolled[starts]
    may_exist = five[1] <= latest[starts]
    switch = ~keep & ((five[2] > 1) | may_exist)
    if switch.any():
        switched = np.unique(five[0][switch])
        _start_rollup_5m(conn, switched)
        keep |= np.isin(five[0], switched)
    bulk.insert_rows(conn, ReadingRow.__table__, [sid.astype(np.int32), ts, val])  # type: ignore[arg-type]
    if keep.any():
        _write_rollup(conn, Rollup5m.__table__, [c[keep] for c in five], may_exist[keep])
    hour = _rollup(sid, ts, val, 3600)
    starts = hour.pop()
    _write_rollup(conn, Rollup1h.__table__, hour, hour[1] <= latest[starts])
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
    latest, rolled = _series_state(conn, sid)
    stored = _already_stored(conn, sid, ts, latest)
    if stored.any():
        keep = ~stored
        sid, ts, val, latest, rolled = sid[keep], ts[keep], val[keep], latest[keep], rolled[keep]
    out.stored = len(sid)
    out.duplicates = valid - out.stored
    if out.stored:
        _write(conn, sid, ts, val, latest, rolled)
    return out
