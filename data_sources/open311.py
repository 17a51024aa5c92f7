"""Open311 GeoReport v2 client: a city's service requests pulled into the report desk.

Speaks GeoReport v2 (open311.org, "frozen and finalized"): `GET requests.json` (or
`requests.xml`, the spec's required format, parsed with defusedxml) with `jurisdiction_id`,
`service_code`, `start_date`/`end_date`, and the widely implemented `page`/`page_size` and
`updated_after`/`updated_before` extensions. Tests serve the real payloads in
`shared/fixtures/standards/open311/real/` (Bloomington 2012 JSON, San Francisco 2012 XML,
Chicago 2014 JSON) from a loopback server.

Incremental: each fetch asks from the stored cursor back `revisit_days` (the spec filters on
`requested_datetime` only, so a request closed a few days after it was made is fetched again,
and its newer `updated_datetime` replaces the stored version) up to `now`, in windows of at
most 90 days (the spec's cap). With `updated_filter` the server is asked for what was updated
in the window instead. A full page means there may be more: the next page is asked; a server
that ignores `page` answers the same requests again, and a window it cut short is split in two.

Decisions on what real servers send: `open`/`closed` in any case (San Francisco capitalises);
a datetime without an offset is a Reject unless `timezone` names the server's zone; a request
at 0,0 or without lat/long is a Reject (not a report in the sea); addresses are trimmed and
their runs of spaces closed up; `zipcode`, `status_notes` ("Locked"), `expected_datetime` and
`service_notice` are not kept (no field for them); a `media_url` that is not http(s) is dropped.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, ClassVar, Literal

import httpx
from defusedxml import ElementTree
from pydantic import Field, field_validator

from dashboard.records import REPORT_CATEGORIES, Batch, CitizenReport, Reject, ReportStatus

from .base import ConnectorSettings, Health, SourceConnector
from .credentials import Secret
from .http import FeedClient, FeedError, FeedResponse, FeedUrl, HttpSettings
from .timestamps import ZoneName, iso_z, parse_instant, zone_of

__all__ = ["Open311Settings", "Open311Source"]

log = logging.getLogger(__name__)

_MIN_SPAN = timedelta(minutes=1)  # a window is never split below this
_STATUSES = {"open": ReportStatus.OPEN, "closed": ReportStatus.CLOSED}


class Open311Settings(ConnectorSettings):
    """Keys of an `open311` source (see the README, "Connecting an Open311 server")."""

    url: FeedUrl  # the endpoint base: {url}/requests.json
    jurisdiction_id: str | None = None
    api_key: Secret | None = None  # reads are open on most servers
    format: Literal["json", "xml"] = "json"
    service_codes: list[str] = Field(default_factory=list)  # empty: every service
    # The city's service_code or service_name -> our category; "other" for the rest.
    categories: dict[str, str] = Field(default_factory=dict)
    page_size: int = Field(default=100, ge=1, le=1000)
    max_pages: int = Field(default=100, ge=1, le=10_000)
    window_days: float = Field(default=90, gt=0, le=90)
    first_days: float = Field(default=90, gt=0, le=3650)
    revisit_days: float = Field(default=14, ge=0, le=365)
    updated_filter: bool = False  # the server has updated_after/updated_before
    timezone: ZoneName | None = None  # zone of offset-less datetimes; None: they are rejected
    http: HttpSettings = HttpSettings()

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: dict[str, str]) -> dict[str, str]:
        wrong = sorted(set(value.values()) - set(REPORT_CATEGORIES))
        if wrong:
            raise ValueError(f"unknown categories {wrong} (known: {', '.join(REPORT_CATEGORIES)})")
        return value


class _Bad(ValueError):
    """A request that cannot be a report; its message is the Reject's reason."""


@dataclass(frozen=True, slots=True)
class _Page:
    items: list[dict[str, Any]]
    url: str


