"""The report desk seen through Open311: requests read from it, posts taken into it.

A posted request becomes a `CitizenReport` of the configured source (`[open311] source`),
placed in its ward and zone by `dashboard.areas` as the pipeline places every report, checked
by `records.validate_report` before the store sees it (so a refused post stores nothing, not
even a quarantine row), then stored by `Store.ingest`: it is on `/reports` and in
`requests.json` at once, like any feed's report.

`service_request_id` is the report's own id for posted reports, and `<source>:<id>` for the
reports of every other feed (source names hold no colon), so ids never collide across feeds.
Pure logic over the store and the query layer; Flask stays in `routes`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from dashboard.areas import Areas
from dashboard.auth.keys import digest
from dashboard.config import Config
from dashboard.open311.errors import Open311Error
from dashboard.open311.parse import Posted, check_text, check_url, parse_location
from dashboard.open311.services import (
    BadAttribute,
    attribute_lines,
    service,
    service_notice,
)
from dashboard.queries.open311 import ServiceRequest, report_exists
from dashboard.records import (
    FIELD_LENGTHS,
    REPORT_CATEGORIES,
    REPORT_SLA_HOURS,
    CitizenReport,
    ReportStatus,
    validate_report,
)
from dashboard.store import Store
from dashboard.store.accounts import TokenView

__all__ = [
    "KEY_KIND",
    "Taken",
    "check_jurisdiction",
    "key_of",
    "request_fields",
    "request_id",
    "request_key",
    "take_post",
]

KEY_KIND: Final = "open311"  # api_tokens.kind of the keys citizens' apps post with
TOUCH_EVERY_S: Final = 60  # last_used_at is written at most this often per key
Lang = Literal["vi", "en"]


def request_id(source: str, external_id: str, own_source: str) -> str:
    """The `service_request_id` of report (source, external_id)."""
    return external_id if source == own_source else f"{source}:{external_id}"


def request_key(rid: str, own_source: str) -> tuple[str, str]:
    """The (source, external_id) a `service_request_id` names (the inverse of request_id)."""
    source, sep, external_id = rid.partition(":")
    return (source, external_id) if sep else (own_source, rid)


def _w3c(ts: datetime | None, tz: ZoneInfo) -> str | None:
    """A W3C datetime with its offset, in the city's time zone (the spec wants a zone)."""
    return None if ts is None else ts.astimezone(tz).isoformat(timespec="seconds")


def request_fields(req: ServiceRequest, config: Config, lang: Lang) -> dict[str, Any]:
    """One request's fields in the spec's order (GET requests, GET requests/{id}).

    A report taken with an address only sits at the city's centre in no ward (cityops does
    not geocode): it is published without lat/long rather than with an invented point.
    """
    tz, own = config.city.tz, config.open311.source
    svc = service(req.category, lang)
    hours = REPORT_SLA_HOURS.get(req.category, REPORT_SLA_HOURS["other"])
    unplaced = (
        req.source == own and req.ward is None and (req.lon, req.lat) == tuple(config.city.center)
    )
    return {
        "service_request_id": request_id(req.source, req.external_id, own),
        "status": req.status,
        "status_notes": req.status_notes,
        "service_name": svc.service_name if svc else req.category,
        "service_code": req.category,
        "description": req.description,
        "agency_responsible": req.agency,
        "service_notice": service_notice(req.category, lang) if svc else None,
        "requested_datetime": _w3c(req.created_at, tz),
        "updated_datetime": _w3c(req.updated_at, tz),
        "expected_datetime": _w3c(req.created_at + timedelta(hours=hours), tz),
        "address": req.address,
        "address_id": None,
        "zipcode": None,
        "lat": None if unplaced else req.lat,
        "long": None if unplaced else req.lon,
        "media_url": req.media_url,
    }


def check_jurisdiction(config: Config, given: str | None) -> None:
    """404 when a jurisdiction is configured and the request names another one."""
    wanted = config.open311.jurisdiction_id
    if wanted is not None and given is not None and given.strip() != wanted:
        raise Open311Error(404, f"jurisdiction_id {given!r} is not served here")


def key_of(store: Store, secret: str | None, now: datetime) -> TokenView | None:
    """The active Open311 key whose secret is `secret` (its use noted), else None."""
    if not secret:
        return None
    token = store.accounts.token_by_hash(digest(secret.strip()))
    if token is None or not token.active or token.kind != KEY_KIND:
        return None
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > TOUCH_EVERY_S:
        store.accounts.touch_token(token.id, now)
    return token


@dataclass(frozen=True, slots=True)
class Taken:
    """A stored post: its `service_request_id` and what the citizen is told."""

    service_request_id: str
    service_notice: str


def _service_code(posted: Posted) -> str:
    code = posted.get("service_code")
    if code is None:
        raise Open311Error(400, "service_code is required")
    if code not in REPORT_CATEGORIES:
        raise Open311Error(404, f"service_code {code[:64]!r} is not a service of this city")
    return code


def _place(
    config: Config, areas: Areas, location: tuple[float, float] | None, report: CitizenReport
) -> CitizenReport:
    if location is None:  # an address only: at the city's centre, in no ward
        return report
    placed = areas.place_reports([report])[0]
    if config.open311.require_in_area and placed.ward is None:
        raise Open311Error(400, "lat/long lie outside the city's wards")
    return placed


def _new_id(store: Store, source: str) -> str:
    """A fresh report id of `source` (48 random bits, checked unused, so a new post never
    overwrites an older one in the store's upsert)."""
    with store.read_session() as session:
        for _ in range(5):
            candidate = f"311-{secrets.token_hex(6)}"
            if not report_exists(session, source, candidate):
                return candidate
    raise RuntimeError("five random request ids in a row were taken")


def take_post(
    store: Store, config: Config, areas: Areas, posted: Posted, now: datetime, lang: Lang
) -> Taken:
    """Check `posted` (its api_key already taken) and store it as a new report; raises
    Open311Error (nothing stored) for a post that does not fit. The attribute answers are
    written in the city's language (the desk reads them), the notice in `lang` (the app's)."""
    settings = config.open311
    check_jurisdiction(config, posted.get("jurisdiction_id"))
    code = _service_code(posted)
    location = parse_location(posted.get("lat"), posted.get("long"))
    address_len = FIELD_LENGTHS["report"]["address"] or 512
    address = check_text("address_string", posted.get("address_string"), address_len)
    if location is None and address is None:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    description = check_text("description", posted.get("description"), settings.max_description)
    media_url = check_url(posted.get("media_url"))
    try:
        lines = attribute_lines(code, posted.attributes, config.city.language)
    except BadAttribute as exc:
        raise Open311Error(400, str(exc)) from None
    for line in lines:
        check_text("an attribute", line, 400)
    text = "\n".join([*([description] if description else []), *lines])
    lon, lat = location if location is not None else config.city.center
    report = CitizenReport(
        external_id=_new_id(store, settings.source),
        category=code,
        description=text,
        status=str(ReportStatus.OPEN),
        lon=lon,
        lat=lat,
        created_at=now,
        updated_at=now,
        address=address,
        media_url=media_url,
    )
    report = _place(config, areas, location, report)
    if (why := validate_report(report)) is not None:
        raise Open311Error(400, why)
    result = store.ingest(settings.source, reports=[report], now=now)
    if result.reports != 1:  # validated above: the store refusing it would be a bug
        raise RuntimeError(f"the store did not take report {report.external_id}")
    rid = request_id(settings.source, report.external_id, settings.source)
    return Taken(rid, service_notice(code, lang))
