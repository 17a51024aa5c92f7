"""/wall through the Dash renderer's HTTP protocol: the skeleton the router serves, its URL
parameters, and the callbacks it registers. `WallClient` (used by test_wall_refresh too) plays
the browser's part of a refresh: it sends the states the page holds and keeps what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dash
from flask.testing import FlaskClient

from dashboard.i18n import t
from dashboard.queries.wall import KPI_KEYS
from tests.api.seed import SOURCES
from tests.pages.conftest import call_callback

ROUTER = ".._pages_content.children..._pages_store.data.."
REFRESH_PREFIX = "..wall-map.figure...wall-version.data"


def components(node: Any) -> list[dict[str, Any]]:
    """The props of every component with an id in a serialised layout."""
    found: list[dict[str, Any]] = []

    def walk(n: Any) -> None:
        if isinstance(n, dict):
            props = n.get("props")
            if isinstance(props, dict) and "id" in props:
                found.append({**props, "_type": n.get("type")})
            for value in n.values():
                walk(value)
        elif isinstance(n, list):
            for value in n:
                walk(value)

    walk(node)
    return found


def render_wall(client: FlaskClient, search: str = "") -> list[dict[str, Any]]:
    """The /wall page as the router serves it for `search` ("?kiosk=1", ...)."""
    out = call_callback(
        client,
        ROUTER,
        {"_pages_location.pathname": "/wall", "_pages_location.search": search},
        headers={"Referer": f"http://127.0.0.1/wall{search}"},
    )
    return components(out["_pages_content"]["children"])


def by_id(comps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key_of(c["id"]): c for c in comps}


def key_of(ident: str | dict[str, Any]) -> str:
    """A component's key in a callback response (a pattern id as compact, sorted JSON)."""
    if isinstance(ident, dict):
        return json.dumps(ident, sort_keys=True, separators=(",", ":"))
    return ident


def pattern(kind: str, key: Any) -> str:
    return key_of({"key": key, "type": kind})


class WallClient:
    """One wall screen: renders /wall, then refreshes it as the browser does.

    It sends the states the page holds (the map store, trend key, layers, scene, boot data)
    and keeps every returned property in `props`, so a test reads the screen's state.
    """

    def __init__(self, client: FlaskClient, search: str = "") -> None:
        self.client = client
        comps = render_wall(client, search)
        self.props: dict[str, dict[str, Any]] = {k: dict(v) for k, v in by_id(comps).items()}
        deps = client.get("/_dash-dependencies").get_json()
        self.dep = next(d for d in deps if d["output"].startswith(REFRESH_PREFIX))
        self.outputs = [
            self._spec(ref, comps) for ref in self.dep["output"].strip(".").split("...")
        ]
        self.n = 0
        self.last: dict[str, Any] = {}

    @staticmethod
    def _spec(ref: str, comps: list[dict[str, Any]]) -> Any:
        ident, prop = ref.rsplit(".", 1)
        if not ident.startswith("{"):
            return {"id": ident, "property": prop}
        kind = json.loads(ident)["type"]
        matches = [c["id"] for c in comps if isinstance(c["id"], dict) and c["id"]["type"] == kind]
        return [{"id": m, "property": prop} for m in matches]

    def state(self, ident: str, prop: str) -> Any:
        return self.props.get(ident, {}).get(prop)

    def refresh(self) -> dict[str, Any]:
        """One interval tick; returns the raw response (component key -> changed props)."""
        self.n += 1
        states = [
            ("wall-version", "data"),
            ("wall-trend-key", "data"),
            ("wall-layers", "value"),
            ("wall-scene", "data"),
            ("wall-boot", "data"),
        ]
        body = {
            "output": self.dep["output"],
            "outputs": self.outputs,
            "inputs": [
                {"id": "wall-interval", "property": "n_intervals", "value": self.n},
                {"id": "wall-fitted", "property": "data", "value": True},
            ],
            "state": [{"id": i, "property": p, "value": self.state(i, p)} for i, p in states],
            "changedPropIds": ["wall-interval.n_intervals"],
        }
        r = self.client.post("/_dash-update-component", json=body)
        assert r.status_code == 200, r.data[:2000]
        self.last = r.get_json()["response"]
        for key, changed in self.last.items():
            if key == "wall-map" and "__dash_patch_update" in json.dumps(changed)[:200]:
                continue  # a Patch: the test reads it from `last`
            self.props.setdefault(key, {}).update(changed)
        return self.last

    def tile(self, key: str, part: str = "value") -> Any:
        prop = "className" if part == "class" else "children"
        kind = "wall-tile" if part == "class" else f"wall-tile-{part}"
        return self.state(pattern(kind, key), prop)


