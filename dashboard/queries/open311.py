"""Citizen reports as Open311 service requests: the reads behind `/open311/v2/requests`.

Every report of the desk is a service request, whatever its source, read as it stands
(`dashboard.queries.report_status`: the desk's status, agency and update over the feed's),
so a citizen's app sees what the desk decided. The spec knows two statuses: a report is
"closed" when the desk (or its feed) closed it, "open" in every other state. The
`status_notes` are the desk's words to the citizen: the resolution once closed, else the
latest public comment.

Times are aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from dashboard.queries.report_status import AGENCY, CLOSED, STATUS, UPDATED_AT, joined
from dashboard.store.models import ReportDeskRow, ReportEventRow, ReportRow

__all__ = [
    "MAX_REQUESTS",
    "RequestFilter",
    "ServiceRequest",
    "report_exists",
    "service_requests",
]

MAX_REQUESTS: Final = 1000  # the spec's default volume: at most the first 1000
OpenClosed = Literal["open", "closed"]


@dataclass(frozen=True, slots=True)
class RequestFilter:
    """Which requests: `keys` ((source, external_id) pairs; when given, every other filter is
    ignored, as the spec says of `service_request_id`), else those of `categories` (any when
    empty), created in [since, until), with `statuses` (open/closed; any when empty)."""

    keys: tuple[tuple[str, str], ...] = ()
    categories: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    statuses: tuple[OpenClosed, ...] = ()
    limit: int = MAX_REQUESTS


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """One report as Open311 publishes it (no private field exists to leak: the store keeps
    none of a citizen's contact details)."""

    source: str
    external_id: str
    category: str
    description: str
    status: OpenClosed
    status_notes: str | None
    agency: str | None
    created_at: datetime
    updated_at: datetime
    address: str | None
    ward: str | None
    lon: float
    lat: float
    media_url: str | None


_COLUMNS: Final[dict[str, Any]] = {
    "id": ReportRow.id,
    "source": ReportRow.source,
    "external_id": ReportRow.external_id,
    "category": ReportRow.category,
    "description": ReportRow.description,
    "status": STATUS,
    "agency": AGENCY,
    "created_at": ReportRow.created_at,
    "updated_at": UPDATED_AT,
    "address": ReportRow.address,
    "ward": ReportRow.ward,
    "lon": ReportRow.lon,
    "lat": ReportRow.lat,
    "media_url": ReportRow.media_url,
    "resolution": ReportDeskRow.resolution,
}


def _conditions(filt: RequestFilter) -> list[ColumnElement[bool]]:
    if filt.keys:
        pairs = [
            and_(ReportRow.source == source, ReportRow.external_id == external_id)
            for source, external_id in filt.keys
        ]
        return [or_(*pairs)]
    where: list[ColumnElement[bool]] = []
    if filt.categories:
        where.append(ReportRow.category.in_(filt.categories))
    if filt.since is not None:
        where.append(ReportRow.created_at >= filt.since)
    if filt.until is not None:
        where.append(ReportRow.created_at < filt.until)
    if set(filt.statuses) == {"open"}:
        where.append(STATUS != CLOSED)
    elif set(filt.statuses) == {"closed"}:
        where.append(STATUS == CLOSED)
    return where


def _latest_public_comments(session: Session, report_ids: Sequence[int]) -> dict[int, str]:
    """Report id -> its latest public comment, for the reports that have one."""
    found: dict[int, str] = {}
    for start in range(0, len(report_ids), 500):  # keep each IN list short
        chunk = list(report_ids[start : start + 500])
        stmt = (
            select(ReportEventRow.report_id, ReportEventRow.detail)
            .where(
                ReportEventRow.report_id.in_(chunk),
                ReportEventRow.action == "comment",
                ReportEventRow.public.is_(True),
            )
            .order_by(ReportEventRow.at, ReportEventRow.id)
        )
        for report_id, detail in session.execute(stmt):
            found[int(report_id)] = str(detail)
    return found


def service_requests(session: Session, filt: RequestFilter) -> list[ServiceRequest]:
    """The reports matching `filt`, newest first, at most `filt.limit`."""
    stmt = (
        joined(select(*(c.label(k) for k, c in _COLUMNS.items())))
        .where(*_conditions(filt))
        .order_by(ReportRow.created_at.desc(), ReportRow.id.desc())
        .limit(filt.limit)
    )
    rows = session.execute(stmt).mappings().all()
    comments = _latest_public_comments(session, [r["id"] for r in rows])
    out = []
    for r in rows:
        closed = r["status"] == CLOSED
        notes = r["resolution"] if closed and r["resolution"] else comments.get(r["id"])
        out.append(
            ServiceRequest(
                source=r["source"],
                external_id=r["external_id"],
                category=r["category"],
                description=r["description"],
                status="closed" if closed else "open",
                status_notes=notes,
                agency=r["agency"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                address=r["address"],
                ward=r["ward"],
                lon=r["lon"],
                lat=r["lat"],
                media_url=r["media_url"],
            )
        )
    return out


def report_exists(session: Session, source: str, external_id: str) -> bool:
    """Is there a report `external_id` of `source`?"""
    stmt = select(ReportRow.id).where(
        ReportRow.source == source, ReportRow.external_id == external_id
    )
    return session.execute(stmt).first() is not None
