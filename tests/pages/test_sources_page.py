"""/sources: the page renders in both languages and its callbacks show each feed's health."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import dash
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.config import Config, SourceConfig
from dashboard.i18n import LANG_COOKIE, t
from dashboard.store import Store
from tests.api.seed import EXPECTED_HEALTH, NOW, Seed
from tests.pages.conftest import call_callback, prop_key

HEALTH = "..sources-table.data...sources-updated.children.."
TICK = {"sources-interval.n_intervals": 1, "sources-acted.data": None}
ROUTER = ".._pages_content.children..._pages_store.data.."


def _ids(component: Any) -> set[str]:
    """Every component id in a serialised layout (a pattern id as its renderer key)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("props"), dict) and "id" in node["props"]:
                ident = node["props"]["id"]
                found.add(prop_key(ident, "")[:-1] if isinstance(ident, dict) else ident)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(component)
    return found


def _render(client: FlaskClient, search: str = "") -> tuple[Any, str]:
    # The browser sends the page address as Referer; the tab title reads ?lang= from it.
    out = call_callback(
        client,
        ROUTER,
        {"_pages_location.pathname": "/sources", "_pages_location.search": search},
        headers={"Referer": f"http://127.0.0.1/sources{search}"},
    )
    return out["_pages_content"]["children"], out["_pages_store"]["data"]["title"]


def test_router_renders_the_sources_skeleton(client: FlaskClient) -> None:
    layout, title = _render(client, "?lang=en")
    assert {"sources-table", "sources-interval", "sources-pick", "sources-history"} <= _ids(layout)
    assert title == "Data sources · Rạch Giá"
    text = json.dumps(layout, ensure_ascii=False)
    assert t("sources.title", "en") in text and t("sources.title", "vi") not in text
    vi_layout, vi_title = _render(client, "?lang=vi")
    assert t("sources.title", "vi") in json.dumps(vi_layout, ensure_ascii=False)
    assert vi_title.startswith("Nguồn dữ liệu")


def test_health_callback_has_a_row_per_source_with_its_status(
    client: FlaskClient, seeded: Seed
) -> None:
    for lang in ("vi", "en"):
        out = call_callback(client, HEALTH, TICK, {"sources-lang.data": lang})
        rows = out["sources-table"]["data"]
        assert [r["name"] for r in rows] == [s.name for s in seeded.config.sources]
        assert {r["name"]: r["health_code"] for r in rows} == EXPECTED_HEALTH
        assert all(r["health"] == t(f"health.{r['health_code']}", lang) for r in rows)
        assert out["sources-updated"]["children"] == "10:00:00"  # NOW in Asia/Ho_Chi_Minh
    by_name = {r["name"]: r for r in rows}
    assert by_name["sim"]["last_run"] == "02/06 09:59:20"
    assert (by_name["sim"]["rows"], by_name["sim"]["rejected"]) == (144, 1)
    assert by_name["sim"]["next_run"] == "02/06 10:00:20"
    assert by_name["open311"]["age"].startswith("⚠")  # stale is shown, not hidden
    assert by_name["ngsi-city"]["error"] == "02/06 09:59:32 · ConnectError: refused"
    assert by_name["csv-drop"]["next_run"] == "due"
    assert by_name["mqtt-lamps"]["state"] == "Disabled"
    assert by_name["sensorthings"]["state"] == "Paused"


def test_history_shows_the_last_20_runs_newest_first(client: FlaskClient) -> None:
    out = call_callback(
        client,
        "sources-history.data",
        {"sources-pick.value": "sim", "sources-interval.n_intervals": 0},
        {"sources-lang.data": "vi"},
    )
    runs = out["sources-history"]["data"]
    assert len(runs) == 20
    assert runs[0]["started"] == "02/06 09:59:20" and runs[0]["rows"] == 144
    assert runs[0]["duration"] == "2,0 s" and runs[0]["run_status"] == "Thành công"
    assert [r["started"] for r in runs] == sorted((r["started"] for r in runs), reverse=True)


