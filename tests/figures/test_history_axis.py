"""The asset history's x: a start and a step when the points are evenly spaced on the wall
clock, the times themselves otherwise (gaps, a clock change), and the same instants either way."""

from __future__ import annotations

import base64
from zoneinfo import ZoneInfo

import numpy as np

from dashboard.figures.arrays import local_ms
from dashboard.figures.drillcharts import x_axis

HOUR = 3600
START = 1_790_000_000 // HOUR * HOUR


def _times(axis: dict[str, object], n: int) -> np.ndarray:
    if "x0" in axis:
        return float(axis["x0"]) + float(axis["dx"]) * np.arange(n)  # type: ignore[arg-type]
    spec = axis["x"]
    assert isinstance(spec, dict) and spec["dtype"] == "f8"
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8")


def test_evenly_spaced_points_are_a_start_and_a_step() -> None:
    ms = local_ms(np.arange(START, START + 48 * HOUR, HOUR), ZoneInfo("Asia/Ho_Chi_Minh"))
    axis = x_axis(ms)
    assert axis == {"x0": float(ms[0]), "dx": 3_600_000.0}
    np.testing.assert_array_equal(_times(axis, len(ms)), ms)


def test_a_gap_keeps_the_times() -> None:
    ts = np.delete(np.arange(START, START + 48 * HOUR, HOUR), [10, 11])
    ms = local_ms(ts, ZoneInfo("Asia/Ho_Chi_Minh"))
    axis = x_axis(ms)
    assert set(axis) == {"x"}
    np.testing.assert_array_equal(_times(axis, len(ms)), ms)


def test_a_clock_change_keeps_the_times() -> None:
    # 26 October 2025, 01:00 UTC: Berlin's clocks go back an hour
    ts = np.arange(1_761_436_800 - 12 * HOUR, 1_761_436_800 + 12 * HOUR, HOUR)
    ms = local_ms(ts, ZoneInfo("Europe/Berlin"))
    axis = x_axis(ms)
    assert set(axis) == {"x"}
    np.testing.assert_array_equal(_times(axis, len(ms)), ms)


def test_too_few_points_keep_the_times() -> None:
    ms = np.array([1.0e12, 1.0e12 + 3.6e6])
    assert set(x_axis(ms)) == {"x"}
    assert set(x_axis(np.empty(0))) == {"x"}
