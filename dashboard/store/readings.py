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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache

import numpy as np
from sqlalchemy import Connection, bindparam, case, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.records import METRICS, Reading, validate_reading
from dashboard.store import bulk
from dashboard.store.models import AssetRow, Latest, ReadingRow, Rollup1h, Rollup5m, Series

__all__ = ["ReadingsOutcome", "SeriesKey", "store_readings"]

SeriesKey = tuple[str, str]  # (asset id, metric)
_IN_CHUNK = 500  # ids per IN (...) list: far below every driver's parameter limit
_PG_INGEST_LOCK = 0x636974796F7073  # "cityops": one readings writer at a time
_ROLLUPS = ((300, Rollup5m.__table__), (3600, Rollup1h.__table__))


@dataclass(slots=True)
class ReadingsOutcome:
    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[Reading, str]] = field(default_factory=list)
    new_series: dict[SeriesKey, int] = field(default_factory=dict)


@cache
def _bounds() -> dict[str, tuple[float, float]]:
    return {name: (m.low, m.high) for name, m in METRICS.items()}


class _Columns:
    """Three growing columns (series id, epoch seconds, value) filled by the validation loop."""

    __slots__ = ("sids", "tss", "vals")

    def __init__(self) -> None:
        self.sids: list[int] = []
        self.tss: list[float] = []
        self.vals: list[float] = []

    def take(
        self,
        readings: Iterable[Reading],
        series: dict[SeriesKey, int],
        rejected: list[tuple[Reading, str]],
        known_assets: set[str] | None = None,
    ) -> list[Reading]:
        """Append the valid readings whose series is known; return those whose is not.

        The inline checks accept the common case (a known metric, `datetime.UTC`, a number in
        range; NaN fails the range test); anything else goes through `validate_reading`, which gives the reason
        or, for an unusual but valid reading (say ZoneInfo("UTC")), accepts it.
        """
        bounds = _bounds()
        add_sid, add_ts, add_val = self.sids.append, self.tss.append, self.vals.append
        unresolved: list[Reading] = []
        for r in readings:
            ts, v, b = r.ts, r.value, bounds.get(r.metric)
            if (
                b is None
                or ts.tzinfo is not UTC
                or (type(v) is not float and type(v) is not int)
                or not b[0] <= v <= b[1]
            ) and (why := validate_reading(r)) is not None:
                rejected.append((r, why))
                continue
            sid = series.get((r.asset_id, r.metric))
            if sid is None:
                if known_assets is not None:
                    rejected.append((r, validate_reading(r, known_assets) or "unknown series"))
                else:
                    unresolved.append(r)
                continue
            add_sid(sid)
            add_ts(ts.timestamp())
            add_val(v)
        return unresolved


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


def _sorted_unique(cols: _Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The batch in (series, ts) order, first delivery of each key kept."""
    sid = np.asarray(cols.sids, dtype=np.int64)
    ts = np.floor(np.asarray(cols.tss, dtype=np.float64)).astype(np.int64)
    val = np.asarray(cols.vals, dtype=np.float64)
    key = (sid << 34) | ts  # epoch seconds stay below 2**34 until the year 2514
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.argsort(key, kind="stable")
        sid, ts, val, key = sid[order], ts[order], val[order], key[order]
        first = np.concatenate(([True], key[1:] != key[:-1]))
        sid, ts, val = sid[first], ts[first], val[first]
    return sid, ts, val


def _latest_ts(conn: Connection, series_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(series ids, latest ts) stored for the batch's series, sorted by series id."""
    q = select(Latest.series_id, Latest.ts)
    if len(series_ids) <= _IN_CHUNK:
        q = q.where(Latest.series_id.in_([int(s) for s in series_ids]))
    rows = conn.execute(q.order_by(Latest.series_id)).all()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    arr = np.asarray(rows, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def _already_stored(conn: Connection, sid: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows whose (series, ts) is in `readings` already."""
    stored = np.zeros(len(sid), dtype=bool)
    uniq = sid[np.concatenate(([True], sid[1:] != sid[:-1]))]
    lsid, lts = _latest_ts(conn, uniq)
    if len(lsid) == 0:
        return stored
    pos = np.clip(np.searchsorted(lsid, sid), 0, len(lsid) - 1)
    maybe = (lsid[pos] == sid) & (ts <= lts[pos])
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
        found.update(conn.execute(q, {"keys": pairs[i : i + _IN_CHUNK]}).tuples())
    if found:
        stored[idx] = [p in found for p in pairs]
    return stored


def _rollup(sid: np.ndarray, ts: np.ndarray, val: np.ndarray, width: int) -> list[np.ndarray]:
    """(series, bucket, count, sum, min, max) of rows sorted by (series, ts)."""
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
    ]


def _write(conn: Connection, sid: np.ndarray, ts: np.ndarray, val: np.ndarray) -> None:
    bulk.insert_rows(conn, ReadingRow.__table__, [sid.astype(np.int32), ts, val])  # type: ignore[arg-type]
    for width, rollup in _ROLLUPS:
        old, new = rollup.c, rollup.alias("excluded").c  # type: ignore[attr-defined]
        bulk.upsert_rows(
            conn,
            rollup,  # type: ignore[arg-type]
            _rollup(sid, ts, val, width),
            {
                "count": old.count + new.count,
                "sum": old.sum + new.sum,
                "min": case((new.min < old.min, new.min), else_=old.min),
                "max": case((new.max > old.max, new.max), else_=old.max),
            },
        )
    last = np.concatenate((sid[1:] != sid[:-1], [True]))
    latest = Latest.__table__
    old, new = latest.c, latest.alias("excluded").c  # type: ignore[attr-defined]
    bulk.upsert_rows(
        conn,
        latest,  # type: ignore[arg-type]
        [sid[last].astype(np.int32), ts[last], val[last]],
        {"ts": new.ts, "value": new.value},
        where=new.ts > old.ts,
    )


def store_readings(
    conn: Connection,
    readings: Sequence[Reading],
    series_cache: dict[SeriesKey, int],
    batch_assets: Iterable[str],
) -> ReadingsOutcome:
    """Store `readings` inside the caller's transaction; see the module docstring."""
    out = ReadingsOutcome()
    if not readings:
        return out
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_INGEST_LOCK})")
    cols = _Columns()
    unresolved = cols.take(readings, series_cache, out.rejected)
    if unresolved:
        pairs = {(r.asset_id, r.metric) for r in unresolved}
        out.new_series, known = _resolve_series(conn, pairs, set(batch_assets))
        cols.take(unresolved, out.new_series, out.rejected, known_assets=known)
    valid = len(cols.sids)
    if valid == 0:
        return out
    sid, ts, val = _sorted_unique(cols)
    stored = _already_stored(conn, sid, ts)
    if stored.any():
        keep = ~stored
        sid, ts, val = sid[keep], ts[keep], val[keep]
    out.stored = len(sid)
    out.duplicates = valid - out.stored
    if out.stored:
        _write(conn, sid, ts, val)
    return out
