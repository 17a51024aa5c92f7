"""Five-minute buckets of any series: `rollup_5m` rows and the raw readings that are their
own bucket.

A series that never had two readings in one 5-minute bucket (`series.rolled_5m` false: a
meter reporting every 5 minutes or less often) keeps no rollup_5m rows while its readings
are kept: each reading is its bucket (count 1, sum = min = max = its value). Retention writes
those buckets to rollup_5m before it deletes the readings, and a series that gets two
readings in one bucket has all its buckets written there from then on (see
`dashboard.store.readings`). So the buckets of every series are exactly

    rollup_5m rows  UNION ALL  readings of the series with rolled_5m false

with no bucket in both. `five_minute` builds that union for a window, the window's bounds
inside each branch so both are read by their primary keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Integer, Subquery, literal, select, union_all

from dashboard.store.models import ReadingRow, Rollup5m, Series

__all__ = ["BUCKET_S", "five_minute"]

BUCKET_S = 300

SeriesCondition = Callable[[Any], ColumnElement[bool]]


def _bucket_ceil(seconds: Any) -> Any:
    """`seconds` (whole epoch seconds, an int or an integer bindparam) rounded up to a bucket
    start, in SQL when it is a parameter (integer division on both databases)."""
    if isinstance(seconds, int):
        return -(-seconds // BUCKET_S) * BUCKET_S
    return (seconds + (BUCKET_S - 1)) // BUCKET_S * BUCKET_S


def five_minute(lo: Any, hi: Any, series: SeriesCondition | None = None) -> Subquery:
    """The 5-minute buckets with lo <= bucket < hi (whole epoch seconds; ints or integer
    bindparams) as a subquery of series_id, bucket, count, sum, min, max; `series(column)` narrows both
    branches to some series (given the branch's series id column)."""
    r5 = Rollup5m.__table__.c
    rolled = select(r5.series_id, r5.bucket, r5.count, r5.sum, r5.min, r5.max).where(
        r5.bucket >= lo, r5.bucket < hi
    )
    raw = ReadingRow.__table__.c
    bucket = raw.ts - raw.ts % BUCKET_S
    # bucket >= lo  <=>  ts >= lo rounded up to a bucket start; bucket < hi likewise: both
    # bounds are the primary key's, computed once per query, not per row.
    first, end = _bucket_ceil(lo), _bucket_ceil(hi)
    own = (
        select(
            raw.series_id,
            bucket.label("bucket"),
            literal(1, Integer).label("count"),
            raw.value.label("sum"),
            raw.value.label("min"),
            raw.value.label("max"),
        )
        .join(Series, Series.id == raw.series_id)
        .where(Series.rolled_5m.is_(False))
        .where(raw.ts >= first, raw.ts < end)
    )
    if series is not None:
        rolled = rolled.where(series(r5.series_id))
        own = own.where(series(raw.series_id))
    return union_all(rolled, own).subquery("five_minute")
