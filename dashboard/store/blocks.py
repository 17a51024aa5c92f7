"""Reading blocks to columns: the connector's arrays go to the store without Python objects.

A `ReadingBlock` names each (asset, metric) pair by two small integer indices, so finding the
series id of every row is one integer lookup table, not a dict probe per row: the distinct
pairs of the block are looked up once (or created, by the caller), then spread back with numpy.
Validation is the fast check of `columns.to_columns` (metric known, value within its plausible
range, timestamp inside the ingest's window); only the rows that fail it become Reading
objects, and `dashboard.records.validate_reading` gives their reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from dashboard.records import FUTURE_TOLERANCE, Reading, ReadingBlock, validate_reading
from dashboard.store.columns import Columns, SeriesKey, metric_table, too_old

__all__ = ["BlockKeys", "block_columns", "block_keys"]

# Above this many possible (asset, metric) codes, the distinct pairs are found by sorting
# (np.unique) instead of marking a dense table: the table would cost more than the sort.
_DENSE_LIMIT = 1 << 22


@dataclass(frozen=True, slots=True)
class BlockKeys:
    """The distinct (asset, metric) pairs of one block, and each row's pair number."""

    pairs: list[SeriesKey]
    row_pair: np.ndarray  # per row, index into `pairs`


def block_keys(block: ReadingBlock) -> BlockKeys:
    """The distinct pairs of `block` (metrics outside the vocabulary included: they are
    refused later, row by row, with their reason)."""
    n_metrics = max(1, len(block.metrics))
    code = block.asset * n_metrics + block.metric
    size = len(block.assets) * n_metrics
    if size <= max(_DENSE_LIMIT, 4 * len(block)):
        present = np.zeros(size, dtype=bool)
        present[code] = True
        codes = np.flatnonzero(present)
        number = np.full(size, -1, dtype=np.int64)
        number[codes] = np.arange(len(codes))
        row_pair = number[code]
    else:
        codes, row_pair = np.unique(code, return_inverse=True)
    assets, metrics = block.assets, block.metrics
    pairs = [(assets[c // n_metrics], metrics[c % n_metrics]) for c in codes.tolist()]
    return BlockKeys(pairs, row_pair)


def block_columns(
    block: ReadingBlock,
    keys: BlockKeys,
    series: Mapping[SeriesKey, int],
    rejected: list[tuple[Reading, str]],
    known_assets: set[str] | None,
    now: datetime,
    not_before: int | None,
) -> Columns:
    """The valid rows of `block` whose series is in `series`, as columns; every other row is
    appended to `rejected` with its reason (unknown asset or metric, implausible value,
    timestamp in the future or before the retention horizon)."""
    codes_of, low, high = metric_table()
    pair_sid = np.array([series.get(p, -1) for p in keys.pairs], dtype=np.int64)
    sid = pair_sid[keys.row_pair] if len(pair_sid) else np.empty(0, dtype=np.int64)
    metric_code = np.array([codes_of.get(m, 0) for m in block.metrics], dtype=np.intp)
    code = metric_code[block.metric] if len(metric_code) else np.empty(0, dtype=np.intp)
    ts = block.ts.astype(np.float64)
    val = block.value
    not_after = (now + FUTURE_TOLERANCE).timestamp()
    floor = -np.inf if not_before is None else float(not_before)
    keep = (low[code] <= val) & (val <= high[code]) & (floor <= ts) & (ts <= not_after)
    keep &= sid >= 0  # NaN fails every comparison above
    if not keep.all():
        for i in np.flatnonzero(~keep).tolist():
            r = block.reading(i)
            why = validate_reading(r, known_assets, now=now)
            if why is None:
                why = too_old(floor) if ts[i] < floor else f"unknown asset {r.asset_id!r}"
            rejected.append((r, why))
        return sid[keep], ts[keep], val[keep]
    return sid, ts, val
