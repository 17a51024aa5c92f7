"""/sources feed controls: pause/resume write the store's flag, the table and toggles follow."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from dashboard.i18n import t
from layouts.sources import PAUSE, RESUME, ids, pause_request, run_id, toggle_id, toggle_states
from tests.api.seed import SOURCES, Seed
from tests.pages.conftest import call_callback, post_callback, prop_key

ACT = "..sources-acted.data...sources-notice.children.."
SYNC = '..{"source":["ALL"],"type":"sources-toggle"}.children...'
SYNC += '{"source":["ALL"],"type":"sources-toggle"}.value..'
ROUTER = ".._pages_content.children..._pages_store.data.."
HEALTH = "..sources-table.data...sources-updated.children.."
# The feeds that get a toggle: every enabled one, in configuration order.
TOGGLED = [s.name for s in SOURCES if s.enabled]


def _click(
    client: FlaskClient, source: str, actions: dict[str, str | None], lang: str = "en"
) -> Any:
    """Click `source`'s toggle once; `actions` is what each toggle showed (its `value`)."""
    clicks = [
        {"id": toggle_id(n), "property": "n_clicks", "value": 1 if n == source else None}
        for n in TOGGLED
    ]
    values = [{"id": toggle_id(n), "property": "value", "value": actions.get(n)} for n in TOGGLED]
    lang_state = {"id": ids.lang, "property": "data", "value": lang}
    changed = prop_key(toggle_id(source), "n_clicks")
    return post_callback(client, ACT, [clicks], [values, lang_state], changed)


def _health(client: FlaskClient, lang: str = "en") -> dict[str, dict[str, Any]]:
    tick = {"sources-interval.n_intervals": 1, "sources-acted.data": None}
    out = call_callback(client, HEALTH, tick, {"sources-lang.data": lang})
    return {r["name"]: r for r in out["sources-table"]["data"]}


def test_layout_has_a_toggle_per_enabled_feed(client: FlaskClient) -> None:
    out = call_callback(
        client,
        ROUTER,
        {"_pages_location.pathname": "/sources", "_pages_location.search": "?lang=vi"},
    )
    text = json.dumps(out["_pages_content"]["children"], ensure_ascii=False)
    assert text.count('"type": "sources-toggle"') == len(TOGGLED)
    assert all(json.dumps(toggle_id(n))[1:-1] in text for n in TOGGLED)
    assert t("sources.disabled_note", "vi") in text  # mqtt-lamps: no toggle, a note
    assert t("sources.controls", "vi") in text


def test_pause_then_resume_writes_the_store_and_the_table_follows(
    client: FlaskClient, seeded: Seed
) -> None:
    r = _click(client, "sim", {"sim": PAUSE})
    assert r.status_code == 200, r.data[:300]
    out = r.get_json()["response"]
    assert out["sources-notice"]["children"] == "Feed sim paused."
    assert out["sources-acted"]["data"]["paused"] is True
    state = seeded.store.source_state("sim")
    assert state is not None and state.paused
    sim = _health(client)["sim"]
    assert (sim["health_code"], sim["paused"], sim["state"]) == ("paused", True, "Paused")

    r = _click(client, "sim", {"sim": RESUME}, lang="vi")
    assert r.get_json()["response"]["sources-notice"]["children"] == "Đã tiếp tục nguồn sim."
    state = seeded.store.source_state("sim")
    assert state is not None and not state.paused
    assert _health(client)["sim"]["health_code"] == "ok"


def test_resume_of_a_feed_that_never_ran_creates_its_state(
    client: FlaskClient, seeded: Seed
) -> None:
    assert seeded.store.source_state("csv-drop") is None
    assert _click(client, "csv-drop", {"csv-drop": PAUSE}).status_code == 200
    state = seeded.store.source_state("csv-drop")
    assert state is not None and state.paused and state.cursor is None


def test_a_stale_pause_click_keeps_the_feed_paused(client: FlaskClient, seeded: Seed) -> None:
    # Two operators saw "Pause"; the second click arrives after the first paused the feed.
    for _ in range(2):
        assert _click(client, "open311", {"open311": PAUSE}).status_code == 200
    state = seeded.store.source_state("open311")
    assert state is not None and state.paused


