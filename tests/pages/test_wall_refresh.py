"""The wall's refresh on the simulated city (SQLite and PostgreSQL), through POST
/_dash-update-component: tiles equal `wall_kpis`, the first refresh draws the whole map, a lamp
change comes back as a Patch of that lamp alone, an unchanged city sends nothing, and a feed
that stops delivering turns its data stale with a banner."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import dash
import numpy as np
import pytest

from dashboard.app import create_app
from dashboard.figures.citymap import TRACE, lamp_codes
from dashboard.figures.tiles import tile_view
from dashboard.i18n import t
from dashboard.queries.wall import KPI_KEYS, map_state, ticker_events, wall_kpis
from dashboard.records import Reading
from dashboard.store import Store
from tests.api.alert_seed import FLOOD
from tests.pages.test_wall_page import WallClient, pattern
from tests.queries.city import NOW, City, build_city


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def city(store: Store) -> City:
    return build_city(store)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def wall(city: City, clock: Clock) -> Iterator[WallClient]:
    app = create_app(city.config, city.store, clock=clock)
    client = app.server.test_client()
    assert client.get("/wall?lang=en").status_code == 200
    yield WallClient(client, "?lang=en")
    dash.page_registry.clear()


def typed(spec: object) -> np.ndarray:
    """A plotly typed-array spec ({dtype, bdata}) as a numpy array."""
    assert isinstance(spec, dict) and "bdata" in spec, spec
    return np.frombuffer(base64.b64decode(spec["bdata"]), dtype=np.dtype(spec["dtype"]))


def test_tiles_equal_wall_kpis(wall: WallClient, city: City) -> None:
    wall.refresh()
    with city.store.read_session() as session:
        kpis = wall_kpis(session, city.config, NOW)
    assert [k.key for k in kpis] == list(KPI_KEYS)
    for kpi in kpis:
        view = tile_view(kpi, "en")
        assert wall.tile(kpi.key) == view.value, kpi.key
        assert wall.tile(kpi.key, "unit") == view.unit
        assert wall.tile(kpi.key, "detail") == view.detail
        assert wall.tile(kpi.key, "class") == f"wall-tile level-{kpi.level}"
        if view.delta:
            assert wall.tile(kpi.key, "delta") == view.delta
    assert wall.tile("traffic.avg_speed") not in ("", "—")


def test_first_refresh_draws_the_whole_map_with_typed_arrays(wall: WallClient, city: City) -> None:
    out = wall.refresh()
    figure = out["wall-map"]["figure"]
    assert [tr["meta"] for tr in figure["data"]] == list(TRACE)
    lamps = figure["data"][TRACE["lighting.lamps"]]
    with city.store.read_session() as session:
        state = map_state(session, city.config, NOW)
    assert len(typed(lamps["lon"])) == len(state.lamps) == 1500
    assert figure["layout"]["uirevision"] and figure["layout"]["map"]["layers"]
    assert out["wall-version"]["data"]["v"] == state.version


def test_a_lamp_change_comes_back_as_a_patch_of_that_lamp(
    wall: WallClient, city: City, clock: Clock
) -> None:
    full = wall.refresh()
    full_bytes = len(json.dumps(full))
    with city.store.read_session() as session:
        lamps = map_state(session, city.config, NOW).lamps
    lamp = lamps[lamps["fault"] == 0].iloc[0]
    faulty_before = wall.tile("lighting.faulty")
    at = NOW + timedelta(seconds=20)
    city.store.ingest("sim", readings=[Reading(lamp["id"], "lamp_fault", at, 1.0)], now=at)
    clock.now = NOW + timedelta(seconds=30)

    out = wall.refresh()
    patch = out["wall-map"]["figure"]
    assert patch["__dash_patch_update"] == "__dash_patch_update"
    ops = {tuple(op["location"][1:]): op["params"]["value"] for op in patch["operations"]}
    # The faulty lamps' marks and the cabinet whose share of faults moved; nothing else.
    lighting = {i for name, i in TRACE.items() if name.startswith("lighting.")}
    assert {key[0] for key in ops} <= lighting
    faulty_lons = typed(ops[(TRACE["lighting.faults"], "lon")])
    assert np.isclose(faulty_lons, lamp["lon"], atol=1e-5).sum() == 1
    # The cabinets' counts: one small typed array (rows of lamps, on, faulty), not hover rows.
    cabinets_i = TRACE["lighting.cabinets"]
    counts = ops[(cabinets_i, "customdata")]
    rows = typed(counts).reshape([int(n) for n in counts["shape"].split(",")])
    with city.store.read_session() as session:
        cabinets = map_state(session, city.config, clock.now).cabinets
    k = list(cabinets["id"]).index(lamp["cabinet"])
    assert rows[k].tolist() == cabinets[["lamps", "lamps_on", "lamps_faulty"]].iloc[k].tolist()
    assert rows[:, 2].sum() == cabinets["lamps_faulty"].sum()
    assert (cabinets_i, "marker", "color") in ops
    # The lamps' codes: only the changed lamp's (index, code) pair travels.
    pairs = ops[(TRACE["lighting.lamps"], "marker", "color")]["cityops_pairs"]
    ids = sorted(lamps["id"])
    assert typed(pairs["index"]).tolist() == [ids.index(lamp["id"])]
    assert typed(pairs["code"]).tolist() == [1]  # a faulty lamp is drawn "on" under its mark
    assert len(json.dumps(out["wall-map"])) < 0.02 * full_bytes
    assert (
        int(wall.tile("lighting.faulty").replace(",", ""))
        == int(faulty_before.replace(",", "")) + 1
    )


def test_switched_lamps_travel_as_index_code_pairs(
    wall: WallClient, city: City, clock: Clock
) -> None:
    full = wall.refresh()
    lamps_i = TRACE["lighting.lamps"]
    codes = typed(full["wall-map"]["figure"]["data"][lamps_i]["marker"]["color"]).copy()
    with city.store.read_session() as session:
        lamps = map_state(session, city.config, NOW).lamps.sort_values("id", ignore_index=True)
    picked = lamps[lamps["fault"] == 0].iloc[::50]
    at = NOW + timedelta(seconds=20)
    readings = [
        Reading(i, "lamp_on", at, 1.0 - float(on))
        for i, on in zip(picked["id"], picked["on"], strict=True)
    ]
    city.store.ingest("sim", readings=readings, now=at)
    clock.now = NOW + timedelta(seconds=30)

    out = wall.refresh()
    ops = {
        tuple(op["location"][1:]): op["params"]["value"]
        for op in out["wall-map"]["figure"]["operations"]
    }
    value = ops[(lamps_i, "marker", "color")]
    assert value["n"] == len(lamps) == len(codes)
    index = typed(value["cityops_pairs"]["index"])
    code = typed(value["cityops_pairs"]["code"])
    assert index.tolist() == picked.index.tolist()
    # Applied to the codes on screen (as assets/wall.js does), they give a fresh draw's codes.
    codes[index] = code
    with city.store.read_session() as session:
        now = map_state(session, city.config, clock.now)
    assert codes.tolist() == lamp_codes(now.lamps.sort_values("id")).tolist()
    assert (code == 1 - picked["on"].to_numpy()).all()
    # Nothing else about lamps is re-sent: the faults did not change.
    assert (TRACE["lighting.faults"], "lon") not in ops


def test_an_unchanged_city_sends_only_the_pages_own_store(wall: WallClient) -> None:
    wall.refresh()
    again = wall.refresh()
    assert set(again) == {"wall-version", "wall-trend-key"}


def test_trend_strip_is_redrawn_only_in_a_new_five_minute_bucket(
    wall: WallClient, clock: Clock
) -> None:
    assert "wall-trends" in wall.refresh()
    clock.now = NOW + timedelta(seconds=1)
    assert "wall-trends" not in wall.refresh()
    clock.now = NOW + timedelta(minutes=5)
    assert "wall-trends" in wall.refresh()


def test_ticker_shows_the_newest_events_first(wall: WallClient, city: City) -> None:
    wall.refresh()
    with city.store.read_session() as session:
        events = ticker_events(session, city.config, NOW, limit=12)
    assert len(events) > 0
    for i, row in enumerate(events.itertuples()):
        assert wall.state(pattern("wall-tick", i), "className") == f"wall-tick sev-{row.severity}"
        assert wall.state(pattern("wall-tick-text", i), "children").startswith(
            t(f"wall.event.{row.kind}", "en")
        )
    times = [wall.state(pattern("wall-tick-time", i), "children") for i in range(len(events))]
    assert times == sorted(times, reverse=True)


def test_a_silent_feed_turns_stale_with_a_banner(wall: WallClient, clock: Clock) -> None:
    wall.refresh()
    assert wall.state("wall-stale", "className") == "wall-stale is-hidden"
    assert "is-stale" not in wall.tile("traffic.avg_speed", "class")
    clock.now = NOW + timedelta(hours=2)  # the simulator (every 60 s) has delivered nothing since

    out = wall.refresh()
    banner = wall.state("wall-stale", "children")
    assert wall.state("wall-stale", "className") == "wall-stale"
    # Stale since its newest reading (18:25, on the 5-minute grid) + 3 x its 300-s period.
    assert banner == t("wall.stale_banner", "en").format(name="sim", since="18:40")
    for key in ("traffic.avg_speed", "traffic.congested", "water.highest", "lighting.faulty"):
        assert wall.tile(key, "class").endswith("is-stale"), key
    # No VN_AQI is computed from two-hour-old data at all: no number, nothing that looks live.
    assert wall.tile("air.worst_aqi") == "—"
    assert "is-stale" not in wall.tile("reports.open", "class")
    assert wall.state(pattern("wall-feed", "sim"), "className") == "wall-feed is-stale"
    # The map is drawn again, its stale layers grey and named so.
    figure = out["wall-map"]["figure"]
    assert "data" in figure
    names = [tr.get("name", "") for tr in figure["data"]]
    stale = t("map.stale", "en")
    assert any(stale in n for n in names if n)
    # Every domain the silent feed supplies is stale with it (feed_quality's domains).
    assert out["wall-version"]["data"]["stale"] == ["air", "lighting", "traffic", "water"]


def test_a_critical_alert_stands_out_until_acknowledged(
    wall: WallClient, city: City, clock: Clock
) -> None:
    wall.refresh()
    assert wall.state("wall-alert", "className") == "wall-alert is-hidden"
    flood = replace(FLOOD, ward="Phường Vĩnh Thanh Vân")
    warning = replace(FLOOD, rule="water-alert-stage", severity="warning")
    opened = city.store.alerts.open([flood, warning], NOW - timedelta(minutes=5))
    wall.refresh()
    assert wall.state("wall-alert", "className") == "wall-alert"
    banner = wall.state("wall-alert", "children")
    assert banner.startswith("Water level above flood stage · Phường Vĩnh Thanh Vân · 152.0 cm")
    assert "not acknowledged" in banner and "more" not in banner  # the warning is not on it
    clock.now = NOW + timedelta(seconds=30)
    city.store.alerts.acknowledge(opened[0].id, by="op", comment="đã cử đội", at=clock.now)
    wall.refresh()
    assert wall.state("wall-alert", "className") == "wall-alert is-hidden"
