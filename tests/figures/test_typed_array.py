"""`maplayers.typed_array` sends exactly what plotly's `to_typed_array_spec` would: the wall's
patches are compared with the figure's own arrays by their digests, so one byte off would
re-send (or, worse, mismatch) a trace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _plotly_utils.utils import to_typed_array_spec

from dashboard.figures.maplayers import typed_array

CASES = {
    "codes uint8": np.array([0, 1, 2, 1, 1], dtype=np.uint8),
    "positions float32": np.array([105.08, 105.0912, 10.01], dtype=np.float32),
    "float64": np.array([0.1, 2.5, -3.25]),
    "pairs uint16": np.array([3, 65535, 7], dtype=np.uint16),
    "cabinet rows 2-D": np.ascontiguousarray(np.arange(12, dtype=np.uint16).reshape(4, 3)),
    "a column view": np.arange(12, dtype=np.float32).reshape(4, 3)[:, 1],
    "int32": np.array([-5, 0, 70000], dtype=np.int32),
}


@pytest.mark.parametrize("values", CASES.values(), ids=CASES.keys())
def test_typed_array_is_plotlys_spec(values: np.ndarray) -> None:
    mine = typed_array(values)
    assert isinstance(mine, dict) and mine["bdata"]
    assert mine == to_typed_array_spec(values)


def test_what_plotly_converts_goes_through_plotly() -> None:
    wide = np.array([1, 2, 300], dtype=np.int64)  # plotly narrows int64 itself
    assert typed_array(wide) == to_typed_array_spec(wide) == {"dtype": "i2", "bdata": "AQACACwB"}
    empty = typed_array(np.empty(0, dtype=np.float32))
    assert isinstance(empty, np.ndarray) and empty.size == 0


def test_local_times_of_a_few_lamps_read_as_those_of_many() -> None:
    from dashboard.figures.maphover import local_times
    from dashboard.figures.maplayers import CITY_TZ

    # Across a local midnight and a minute boundary: 16:59:59 and 17:00:00 UTC.
    few = pd.Series([1_748_969_999, 1_748_970_000, 1_700_000_000], dtype="int64")
    many = pd.concat([few] * 400, ignore_index=True)  # past the quick path's size
    assert list(local_times(few, CITY_TZ)) == ["23:59", "00:00", "05:13"]
    assert list(local_times(few, CITY_TZ)) == list(local_times(many, CITY_TZ)[:3])
    assert list(local_times(few, CITY_TZ, "%H:%M %d/%m")) == list(
        local_times(many, CITY_TZ, "%H:%M %d/%m")[:3]
    )
