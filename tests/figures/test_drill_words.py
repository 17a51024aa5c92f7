"""What the drill-down charts say on their axes: every axis title reaches plotly.js in the form
it draws (plotly.js 3+ ignores a plain-string title), and the asset history names its unit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from dashboard.figures.drillcharts import area_bars, chart_layout, history_figure
from dashboard.figures.drillenv import exceedance_bars
from dashboard.queries.history import History, Samples

START = datetime(2025, 11, 20, tzinfo=UTC)


def _samples(n: int) -> Samples:
    ts = int(START.timestamp()) + 3600 * np.arange(n, dtype=np.int64)
    values = np.linspace(20.0, 40.0, n)
    return Samples(ts, values, values, values, np.ones(n))


def _history(metric: str, unit: str) -> History:
    return History("a", metric, unit, "1h", START, START, _samples(24), _samples(0))


def test_the_asset_history_y_axis_names_the_metric_and_its_unit() -> None:
    fig = history_figure(
        _history("speed_kmh", "km/h"),
        lang="vi",
        tz=ZoneInfo("Asia/Ho_Chi_Minh"),
        title="",
        metric_label="Tốc độ trung bình",
    )
    assert fig["layout"]["yaxis"]["title"] == {"text": "Tốc độ trung bình (km/h)"}


def test_an_on_off_history_says_what_its_values_mean() -> None:
    fig = history_figure(
        _history("lamp_on", "bool"), lang="en", tz=UTC, title="", metric_label="Lamp on"
    )
    assert fig["layout"]["yaxis"]["title"] == {"text": "Lamp on (1 = yes, 0 = no)"}


def test_every_axis_title_is_drawn_by_plotly_js() -> None:
    bars = area_bars(["A", "B"], [3, 1], level="zone", title="", value_label="Giờ", lang="vi")
    assert bars["layout"]["xaxis"]["title"] == {"text": "Giờ"}
    layout = chart_layout(lang="en", yaxis={"title": "VN_AQI", "range": [0, 300]})
    assert layout["yaxis"]["title"] == {"text": "VN_AQI"}
    assert layout["yaxis"]["range"] == [0, 300]


def test_exceedance_per_pollutant_is_counted_in_station_hours() -> None:
    """Three stations over a day can hold 72 hours above the line: station-hours."""
    exceed = pd.DataFrame({"pollutant": ["pm25", "o3_1h"], "exceed_h": [32, 0]})
    for lang, word in (("vi", "Giờ-trạm"), ("en", "station-hours")):
        fig = exceedance_bars(exceed, {"pm25": "PM2.5"}, lang=lang)
        assert word in fig["layout"]["yaxis"]["title"]["text"]
