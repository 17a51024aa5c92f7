"""VN_AQI against the worked examples of Quyết định 1459/QĐ-TCMT (shared fixtures NOTES §4.2)."""

import itertools

import pytest

from dashboard.aqi import BANDS, band_of, hourly_aqi, nowcast, sub_index

# PM2.5 hourly means 09:00 … 20:00 from the decision; Nowcast takes them newest first.
PM25_0900_TO_2000 = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6]


def test_nowcast_of_the_worked_example_is_20_3() -> None:
    assert round(nowcast(list(reversed(PM25_0900_TO_2000))), 1) == 20.3  # type: ignore[arg-type]


def test_nowcast_needs_two_of_the_three_newest_hours() -> None:
    assert nowcast([None, None, 30.0, 30.0]) is None
    assert nowcast([30.0, None, 30.0]) == pytest.approx(30.0)


def test_nowcast_weighs_down_old_hours_when_air_changes_fast() -> None:
    # a sharp rise: w* = 10/100 <= 1/2 so w = 1/2, the newest hour dominates
    value = nowcast([100.0, 10.0, 10.0])
    assert value == pytest.approx((100 + 0.5 * 10 + 0.25 * 10) / 1.75)


@pytest.mark.parametrize(
    ("pollutant", "concentration", "expected"),
    [
        ("o3_1h", 136.1, 43),  # hourly example
        ("pm25", 20.3, 41),  # hourly example (Nowcast)
        ("o3_8h", 89.3, 45),  # daily example
        ("o3_1h", 114.6, 36),  # daily example
        ("no2", 130.8, 65),  # daily example
        ("pm25", 55.7, 110),  # daily example
        # the decision prints 60 for NO₂ 118.7; the formula gives 59.35 -> 59 (see module doc)
        ("no2", 118.7, 59),
        ("pm25", 0, 0),
        ("pm25", 25, 50),
        ("pm25", 600, 500),  # above the table: capped
        ("co", 10_000, 50),
    ],
)
def test_sub_indices_of_the_worked_examples(
    pollutant: str, concentration: float, expected: int
) -> None:
    assert sub_index(pollutant, concentration) == expected


def test_hourly_aqi_is_the_highest_sub_index_with_its_pollutant() -> None:
    result = hourly_aqi({"o3_1h": 136.1, "no2": 118.7, "pm25": 20.3})
    assert result is not None
    assert (result.aqi, result.dominant) == (59, "no2")
    assert result.sub_indices == {"o3_1h": 43, "no2": 59, "pm25": 41}


def test_daily_example_is_110_dominated_by_pm25() -> None:
    result = hourly_aqi({"o3_8h": 89.3, "o3_1h": 114.6, "no2": 130.8, "pm25": 55.7})
    assert result is not None and (result.aqi, result.dominant) == (110, "pm25")


def test_no_index_without_particulate_matter() -> None:
    assert hourly_aqi({"no2": 50.0, "o3_1h": 80.0}) is None


@pytest.mark.parametrize(
    ("aqi", "key", "colour"),
    [
        (0, "good", "#00e400"),
        (50, "good", "#00e400"),
        (51, "moderate", "#ffff00"),
        (110, "poor", "#ff7e00"),
        (151, "bad", "#ff0000"),
        (300, "very_bad", "#8f3f97"),
        (301, "hazardous", "#7e0023"),
        (500, "hazardous", "#7e0023"),
    ],
)
def test_bands_and_colours_of_table_1(aqi: int, key: str, colour: str) -> None:
    band = band_of(aqi)
    assert band is not None and (band.key, band.colour) == (key, colour)


def test_bands_cover_0_to_500_without_gaps() -> None:
    assert BANDS[0].low == 0 and BANDS[-1].high == 500
    assert all(a.high + 1 == b.low for a, b in itertools.pairwise(BANDS))
    assert band_of(None) is None
