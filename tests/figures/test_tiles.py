"""KPI tile presentation: numbers in each language's style, deltas with arrows, level colours."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dashboard.figures.theme import PALETTE
from dashboard.figures.tiles import TileView, format_delta, format_number, tile_view
from dashboard.i18n import t


@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    unit: str
    previous: float | None
    level: str
    detail: str | None = None


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (1234.5, "vi", 1, "1.234,5"),
        (1234.5, "en", 1, "1,234.5"),
        (1234567, "vi", 0, "1.234.567"),
        (1234567, "en", 0, "1,234,567"),
        (0.04, "vi", 1, "0,0"),
        (-0.04, "en", 1, "0.0"),  # never "-0.0"
        (-12.5, "vi", 1, "-12,5"),
        (None, "en", 0, "—"),
        (float("nan"), "vi", 2, "—"),
    ],
)
def test_numbers_follow_the_language(
    value: float | None, lang: str, decimals: int, expected: str
) -> None:
    assert format_number(value, lang, decimals) == expected


@pytest.mark.parametrize(
    ("value", "previous", "unit", "lang", "expected"),
    [
        (112, 100, "segments", "en", ("▲ 12%", "up")),
        (97, 100, "reports", "vi", ("▼ 3%", "down")),
        (31.0, 34.0, "km/h", "en", ("▼ 3.0 km/h", "down")),
        (31.0, 34.0, "km/h", "vi", ("▼ 3,0 km/h", "down")),
        (160, 120, "VN_AQI", "en", ("▲ 40 VN_AQI", "up")),
        (5, 0, "alerts", "en", ("▲ 5 alerts", "up")),  # no percentage of zero
        (5, 0, "alerts", "vi", ("▲ 5 cảnh báo", "up")),
        (100, 100, "lamps", "en", ("= 0%", "flat")),
        (2345.6, 1000.0, "kWh", "vi", ("▲ 135%", "up")),
        (10, None, "cm", "en", ("", "none")),
        (None, 10, "cm", "en", ("", "none")),
    ],
)
def test_delta_against_last_week(
    value: float | None, previous: float | None, unit: str, lang: str, expected: tuple[str, str]
) -> None:
    assert format_delta(value, previous, unit, lang) == expected


def test_tile_of_a_worse_congestion_is_red_and_says_by_how_much() -> None:
    kpi = Kpi("traffic.congested", 14, "segments", 10, "bad")
    assert tile_view(kpi, "vi") == TileView(
        key="traffic.congested",
        label="Đoạn ùn tắc",
        value="14",
        unit="đoạn",
        delta="▲ 40%",
        direction="up",
        delta_colour=PALETTE["bad"],
        colour=PALETTE["bad"],
        level="bad",
        detail="",
        stale=False,
    )


def test_faster_traffic_is_good_news_in_green() -> None:
    view = tile_view(Kpi("traffic.avg_speed", 1234.5, "km/h", 1230.0, "ok"), "en")
    assert (view.value, view.unit, view.delta, view.delta_colour, view.colour) == (
        "1,234.5",
        "km/h",
        "▲ 4.5 km/h",
        PALETTE["ok"],
        PALETTE["ok"],
    )


def test_stale_tile_keeps_its_number_but_loses_its_colour() -> None:
    kpi = Kpi("air.worst_aqi", 160, "VN_AQI", 120, "bad", detail="Trạm Vĩnh Thanh")
    view = tile_view(kpi, "en", stale=True)
    assert (view.value, view.detail, view.stale, view.level) == (
        "160",
        "Trạm Vĩnh Thanh",
        True,
        "stale",
    )
    assert (view.colour, view.delta_colour) == (PALETTE["dim"], PALETTE["muted"])


def test_unknown_value_shows_a_dash_and_no_delta() -> None:
    view = tile_view(Kpi("water.highest", None, "cm", 80, "none"), "vi")
    assert (view.value, view.delta, view.direction, view.colour) == (
        "—",
        "",
        "none",
        PALETTE["muted"],
    )


def test_energy_without_a_good_direction_is_muted() -> None:
    view = tile_view(Kpi("lighting.energy_today", 2345.6, "kWh", 2000, "ok"), "vi")
    assert (view.value, view.delta, view.delta_colour) == ("2.345,6", "▲ 17%", PALETTE["muted"])


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "no data a week ago"), ("vi", "chưa có dữ liệu tuần trước")]
)
def test_a_tile_without_a_week_ago_says_so_never_a_number(lang: str, said: str) -> None:
    view = tile_view(Kpi("alerts.active", 43.0, "alerts", None, "bad"), lang)
    assert (view.delta, view.direction) == (said, "none")
    assert tile_view(Kpi("alerts.active", None, "alerts", None, "none"), lang).delta == ""


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_speed_tile_and_the_speed_trend_say_which_average_they_are(lang: str) -> None:
    # The tile is the network's speed now, the trend card the hour's mean: two quantities,
    # so two names (32,0 km/h beside 28,7 km/h under one name read as a contradiction).
    tile = tile_view(Kpi("traffic.avg_speed", 32.0, "km/h", None, "ok"), lang).label
    trend = t("trend.traffic.avg_speed", lang)
    assert tile != trend
    assert ("now" in tile) if lang == "en" else ("hiện tại" in tile)
    assert ("Hourly" in trend) if lang == "en" else ("theo giờ" in trend)
