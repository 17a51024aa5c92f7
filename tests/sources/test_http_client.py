"""The shared HTTP client against a real loopback server that answers one scripted step a request.

Sleeps go to an injected recorder and jitter to a fixed random source, so nothing here waits but
the one slow answer (past a 0.2 s read timeout).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from data_sources.http import FeedClient, FeedError, HttpSettings, retry_after_seconds


@dataclass
class Step:
    status: int = 200
    body: bytes = b'{"ok": true}'
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    content_length: bool = True


class Feed:
    """The scripted server: `steps` answered in order; every request's path is kept."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.url = ""


@pytest.fixture
def feed() -> Iterator[Feed]:
    state = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with state.lock:
                state.requests.append((self.path, dict(self.headers)))
                step = state.steps.pop(0) if state.steps else Step(500, b"script exhausted")
            time.sleep(step.delay)
            self.send_response(step.status)
            for k, v in step.headers.items():
                self.send_header(k, v)
            if step.content_length:
                self.send_header("Content-Length", str(len(step.body)))
            self.end_headers()
            self.wfile.write(step.body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, *args: object) -> None:  # the client gave up on a slow answer
            pass

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


class Clock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def client(clock: Clock, **settings: object) -> FeedClient:
    base: dict[str, object] = {"backoff_base": 1.0, "backoff_cap": 10.0, "max_retries": 3}
    return FeedClient(
        HttpSettings.model_validate(base | settings), sleep=clock.sleep, random=lambda: 0.5
    )


def test_503_then_200_retries_after_jittered_backoff(feed: Feed) -> None:
    feed.steps = [
        Step(503, b"busy"),
        Step(503),
        Step(200, b'{"n": 3}', {"Fiware-Total-Count": "3"}),
    ]
    clock = Clock()
    with client(clock) as c:
        resp = c.get(f"{feed.url}/v2/entities", params={"type": "AirQualityObserved"})
    assert resp.json() == {"n": 3}
    assert resp.headers["fiware-total-count"] == "3"
    assert resp.attempts == 3
    assert [p for p, _ in feed.requests] == ["/v2/entities?type=AirQualityObserved"] * 3
    assert clock.sleeps == [0.5, 1.0]  # 0.5 * 1 * 2**n


def test_429_honours_retry_after_within_the_cap(feed: Feed) -> None:
    feed.steps = [Step(429, headers={"Retry-After": "2"}), Step(429, headers={"Retry-After": "99"})]
    feed.steps.append(Step())
    clock = Clock()
    assert client(clock).get_json(f"{feed.url}/x") == {"ok": True}
    assert len(feed.requests) == 3
    assert clock.sleeps == [2.0, 10.0]


def test_retry_after_as_an_http_date() -> None:
    now = 1_700_000_000.0
    assert retry_after_seconds(formatdate(now + 7, usegmt=True), now) == 7.0
    assert retry_after_seconds(formatdate(now - 7, usegmt=True), now) == 0.0
    assert retry_after_seconds("soon", now) is None


def test_slow_answer_times_out_then_retries(feed: Feed) -> None:
    feed.steps = [Step(delay=0.6), Step(200, b"[1, 2]")]
    clock = Clock()
    assert client(clock, read_timeout=0.2).get_json(f"{feed.url}/slow") == [1, 2]
    assert len(feed.requests) == 2
    assert clock.sleeps == [0.5]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "streamed"])
def test_body_past_the_limit_is_refused(feed: Feed, declared: bool) -> None:
    feed.steps = [Step(body=b"[" + b"1," * 2000 + b"1]", content_length=declared)]
    with pytest.raises(FeedError, match="larger than the limit of 1024 bytes") as err:
        client(Clock(), max_response_bytes=1024).get_json(f"{feed.url}/big")
    assert err.value.attempts == 1
    assert len(feed.requests) == 1


def test_404_is_not_retried_and_hides_secrets(feed: Feed) -> None:
    feed.steps = [Step(404, b'{"error": "NotFound", "description": "no such entity"}')]
    clock = Clock()
    with pytest.raises(FeedError) as err:
        client(clock).get_json(f"http://u:pw@{feed.url[7:]}/v2/e", params={"api_key": "s3cret"})
    msg = str(err.value)
    assert msg.startswith(f"GET {feed.url}/v2/e?api_key=%28hidden%29: HTTP 404 Not Found: ")
    assert "no such entity" in msg and msg.endswith("(1 attempt)")
    assert "s3cret" not in msg and "pw" not in msg
    assert err.value.status == 404
    assert len(feed.requests) == 1 and clock.sleeps == []
    assert feed.requests[0][1]["Authorization"].startswith("Basic ")  # the secret is still sent


def test_invalid_json(feed: Feed) -> None:
    feed.steps = [Step(body=b"<html>oops</html>")]
    with pytest.raises(
        FeedError, match=r"/j: invalid JSON in the HTTP 200 answer: .*\(1 attempt\)"
    ):
        client(Clock()).get_json(f"{feed.url}/j")


def test_retries_exhausted(feed: Feed) -> None:
    feed.steps = [Step(502, b"")] * 3
    clock = Clock()
    with pytest.raises(FeedError, match=r"HTTP 502 Bad Gateway; gave up \(3 attempts\)"):
        client(clock, max_retries=2).get_json(f"{feed.url}/down")
    assert len(feed.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clock = Clock()
    with pytest.raises(FeedError, match=r"could not connect.*gave up \(2 attempts\)"):
        client(clock, max_retries=1).get(f"http://127.0.0.1:{port}/")
    assert clock.sleeps == [0.5]


def test_settings_headers_and_an_injected_client(feed: Feed) -> None:
    feed.steps = [Step()]
    injected = httpx.Client()
    c = FeedClient(HttpSettings(headers={"Fiware-Service": "rachgia"}), injected)
    c.get_json(f"{feed.url}/", headers={"Fiware-ServicePath": "/air"})
    c.close()
    c.close()
    assert not injected.is_closed  # the caller owns it
    injected.close()
    sent = feed.requests[0][1]
    assert (sent["Fiware-Service"], sent["Fiware-ServicePath"]) == ("rachgia", "/air")


def test_construction_is_lazy_and_close_idempotent() -> None:
    c = FeedClient()
    assert c._client is None
    c.close()
    made = c.client
    c.close()
    c.close()
    assert made.is_closed and c._client is None


def test_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="backoff_cap"):
        HttpSettings(backoff_base=5, backoff_cap=1)
    with pytest.raises(ValueError, match="extra"):
        HttpSettings.model_validate({"retries": 3})
