"""A report acknowledged or closed at the desk is so on every screen: the wall's tiles and its
map layer, /api/v1/kpis and /api/v1/reports agree with the desk (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import dash
import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from dashboard.app import create_app
from dashboard.figures.citymap import TRACE
from dashboard.queries.wall import wall_kpis
from tests.api.seed import NOW, Seed
from tests.pages.test_wall_page import WallClient

# Two days on: RG-2025-00002 (a streetlight, 48 h service level) is overdue, RG-2025-00001
# (a pothole, 72 h) is not yet.
LATER = NOW + timedelta(hours=50)


@pytest.fixture
def later(seeded: Seed) -> Iterator[FlaskClient]:
    """A client of an app on the seeded store whose clock reads LATER."""
    app = create_app(seeded.config, seeded.store, clock=lambda: LATER)
    client = app.server.test_client()
    assert client.get("/wall?lang=en").status_code == 200
    yield client
    dash.page_registry.clear()


def report_id(seeded: Seed, external_id: str) -> int:
    with seeded.store.read_session() as session:
        found = session.execute(
            text("SELECT id FROM reports WHERE external_id = :e"), {"e": external_id}
        ).scalar_one()
    return int(found)


def kpi_values(client: FlaskClient) -> dict[str, Any]:
    items = client.get("/api/v1/kpis").get_json()["items"]
    return {i["key"]: i["value"] for i in items}


def drawn_points(trace: dict[str, Any]) -> int:
    lon = trace.get("lon")
    if lon is None:
        return 0
    if isinstance(lon, dict):  # a typed array
        return len(np.frombuffer(base64.b64decode(lon["bdata"]), dtype=np.dtype(lon["dtype"])))
    return len(lon)


def test_a_report_closed_at_the_desk_is_closed_on_the_wall_and_in_the_api(
    later: FlaskClient, seeded: Seed
) -> None:
    before = kpi_values(later)
    assert (before["reports.open"], before["reports.overdue"]) == (2, 1)
    seeded.store.desk_action(
        report_id(seeded, "RG-2025-00001"), "acknowledge", actor="lan", at=LATER
    )
    seeded.store.desk_action(
        report_id(seeded, "RG-2025-00002"), "close", actor="lan", at=LATER, text="Đã thay bóng"
    )

    after = kpi_values(later)
    assert (after["reports.open"], after["reports.overdue"]) == (1, 0)
    assert after["alerts.active"] == before["alerts.active"] - 1  # the overdue report is gone

    wall = WallClient(later, "?lang=en")
    out = wall.refresh()
    assert wall.tile("reports.open") == "1"
    assert wall.tile("reports.overdue") == "0"
    assert wall.tile("alerts.active") == str(int(after["alerts.active"]))
    data = out["wall-map"]["figure"]["data"]
    assert drawn_points(data[TRACE["reports.open"]]) == 1
    assert drawn_points(data[TRACE["reports.overdue"]]) == 0

    items = {i["external_id"]: i for i in later.get("/api/v1/reports").get_json()["items"]}
    assert items["RG-2025-00001"]["status"] == "acknowledged"
    assert items["RG-2025-00002"]["status"] == "closed"
    assert items["RG-2025-00002"]["closed_at"] == LATER.isoformat().replace("+00:00", "Z")
    closed = later.get("/api/v1/reports?status=closed").get_json()["items"]
    assert sorted(i["external_id"] for i in closed) == ["RG-2025-00002", "RG-2025-00003"]
    # A client polling for changes sees the desk's.
    since = (LATER - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    changed = later.get(f"/api/v1/reports?since={since}").get_json()["items"]
    assert sorted(i["external_id"] for i in changed) == ["RG-2025-00001", "RG-2025-00002"]


def test_a_week_ago_counts_a_report_closed_at_the_desk_as_closed_since_then(
    later: FlaskClient, seeded: Seed
) -> None:
    seeded.store.desk_action(
        report_id(seeded, "RG-2025-00001"), "close", actor="lan", at=NOW, text="Đã vá"
    )
    week_on = NOW + timedelta(days=7, minutes=10)
    with seeded.store.read_session() as session:
        kpis = {k.key: k for k in wall_kpis(session, seeded.config, week_on)}
    # A week before `week_on` (just after NOW) the report was closed at the desk.
    assert kpis["reports.open"].previous == 1  # RG-2025-00002 only
