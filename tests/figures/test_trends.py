"""The trend strip: one panel per series in a fixed order, local times, the latest value large."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.figures.trends import SERIES, trend_strip

NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)  # 19:00 in Rạch Giá


def _frame() -> pd.DataFrame:
    hours = [NOW - timedelta(hours=h) for h in range(23, -1, -1)]
    rows = [
        {"series": "traffic.avg_speed", "ts": ts, "value": 30.0 + i} for i, ts in enumerate(hours)
    ]
    rows += [{"series": "air.pm25", "ts": ts, "value": 1234.56} for ts in hours[-3:]]
    rows += [{"series": "noise.db", "ts": hours[-1], "value": 60.0}]
    return pd.DataFrame(rows).sample(frac=1, random_state=1)  # order must not matter


def _annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_one_panel_per_series_known_ones_first() -> None:
    fig = trend_strip(_frame(), "en")
    assert [tr.name for tr in fig.data] == [
        "Hourly average speed",
        "Lighting power",
        "PM2.5",
        "Highest water",
        "New reports per hour",
        "noise.db",
    ]
    assert [tr.xaxis for tr in fig.data] == ["x", "x2", "x3", "x4", "x5", "x6"]
    assert len(SERIES) == 5


def test_times_are_local_and_in_order() -> None:
    speed = trend_strip(_frame(), "vi").data[0]
    x = pd.to_datetime(speed.x)
    assert x[0] == pd.Timestamp("2025-11-19 20:00") and x[-1] == pd.Timestamp("2025-11-20 19:00")
    assert list(speed.y) == [30.0 + i for i in range(24)]


@pytest.mark.parametrize(
    ("lang", "latest", "separators"),
    [("vi", "<b>1.234,6</b> µg/m³", ",."), ("en", "<b>1,234.6</b> µg/m³", ".,")],
)
def test_latest_value_in_the_readers_number_style(lang: str, latest: str, separators: str) -> None:
    fig = trend_strip(_frame(), lang)
    assert latest in _annotations(fig)
    assert fig.layout.separators == separators


def test_missing_series_says_so_and_draws_no_axes() -> None:
    fig = trend_strip(_frame(), "vi")
    texts = _annotations(fig)
    assert texts.count("Chưa có dữ liệu") == 3  # power, water, reports
    assert fig.layout.xaxis2.visible is False and fig.layout.xaxis.visible is not False


def test_empty_frame_still_gives_every_panel() -> None:
    empty = pd.DataFrame({"series": [], "ts": [], "value": []})
    fig = trend_strip(empty, "en")
    assert len(fig.data) == 5
    assert _annotations(fig).count("No data yet") == 5


def test_stale_domain_is_grey_and_titled_stale() -> None:
    fig = trend_strip(_frame(), "en", stale=("traffic",))
    assert fig.data[0].line.color == "#6b7482"
    assert "<b>Hourly average speed · stale</b>" in _annotations(fig)
    assert fig.data[2].line.color != "#6b7482"


def test_big_type_for_a_wall() -> None:
    fig = trend_strip(_frame(), "en")
    sizes = sorted({a.font.size for a in fig.layout.annotations})
    assert sizes[-1] >= 28 and sizes[0] >= 18
    assert fig.layout.xaxis.tickfont.size >= 15
