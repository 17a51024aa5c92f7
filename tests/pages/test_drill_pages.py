"""The drill-down pages through their HTTP interface (both databases): each page renders, the
sync callback turns control changes and clicks into the URL, the detail opens an asset with
its history, and the CSV callback writes exactly the rows and headers it is given."""

from __future__ import annotations

import csv
import importlib
import io
import json
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from plotly.utils import PlotlyJSONEncoder

from dashboard.aqi import band_labels, band_of
from tests.api.seed import WARD_A
from tests.pages.conftest import post_callback

PAGES = ("traffic", "lighting", "environment", "alerts")


def dependency(client: FlaskClient, prefix: str) -> dict[str, Any]:
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if d["output"].startswith(prefix))


def fire(
    client: FlaskClient, output_prefix: str, values: dict[str, Any], changed: str
) -> dict[str, Any]:
    """POST the callback whose output starts with `output_prefix`, every input and state
    taken from `values` ("id.prop" -> value; a wildcard input gets [])."""
    dep = dependency(client, output_prefix)

    def spec(item: dict[str, Any]) -> Any:
        ident = item["id"]
        if ident.startswith("{"):
            return []
        key = f"{ident}.{item['property']}"
        return {"id": ident, "property": item["property"], "value": values.get(key)}

    r = post_callback(
        client,
        dep["output"],
        [spec(i) for i in dep["inputs"]],
        [spec(s) for s in dep["state"]],
        changed,
    )
    assert r.status_code == 200, r.data[:500]
    return r.get_json()["response"]


@pytest.mark.parametrize("page", PAGES)
def test_every_drill_page_renders_with_its_filters(
    app: dash.Dash, client: FlaskClient, page: str
) -> None:
    assert client.get(f"/{page}?range=7d&lang=en").status_code == 200
    module = importlib.import_module(f"layouts.{page}")
    with app.server.test_request_context(f"/{page}?zone=V%C4%A9nh+Quang&range=7d"):
        tree = json.loads(
            json.dumps(module.layout(zone="Vĩnh Quang", range="7d"), cls=PlotlyJSONEncoder)
        )
    text = json.dumps(tree, ensure_ascii=False)
    # The controls come prefilled from the URL, and the view's state is its canonical link.
    assert '"zone=V%C4%A9nh+Quang&range=7d"' in text
    assert '"value": ["Vĩnh Quang"]' in text and '"value": "7d"' in text


def test_a_control_change_writes_the_url(client: FlaskClient) -> None:
    out = fire(
        client,
        "..traffic-url.search",
        {"traffic-range.value": "30d", "traffic-ward.value": [WARD_A], "traffic-zone.value": []},
        "traffic-range.value",
    )
    assert out["traffic-url"]["search"].startswith("?ward=")
    assert "range=30d" in out["traffic-url"]["search"]
    assert out["traffic-filter"]["data"] == out["traffic-url"]["search"][1:]


def test_a_bad_url_is_named_and_the_controls_follow_the_good_part(client: FlaskClient) -> None:
    out = fire(
        client,
        "..traffic-url.search",
        {"traffic-url.search": "?range=1y&ward=Atlantis&zone=V%C4%A9nh+Quang&lang=en"},
        "traffic-url.search",
    )
    problems = json.dumps(out["traffic-problems"]["children"], ensure_ascii=False)
    assert "1y" in problems and "Atlantis" in problems
    assert out["traffic-zone"]["value"] == ["Vĩnh Quang"]
    assert out["traffic-range"]["value"] == "24h"


def test_an_area_click_toggles_that_area(client: FlaskClient) -> None:
    click = {"points": [{"customdata": ["area", "zone", "Vĩnh Quang"]}]}
    values = {"traffic-areas.clickData": click, "traffic-zone.value": [], "traffic-ward.value": []}
    out = fire(client, "..traffic-url.search", values, "traffic-areas.clickData")
    assert out["traffic-zone"]["value"] == ["Vĩnh Quang"]
    state = out["traffic-filter"]["data"]
    values |= {"traffic-filter.data": state, "traffic-zone.value": ["Vĩnh Quang"]}
    again = fire(client, "..traffic-url.search", values, "traffic-areas.clickData")
    assert again["traffic-zone"]["value"] == []