def make_client(app_factory: Callable[[], dash.Dash]) -> FlaskClient:
    client = app_factory().server.test_client()
    assert client.get("/wall").status_code == 200
    return client


# -- tests -------------------------------------------------------------------------------------


def test_router_renders_every_tile_layer_row_and_feed(client: FlaskClient) -> None:
    comps = render_wall(client, "?lang=en")
    ids = by_id(comps)
    for key in KPI_KEYS:
        assert pattern("wall-tile-value", key) in ids
        assert ids[pattern("wall-tile", key)]["data-domain"] == key.split(".")[0]
    assert {"wall-map", "wall-trends", "wall-interval", "wall-layers", "wall-stale"} <= set(ids)
    layers = ids["wall-layers"]
    assert [o["value"] for o in layers["options"]] == list(layers["value"])
    assert len(layers["value"]) == 5
    enabled = [s.name for s in SOURCES if s.enabled]
    feeds = [
        c["id"]["key"]
        for c in comps
        if isinstance(c["id"], dict) and c["id"]["type"] == "wall-feed"
    ]
    assert feeds == enabled
    text = json.dumps(comps, ensure_ascii=False)
    assert (
        t("wall.tile.air.worst_aqi", "en") in text
        and t("wall.tile.air.worst_aqi", "vi") not in text
    )
    root = ids["wall"]
    assert root["className"] == "wall" and root["data-kiosk"] == "0"
    assert ids["wall-interval"]["interval"] == 10_000  # config.wall.refresh_s


def test_kiosk_parameters_set_scene_rotation_and_language(client: FlaskClient) -> None:
    ids = by_id(render_wall(client, "?kiosk=1&rotate=12&scene=lighting&lang=vi"))
    boot = ids["wall-boot"]["data"]
    assert boot["kiosk"] is True and boot["rotate_s"] == 12 and boot["lang"] == "vi"
    assert [s["name"] for s in boot["scenes"]] == [
        "overview",
        "traffic",
        "lighting",
        "environment",
        "reports",
    ]
    assert ids["wall"]["className"] == "wall kiosk scene-lighting"
    assert ids["wall-scene"]["data"] == 2
    assert ids["wall-layers"]["value"] == ["lighting"]
    assert ids["wall-scene-name"]["children"] == t("wall.scene.lighting", "vi")
    # A rotation shorter than the floor is raised to it; nonsense falls back to the config.
    assert by_id(render_wall(client, "?kiosk=1&rotate=1"))["wall-boot"]["data"]["rotate_s"] == 5
    assert by_id(render_wall(client, "?kiosk=1&rotate=x"))["wall-boot"]["data"]["rotate_s"] == 30


def test_layers_come_from_the_url_outside_kiosk(client: FlaskClient) -> None:
    ids = by_id(render_wall(client, "?layers=air,traffic,bogus"))
    assert ids["wall-layers"]["value"] == ["traffic", "air"]
    assert ids["wall-boot"]["data"]["kiosk"] is False


