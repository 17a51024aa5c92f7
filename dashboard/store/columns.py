"""Readings to columns: validation and series lookup done column-wise, not reading by reading.

A Python loop that checks, looks up and converts each reading in turn costs more than the
database insert it feeds. Here each field is pulled out with one comprehension, timestamps
are converted once per distinct datetime object (a connector's tick usually shares one), and
metric ranges, time zones and series ids are checked with numpy. Only the readings that fail
a fast check go through `dashboard.records.validate_reading`, which gives the reason, or
accepts the unusual valid ones (a ZoneInfo("UTC") timestamp, a numpy float value).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from itertools import repeat
from operator import attrgetter
from typing import cast

import numpy as np

from dashboard.records import FUTURE_TOLERANCE, METRICS, Reading, validate_reading

__all__ = ["Columns", "SeriesKey", "metric_table", "to_columns", "too_old"]

SeriesKey = tuple[str, str]  # (asset id, metric)
Columns = tuple[np.ndarray, np.ndarray, np.ndarray]  # series id int64, epoch s float64, value
_TZINFO = attrgetter("tzinfo")
_TS = attrgetter("ts")
_VALUE = attrgetter("value")
_ASSET_ID = attrgetter("asset_id")
_METRIC = attrgetter("metric")


@cache
def metric_table() -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Metric -> code (0 = unknown), and low/high by code; unknown gets an empty range."""
    codes = {name: i + 1 for i, name in enumerate(METRICS)}
    low = np.array([np.inf] + [m.low for m in METRICS.values()], dtype=np.float64)
    high = np.array([-np.inf] + [m.high for m in METRICS.values()], dtype=np.float64)
    return codes, low, high


def _epochs(stamps: list[object]) -> np.ndarray:
    """Epoch seconds per reading; NaN where the timestamp is not a `datetime.UTC` datetime."""
    if set(map(type, stamps)) == {datetime} and set(map(_TZINFO, stamps)) == {UTC}:
        # All UTC: equal datetimes are equal instants, so convert each distinct one once.
        epoch = {t: t.timestamp() for t in dict.fromkeys(stamps)}  # type: ignore[attr-defined]
        return np.array(list(map(epoch.__getitem__, stamps)), dtype=np.float64)
    by_id: dict[int, float] = {}
    for t in {id(t): t for t in stamps}.values():
        ok = type(t) is datetime and t.tzinfo is UTC
        by_id[id(t)] = t.timestamp() if ok else np.nan  # type: ignore[attr-defined]
    return np.array([by_id[id(t)] for t in stamps], dtype=np.float64)


def _values(values: list[object]) -> np.ndarray:
    """Values as float64; NaN stands for a value of the wrong type (so it fails the range)."""
    if all(k is float or k is int for k in set(map(type, values))):
        return np.array(values, dtype=np.float64)
    return np.array(
        [v if type(v) is float or type(v) is int else np.nan for v in values], dtype=np.float64
    )


def too_old(floor: float) -> str:
    cut = datetime.fromtimestamp(floor, UTC).isoformat()
    return f"older than the raw retention horizon ({cut}): its rollups are final"


def _keys(readings: Sequence[Reading]) -> tuple[list[str], list[str]]:
    """Asset ids and metrics; a key that is not a string (an int id, a list) becomes "" so it
    can neither break a lookup nor match one: it fails the fast check and `validate_reading`
    names the wrong type."""
    aids: list[object] = list(map(_ASSET_ID, readings))
    mets: list[object] = list(map(_METRIC, readings))
    if not set(map(type, aids)) | set(map(type, mets)) <= {str}:
        ok = [isinstance(a, str) and isinstance(m, str) for a, m in zip(aids, mets, strict=True)]
        aids = [a if k else "" for a, k in zip(aids, ok, strict=True)]
        mets = [m if k else "" for m, k in zip(mets, ok, strict=True)]
    return cast(list[str], aids), cast(list[str], mets)


def to_columns(
    readings: Sequence[Reading],
    series: Mapping[SeriesKey, int],
    rejected: list[tuple[Reading, str]],
    known_assets: set[str] | None = None,
    now: datetime | None = None,
    not_before: int | None = None,
) -> tuple[Columns, list[Reading]]:
    """The valid readings whose series id is in `series`, as columns, and the readings whose
    series is not known yet (or, given `known_assets`, rejects them as unknown assets).

    Refused readings are appended to `rejected` with their reason; given `now`, those more
    than FUTURE_TOLERANCE ahead of it too, and given `not_before` (epoch seconds, the
    retention watermark) those before it.
    """
    not_after = np.inf if now is None else (now + FUTURE_TOLERANCE).timestamp()
    floor = -np.inf if not_before is None else float(not_before)
    n = len(readings)
    aids, mets = _keys(readings)
    # map() over C iterators: no Python frame per reading (a comprehension doubled the cost).
    pairs = zip(aids, mets, strict=True)
    sid = np.fromiter(map(series.get, pairs, repeat(-1)), dtype=np.int64, count=n)
    codes_of, low, high = metric_table()
    code = np.fromiter(map(codes_of.get, mets, repeat(0)), dtype=np.intp, count=n)
    ts = _epochs(list(map(_TS, readings)))
    val = _values(list(map(_VALUE, readings)))
    fast = (
        (low[code] <= val) & (val <= high[code]) & (floor <= ts) & (ts <= not_after)
    )  # NaN fails all
    keep = fast & (sid >= 0)
    unresolved: list[Reading] = []
    for i in np.flatnonzero(~keep).tolist():
        r = readings[i]
        if not fast[i]:
            if (why := validate_reading(r, now=now)) is not None:
                rejected.append((r, why))
                continue
            ts[i], val[i] = r.ts.timestamp(), float(r.value)
            if ts[i] > not_after:  # at the boundary, float rounding may disagree
                rejected.append((r, "timestamp in the future"))
                continue
            if ts[i] < floor:
                rejected.append((r, too_old(floor)))
                continue
        if sid[i] < 0:
            if known_assets is None:
                unresolved.append(r)
            else:
                rejected.append((r, validate_reading(r, known_assets) or "unknown asset"))
            continue
        keep[i] = True
    if n and keep.all():
        return (sid, ts, val), unresolved
    return (sid[keep], ts[keep], val[keep]), unresolved
