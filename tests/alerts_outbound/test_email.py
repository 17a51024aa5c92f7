"""Alert e-mail: a local SMTP receiver (aiosmtpd) gets it in vi and en, text and HTML."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from dashboard.alerts.outbound.dispatch import DeliveryWorker
from dashboard.queries import alert_outbox
from dashboard.store import Store
from tests.alerts_outbound.conftest import ESCALATED, outbound_config
from tests.exports.conftest import Mailbox


@pytest.mark.parametrize(
    ("lang", "subject", "words"),
    [
        (
            "vi",
            "[Nghiêm trọng] Cảnh báo tăng mức: AQI cao tại trạm <Rạch Giá 3>",
            "Giá trị: 182 VN_AQI (ngưỡng 150 VN_AQI)",
        ),
        (
            "en",
            "[Critical] Alert escalated: High AQI at station <Rach Gia 3>",
            "Value: 182 VN_AQI (threshold 150 VN_AQI)",
        ),
    ],
)
def test_mail_reaches_the_recipients_in_their_language(
    sqlite_store: Store, mailbox: Mailbox, lang: str, subject: str, words: str
) -> None:
    config = outbound_config(
        sqlite_store,
        email=[{"name": "truc-ban", "to": ["trucban@rachgia.example"], "lang": lang}],
        smtp={
            "host": mailbox.host,
            "port": mailbox.port,
            "from": "ioc@rachgia.example",
            "security": "none",
        },
        exports={"base_url": "https://ioc.example"},
    )
    worker = DeliveryWorker(config, sqlite_store, lambda: datetime.now(UTC))
    worker.notifier().notify(ESCALATED)
    for _ in range(200):
        worker.run_once()
        if mailbox.messages:
            break
        time.sleep(0.02)
    worker.stop()
    (message,) = mailbox.messages
    assert message["Subject"].endswith(subject + " · Rạch Giá")
    assert mailbox.recipients == [["trucban@rachgia.example"]]
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert words in text
    assert "https://ioc.example/alerts?alert=7" in text
    assert "&lt;Rach Gia 3&gt;" in page or "&lt;Rạch Giá 3&gt;" in page  # escaped
    assert "<Rach Gia 3>" not in page and "<Rạch Giá 3>" not in page
    assert "10/12/2026 10:30" in text  # the city's time (UTC+7)
    with sqlite_store.read_session() as s:
        (delivery,) = alert_outbox.deliveries(s)
    assert (delivery.channel, delivery.status) == ("email:truc-ban", "delivered")


def test_a_mail_server_down_is_retried(sqlite_store: Store) -> None:
    config = outbound_config(
        sqlite_store,
        email=[{"name": "truc-ban", "to": ["a@rachgia.example"], "max_attempts": 2}],
        smtp={
            "host": "127.0.0.1",
            "port": 9,
            "from": "ioc@rachgia.example",
            "security": "none",
            "timeout_s": 2,
        },
    )
    worker = DeliveryWorker(config, sqlite_store, lambda: datetime.now(UTC))
    worker.notifier().notify(ESCALATED)
    for _ in range(200):
        worker.run_once()
        with sqlite_store.read_session() as s:
            (delivery,) = alert_outbox.deliveries(s)
        if delivery.status != "pending":
            break
        time.sleep(0.02)
    worker.stop()
    assert delivery.status == "failed"
    assert [a.ok for a in delivery.attempts] == [False, False]
    assert "ConnectionRefused" in (delivery.attempts[0].error or "")
