"""What the pages call things, through the callbacks the browser calls (both databases):
report categories by their names, counts as whole numbers in the right number, units and
definitions beside the numbers, and the places (zones, assets) a view names."""

from __future__ import annotations

import importlib
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from plotly.utils import PlotlyJSONEncoder

from dashboard.queries.filters import OUTSIDE
from layouts._reports.common import DRILL
from layouts._reports.common import ids as desk_ids
from tests.pages.conftest import post_callback
from tests.pages.test_drill_pages import fire


def _desk(client: FlaskClient, view: str) -> dict[str, Any]:
    """The desk list's answer for `view`: its rows and its count text (English)."""
    keys = [d["output"] for d in client.get("/_dash-dependencies").get_json()]
    key = next(k for k in keys if k.lstrip(".").startswith("reports-desk-table.data"))
    r = post_callback(
        client,
        key,
        [
            {"id": DRILL.state, "property": "data", "value": view},
            {"id": desk_ids.search, "property": "value", "value": None},
            {"id": desk_ids.table, "property": "page_current", "value": 0},
            {"id": desk_ids.table, "property": "sort_by", "value": []},
            {"id": desk_ids.acted, "property": "data", "value": None},
        ],
        [{"id": desk_ids.lang, "property": "data", "value": "en"}],
        f"{DRILL.state}.data",
    )
    out = r.get_json()["response"]
    return {"rows": out[desk_ids.table]["data"], "count": out[desk_ids.count]["children"]}


def test_the_desk_counts_one_report_in_the_singular(client: FlaskClient) -> None:
    assert _desk(client, "range=7d&status=closed")["count"] == "1 report"
    assert _desk(client, "range=7d")["count"] == "3 reports"


def _layout(app: dash.Dash, page: str, lang: str) -> str:
    module = importlib.import_module(f"layouts.{page}")
    with app.server.test_request_context(f"/{page}?lang={lang}"):
        return json.dumps(
            json.loads(json.dumps(module.layout(lang=lang), cls=PlotlyJSONEncoder)),
            ensure_ascii=False,
        )


@pytest.mark.parametrize(("lang", "word"), [("vi", "giờ-trạm"), ("en", "station-hours")])
def test_exceedance_summed_over_stations_is_counted_in_station_hours(
    app: dash.Dash, client: FlaskClient, lang: str, word: str
) -> None:
    """A day of three stations can hold 72 hours above the line: the chart and the map say
    station-hours, and the page says what one is."""
    intro = _layout(app, "environment", lang)
    assert word in intro.lower() and "72" in intro
    out = fire(
        client,
        "..environment-map.figure",
        {"environment-filter.data": "", "environment-url.search": f"?lang={lang}"},
        "environment-filter.data",
    )
    areas = out["environment-map"]["figure"]  # areas shaded by their stations' hours
    assert word in json.dumps(areas, ensure_ascii=False).lower()


@pytest.mark.parametrize(
    ("lang", "words"),
    [("vi", ("Giờ-đèn hỏng:", "Số lần hỏng:")), ("en", ("Lamp-hours faulty:", "Faults:"))],
)
def test_the_cabinet_table_defines_fault_hours_and_faults(
    app: dash.Dash, lang: str, words: tuple[str, str]
) -> None:
    """ "50.8 fault hours, 0 faults" is read right when the page says what each counts."""
    page = _layout(app, "lighting", lang)
    for word in words:
        assert f'"children": "{word}' in page, word


@pytest.mark.parametrize(
    ("lang", "outside"), [("vi", "Ngoài các khu"), ("en", "Outside the zones")]
)
def test_a_thing_in_no_zone_says_so_and_can_be_chosen(
    app: dash.Dash, client: FlaskClient, lang: str, outside: str
) -> None:
    """The seed's assets and reports lie in a ward but in none of the zones."""
    page = _layout(app, "traffic", lang)
    assert json.dumps({"label": outside, "value": OUTSIDE}, ensure_ascii=False) in page
    out = fire(
        client,
        "..traffic-url.search",
        {"traffic-url.search": f"?zone={OUTSIDE}&lang={lang}"},
        "traffic-url.search",
    )
    assert out["traffic-zone"]["value"] == [OUTSIDE] and out["traffic-problems"]["children"] == []
    view = {"traffic-filter.data": f"zone={OUTSIDE}", "traffic-url.search": f"?lang={lang}"}
    rows = fire(client, "..traffic-map.figure", view, "traffic-filter.data")["traffic-segments"]
    assert [(r["id"], r["zone"]) for r in rows["data"]] == [("traffic-seg-0001", outside)]
    detail = fire(
        client,
        "..traffic-detail.className",
        {"traffic-filter.data": "asset=traffic-seg-0001", "traffic-url.search": f"?lang={lang}"},
        "traffic-filter.data",
    )
    assert outside in _texts(detail["traffic-detail-attrs"]["children"])


def test_the_desk_lists_the_reports_outside_the_zones(client: FlaskClient) -> None:
    outside = _desk(client, f"range=7d&zone={OUTSIDE}")
    assert outside["count"] == "3 reports"
    assert {r["zone"] for r in outside["rows"]} == {"Outside the zones"}  # never a blank
    assert _desk(client, "range=7d&zone=V%C4%A9nh+Quang")["count"] == "0 reports"


def _texts(tree: Any) -> str:
    return json.dumps(tree, ensure_ascii=False)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_unknown_asset_is_named_beside_the_filters_and_ignored(
    client: FlaskClient, lang: str
) -> None:
    out = fire(
        client,
        "..traffic-detail.className",
        {"traffic-filter.data": "asset=sim:road-9999", "traffic-url.search": f"?lang={lang}"},
        "traffic-filter.data",
    )
    named = _texts(out["traffic-asset-problem"]["children"])
    assert "sim:road-9999" in named and "asset" in named
    assert "is-hidden" in out["traffic-detail"]["className"]
    known = fire(
        client,
        "..traffic-detail.className",
        {"traffic-filter.data": "asset=traffic-seg-0001", "traffic-url.search": f"?lang={lang}"},
        "traffic-filter.data",
    )
    assert known["traffic-asset-problem"]["children"] == []
