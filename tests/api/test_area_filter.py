"""The API filters by ward and zone the way the drill pages do: `ward=` and `zone=` (several of
either, `zone=outside` for what lies in no zone) select exactly the assets and reports the
pages' filter selects, on /api/v1/assets, /latest and /reports (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient

from dashboard.queries._areas import assets_frame
from dashboard.queries.filters import OUTSIDE, FilterSpec, parse_search
from dashboard.records import DOMAINS, Reading
from layouts._reports.common import ids
from tests.api.seed import ASSETS, NOW, REPORTS, WARD_A, WARD_B, Seed
from tests.pages.test_reports_page import _list

AN_HOA, VINH_QUANG = "An Hòa", "Vĩnh Quang"
PLACED = (
    (AN_HOA, WARD_A, "light-00101", 2001),
    (AN_HOA, WARD_B, "light-00102", 2002),
    (VINH_QUANG, WARD_A, "light-00103", 2003),
)
VIEWS = (
    [("zone", AN_HOA)],
    [("zone", OUTSIDE)],
    [("zone", AN_HOA), ("zone", VINH_QUANG)],
    [("zone", AN_HOA), ("zone", OUTSIDE)],
    [("zone", AN_HOA), ("ward", WARD_A)],
    [("ward", WARD_A), ("ward", WARD_B), ("zone", VINH_QUANG)],
)


@pytest.fixture
def placed(seeded: Seed) -> Seed:
    """The seed (in no zone) and, in zones, three lamps with a reading and three reports."""
    lamp = ASSETS[1]
    assets = [
        replace(lamp, id=asset_id, name=f"Đèn {n}", ward=ward, zone=zone)
        for zone, ward, asset_id, n in PLACED
    ]
    reports = [
        replace(REPORTS[0], external_id=f"RG-2025-0{n}", ward=ward, zone=zone)
        for zone, ward, _, n in PLACED
    ]
    readings = [Reading(a.id, "lamp_on", NOW, 1.0) for a in assets]
    seeded.store.ingest("sim", assets=assets, readings=readings, reports=reports, now=NOW)
    return seeded


def api(client: FlaskClient, path: str, view: list[tuple[str, str]]) -> Any:
    r = client.get(f"/api/v1/{path}?{urlencode(view)}")
    assert r.status_code == 200, r.data[:300]
    return r.get_json()


def drill_assets(seed: Seed, view: list[tuple[str, str]]) -> list[str]:
    """The assets a drill page's filter selects for the view, every domain (the names are
    the area files'; the pages' spec lists them all)."""
    spec = FilterSpec((WARD_A, WARD_B), (AN_HOA, VINH_QUANG))
    parsed = parse_search(urlencode(view), spec, now=NOW, tz=seed.config.city.tz)
    assert not parsed.problems
    with seed.store.read_session() as session:
        found = [assets_frame(session, d, parsed.filter.areas)["id"] for d in DOMAINS]
    return sorted(i for ids_ in found for i in ids_)


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: urlencode(v))
def test_ward_and_zone_select_what_the_drill_pages_select(
    client: FlaskClient, placed: Seed, view: list[tuple[str, str]]
) -> None:
    expected = drill_assets(placed, view)
    assets = api(client, "assets", view)["features"]
    assert sorted(f["id"] for f in assets) == expected
    everywhere = api(client, "latest", [])["items"]
    latest = api(client, "latest", view)["items"]
    assert latest == [i for i in everywhere if i["asset_id"] in expected]
    desk = _list(client, "range=7d&" + urlencode(view))[ids.table]["data"]
    reports = api(client, "reports", view)["items"]
    assert sorted(r["external_id"] for r in reports) == sorted(r["external_id"] for r in desk)
    assert reports or expected  # every view selects something
