"""Outside the zones is a place too: a city's zones need not cover every ward, and what lies
outside all of them can be chosen (`zone=outside`) like any zone, alone or with others, on the
simulated city on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dashboard.queries.filters import OUTSIDE, FilterSpec, parse_filter, to_query
from dashboard.queries.traffic import traffic_view
from tests.queries.city import CONGESTED_BELOW, LOCAL, City
from tests.queries.test_drill_domains import view_filter, zone_of

SPEC = FilterSpec(("Phường Rạch Giá",), ("Vĩnh Quang", "Vĩnh Thanh"))


def test_outside_is_a_zone_value_of_its_own_and_keeps_its_link() -> None:
    now = datetime(2025, 6, 9, tzinfo=UTC)
    parsed = parse_filter({"zone": [OUTSIDE, "Vĩnh Quang"]}, SPEC, now=now, tz=ZoneInfo("UTC"))
    assert parsed.problems == ()
    assert parsed.filter.zones == ("Vĩnh Quang", OUTSIDE)
    assert to_query(parsed.filter) == f"zone=V%C4%A9nh+Quang&zone={OUTSIDE}"
    # A city without zones has no outside of them either.
    bare = parse_filter({"zone": OUTSIDE}, FilterSpec(("Phường Rạch Giá",)), now=now, tz=UTC)
    assert [p.code for p in bare.problems] == ["unknown_zone"]


def test_traffic_outside_the_zones_is_the_segments_no_zone_holds(city: City) -> None:
    zones = zone_of(city)
    outside = {a for a, z in zones.items() if z is None and a.startswith("sim:road")}
    assert outside  # the demo's zones leave part of the city out
    with city.store.read_session() as session:
        alone = traffic_view(
            session, view_filter(city, zone=OUTSIDE, range="7d"),
            congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone",
        )  # fmt: skip
        both = traffic_view(
            session, view_filter(city, zone=[OUTSIDE, "Vĩnh Thanh Vân"], range="7d"),
            congested_below=CONGESTED_BELOW, tz=LOCAL, level="zone",
        )  # fmt: skip
    assert set(alone.segments["id"]) == outside
    inside = {a for a, z in zones.items() if z == "Vĩnh Thanh Vân" and a.startswith("sim:road")}
    assert set(both.segments["id"]) == outside | inside
