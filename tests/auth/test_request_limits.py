"""Request bodies: nobody's body is read before the sign-in is checked, none is read past the
configured size (413), and JSON nested too deep is a 400, never a 500."""

from __future__ import annotations

import io
from collections.abc import Callable

import dash
import pytest

from dashboard.app import create_app
from dashboard.config import ServerConfig
from tests.api.seed import Seed
from tests.auth.conftest import Caller

CALLBACK = "/_dash-update-component"


class CountingStream(io.BytesIO):
    """A request body that counts the bytes the server read of it."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.read_bytes += len(data)
        return data


def post_stream(
    who: Caller, path: str, body: bytes, content_type: str, length: int | None = None
) -> tuple[int, int]:
    """POST `body` (announced as `length` bytes); (status, bytes the server read)."""
    stream = CountingStream(body)
    announced = len(body) if length is None else length
    r = who.client.post(
        path,
        input_stream=stream,
        content_type=content_type,
        headers=who.headers,
        environ_overrides={"CONTENT_LENGTH": str(announced)},
    )
    return r.status_code, stream.read_bytes


def test_an_anonymous_callback_is_refused_before_its_body_is_read(
    caller: Callable[[str], Caller],
) -> None:
    nobody = caller("anonymous")
    assert post_stream(nobody, CALLBACK, b"{not json" * 1000, "application/json") == (401, 0)
    deep = b'{"output": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert post_stream(nobody, CALLBACK, deep, "application/json") == (401, 0)


def test_a_body_over_the_size_limit_is_refused_unread(
    caller: Callable[[str], Caller],
) -> None:
    limit = int(ServerConfig().max_request_mb * 1024 * 1024)
    assert 1024 * 1024 <= limit <= 32 * 1024 * 1024, "a sane default"
    cases = [
        ("anonymous", CALLBACK, "application/json"),
        ("viewer", CALLBACK, "application/json"),
        ("anonymous", "/login", "application/x-www-form-urlencoded"),
        ("viewer", "/api/v1/kpis", "application/json"),
    ]
    wrong = {}
    for kind, path, content_type in cases:
        status, read = post_stream(caller(kind), path, b"{}", content_type, length=limit + 1)
        if (status, read) != (413, 0):
            wrong[f"{kind} {path}"] = (status, read)
    assert wrong == {}


def test_the_size_limit_is_configurable_and_holds_for_a_real_body(seeded: Seed) -> None:
    server = ServerConfig(max_request_mb=0.5)
    app = create_app(seeded.config.model_copy(update={"server": server}), seeded.store)
    try:
        client = app.server.test_client(role=None)
        form = {"name": "x" * (600 * 1024), "password": "p", "csrf": "c"}
        assert client.post("/login", data=form).status_code == 413
        assert client.post("/login", data={"name": "x", "csrf": "c"}).status_code == 400
    finally:
        dash.page_registry.clear()


@pytest.mark.parametrize("kind", ["viewer", "admin"])
def test_json_nested_too_deep_is_refused_with_a_400(
    caller: Callable[[str], Caller], kind: str
) -> None:
    who = caller(kind)
    for body in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"output": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ):
        assert post_stream(who, CALLBACK, body, "application/json")[0] == 400
