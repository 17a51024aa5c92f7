"""Numbers for plotly.js as typed arrays, and times as the city's wall clock in milliseconds.

Dash encodes a figure given as plain dicts with plotly's JSON encoder, which turns a numpy
array into a JSON list number by number, and datetimes into ISO strings one by one. A typed
array (`{"dtype", "bdata"}`, base64 of the raw bytes, which plotly.js reads since 2.28) costs
one `tobytes` instead. plotly.js has no time zones: a date axis draws milliseconds as given,
so times are sent as the local wall clock (`local_ms`) on an axis of type "date".
"""

from __future__ import annotations

import base64
from datetime import datetime, tzinfo
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["local_ms", "typed"]

_DTYPES = {np.dtype("float64"): "f8", np.dtype("float32"): "f4", np.dtype("int32"): "i4"}


def typed(values: Any) -> dict[str, str]:
    """`values` (1-D numbers) as a plotly.js typed array spec, float64 unless int32/float32."""
    array = np.ascontiguousarray(values)
    if array.dtype not in _DTYPES:
        array = array.astype(np.float64)
    return {"dtype": _DTYPES[array.dtype], "bdata": base64.b64encode(array.tobytes()).decode()}


def local_ms(epoch_s: np.ndarray, tz: tzinfo) -> np.ndarray:
    """Epoch seconds (UTC) as milliseconds of the wall clock in `tz` (float64, for a date
    axis). One offset serves a span without a clock change (always so in Vietnam)."""
    seconds = np.asarray(epoch_s, dtype=np.int64)
    if not len(seconds):
        return np.empty(0, dtype=np.float64)
    first, last = (
        datetime.fromtimestamp(int(x), tz).utcoffset() for x in (seconds[0], seconds[-1])
    )
    if first is not None and first == last and _steady(tz, int(seconds[0]), int(seconds[-1])):
        return (seconds + int(first.total_seconds())).astype(np.float64) * 1000.0
    local = pd.DatetimeIndex(pd.to_datetime(seconds, unit="s", utc=True)).tz_convert(tz)
    return local.tz_localize(None).as_unit("ms").asi8.astype(np.float64)


def _steady(tz: tzinfo, start: int, end: int) -> bool:
    """Whether `tz` keeps one UTC offset from `start` to `end` (checked every 12 hours)."""
    probe = datetime.fromtimestamp(start, tz).utcoffset()
    return all(datetime.fromtimestamp(x, tz).utcoffset() == probe for x in range(start, end, 43200))
