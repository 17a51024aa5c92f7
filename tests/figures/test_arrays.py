"""Typed arrays and wall-clock milliseconds for plotly.js."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from dashboard.figures.arrays import local_ms, typed_array


def test_typed_arrays_carry_the_raw_bytes() -> None:
    spec = typed_array(np.array([1.5, -2.0, np.nan]))
    assert spec["dtype"] == "f8"
    back = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8")
    np.testing.assert_array_equal(back, [1.5, -2.0, np.nan])


@pytest.mark.parametrize(
    ("zone", "when"),
    [
        ("Asia/Ho_Chi_Minh", [datetime(2026, 11, 25, 17, 0, tzinfo=UTC)]),
        # a span across a clock change: each point keeps its own offset
        ("Europe/Paris", [datetime(2026, 3, 29, h, 30, tzinfo=UTC) for h in range(0, 4)]),
    ],
)
def test_local_ms_is_the_wall_clock_of_the_zone(zone: str, when: list[datetime]) -> None:
    tz = ZoneInfo(zone)
    seconds = np.array([int(w.timestamp()) for w in when])
    got = local_ms(seconds, tz)
    want = [w.astimezone(tz).replace(tzinfo=UTC).timestamp() * 1000 for w in when]
    np.testing.assert_array_equal(got, want)
    assert local_ms(np.array([], dtype=np.int64), tz).size == 0
