"""Numbers for plotly.js as typed arrays, and times as the city's wall clock in milliseconds.

Dash encodes a figure given as plain dicts with plotly's JSON encoder, which turns a numpy
array into a JSON list number by number, and datetimes into ISO strings one by one. A typed
array (`{"dtype", "bdata"}`, base64 of the raw bytes, which plotly.js reads since 2.28) costs
one `tobytes` instead. plotly.js has no time zones: a date axis draws milliseconds as given,
so times are sent as the local wall clock (`local_ms`) on an axis of type "date".
"""

from __future__ import annotations

import base64
from datetime import UTC, tzinfo
from typing import Any, Final

import numpy as np
import pandas as pd
from _plotly_utils.utils import to_typed_array_spec

__all__ = ["local_ms", "typed_array"]

# plotly.js typed-array codes of the numpy dtypes sent as they are (plotly's own table).
_TYPED: Final = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}


def typed_array(values: np.ndarray) -> Any:
    """plotly's `to_typed_array_spec` of a numeric numpy array ({"dtype", "bdata"[, "shape"]}),
    the same value without its dataframe-library checks (a refresh sends several). Anything
    else (empty, int64, objects) goes through plotly's own."""
    code = _TYPED.get(str(values.dtype))
    if code is None or values.size == 0:
        return to_typed_array_spec(values)
    values = np.ascontiguousarray(values)
    spec = {"dtype": code, "bdata": base64.b64encode(values.tobytes()).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = str(values.shape)[1:-1]
    return spec


def local_ms(epoch_s: np.ndarray, tz: tzinfo) -> np.ndarray:
    """Epoch seconds (UTC) as milliseconds of the wall clock in `tz` (float64, for a date
    axis); each point keeps its own offset across a clock change."""
    seconds = np.asarray(epoch_s, dtype=np.int64)
    if not len(seconds):
        return np.empty(0, dtype=np.float64)
    # From datetime64[ms] (no parsing; to_datetime(unit="s") cost twice as much), through
    # pandas' own zone conversion.
    utc = pd.DatetimeIndex((seconds * 1000).astype("datetime64[ms]"), tz=UTC)
    return utc.tz_convert(tz).tz_localize(None).asi8.astype(np.float64)