class Open311Source(SourceConnector):
    """Pulls `requests.[format]` window by window, page by page, into CitizenReports."""

    kind: ClassVar[str] = "open311"
    Settings: ClassVar[type[ConnectorSettings]] = Open311Settings
    options: Open311Settings

    def __init__(self, settings: Any, config: Any, client: httpx.Client | None = None) -> None:
        super().__init__(settings, config)
        self._feed = FeedClient(self.options.http, client)
        o = self.options
        self._codes = {c.strip() for c in o.service_codes}
        self._by_code = {k.strip(): v for k, v in o.categories.items()}
        self._by_name = {k.strip().casefold(): v for k, v in o.categories.items()}
        self._zone: tzinfo | None = zone_of(o.timezone)

    def fetch(self, since: datetime | None, now: datetime) -> Batch:
        o = self.options
        if since is None:
            start = now - timedelta(days=o.first_days)
        else:
            start = since - timedelta(days=o.revisit_days)
        batch = Batch(cursor=now)
        newest: dict[str, CitizenReport] = {}
        step = timedelta(days=o.window_days)
        lo = start
        while lo < now:
            hi = min(lo + step, now)
            for item in self._window(lo, hi, batch):
                if self._codes and str(item.get("service_code", "")).strip() not in self._codes:
                    continue
                try:
                    report = self._report(item)
                except _Bad as exc:
                    batch.rejects.append(Reject(str(exc), item))
                    continue
                kept = newest.get(report.external_id)
                if kept is None or report.updated_at > kept.updated_at:
                    newest[report.external_id] = report
            lo = hi
        batch.reports = list(newest.values())
        return batch

    def check_health(self) -> Health:
        """The server lists its services (`services.[format]`)."""
        try:
            resp = self._feed.get(self._endpoint("services"), params=self._params())
            _items(resp, self.options.format, "service")
        except FeedError as exc:
            return Health(ok=False, message=str(exc))
        return Health(ok=True)

    def close(self) -> None:
        self._feed.close()

    # -- asking the server -------------------------------------------------------------

    def _endpoint(self, name: str) -> str:
        return f"{self.options.url}/{name}.{self.options.format}"

    def _params(self) -> dict[str, str]:
        o = self.options
        params: dict[str, str] = {}
        if o.jurisdiction_id:
            params["jurisdiction_id"] = o.jurisdiction_id
        if o.api_key is not None:
            params["api_key"] = o.api_key.read()
        return params

    def _window(self, lo: datetime, hi: datetime, batch: Batch) -> Iterator[dict[str, Any]]:
        """The requests of [lo, hi], every page; a window the server cut is asked in halves."""
        items, complete, url = self._pages(lo, hi)
        if complete:
            yield from items
            return
        if hi - lo <= _MIN_SPAN:
            why = (
                f"the server answers at most {len(items)} requests per query and ignores "
                f"paging: requests between {iso_z(lo)} and {iso_z(hi)} may be missing ({url})"
            )
            batch.rejects.append(Reject(why, {"start_date": iso_z(lo), "end_date": iso_z(hi)}))
            yield from items
            return
        mid = lo + (hi - lo) / 2
        yield from self._window(lo, mid, batch)
        yield from self._window(mid, hi, batch)

    def _pages(self, lo: datetime, hi: datetime) -> tuple[list[dict[str, Any]], bool, str]:
        """Every page of one window, and whether the answer is whole (False: the server
        ignored `page` after a full first page, so its one answer may be cut)."""
        o = self.options
        after, before = (
            ("updated_after", "updated_before") if o.updated_filter else ("start_date", "end_date")
        )
        params = {**self._params(), after: iso_z(lo), before: iso_z(hi)}
        if self._codes:
            params["service_code"] = ",".join(sorted(self._codes))
        got: dict[str, dict[str, Any]] = {}
        anonymous: list[dict[str, Any]] = []
        for number in range(1, o.max_pages + 1):
            page = self._page({**params, "page": str(number), "page_size": str(o.page_size)})
            fresh = 0
            for item in page.items:
                key = _key(item)
                if key is None:
                    anonymous.append(item)
                elif key not in got:
                    got[key] = item
                    fresh += 1
            if len(page.items) < o.page_size:
                return [*got.values(), *anonymous], True, page.url
            if not fresh:  # the same page again: the server does not page
                return [*got.values(), *anonymous], number > 2, page.url
        raise FeedError(
            "GET",
            page.url,
            f"more than {o.max_pages} full pages of {o.page_size} requests between "
            f"{iso_z(lo)} and {iso_z(hi)}; raise page_size or max_pages",
            attempts=1,
        )

    def _page(self, params: dict[str, str]) -> _Page:
        resp = self._feed.get(self._endpoint("requests"), params=params)
        return _Page(_items(resp, self.options.format, "request"), resp.url)

    # -- one request -> one report -------------------------------------------------------

    def _report(self, item: dict[str, Any]) -> CitizenReport:
        external_id = _text(item.get("service_request_id"))
        if not external_id:
            raise _Bad("service_request_id is missing")
        status = _STATUSES.get((_text(item.get("status")) or "").casefold())
        if status is None:
            raise _Bad(f"status {item.get('status')!r} is neither open nor closed")
        try:
            created = parse_instant(
                item.get("requested_datetime"), "requested_datetime", self._zone
            )
            updated = (
                parse_instant(item["updated_datetime"], "updated_datetime", self._zone)
                if _text(item.get("updated_datetime"))
                else created
            )
        except ValueError as exc:
            raise _Bad(str(exc)) from None
        updated = max(updated, created)
        lon, lat = _location(item)
        return CitizenReport(
            external_id=external_id,
            category=self._category(item),
            description=_text(item.get("description")) or "",
            status=status.value,
            lon=lon,
            lat=lat,
            created_at=created,
            updated_at=updated,
            address=" ".join((_text(item.get("address")) or "").split()) or None,
            closed_at=updated if status is ReportStatus.CLOSED else None,
            agency=_text(item.get("agency_responsible")),
            media_url=_media_url(item.get("media_url")),
        )

    def _category(self, item: dict[str, Any]) -> str:
        code = _text(item.get("service_code")) or ""
        name = (_text(item.get("service_name")) or "").casefold()
        return self._by_code.get(code) or self._by_name.get(name) or "other"


