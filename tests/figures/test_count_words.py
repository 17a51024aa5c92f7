"""Counts read as counts: whole numbers, and in English the singular for one ("1 segment",
"▲ 1 report"), the plural otherwise; Vietnamese nouns do not change."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dashboard.figures.tiles import format_delta, format_quantity, tile_view


@dataclass(frozen=True)
class Kpi:
    key: str
    value: float | None
    unit: str
    previous: float | None
    level: str = "ok"
    detail: str | None = None


@pytest.mark.parametrize(
    ("value", "lang", "unit"),
    [(1.0, "en", "segment"), (2.0, "en", "segments"), (0.0, "en", "segments"), (1.0, "vi", "đoạn")],
)
def test_a_count_tile_names_its_unit_in_the_right_number(
    value: float, lang: str, unit: str
) -> None:
    view = tile_view(Kpi("traffic.congested", value, "segments", None), lang)
    assert (view.value, view.unit) == (str(int(value)), unit)


def test_a_change_of_one_is_singular() -> None:
    assert format_delta(1.0, 0.0, "reports", "en") == ("▲ 1 report", "up")
    assert format_delta(3.0, 0.0, "lamps", "en") == ("▲ 3 lights", "up")


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (24.0, "lamps", "vi", "24 đèn"),
        (24.0, "lamps", "en", "24 lights"),
        (1.0, "alerts", "en", "1 alert"),
        (32.43, "km/h", "vi", "32,4 km/h"),
        (1234.0, "reports", "en", "1,234 reports"),
        (None, "segments", "en", "—"),
    ],
)
def test_a_quantity_is_written_with_its_unit(
    value: float | None, unit: str, lang: str, expected: str
) -> None:
    assert format_quantity(value, unit, lang) == expected
