"""The drill-down filter: URL parameters in, a typed filter with an aware UTC window out, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dashboard.queries.filters import (
    DrillFilter,
    FilterSpec,
    parse_filter,
    parse_search,
    to_query,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 6, 9, 11, 27, 30, tzinfo=UTC)  # 18:27:30 local
WARDS = ("Phường Rạch Giá", "Phường Vĩnh Thông")
ZONES = ("Vĩnh Quang", "Vĩnh Thanh", "Vĩnh Thanh Vân")
SPEC = FilterSpec(WARDS, ZONES, {"metric": ("speed_kmh", "volume_vph")})


def parse(params: dict[str, object]) -> tuple[DrillFilter, list[tuple[str, str, str]]]:
    parsed = parse_filter(params, SPEC, now=NOW, tz=TZ)
    return parsed.filter, [(p.param, p.value, p.code) for p in parsed.problems]


def test_no_parameters_is_the_last_24_hours_of_the_whole_city() -> None:
    f, problems = parse({})
    assert (f.wards, f.zones, f.range_key) == ((), (), "24h")
    assert f.end == NOW and f.start == NOW - timedelta(hours=24)
    assert f.extra("metric") == "speed_kmh" and f.asset is None
    assert problems == []
    assert to_query(f, SPEC.extras) == ""


@pytest.mark.parametrize(("key", "days"), [("24h", 1), ("7d", 7), ("30d", 30), ("90d", 90)])
def test_relative_ranges_end_now(key: str, days: int) -> None:
    f, _ = parse({"range": key})
    assert f.range_key == key
    assert (f.start, f.end) == (NOW - timedelta(days=days), NOW)


def test_custom_days_are_whole_local_days_in_utc() -> None:
    f, problems = parse({"from": "2025-06-01", "to": "2025-06-03"})
    assert problems == []
    assert f.range_key == "custom" and (f.day_from, f.day_to) == (
        date(2025, 6, 1),
        date(2025, 6, 3),
    )
    # Local midnight of 1 June is 17:00 UTC on 31 May; the window ends at local midnight of 4 June.
    assert f.start == datetime(2025, 5, 31, 17, tzinfo=UTC)
    assert f.end == datetime(2025, 6, 3, 17, tzinfo=UTC)
    assert f.start.tzinfo is not None and f.end.utcoffset() == timedelta(0)


def test_several_wards_and_zones_keep_the_area_files_order() -> None:
    f, problems = parse(
        {"ward": [WARDS[1], WARDS[0], WARDS[1]], "zone": ["Vĩnh Thanh Vân", "Vĩnh Quang"]}
    )
    assert problems == []
    assert f.wards == WARDS
    assert f.zones == ("Vĩnh Quang", "Vĩnh Thanh Vân")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"ward": "Phường Atlantis"}, [("ward", "Phường Atlantis", "unknown_ward")]),
        ({"zone": "Nowhere"}, [("zone", "Nowhere", "unknown_zone")]),
        ({"range": "1y"}, [("range", "1y", "bad_range")]),
        ({"from": "2025-13-01", "to": "2025-06-03"}, [("from", "2025-13-01", "bad_date")]),
        ({"from": "yesterday", "to": "2025-06-03"}, [("from", "yesterday", "bad_date")]),
        ({"from": "2025-06-03"}, [("from", "2025-06-03", "incomplete_dates")]),
        ({"from": "2025-06-03", "to": "2025-06-01"}, [("to", "2025-06-01", "reversed_dates")]),
        ({"from": "2023-01-01", "to": "2025-06-01"}, [("to", "2025-06-01", "too_long")]),
        ({"metric": "DROP TABLE"}, [("metric", "DROP TABLE", "unknown_value")]),
    ],
)
def test_a_bad_value_is_named_and_dropped_never_raised(
    params: dict[str, object], expected: list[tuple[str, str, str]]
) -> None:
    f, problems = parse(params)
    assert problems == expected
    # What could not be used falls back to the default view, which is still a valid window.
    assert f.end > f.start and f.extra("metric") == "speed_kmh"


def test_a_bad_ward_keeps_the_good_ones() -> None:
    f, problems = parse({"ward": ["Phường Atlantis", WARDS[0]]})
    assert f.wards == (WARDS[0],)
    assert [p[2] for p in problems] == ["unknown_ward"]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_filter({}, SPEC, now=NOW.replace(tzinfo=None), tz=TZ)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ward": list(WARDS), "range": "7d"},
        {"zone": "Vĩnh Thanh Vân", "range": "90d", "metric": "volume_vph"},
        {"from": "2025-05-01", "to": "2025-05-31", "ward": WARDS[1]},
        {"asset": "sim-road-0007", "series": "volume_vph", "range": "30d"},
    ],
)
def test_round_trip_through_the_query_string(params: dict[str, object]) -> None:
    f, problems = parse(params)
    assert problems == []
    query = to_query(f, SPEC.extras)
    again = parse_search("?" + query, SPEC, now=NOW, tz=TZ)
    assert again.problems == () and again.filter == f
    assert to_query(again.filter, SPEC.extras) == query


def test_query_string_is_utf8_percent_encoded_and_canonical() -> None:
    f, _ = parse({"ward": [WARDS[1], WARDS[0]], "metric": "speed_kmh", "range": "24h"})
    query = to_query(f, SPEC.extras)
    # Defaults (24 h, the first metric) are left out: one view, one link.
    assert (
        query
        == "ward=Ph%C6%B0%E1%BB%9Dng+R%E1%BA%A1ch+Gi%C3%A1&ward=Ph%C6%B0%E1%BB%9Dng+V%C4%A9nh+Th%C3%B4ng"
    )