def test_clicks_without_a_valid_action_change_nothing(client: FlaskClient, seeded: Seed) -> None:
    # Labels not loaded yet (no action), or an action the page never shows: ignored (204).
    assert _click(client, "sim", {"sim": None}).status_code == 204
    assert _click(client, "sim", {"sim": "delete"}).status_code == 204
    state = seeded.store.source_state("sim")
    assert state is not None and not state.paused


def test_only_configured_enabled_feeds_can_be_paused() -> None:
    assert pause_request("sim", PAUSE, SOURCES) is True
    assert pause_request("sensorthings", RESUME, SOURCES) is False
    assert pause_request("mqtt-lamps", PAUSE, SOURCES) is None  # disabled in the config
    assert pause_request("not-configured", PAUSE, SOURCES) is None
    assert pause_request("sim", None, SOURCES) is None


def test_toggles_show_the_action_each_feed_allows(client: FlaskClient) -> None:
    tick = {"sources-interval.n_intervals": 1, "sources-acted.data": None}
    rows = call_callback(client, HEALTH, tick, {"sources-lang.data": "vi"})["sources-table"]["data"]
    table = {"id": ids.table, "property": "data", "value": rows}
    lang_state = {"id": ids.lang, "property": "data", "value": "vi"}
    outputs = [
        [{"id": toggle_id(n), "property": prop} for n in TOGGLED] for prop in ("children", "value")
    ]
    body = {
        "output": SYNC,
        "outputs": outputs,
        "inputs": [table],
        "state": [lang_state],
        "changedPropIds": [prop_key(ids.table, "data")],
    }
    r = client.post("/_dash-update-component", json=body)
    assert r.status_code == 200, r.data[:300]
    out = r.get_json()["response"]
    labels = {json.loads(k)["source"]: v["children"] for k, v in out.items()}
    actions = {json.loads(k)["source"]: v["value"] for k, v in out.items()}
    assert actions == {n: RESUME if n == "sensorthings" else PAUSE for n in TOGGLED}
    assert labels["sensorthings"] == t("sources.resume", "vi") == "Tiếp tục"
    assert labels["sim"] == t("sources.pause", "vi") == "Tạm dừng"


def test_a_feed_missing_from_the_table_gets_no_action() -> None:
    labels, actions = toggle_states([{"name": "sim", "paused": False}], ["sim", "new"], "en")
    assert (labels, actions) == (["Pause", "…"], [PAUSE, None])


def _run_now(client: FlaskClient, source: str, lang: str = "en") -> Any:
    deps = [d["output"] for d in client.get("/_dash-dependencies").get_json()]
    [output] = [o for o in deps if o.startswith("sources-notice.children@")]
    clicks = [
        {"id": run_id(n), "property": "n_clicks", "value": 1 if n == source else None}
        for n in TOGGLED
    ]
    lang_state = {"id": ids.lang, "property": "data", "value": lang}
    return post_callback(
        client, output, [clicks], [lang_state], prop_key(run_id(source), "n_clicks")
    )


def test_run_now_leaves_a_request_the_scheduler_takes(client: FlaskClient, seeded: Seed) -> None:
    r = _run_now(client, "sim", lang="vi")
    assert r.status_code == 200, r.data[:300]
    notice = r.get_json()["response"]["sources-notice"]["children"]
    assert notice.startswith("Đã yêu cầu chạy nguồn sim")
    state = seeded.store.source_state("sim")
    assert state is not None and state.run_requested_at is not None
    assert seeded.store.take_run_requests() == ["sim"]


def test_run_now_of_an_unknown_feed_writes_nothing(client: FlaskClient, seeded: Seed) -> None:
    deps = [d["output"] for d in client.get("/_dash-dependencies").get_json()]
    [output] = [o for o in deps if o.startswith("sources-notice.children@")]
    forged = [{"id": run_id("not-a-feed"), "property": "n_clicks", "value": 1}]
    lang_state = {"id": ids.lang, "property": "data", "value": "en"}
    r = post_callback(
        client, output, [forged], [lang_state], prop_key(run_id("not-a-feed"), "n_clicks")
    )
    assert r.status_code == 204
    assert seeded.store.take_run_requests() == []
