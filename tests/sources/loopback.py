"""A loopback HTTP server that behaves like a real feed: a test's app answers, faults interrupt.

    def orion(req: Request) -> Response:      # the fake server, over the standards' payloads
        return Response.json(page_of(entities, req.query), headers={"Fiware-Total-Count": "3"})

    with serve(orion) as server:
        server.faults += [Fault(status=503), Fault(status=429, retry_after="1")]
        ... connector pointed at server.url ...
        assert server.requests[0].path == "/v2/entities"

Faults are taken one per request, in order, before the app is asked: an error status (with
`Retry-After`), a delay (a slow answer), a body cut short (truncated JSON), a wrong content
type, or a dropped connection. Every request is kept (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Fault", "Request", "Response", "Server", "serve"]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query argument `name`."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        return cls(status, body, {"Content-Type": "application/json", **(headers or {})})


@dataclass(frozen=True)
class Fault:
    """What goes wrong with one request (fields combine: a slow 503, say)."""

    status: int | None = None  # answer this instead of asking the app
    retry_after: str | None = None
    delay: float = 0.0  # seconds before answering
    truncate: int | None = None  # send only the first N bytes of the app's body
    content_type: str | None = None  # replace the app's content type
    drop: bool = False  # close the connection without an answer


@dataclass
class Server:
    url: str = ""
    faults: list[Fault] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


App = Callable[[Request], Response]


@contextmanager
def serve(app: App) -> Iterator[Server]:
    """Run `app` on 127.0.0.1 (a free port) for the block; `Server.url` has no trailing slash."""
    state = Server()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = Request(
                self.command,
                parts.path,
                parse_qs(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            with state.lock:
                state.requests.append(req)
                fault = state.faults.pop(0) if state.faults else Fault()
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                return
            if fault.status is not None:
                resp = Response.json(
                    {"error": "InjectedFault", "description": f"HTTP {fault.status}"},
                    fault.status,
                )
                if fault.retry_after is not None:
                    resp.headers["Retry-After"] = fault.retry_after
            else:
                resp = app(req)
            payload = resp.body if fault.truncate is None else resp.body[: fault.truncate]
            self.send_response(resp.status)
            headers = dict(resp.headers)
            if fault.content_type is not None:
                headers["Content-Type"] = fault.content_type
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        def log_message(self, *args: object) -> None:
            pass

    class Threaded(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, *args: object) -> None:  # a client that gave up on a slow answer
            pass

    server = Threaded(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