def test_the_detail_shows_an_asset_and_its_history(client: FlaskClient) -> None:
    out = fire(
        client,
        "..traffic-detail.className",
        {"traffic-filter.data": "asset=traffic-seg-0001", "traffic-url.search": "?lang=en"},
        "traffic-filter.data",
    )
    assert out["traffic-detail"]["className"] == "drill-detail"
    assert "Nguyễn Trung Trực" in out["traffic-detail-title"]["children"]
    figure = out["traffic-detail-graph"]["figure"]
    assert figure["layout"]["meta"] == {"resolution": "raw", "points": 24}
    # The kind is named in the page's words, not by its code.
    attrs = [c["props"]["children"] for c in out["traffic-detail-attrs"]["children"]]
    assert "Road segment" in attrs and "road_segment" not in attrs
    hidden = fire(
        client, "..traffic-detail.className", {"traffic-filter.data": ""}, "traffic-filter.data"
    )
    assert "is-hidden" in hidden["traffic-detail"]["className"]


def test_csv_holds_the_rows_and_headers_given_in_the_table_order(client: FlaskClient) -> None:
    columns = [{"id": "name", "name": "Name"}, {"id": "speed_kmh", "name": "Mean speed (km/h)"}]
    rows = [
        {"id": "a", "name": "Đường A", "speed_kmh": 30.5},
        {"id": "b", "name": "Đường B", "speed_kmh": 12.25},
        {"id": "c", "name": "Đường C", "speed_kmh": None},
    ]
    out = fire(
        client,
        "traffic-segments-download.data",
        {
            "traffic-segments-csv.n_clicks": 1,
            "traffic-segments.data": rows,
            "traffic-segments.columns": columns,
            "traffic-segments.sort_by": [{"column_id": "speed_kmh", "direction": "asc"}],
        },
        "traffic-segments-csv.n_clicks",
    )
    sent = out["traffic-segments-download"]["data"]
    assert sent["filename"] == "traffic-segments.csv"
    parsed = list(csv.reader(io.StringIO(sent["content"].lstrip("\ufeff"))))
    assert parsed == [
        ["Name", "Mean speed (km/h)"],
        ["Đường B", "12.25"],
        ["Đường A", "30.5"],
        ["Đường C", ""],
    ]


@pytest.mark.parametrize(("lang", "good"), [("vi", "Tốt"), ("en", "Good")])
def test_station_table_names_the_aqi_band_in_the_page_language(
    client: FlaskClient, lang: str, good: str
) -> None:
    """Each station's row names its VN_AQI band in the page's words, never the internal key."""
    out = fire(
        client,
        "..environment-map.figure",
        {"environment-filter.data": "range=7d", "environment-url.search": f"?range=7d&lang={lang}"},
        "environment-filter.data",
    )
    rows = out["environment-stations"]["data"]
    assert rows
    for row in rows:
        band = band_of(row["aqi_max"])
        assert band is not None and row["band"] == band_labels(lang)[band.key]
    assert good in {r["band"] for r in rows}  # the seeded station's air is good


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_charts_format_dates_in_the_page_language(app: dash.Dash, lang: str) -> None:
    """Every chart of a Vietnamese page registers plotly's Vietnamese locale (month and day
    names on date axes); an English page keeps plotly's own."""
    module = importlib.import_module("layouts.traffic")
    with app.server.test_request_context(f"/traffic?lang={lang}"):
        tree = json.loads(json.dumps(module.layout(lang=lang), cls=PlotlyJSONEncoder))
    configs = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Graph":
                configs.append(node["props"]["config"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    assert len(configs) >= 3
    for config in configs:
        if lang == "vi":
            assert config["locale"] == "vi"
            assert config["locales"]["vi"]["format"]["shortMonths"][10] == "Th11"
        else:
            assert "locale" not in config
