"""/alerts shows the engine's alerts (both databases), through the callbacks the browser
calls: the open and acknowledged ones most severe first, the history below, the times to
acknowledge and resolve; its filters; and the acknowledgement, operators only, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard.auth import Role
from dashboard.queries.alert_list import AlertFilter, list_alerts
from dashboard.store.alerts import AlertView
from tests.api.alert_seed import open_alerts
from tests.api.seed import WARD_A, Seed
from tests.pages.test_drill_pages import fire

PANELS = "..alerts-map.figure"
ACK = "..alerts-acked.data"


@pytest.fixture
def alerts(seeded: Seed) -> dict[str, AlertView]:
    return open_alerts(seeded.store)


def _view(client: FlaskClient, view: str = "", lang: str = "en") -> dict[str, Any]:
    return fire(
        client,
        PANELS,
        {"alerts-filter.data": view, "alerts-url.search": f"?lang={lang}"},
        "alerts-filter.data",
    )


@pytest.mark.parametrize(
    ("lang", "title", "critical"),
    [
        ("en", "Water level above flood stage", "Critical"),
        ("vi", "Mực nước vượt mức ngập lụt", "Nghiêm trọng"),
    ],
)
def test_current_alerts_most_severe_first_then_the_history(
    client: FlaskClient, alerts: dict[str, AlertView], lang: str, title: str, critical: str
) -> None:
    out = _view(client, lang=lang)
    current = out["alerts-current"]["data"]
    assert [r["alert"] for r in current] == [str(alerts["flood"].id), str(alerts["air"].id)]
    flood, air = current
    assert flood["title"] == title and flood["severity"] == critical
    assert (flood["ward"], flood["id"], flood["value"], flood["threshold"]) == (
        WARD_A,
        "light-00001",
        152.0,
        140.0,
    )
    assert flood["opened"] == "02/06/2025 09:30" and flood["acknowledged_by"] is None
    assert air["acknowledged_by"] == "op1" and air["ack_comment"] == "đã báo Sở TN&MT"
    assert air["acknowledged"] == "02/06/2025 08:30"
    history = out["alerts-history"]["data"]
    assert [r["alert"] for r in history] == [str(alerts["jam"].id)]
    assert history[0]["resolve_min"] == 60
    timings = {r["rule"]: r for r in out["alerts-timings"]["data"]}
    assert timings["air-bad"]["ack_min"] == 30 and timings["air-bad"]["acked_count"] == 1
    assert timings["traffic-jam"]["resolve_min"] == 60
    assert timings["water-flood-stage"]["ack_min"] is None
    names = [trace.get("name") for trace in out["alerts-map"]["figure"]["data"]]
    assert critical in names


def test_filters_cut_the_lists(client: FlaskClient, alerts: dict[str, AlertView]) -> None:
    resolved = _view(client, "status=resolved")
    assert resolved["alerts-current"]["data"] == []
    assert len(resolved["alerts-history"]["data"]) == 1
    critical = _view(client, "severity=critical")
    assert [r["alert"] for r in critical["alerts-current"]["data"]] == [str(alerts["flood"].id)]
    traffic = _view(client, "domain=traffic")
    assert traffic["alerts-current"]["data"] == [] and len(traffic["alerts-history"]["data"]) == 1


def _ack(client: FlaskClient, alert_id: int, comment: str) -> Any:
    return fire(
        client,
        ACK,
        {
            "alerts-ack-button.n_clicks": 1,
            "alerts-ack-alert.value": str(alert_id),
            "alerts-ack-comment.value": comment,
            "alerts-url.search": "?lang=en",
        },
        "alerts-ack-button.n_clicks",
    )


def _status(seeded: Seed, alert_id: int) -> AlertView:
    with seeded.store.read_session() as session:
        found, _ = list_alerts(session, AlertFilter())
    return next(a for a in found if a.id == alert_id)


def test_an_operator_acknowledges_with_a_comment(
    client_as: Callable[[Role | None], FlaskClient], seeded: Seed, alerts: dict[str, AlertView]
) -> None:
    operator = client_as("operator")
    flood = alerts["flood"].id
    refused = _ack(operator, flood, "  ")
    assert refused["alerts-ack-notice"]["children"] == "An acknowledgement needs a comment."
    assert _status(seeded, flood).status == "open"
    done = _ack(operator, flood, "đội ứng cứu đã đến")
    assert done["alerts-acked"]["data"] == {"alert": flood}
    assert done["alerts-ack-notice"]["children"] == f"Alert #{flood} acknowledged."
    acked = _status(seeded, flood)
    assert acked.status == "acknowledged" and acked.ack_comment == "đội ứng cứu đã đến"
    again = _ack(operator, flood, "lần nữa")
    assert "no longer open" in again["alerts-ack-notice"]["children"]


def test_a_viewer_cannot_acknowledge(
    client_as: Callable[[Role | None], FlaskClient], seeded: Seed, alerts: dict[str, AlertView]
) -> None:
    viewer = client_as("viewer")
    flood = alerts["flood"].id
    from tests.pages.conftest import post_callback
    from tests.pages.test_drill_pages import dependency

    dep = dependency(viewer, ACK)
    values = {
        "alerts-ack-button.n_clicks": 1,
        "alerts-ack-alert.value": str(flood),
        "alerts-ack-comment.value": "x",
    }
    specs = [
        {
            "id": i["id"],
            "property": i["property"],
            "value": values.get(f"{i['id']}.{i['property']}"),
        }
        for i in dep["inputs"]
    ]
    states = [
        {
            "id": i["id"],
            "property": i["property"],
            "value": values.get(f"{i['id']}.{i['property']}"),
        }
        for i in dep["state"]
    ]
    r = post_callback(viewer, dep["output"], specs, states, "alerts-ack-button.n_clicks")
    assert r.status_code == 403
    assert _status(seeded, flood).status == "open"


def test_the_open_alerts_are_the_ones_to_choose(client: FlaskClient) -> None:
    rows = [
        {"alert": "3", "title": "Flood", "acknowledged_by": None},
        {"alert": "2", "title": "Air", "acknowledged_by": "op1"},
    ]
    out = fire(
        client, "alerts-ack-alert.options", {"alerts-current.data": rows}, "alerts-current.data"
    )
    assert out["alerts-ack-alert"]["options"] == [{"label": "#3 Flood", "value": "3"}]
