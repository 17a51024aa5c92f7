"""A new feed's first hour on /environment's time charts: points with markers on an axis of
hours, never one invisible point on an axis a millisecond wide."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd

from dashboard.figures.drillenv import water_levels

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
GAUGES = pd.DataFrame({"id": ["g1", "g2"], "flood_stage_cm": [175.0, 185.0]})


def _water(hours: int) -> pd.DataFrame:
    ts = pd.date_range("2025-11-12T11:00Z", periods=hours, freq="h")
    return pd.DataFrame(
        {"asset_id": [g for g in ("g1", "g2") for _ in ts], "ts": list(ts) * 2,
         "level_cm": [150.0 + i for i in range(2 * hours)]}
    )  # fmt: skip


def test_one_hour_is_drawn_as_markers_on_the_hours_either_side() -> None:
    figure = water_levels(_water(1), GAUGES, {}, "g1", lang="en", tz=TZ)
    assert [tr["mode"] for tr in figure["data"]] == ["lines+markers"] * 2
    assert figure["layout"]["xaxis"]["range"] == ["2025-11-12 17:00:00", "2025-11-12 19:00:00"]


def test_more_hours_are_lines_on_plotlys_own_axis() -> None:
    figure = water_levels(_water(3), GAUGES, {}, "g1", lang="en", tz=TZ)
    assert [tr["mode"] for tr in figure["data"]] == ["lines"] * 2
    assert "range" not in figure["layout"]["xaxis"]
