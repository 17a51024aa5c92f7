"""CAP 1.2: every document validates against the OASIS XSD; the Atom index lists them; the
feed is open by config, else needs an API token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import dash
import pytest
from lxml import etree

from dashboard.alerts.notice import AlertNotice
from dashboard.alerts.outbound.cap import CAP_NS, CapSettings, cap_document
from dashboard.alerts.outbound.dispatch import DeliveryWorker
from dashboard.app import create_app
from dashboard.store import Store
from tests.alerts_outbound.conftest import ESCALATED, OPENED, RESOLVED, T0, outbound_config

XSD = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("CAP-v1.2.xsd"))))
NS = {"cap": CAP_NS, "atom": "http://www.w3.org/2005/Atom"}
SETTINGS = CapSettings(
    sender="ioc@rachgia.example",
    sender_name="IOC Rạch Giá",
    city="Rạch Giá",
    tz=ZoneInfo("Asia/Ho_Chi_Minh"),
    base_url="https://ioc.example",
)
WARD_ONLY = replace(
    OPENED, alert_id=8, scope="ward:Phường Rạch Giá", asset_id=None, lon=None, lat=None
)


def _valid(doc: bytes) -> etree._Element:
    root = etree.fromstring(doc)
    assert XSD.validate(root), XSD.error_log
    return root


@pytest.mark.parametrize(
    ("notices", "msg_type", "severity", "urgency"),
    [
        ((OPENED,), "Alert", "Moderate", "Immediate"),
        ((OPENED, ESCALATED), "Update", "Severe", "Immediate"),
        (
            (OPENED, ESCALATED, replace(ESCALATED, event="acknowledged")),
            "Update",
            "Severe",
            "Immediate",
        ),
        ((OPENED, ESCALATED, RESOLVED), "Cancel", "Severe", "Past"),
    ],
)
def test_each_message_of_an_alert_validates(
    notices: tuple[AlertNotice, ...], msg_type: str, severity: str, urgency: str
) -> None:
    root = _valid(cap_document(notices, SETTINGS))
    assert root.findtext("cap:msgType", namespaces=NS) == msg_type
    assert root.findtext("cap:status", namespaces=NS) == "Actual"
    assert root.findtext("cap:scope", namespaces=NS) == "Public"
    infos = root.findall("cap:info", NS)
    assert [i.findtext("cap:language", namespaces=NS) for i in infos] == ["vi-VN", "en-US"]
    assert {i.findtext("cap:severity", namespaces=NS) for i in infos} == {severity}
    assert {i.findtext("cap:urgency", namespaces=NS) for i in infos} == {urgency}
    assert infos[0].findtext("cap:headline", namespaces=NS) == OPENED.title_vi
    assert infos[1].findtext("cap:area/cap:circle", namespaces=NS) == "10.01000,105.08000 0.5"
    refs = root.findtext("cap:references", namespaces=NS)
    if msg_type == "Alert":
        assert refs is None
    else:
        assert refs is not None and refs.startswith(
            "ioc@rachgia.example,cityops-alert-7-1,2026-12-10T10:00:00+07:00"
        )


def test_a_ward_alert_carries_the_ward_polygon() -> None:
    ring = [(105.07, 10.0), (105.09, 10.0), (105.09, 10.02), (105.07, 10.02)]
    root = _valid(cap_document([WARD_ONLY], SETTINGS, ring))
    polygon = root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)
    assert polygon is not None
    points = polygon.split()
    assert len(points) == 5 and points[0] == points[-1] == "10.00000,105.07000"


@pytest.fixture
def served(sqlite_store: Store) -> Iterator[tuple[Store, dash.Dash]]:
    config = outbound_config(sqlite_store, alerts_cap=None)
    worker = DeliveryWorker(config, sqlite_store, lambda: T0)
    for notice in (OPENED, ESCALATED, WARD_ONLY, replace(OPENED, alert_id=9, event="opened")):
        worker.notifier().notify(notice)
    old = replace(OPENED, alert_id=10, at=T0 - timedelta(days=3), opened_at=T0 - timedelta(days=3))
    worker.notifier().notify(old)
    worker.notifier().notify(replace(old, event="resolved", at=T0 - timedelta(days=2)))
    worker.stop()
    yield sqlite_store, create_app(config, sqlite_store, clock=lambda: T0 + timedelta(hours=1))
    dash.page_registry.clear()


def test_the_feed_lists_current_alerts_and_serves_each_document(
    served: tuple[Store, dash.Dash],
) -> None:
    _, app = served
    client = app.server.test_client(role=None)  # nobody signed in: the feed is public
    index = client.get("/cap/alerts.atom")
    assert index.status_code == 200
    assert index.content_type.startswith("application/atom+xml")
    feed = etree.fromstring(index.data)
    links = [e.get("href") for e in feed.findall("atom:entry/atom:link", NS)]
    assert sorted(links) == [f"http://localhost/cap/alerts/{i}.xml" for i in (7, 8, 9)]
    for link in links:
        doc = client.get(link.removeprefix("http://localhost"))
        assert doc.status_code == 200 and doc.content_type.startswith("application/cap+xml")
        _valid(doc.data)
    ward = _valid(client.get("/cap/alerts/8.xml").data)
    assert ward.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)  # from the ward file
    assert client.get("/cap/alerts/404.xml").status_code == 404


def test_a_closed_feed_needs_an_api_token(sqlite_store: Store) -> None:
    config = outbound_config(sqlite_store, alerts_cap={"public": False})
    app = create_app(config, sqlite_store, clock=lambda: T0)
    try:
        assert app.server.test_client(role=None).get("/cap/alerts.atom").status_code == 401
    finally:
        dash.page_registry.clear()
