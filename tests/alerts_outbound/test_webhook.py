"""Webhooks: a local receiver gets each notice signed; failures are retried with every
attempt recorded; delivery state survives a restart (a new worker takes up the pending);
two workers racing on one store (SQLite and PostgreSQL) send each delivery once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from dashboard.alerts.outbound.dispatch import DeliveryWorker
from dashboard.queries import alert_outbox
from dashboard.store import Store
from tests.alerts_outbound.conftest import (
    ESCALATED,
    OPENED,
    SECRET,
    SECRET_ENV,
    Receiver,
    outbound_config,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _until(done: Callable[[], bool], worker: DeliveryWorker, rounds: int = 400) -> None:
    for _ in range(rounds):
        worker.run_once()
        if done():
            return
        time.sleep(0.02)
    raise AssertionError("the deliveries did not settle")


def _hook(receiver: Receiver, **values: object) -> dict[str, object]:
    return {"name": "pccc", "url": receiver.url, "secret": {"env": SECRET_ENV}, **values}


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def _settled(store: Store) -> Callable[[], bool]:
    def done() -> bool:
        with store.read_session() as s:
            return all(d.status != "pending" for d in alert_outbox.deliveries(s))

    return done


def test_receiver_gets_the_notice_signed_with_its_key(
    sqlite_store: Store, receiver: Receiver
) -> None:
    config = outbound_config(
        sqlite_store, webhooks=[_hook(receiver)], exports={"base_url": "https://ioc.example"}
    )
    worker = DeliveryWorker(config, sqlite_store, _now)
    worker.notifier().notify(OPENED)
    worker.notifier().notify(OPENED)  # told twice: stored and sent once
    _until(_settled(sqlite_store), worker)
    worker.stop()
    assert len(receiver.got) == 1
    headers, body = receiver.got[0]
    stamp = headers["X-Cityops-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    assert headers["X-Cityops-Signature"] == f"sha256={expected.hexdigest()}"
    assert headers["Idempotency-Key"] == "7:opened"
    assert headers["X-Cityops-Event"] == "opened"
    data = json.loads(body)
    assert data["schema"] == "cityops.alert-notice/1"
    assert data["alert"]["title"]["vi"] == OPENED.title_vi
    assert data["alert"]["location"] == {"lon": 105.08, "lat": 10.01}
    assert data["at"] == "2026-12-10T03:00:00Z"
    assert data["links"]["cap"] == "https://ioc.example/cap/alerts/7.xml"


def test_filters_by_event_and_severity(sqlite_store: Store, receiver: Receiver) -> None:
    config = outbound_config(
        sqlite_store, webhooks=[_hook(receiver, events=["escalated"], min_severity="critical")]
    )
    worker = DeliveryWorker(config, sqlite_store, _now)
    worker.notifier().notify(OPENED)
    worker.notifier().notify(ESCALATED)
    _until(_settled(sqlite_store), worker)
    worker.stop()
    assert [json.loads(b)["key"] for _, b in receiver.got] == ["7:escalated:critical"]


def test_a_500_then_a_timeout_are_retried_and_every_attempt_recorded(
    sqlite_store: Store, receiver: Receiver
) -> None:
    receiver.answers = [500, ("sleep", 1.0), 200]
    config = outbound_config(sqlite_store, webhooks=[_hook(receiver, timeout_s=0.3)])
    worker = DeliveryWorker(config, sqlite_store, _now)
    worker.notifier().notify(OPENED)
    _until(_settled(sqlite_store), worker)
    worker.stop()
    with sqlite_store.read_session() as s:
        (delivery,) = alert_outbox.deliveries(s)
    assert delivery.status == "delivered"
    tries = [(a.attempt, a.ok, a.http_status) for a in delivery.attempts]
    assert tries == [(1, False, 500), (2, False, None), (3, True, 200)]
    assert "Timeout" in (delivery.attempts[1].error or "")
    keys = {h["Idempotency-Key"] for h, _ in receiver.got}
    assert keys == {"7:opened"}  # the same key on every retry


def test_a_4xx_is_final_and_attempts_stop_at_the_maximum(
    sqlite_store: Store, receiver: Receiver
) -> None:
    receiver.answers = [404, 503, 503, 503]
    config = outbound_config(
        sqlite_store,
        webhooks=[_hook(receiver), _hook(receiver, name="backup", max_attempts=2)],
    )
    worker = DeliveryWorker(config, sqlite_store, _now)
    worker.notifier().notify(OPENED)
    _until(_settled(sqlite_store), worker)
    worker.stop()
    with sqlite_store.read_session() as s:
        states = {d.channel: d for d in alert_outbox.deliveries(s)}
    assert {c: d.status for c, d in states.items()} == {
        "webhook:pccc": "failed",
        "webhook:backup": "failed",
    }
    assert sorted(len(d.attempts) for d in states.values()) == [1, 2]


def test_pending_deliveries_survive_a_restart(sqlite_store: Store, receiver: Receiver) -> None:
    config = outbound_config(sqlite_store, webhooks=[_hook(receiver)])
    first = DeliveryWorker(config, sqlite_store, _now)
    first.notifier().notify(OPENED)  # queued; this process stops before delivering
    first.stop()
    assert receiver.got == []
    restarted = Store(sqlite_store.url)
    second = DeliveryWorker(config, restarted, _now)
    second.start()
    try:
        for _ in range(400):
            if _settled(restarted)():
                break
            time.sleep(0.02)
    finally:
        second.stop()
        restarted.dispose()
    assert len(receiver.got) == 1


def test_two_workers_racing_on_one_store_send_each_delivery_once(
    store: Store, receiver: Receiver
) -> None:
    config = outbound_config(store, webhooks=[_hook(receiver)])
    other = Store(store.url)
    workers = [DeliveryWorker(config, s, _now) for s in (store, other)]
    for alert_id in range(1, 41):  # more than one claim's worth (20) each; through both
        workers[alert_id % 2].notifier().notify(replace(OPENED, alert_id=alert_id))
    assert other.ping()  # both stores' connections open before the race
    start = threading.Barrier(2)
    settled = _settled(store)

    def race(worker: DeliveryWorker) -> None:
        start.wait()
        for _ in range(400):  # until nothing is left to claim (asserted below)
            if worker.run_once() == 0 and settled():
                return

    threads = [threading.Thread(target=race, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w in workers:
        w.stop()
    other.dispose()
    assert settled()
    keys = sorted(h["Idempotency-Key"] for h, _ in receiver.got)
    assert keys == sorted(f"{i}:opened" for i in range(1, 41))  # each sent once
