"""Fixtures for the export tests: an app config whose PDFs go to tmp_path, a local SMTP
receiver (aiosmtpd) and a loopback webhook receiver, each keeping what it was sent."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from dashboard.config import Config
from dashboard.config_exports import ExportsConfig


def with_exports(config: Config, folder: Path, **values: Any) -> Config:
    """`config` with its PDFs kept in `folder` (and any other top-level `values`), validated."""
    data = config.model_dump(by_alias=True)
    data["exports"] = {**ExportsConfig(folder=folder).model_dump(), **values.pop("exports", {})}
    return Config.model_validate({**data, **values})


@dataclass
class Mailbox:
    """What the SMTP receiver took in."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox("127.0.0.1", _free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Hook:
    url: str
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def webhook() -> Iterator[Hook]:
    received: list[tuple[dict[str, str], bytes]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, name="webhook", daemon=True)
    thread.start()
    try:
        yield Hook(f"http://127.0.0.1:{server.server_port}/pdf", received)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