def test_shell_follows_url_then_cookie_then_config(client: FlaskClient) -> None:
    def shell_text(**kw: Any) -> str:
        return client.get("/_dash-layout", **kw).get_data(as_text=True)

    assert "Trung tâm điều hành" in shell_text()  # config default: vi
    r = client.get("/sources?lang=en")
    assert f"{LANG_COOKIE}=en" in r.headers["Set-Cookie"]
    assert "Smart City Operations Center" in shell_text()  # the cookie now says en
    assert "Trung tâm điều hành" in shell_text(headers={"Referer": "http://x/sources?lang=vi"})
    layout = json.loads(shell_text())
    assert {"shell-clock", "shell-nav", "shell-lang", "_pages_content"} <= _ids(layout)
    assert '"data-clock-tz": "Asia/Ho_Chi_Minh"' in json.dumps(layout)


def test_navigation_is_built_from_the_page_registry(client: FlaskClient) -> None:
    layout = client.get("/_dash-layout").get_json()
    nav = json.dumps(layout, ensure_ascii=False)
    titled = [p for p in dash.page_registry.values() if p.get("title_key")]
    assert titled and all(f'"href": "{p["relative_path"]}"' in nav for p in titled)
    # The wall is the operations room's home page: first in the navigation, and "/" opens it.
    hrefs = [p["relative_path"] for p in titled]
    assert nav.index('"href": "/wall"') < nav.index('"href": "/sources"')
    assert hrefs.index("/wall") < hrefs.index("/sources")
    assert client.get("/?lang=en").headers["Location"] == "/wall?lang=en"


def test_two_apps_keep_their_own_store_and_sources(client: FlaskClient, tmp_path: Any) -> None:
    other_store = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other_store.upgrade()
    other_cfg = Config(sources=[SourceConfig(name="solo", type="simulator")])
    other = create_app(other_cfg, other_store, clock=lambda: NOW).server.test_client()
    assert other.get("/sources").status_code == 200
    state = {"sources-lang.data": "en"}
    solo = call_callback(other, HEALTH, TICK, state)
    assert [r["name"] for r in solo["sources-table"]["data"]] == ["solo"]
    first = call_callback(client, HEALTH, TICK, state)
    assert {r["name"] for r in first["sources-table"]["data"]} == set(EXPECTED_HEALTH)
    other_store.dispose()


def test_a_push_sources_link_shows_connected_retrying_and_failing_in_both_languages(
    client: FlaskClient, seeded: Seed
) -> None:
    since = NOW - timedelta(minutes=5)  # 09:55 in Asia/Ho_Chi_Minh
    why = "disconnected from broker:1883: Server unavailable"
    wanted = {
        "connected": ("Connected since 02/06 09:55:00", "Đã kết nối từ 02/06 09:55:00"),
        "retrying": (
            f"Retrying since 02/06 09:55:00: {why}",
            f"Đang thử lại từ 02/06 09:55:00: {why}",
        ),
        "failing": (
            f"Failing since 02/06 09:55:00: {why}",
            f"Mất kết nối từ 02/06 09:55:00: {why}",
        ),
    }
    for link, (en, vi) in wanted.items():
        seeded.store.set_link("sim", link, since, None if link == "connected" else why)
        for lang, text in (("en", en), ("vi", vi)):
            rows = call_callback(client, HEALTH, TICK, {"sources-lang.data": lang})["sources-table"]
            sim = next(r for r in rows["data"] if r["name"] == "sim")
            assert sim["link"] == text
            assert sim["next_run"] == t("sources.none", lang)  # a subscription has no interval
        assert (sim["health_code"] == "error") == (link == "failing")
    other = next(r for r in rows["data"] if r["name"] == "ngsi-city")
    assert other["link"] == "—"  # a pull source holds no link