def _items(resp: FeedResponse, fmt: str, element: str) -> list[dict[str, Any]]:
    """The answer's list of `element`s as dicts: the JSON array, or the XML's children."""
    resp.expect_type(fmt)
    if fmt == "xml":
        return _xml_items(resp, element)
    data = resp.json()
    if isinstance(data, dict) and isinstance(data.get(f"{element}s"), list):
        data = data[f"{element}s"]  # a wrapped array ({"requests": [...]})
    if not isinstance(data, list):
        raise resp.refused(f"expected a JSON array of {element}s, got {type(data).__name__}")
    return [i if isinstance(i, dict) else {"item": i} for i in data]


def _xml_items(resp: FeedResponse, element: str) -> list[dict[str, Any]]:
    try:
        root = ElementTree.fromstring(resp.content)
    except Exception as exc:  # defusedxml's refusals and ParseError alike
        raise resp.refused(f"invalid XML in the HTTP {resp.status_code} answer: {exc}") from None
    return [
        {_local(child.tag): child.text for child in node}
        for node in root
        if _local(node.tag) == element
    ]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _key(item: dict[str, Any]) -> str | None:
    return _text(item.get("service_request_id"))


def _text(value: object) -> str | None:
    """A field as stripped text (numbers as their digits); None when absent or empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return str(value).strip() or None
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip():
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _location(item: dict[str, Any]) -> tuple[float, float]:
    lat, lon = _number(item.get("lat")), _number(item.get("long"))
    if lat is None or lon is None:
        raise _Bad(f"no location: lat {item.get('lat')!r}, long {item.get('long')!r}")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _Bad(f"location {lat}, {lon} is not finite")
    if lat == 0 and lon == 0:
        raise _Bad("location is 0,0: the server's placeholder for a request without one")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Bad(f"location lat {lat}, long {lon} is not WGS84")
    return lon, lat


def _media_url(value: object) -> str | None:
    url = _text(value)
    return url if url and url.lower().startswith(("http://", "https://")) else None
