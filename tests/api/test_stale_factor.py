"""`[wall] stale_factor` is the one threshold of a stale feed: with it changed, /healthz,
/api/v1/sources, /sources and the wall's feed strip still agree on which feeds are stale
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.config import Config
from tests.api.seed import NOW, REPORTS, Seed
from tests.pages.conftest import call_callback
from tests.pages.test_sources_page import HEALTH, TICK
from tests.pages.test_wall_page import WallClient, pattern


def with_stale_factor(config: Config, factor: float) -> Config:
    return config.model_copy(
        update={"wall": config.wall.model_copy(update={"stale_factor": factor})}
    )


@pytest.fixture
def client(seeded: Seed) -> Iterator[FlaskClient]:
    """A client of an app on the seeded store whose config sets stale_factor = 30, where
    open311 delivered a report 2 h ago (its interval is 300 s and it ran 100 s ago)."""
    at = NOW - timedelta(hours=2)
    report = replace(REPORTS[0], external_id="RG-2025-00311", created_at=at, updated_at=at)
    seeded.store.ingest("open311", reports=[report], now=at)
    config = with_stale_factor(seeded.config, 30.0)
    app = create_app(config, seeded.store, clock=lambda: NOW)
    client = app.server.test_client()
    assert client.get("/wall?lang=en").status_code == 200
    yield client
    dash.page_registry.clear()


def test_every_screen_agrees_on_stale_whatever_the_stale_factor(client: FlaskClient) -> None:
    items = client.get("/healthz").get_json()["sources"]
    health = {i["name"]: i["stale"] for i in items}
    api = {i["name"]: i["stale"] for i in client.get("/api/v1/sources").get_json()["items"]}
    rows = call_callback(client, HEALTH, TICK, {"sources-lang.data": "en"})["sources-table"]
    page = {r["name"]: r["age"].startswith("⚠") for r in rows["data"]}
    wall = WallClient(client, "?lang=en")
    wall.refresh()
    # The strip shows the feeds that run (a paused or never-run one is named so on /sources).
    running = [i["name"] for i in items if i["health"] not in ("disabled", "paused", "never")]
    strip = {n: "is-stale" in wall.state(pattern("wall-feed", n), "className") for n in running}
    assert health == api == page
    assert strip == {n: health[n] for n in running}
    # open311's report is 2 h old at a 300 s interval: stale past 3 x, not past 30 x.
    assert "open311" in running and not health["open311"]
