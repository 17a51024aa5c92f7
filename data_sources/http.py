"""HTTP done once: the client every HTTP connector uses, not a connector itself.

A connector embeds `HttpSettings` in its own `Settings` (`http: HttpSettings = HttpSettings()`)
and holds one `FeedClient`, built from those settings and the optional injected `httpx.Client`
its constructor takes. `FeedClient` does no I/O until the first request. Each request:

- has separate connect and read timeouts (the read timeout bounds each wait for bytes);
- is retried, at most `max_retries` times, on a timeout, a connection error, 429 and 5xx, after
  a sleep of exponential backoff with full jitter (`random() * min(cap, base * 2**n)`), or the
  server's `Retry-After` (seconds or an HTTP date) where it gives one, never beyond the cap;
- reads its body streaming and stops past `max_response_bytes`, or when one attempt has taken
  longer than `total_timeout` (a server trickling bytes; retried like a timeout).

Everything else (any other 4xx, a body that is too large or not JSON, retries exhausted, a URL
httpx refuses) raises `FeedError`, whose message is fit to be recorded on the run: method, the
URL with userinfo and secret query values hidden, the status, what happened and the attempts.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import random as _random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Self

import httpx
from pydantic import AfterValidator, Field, model_validator

from .base import ConnectorSettings
from .credentials import CredentialError, Secret

__all__ = ["FeedClient", "FeedError", "FeedResponse", "FeedUrl", "HttpSettings", "redact_url"]

log = logging.getLogger(__name__)

_RETRY_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# Query keys whose values a message never repeats.
_SECRET_PARAMS = ("key", "token", "secret", "password", "signature", "sig", "auth", "credential")
_ERROR_BODY_CHARS = 200


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")) or len(value) < 8:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


# A feed's base URL in a connector's settings: http(s) only, kept without a trailing slash.
FeedUrl = Annotated[str, AfterValidator(_http_url)]


class HttpSettings(ConnectorSettings):
    """How a connector talks HTTP; every key defaulted, embedded in the connector's `Settings`."""

    connect_timeout: float = Field(default=5.0, gt=0, le=120)
    read_timeout: float = Field(default=30.0, gt=0, le=600)
    # Bound of one whole attempt (a server trickling bytes never holds a run longer).
    total_timeout: float = Field(default=120.0, gt=0, le=3600)
    max_retries: int = Field(default=3, ge=0, le=10)
    backoff_base: float = Field(default=0.5, gt=0, le=60)
    backoff_cap: float = Field(default=30.0, gt=0, le=600)
    max_response_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    headers: dict[str, str] = Field(default_factory=dict)
    # Credentials (see data_sources.credentials): a bearer token, or a user and password
    # (HTTP basic); read at the first request, sent on every one.
    bearer_token: Secret | None = None
    username: str | None = None
    password: Secret | None = None

    @model_validator(mode="after")
    def _cap_above_base(self) -> Self:
        if self.backoff_cap < self.backoff_base:
            raise ValueError("backoff_cap must be at least backoff_base")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if self.bearer_token is not None and self.password is not None:
            raise ValueError("give a bearer_token or a username and password, not both")
        return self

    def auth_headers(self) -> dict[str, str]:
        """The Authorization header the credentials make (none without credentials);
        CredentialError when one cannot be read."""
        if self.bearer_token is not None:
            return {"Authorization": f"Bearer {self.bearer_token.read()}"}
        if self.username is not None and self.password is not None:
            pair = f"{self.username}:{self.password.read()}".encode()
            return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
        return {}


class FeedError(Exception):
    """A request that did not give a usable answer; `str()` is the message to record."""

    def __init__(
        self, method: str, url: str, what: str, *, attempts: int, status: int | None = None
    ) -> None:
        self.method = method
        self.url = url
        self.what = what
        self.attempts = attempts
        self.status = status
        tries = f"{attempts} attempt" + ("" if attempts == 1 else "s")
        super().__init__(f"{method} {url}: {what} ({tries})")


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """A 2xx answer read whole: status, headers (`Fiware-Total-Count`, `Link`, ...), body."""

    method: str
    url: str  # redacted, for messages
    status_code: int
    headers: httpx.Headers
    content: bytes
    attempts: int

    def refused(self, what: str) -> FeedError:
        """The error to raise when this answer, though 2xx, cannot be read (`what`: why)."""
        return FeedError(
            self.method, self.url, what, attempts=self.attempts, status=self.status_code
        )

    def expect_type(self, *kinds: str) -> Self:
        """This answer, if its Content-Type names one of `kinds` (`"json"`, `"xml"`) or is
        absent or text/plain; else FeedError. A proxy's or captive portal's HTML page served
        with 200 is an error to record, not a feed to parse."""
        declared = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not declared or declared == "text/plain" or any(k in declared for k in kinds):
            return self
        raise self.refused(
            f"the HTTP {self.status_code} answer is {declared}, not {' or '.join(kinds)}"
        )

    def json(self) -> Any:
        """The body parsed as JSON; FeedError if it is not."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.refused(
                f"invalid JSON in the HTTP {self.status_code} answer: {exc}"
            ) from None


def redact_url(url: httpx.URL | str) -> str:
    """`url` without userinfo, fragment or secret query values (shown as `(hidden)`)."""
    u = httpx.URL(url)
    params = [
        (k, "(hidden)" if any(word in k.lower() for word in _SECRET_PARAMS) else v)
        for k, v in u.params.multi_items()
    ]
    return str(u.copy_with(userinfo=b"", fragment=None, params=params or None))


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """A `Retry-After` header as seconds from `now` (epoch seconds); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:  # an HTTP date is GMT
            return None
        seconds = when.timestamp() - now
    return max(0.0, seconds) if seconds == seconds else None  # NaN is unreadable


