"""The city map figure: stable trace order, typed arrays, nothing remote, stale drawn stale,
and lamp patches that line up with the full draw."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from dash import Patch
from plotly.io.json import to_json_plotly

from dashboard.aqi import BANDS
from dashboard.basemap import BaseMap
from dashboard.config import Config
from dashboard.figures.citymap import (
    LAMP_TRACES,
    LAMP_ZOOM,
    LAYER_TRACES,
    LAYERS,
    TRACE,
    LampPatch,
    city_map,
    lamp_codes,
    lamp_patch_values,
    visible_traces,
)
from tests.figures.sample import SampleState, sample_state

CITY_ZOOM = 12.5


@pytest.fixture(scope="module")
def base() -> BaseMap:
    return BaseMap.load(Config())


@pytest.fixture(scope="module")
def state() -> SampleState:
    return sample_state()


def _figure(base: BaseMap, state: Any, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "layers": LAYERS,
        "lang": "vi",
        "center": base.centre,
        "zoom": CITY_ZOOM,
    }
    return json.loads(city_map(base, state, **(args | kw)).to_json())


def _decode(spec: dict[str, str]) -> np.ndarray:
    dtypes = {"u1": np.uint8, "f4": np.float32, "f8": np.float64}
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=dtypes[spec["dtype"]])


def _numeric_lists(node: Any, path: str = "") -> list[tuple[str, int]]:
    """(path, length) of every list of numbers in a JSON tree."""
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _numeric_lists(v, f"{path}.{k}")
    elif isinstance(node, list):
        if node and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in node):
            found.append((path, len(node)))
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                found += _numeric_lists(v, f"{path}[{i}]")
    return found


def test_every_trace_sits_at_its_trace_index(base: BaseMap, state: SampleState) -> None:
    fig = _figure(base, state)
    assert [t["meta"] for t in fig["data"]] == list(TRACE)
    assert {t["type"] for t in fig["data"]} == {"scattermap"}
    assert sorted(i for ids in LAYER_TRACES.values() for i in ids) == list(range(len(TRACE)))


def test_arrays_go_as_typed_arrays_and_lamp_colours_are_uint8(
    base: BaseMap, state: SampleState
) -> None:
    fig = _figure(base, state)
    long_lists = [(p, n) for p, n in _numeric_lists(fig["data"]) if n > 1000]
    assert long_lists == []
    lamps = fig["data"][TRACE["lighting.lamps"]]
    assert lamps["marker"]["color"]["dtype"] == "u1"
    codes = _decode(lamps["marker"]["color"])
    expected = lamp_codes(state.lamps.sort_values("id", ignore_index=True))
    assert codes.tolist() == expected.tolist()
    assert set(codes.tolist()) == {0, 1}
    assert len(codes) == len(state.lamps) == 3000
    assert lamps["lon"]["dtype"] == "f4"


def test_nothing_in_the_figure_points_off_the_machine(base: BaseMap, state: SampleState) -> None:
    fig = _figure(base, state)
    style = fig["layout"]["map"]["style"]
    assert set(style) == {"version", "id", "name", "sources", "layers"}  # no glyphs, no sprite
    assert {s["type"] for s in style["sources"].values()} == {"geojson"}  # inline, empty
    assert [layer["type"] for layer in style["layers"]] == ["background"]
    layers = fig["layout"]["map"]["layers"]
    assert {layer["sourcetype"] for layer in layers} == {"geojson"}
    assert {layer["type"] for layer in layers} <= {"fill", "line"}  # no symbol: no glyphs
    assert all(layer["below"] == "traces" for layer in layers)
    for trace in fig["data"]:
        assert "text" not in trace.get("mode", "")
        assert "symbol" not in trace.get("marker", {})
        assert "cluster" not in trace
    text = json.dumps(fig)
    assert "http://" not in text and "https://" not in text


def test_a_tile_server_becomes_the_bottom_raster_layer(base: BaseMap, state: SampleState) -> None:
    url = "http://tiles.city.local/{z}/{x}/{y}.png"
    fig = _figure(base, state, tile_url=url, attribution="© City")
    first = fig["layout"]["map"]["layers"][0]
    assert (first["sourcetype"], first["source"], first["below"]) == ("raster", [url], "traces")
    assert first["sourceattribution"] == "© City"
    assert all(layer["type"] != "fill" for layer in fig["layout"]["map"]["layers"])


def test_zoom_and_layers_survive_refreshes(base: BaseMap, state: SampleState) -> None:
    layout = _figure(base, state)["layout"]
    assert layout["uirevision"] == layout["map"]["uirevision"] == "wall"


def test_cabinets_at_city_zoom_lamps_close_up_faults_always() -> None:
    far = dict(zip(TRACE, visible_traces(LAYERS, LAMP_ZOOM - 0.5), strict=True))
    near = dict(zip(TRACE, visible_traces(LAYERS, LAMP_ZOOM), strict=True))
    assert (far["lighting.cabinets"], far["lighting.lamps"]) == (True, False)
    assert (near["lighting.cabinets"], near["lighting.lamps"]) == (False, True)
    assert far["lighting.fault_ring"] and near["lighting.fault_ring"]
    only_air = visible_traces(("air",), CITY_ZOOM)
    assert [name for name, on in zip(TRACE, only_air, strict=True) if on] == [
        "air.halo",
        "air.stations",
    ]


def test_figure_visibility_follows_visible_traces(base: BaseMap, state: SampleState) -> None:
    fig = _figure(base, state, layers=("traffic", "lighting"), zoom=15.0)
    assert [t["visible"] for t in fig["data"]] == visible_traces(("traffic", "lighting"), 15.0)


def test_segments_fall_in_their_congestion_band(base: BaseMap, state: SampleState) -> None:
    fig = _figure(base, state)
    jammed = fig["data"][TRACE["traffic.jammed"]]
    names = {row[0] for row in jammed["customdata"]}
    assert "Tôn Đức Thắng" in names  # segment 0: ratio 0.12
    first = jammed["customdata"][0]
    assert first[1:4] == ["6", "50", "12%"]  # 0.12 x 50 km/h, free flow, ratio
    nodata = fig["data"][TRACE["traffic.nodata"]]
    assert {row[3] for row in nodata["customdata"]} == {"—"}
    lon = _decode(jammed["lon"])
    assert np.isnan(lon).sum() >= 2  # one break after each segment
    widths = [fig["data"][TRACE[f"traffic.{b}"]]["line"]["width"] for b in ("free", "jammed")]
    assert widths[1] > widths[0]


def test_air_stations_take_the_vn_aqi_band_colours(base: BaseMap, state: SampleState) -> None:
    air = _figure(base, state)["data"][TRACE["air.stations"]]
    expected = [next(b.colour for b in BANDS if b.low <= a <= b.high) for a in state.air["aqi"]]
    assert air["marker"]["color"] == expected


def test_water_above_flood_stage_is_red_and_says_so(base: BaseMap, state: SampleState) -> None:
    water = _figure(base, state, lang="en")["data"][TRACE["water.gauges"]]
    assert water["customdata"][-1][4] == "Above flood stage"
    assert water["marker"]["color"][-1] == "#ff5a5f"


def test_overdue_reports_are_ringed(base: BaseMap, state: SampleState) -> None:
    fig = _figure(base, state)
    late = int(state.reports["overdue"].sum())
    ring = fig["data"][TRACE["reports.overdue_ring"]]
    assert 0 < late < len(state.reports)
    assert len(_decode(ring["lon"])) == late
    assert len(fig["data"][TRACE["reports.overdue"]]["customdata"]) == late
    assert {row[5] for row in fig["data"][TRACE["reports.overdue"]]["customdata"]} == {"QUÁ HẠN"}


def test_a_stale_layer_is_grey_and_its_legend_says_stale(base: BaseMap, state: SampleState) -> None:
    fresh = _figure(base, state, lang="en")
    stale = _figure(base, state, lang="en", stale=("traffic", "air"))
    for name in ("traffic.jammed", "air.stations"):
        assert stale["data"][TRACE[name]]["name"].endswith("— stale")
        assert not fresh["data"][TRACE[name]]["name"].endswith("— stale")
    assert stale["data"][TRACE["traffic.jammed"]]["line"]["color"] == "#6b7482"
    assert set(stale["data"][TRACE["air.stations"]]["marker"]["color"]) == {"#6b7482"}
    vi = _figure(base, state, stale=("lighting",))
    assert vi["data"][TRACE["lighting.cabinets"]]["name"].endswith("— dữ liệu cũ")
    assert fresh["data"][TRACE["water.gauges"]] == stale["data"][TRACE["water.gauges"]]


def test_lamp_order_does_not_change_the_drawing(base: BaseMap, state: SampleState) -> None:
    shuffled = SampleState(**{**vars(state), "lamps": state.lamps.sample(frac=1, random_state=3)})
    assert _figure(base, shuffled) == _figure(base, state)


def _with_lamps(state: SampleState, lamps: pd.DataFrame) -> SampleState:
    return SampleState(**{**vars(state), "lamps": lamps})


def test_lamp_patch_gives_the_lamp_traces_of_a_full_draw(base: BaseMap, state: SampleState) -> None:
    lamps = state.lamps.copy()
    broken = lamps.index[lamps["fault"] == 0][:5]
    repaired = lamps.index[lamps["fault"] == 1][:2]
    lamps.loc[broken, ["fault", "on"]] = [1, 0]
    lamps.loc[repaired, ["fault", "on"]] = [0, 1]
    after = _figure(base, _with_lamps(state, lamps))

    p = lamp_patch_values(lamps.sample(frac=1, random_state=5), "vi")
    assert sorted(p.updates) == sorted(TRACE[name] for name in LAMP_TRACES)
    assert (
        p.faulty
        == int(lamps["fault"].sum())
        == len(_decode(after["data"][TRACE["lighting.faults"]]["lon"]))
    )
    for index, values in p.updates.items():
        for path, value in values.items():
            node = after["data"][index]
            for part in path.split("."):
                node = node[part]
            assert node == value, (index, path)

    patch = Patch()
    p.apply(patch)
    ops = patch.to_plotly_json()["operations"]
    assert sorted(op["location"] for op in ops) == sorted(
        ["data", index, *path.split(".")] for index, values in p.updates.items() for path in values
    )


def _changed_bytes(before: LampPatch, after: LampPatch) -> int:
    """Bytes of the patch entries that differ: what a refresh sends."""
    return sum(
        len(to_json_plotly(value))
        for index, values in after.updates.items()
        for path, value in values.items()
        if before.updates[index][path] != value
    )


def test_lamp_refreshes_send_under_2_percent_of_the_full_map(base: BaseMap) -> None:
    state = sample_state(lights=5000)
    whole = city_map(base, state, layers=LAYERS, lang="vi", center=base.centre, zoom=CITY_ZOOM)
    full = len(to_json_plotly(whole))
    before = lamp_patch_values(state.lamps)
    rng = np.random.default_rng(11)
    # Dusk or dawn: 1% of the lamps switch (cabinets switch whole groups).
    switched = state.lamps.copy()
    pick = rng.choice(len(switched), 50, replace=False)
    switched.loc[pick, "on"] = 1 - switched.loc[pick, "on"]
    # A bad night: ten lamps fail between two refreshes (the simulator: ~0.2% a night).
    failed = state.lamps.copy()
    pick = rng.choice(
        np.flatnonzero((failed["fault"] == 0) & (failed["on"] == 1)), 10, replace=False
    )
    failed.loc[pick, ["fault", "on"]] = [1, 0]
    for lamps in (switched, failed):
        sent = _changed_bytes(before, lamp_patch_values(lamps))
        assert 0 < sent < 0.02 * full, (sent, full)
    # Switching leaves the fault traces alone; failing leaves the switch codes alone.
    ring, lamps_trace = TRACE["lighting.fault_ring"], TRACE["lighting.lamps"]
    assert lamp_patch_values(switched).updates[ring] == before.updates[ring]
    assert lamp_patch_values(failed).updates[lamps_trace] == before.updates[lamps_trace]


def test_empty_state_still_draws_every_trace(base: BaseMap, state: SampleState) -> None:
    empty = SampleState(
        **{k: v.iloc[:0] if hasattr(v, "iloc") else v for k, v in vars(state).items()}
    )
    fig = _figure(base, empty)
    assert [t["meta"] for t in fig["data"]] == list(TRACE)
