"""Fixtures for the outbound alert tests: notices of one alert's life, a store on SQLite, a
local HTTP receiver that answers as a test tells it (and keeps what it got), the SMTP
receiver of the export tests, and a config naming them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dashboard.alerts.notice import AlertNotice
from dashboard.config import Config
from dashboard.store import Store
from tests.exports.conftest import Mailbox, mailbox  # noqa: F401  (the fixture, reused)

T0 = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
SECRET_ENV = "CITYOPS_TEST_HOOK_SECRET"
SECRET = "s3cret-shared-with-the-receiver"

OPENED = AlertNotice(
    alert_id=7,
    event="opened",
    at=T0,
    rule="aqi-high",
    title_vi="AQI cao tại trạm <Rạch Giá 3>",
    title_en="High AQI at station <Rach Gia 3>",
    severity="warning",
    domain="environment",
    scope="asset:sim:air-03",
    ward="Phường Rạch Giá",
    zone=None,
    asset_id="sim:air-03",
    lon=105.08,
    lat=10.01,
    value=182.0,
    threshold=150.0,
    unit="VN_AQI",
    opened_at=T0,
)
ESCALATED = replace(OPENED, event="escalated", severity="critical", at=T0 + timedelta(minutes=30))
RESOLVED = replace(ESCALATED, event="resolved", value=120.0, at=T0 + timedelta(hours=2))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'cityops.db'}")
    store.upgrade()
    yield store
    store.dispose()


@dataclass
class Receiver:
    """A webhook receiver: answers each POST with the next of `answers` (status, or
    ("sleep", seconds) to answer 200 too late), then 200; keeps every request."""

    url: str
    answers: list[Any] = field(default_factory=list)
    got: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.got.append((dict(self.headers.items()), body))
            answer = box.answers.pop(0) if box.answers else 200
            if isinstance(answer, tuple):
                time.sleep(answer[1])
                answer = 200
            self.send_response(answer)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_port}/hook"
    try:
        yield box
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def outbound_config(
    store: Store,
    *,
    webhooks: Sequence[dict[str, Any]] = (),
    email: Sequence[dict[str, Any]] = (),
    alerts_cap: dict[str, Any] | None = None,
    **more: Any,
) -> Config:
    """A config on `store` with these `[alerts]` channels (retries fast: 50 ms backoff)."""
    fast = {"backoff_s": 0.05, "max_backoff_s": 0.2}
    alerts = {
        "webhooks": [{**fast, **w} for w in webhooks],
        "email": [{**fast, **e} for e in email],
        "cap": alerts_cap or {},
    }
    return Config.model_validate({"database": {"url": store.url}, "alerts": alerts, **more})
