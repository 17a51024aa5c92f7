"""FIWARE notifications pushed to the app: authenticated by the source's token, stored once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.config import load_config
from dashboard.store import Store
from tests.sources.fiware_fakes import rach_gia_city
from tests.store.data import count, frame

AT = datetime(2025, 11, 12, 11, 0, tzinfo=UTC)
TOKEN = "s3cret-notify-token"
V2 = "/ngsi/v2/notify/orion"
LD = "/ngsi-ld/v1/notify/broker"


@pytest.fixture
def client(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    monkeypatch.setenv("RG_NOTIFY", TOKEN)
    common = {"notify_token": {"env": "RG_NOTIFY"}, "notify_max_kb": 64}
    config = load_config(
        env={},
        overrides={
            "sources": [
                {"name": "sim", "type": "simulator"},
                {"name": "orion", "type": "ngsi-v2", "url": "http://127.0.0.1:9", **common},
                {"name": "broker", "type": "ngsi-ld", "url": "http://127.0.0.1:9", **common},
                {"name": "quiet", "type": "ngsi-v2", "url": "http://127.0.0.1:9"},
            ]
        },
    )
    app = create_app(config, store, clock=lambda: AT)
    yield app.server.test_client(role=None)
    dash.page_registry.clear()


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_orion_notification_is_stored_once_with_its_run(
    client: FlaskClient, store: Store
) -> None:
    body = {"subscriptionId": "5f1a", "data": rach_gia_city("v2-normalized", AT)}
    first = client.post(V2, json=body, headers=bearer())
    assert first.status_code == 200, first.get_data(as_text=True)
    readings = count(store, "readings")
    assert readings == 12 and count(store, "reports") == 2
    # a control cabinet has no observation time of its own: dated by dateModified only when
    # the subscription notifies it (README), here it is not
    assert first.json["rejected"] == 1
    levels = frame(
        store,
        "SELECT r.value FROM readings r JOIN series s ON s.id = r.series_id "
        "WHERE s.metric = 'water_level_cm' ORDER BY r.value",
    )
    assert levels["value"].tolist() == [198.0, 240.0]  # 1.98 m and 2.4 m
    again = client.post(V2, json=body, headers=bearer())
    assert again.status_code == 200 and count(store, "readings") == readings
    runs = frame(store, "SELECT source, status FROM source_runs")
    assert runs.values.tolist() == [["orion", "ok"], ["orion", "ok"]]


def test_an_ngsi_ld_notification_is_read_with_the_ld_mapping(
    client: FlaskClient, store: Store
) -> None:
    body = {
        "id": "urn:ngsi-ld:Notification:1",
        "type": "Notification",
        "subscriptionId": "urn:s:1",
        "notifiedAt": "2025-11-12T11:00:01Z",
        "data": rach_gia_city("ld-concise", AT),
    }
    answer = client.post(LD, json=body, headers=bearer())
    # rejected: the cabinet (no modifiedAt) and the concise co 500 read as mg/m³ (no unitCode)
    assert answer.status_code == 200 and answer.json == {"stored": 18, "rejected": 2}
    assert count(store, "readings") == 10


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        (V2, {}, 401),
        (V2, {"Authorization": "Bearer wrong"}, 401),
        (V2, {"Authorization": f"Basic {TOKEN}"}, 401),
        ("/ngsi/v2/notify/broker", bearer(), 404),  # an ngsi-ld source on the v2 path
        ("/ngsi/v2/notify/sim", bearer(), 404),  # not an NGSI source
        ("/ngsi/v2/notify/nobody", bearer(), 404),
        ("/ngsi/v2/notify/quiet", bearer(), 404),  # takes no notifications
    ],
)
def test_a_notification_without_the_sources_token_or_source_stores_nothing(
    client: FlaskClient, store: Store, path: str, headers: dict[str, str], status: int
) -> None:
    body = {"subscriptionId": "x", "data": rach_gia_city("v2-normalized", AT)}
    assert client.post(path, json=body, headers=headers).status_code == status
    assert count(store, "readings") == 0 and count(store, "source_runs") == 0


def test_an_oversized_or_malformed_body_is_refused(client: FlaskClient, store: Store) -> None:
    big = {"subscriptionId": "x", "data": rach_gia_city("v2-normalized", AT, copies=20)}
    assert client.post(V2, json=big, headers=bearer()).status_code == 413
    not_json = client.post(
        V2, data=b'{"data": [', headers=bearer(), content_type="application/json"
    )
    assert not_json.status_code == 400
    no_data = client.post(V2, json={"subscriptionId": "x"}, headers=bearer())
    assert no_data.status_code == 400 and "data" in no_data.json["message"]
    assert count(store, "readings") == 0


def test_a_bad_entity_in_a_notification_is_quarantined_and_the_rest_stored(
    client: FlaskClient, store: Store
) -> None:
    body = {
        "subscriptionId": "x",
        "data": [*rach_gia_city("v2-normalized", AT), {"id": "lamp", "type": "Streetlight"}],
    }
    answer = client.post(V2, json=body, headers=bearer())
    assert answer.status_code == 200 and answer.json["rejected"] == 2
    assert count(store, "readings") == 12
    reasons = frame(store, "SELECT reason FROM quarantine")["reason"].tolist()
    assert "Streetlight 'lamp' has no location" in reasons