def test_one_server_callback_refreshes_the_wall_and_never_piles_up(client: FlaskClient) -> None:
    deps = client.get("/_dash-dependencies").get_json()
    wall = [d for d in deps if any(str(i["id"]).startswith("wall") for i in d["inputs"])]
    server = [d for d in wall if not d.get("clientside_function")]
    assert len(server) == 1
    refresh = server[0]
    # The interval, and the fit of the map view to the real panel (once, in the browser).
    assert [f"{i['id']}.{i['property']}" for i in refresh["inputs"]] == [
        "wall-interval.n_intervals",
        "wall-fitted.data",
    ]
    assert refresh["prevent_initial_call"] is False  # the first refresh fills the skeleton
    # While a refresh runs, the interval is disabled: ticks cannot queue behind it.
    assert refresh["running"] == {
        "running": {"wall-interval.disabled": True},
        "runningOff": {"wall-interval.disabled": False},
    }
    # Every clientside helper waits for a change but the fit, which runs before the first
    # refresh (in the browser: no request).
    helpers = [d for d in wall if d.get("clientside_function")]
    first = [d["output"] for d in helpers if not d["prevent_initial_call"]]
    assert first == ["..wall-boot.data...wall-fitted.data.."]


def test_wall_skeleton_is_built_without_the_clock_or_the_store(client: FlaskClient) -> None:
    # The layout holds no numbers: every tile waits for the first refresh.
    ids = by_id(render_wall(client))
    assert {ids[pattern("wall-tile-value", k)]["children"] for k in KPI_KEYS} == {"—"}
    assert ids["wall-as-of"]["children"] == "…"
    assert isinstance(ids["wall-boot"]["data"]["version"], str)


def test_data_as_of_is_the_newest_reading_in_city_time(client: FlaskClient) -> None:
    wall = WallClient(client, "?lang=en")
    wall.refresh()
    # The seed's newest reading is a minute before the app's fixed clock (10:00 local).
    assert wall.state("wall-as-of", "children") == "09:59:00"


# -- which domains are drawn stale: exactly those of the stale feeds -------------------------


def _feed(stale: bool, domains: tuple[str, ...]) -> Any:
    from dashboard.queries.wall import FeedQuality

    return FeedQuality(
        "sim", 60, 200.0 if stale else 20.0, stale, None, 100.0, 100.0, 100.0, domains
    )


def _kpi(key: str, age_s: float) -> Any:
    from datetime import UTC, datetime, timedelta

    from dashboard.queries.wall import Kpi

    return Kpi(
        key, 1.0, "", None, "ok", as_of=datetime(2025, 6, 2, tzinfo=UTC) - timedelta(seconds=age_s)
    )


def test_a_stale_feed_stales_its_domains_even_when_its_data_looks_recent() -> None:
    from datetime import UTC, datetime

    from dashboard.config import Config, SourceConfig
    from layouts._wall.refresh import stale_domains

    config = Config(sources=[SourceConfig(name="sim", type="simulator", interval_s=60)])
    now = datetime(2025, 6, 2, tzinfo=UTC)
    quality = [_feed(True, ("air", "traffic"))]
    assert stale_domains([_kpi("traffic.avg_speed", 5)], quality, config, now) == {"air", "traffic"}


def test_a_live_feed_with_5_minute_readings_does_not_stale_its_domain() -> None:
    # Right after a demo restart: the simulator ran 20 s ago, its traffic readings are 270 s
    # old (> 3 x 60 s) because they sit on a 5-minute grid. Nothing is stale.
    from datetime import UTC, datetime

    from dashboard.config import Config, SourceConfig
    from layouts._wall.refresh import stale_domains

    config = Config(sources=[SourceConfig(name="sim", type="simulator", interval_s=60)])
    now = datetime(2025, 6, 2, tzinfo=UTC)
    quality = [_feed(False, ("traffic",))]
    assert stale_domains([_kpi("traffic.avg_speed", 270)], quality, config, now) == set()