class _TooLarge(Exception):
    pass


class _TooSlow(httpx.TimeoutException):
    """One attempt outlasted `total_timeout` (retried like any timeout)."""


class FeedClient:
    """Requests with timeouts, retries and a size bound over one (lazily made) `httpx.Client`.

    An injected client is used as is (the settings' timeouts and headers are set per request)
    and left open by `close()`; a client this class made is closed by it. `sleep`, `random` and
    `clock` are injectable so tests never wait.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        client: httpx.Client | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._client = client
        self._owned = client is None
        self._sleep = sleep
        self._random = random
        self._clock = clock
        s = self.settings
        self._timeout = httpx.Timeout(
            connect=s.connect_timeout,
            read=s.read_timeout,
            write=s.read_timeout,
            pool=s.connect_timeout,
        )

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, follow_redirects=True)
            self._owned = True
        return self._client

    def close(self) -> None:
        """Close the client this instance made; safe to call twice."""
        if self._client is not None and self._owned:
            self._client.close()
            self._client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET `url` and parse the body as JSON; FeedError for anything but usable JSON."""
        return self.get(url, params=params, headers=headers).json()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FeedResponse:
        """GET `url` with retries; the 2xx answer read whole, else FeedError."""
        return self.request("GET", url, params=params, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: Mapping[str, Any] | None = None,
    ) -> FeedResponse:
        s = self.settings
        try:
            auth = s.auth_headers()
        except CredentialError as exc:
            raise FeedError(method, _safe(url), str(exc), attempts=0) from None
        try:
            req = self.client.build_request(
                method,
                url,
                params=params,
                headers={**s.headers, **auth, **(headers or {})},
                json=json_body,
                data=data,
                timeout=self._timeout,
            )
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FeedError(method, _safe(url), f"bad URL: {exc}", attempts=0) from None
        shown = redact_url(req.url)
        attempts = 0
        while True:
            attempts += 1
            retry_after: float | None = None
            status: int | None = None
            try:
                code, resp_headers, content = self._send(req)
            except _TooLarge:
                raise FeedError(
                    method,
                    shown,
                    f"response larger than the limit of {s.max_response_bytes} bytes",
                    attempts=attempts,
                ) from None
            except _RETRY_ERRORS as exc:
                what = _describe(exc)
            except httpx.HTTPError as exc:
                raise FeedError(method, shown, _describe(exc), attempts=attempts) from None
            else:
                if 200 <= code < 300:
                    return FeedResponse(method, shown, code, resp_headers, content, attempts)
                status = code
                what = f"HTTP {code} {_reason(code)}{_snippet(content)}"
                if code != 429 and code < 500:
                    raise FeedError(method, shown, what, attempts=attempts, status=status)
                retry_after = retry_after_seconds(resp_headers.get("Retry-After"), self._clock())
            if attempts > s.max_retries:
                raise FeedError(method, shown, f"{what}; gave up", attempts=attempts, status=status)
            delay = self._delay(attempts, retry_after)
            log.warning("%s %s: %s; retry %d in %.2f s", method, shown, what, attempts, delay)
            self._sleep(delay)

    def _delay(self, attempts: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return min(s.backoff_cap, retry_after)
        return self._random() * min(s.backoff_cap, s.backoff_base * 2 ** (attempts - 1))

    def _send(self, req: httpx.Request) -> tuple[int, httpx.Headers, bytes]:
        limit = self.settings.max_response_bytes
        deadline = time.monotonic() + self.settings.total_timeout
        resp = self.client.send(req, stream=True)
        try:
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _TooLarge
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise _TooLarge
                if time.monotonic() > deadline:
                    raise _TooSlow(
                        f"the answer took longer than {self.settings.total_timeout:g} s",
                        request=req,
                    )
                chunks.append(chunk)
            return resp.status_code, resp.headers, b"".join(chunks)
        finally:
            resp.close()


def _safe(url: str) -> str:
    try:
        return redact_url(url)
    except Exception:
        return "(unreadable URL)"


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "(no reason)"


def _snippet(content: bytes) -> str:
    text = " ".join(content[: _ERROR_BODY_CHARS * 4].decode("utf-8", "replace").split())
    if not text:
        return ""
    cut = text[:_ERROR_BODY_CHARS]
    return f": {cut}…" if len(text) > _ERROR_BODY_CHARS else f": {cut}"


def _describe(exc: httpx.HTTPError) -> str:
    kinds = {
        _TooSlow: "too slow",
        httpx.ConnectTimeout: "connect timed out",
        httpx.ReadTimeout: "read timed out",
        httpx.WriteTimeout: "write timed out",
        httpx.PoolTimeout: "timed out waiting for a connection",
        httpx.ConnectError: "could not connect",
        httpx.RemoteProtocolError: "the server broke the exchange",
    }
    for kind, text in kinds.items():
        if isinstance(exc, kind):
            return f"{text} ({exc})" if str(exc) else text
    return f"{type(exc).__name__}: {exc}"
