"""The citizen-report desk's reads: the list (filtered, sorted and paged in SQL), one report's
detail and its audit trail.

What a report shows is the overlay of the feed's row (`reports`) and the desk's decisions
(`report_desk`), read through `dashboard.queries.report_status` (the one reader of a report's
effective status, which the wall and the API use too). A report is overdue while it is not
closed and older than its category's service level (`records.REPORT_SLA_HOURS`, unknown
categories as "other") at `now`.

Times are aware UTC. Filtering, sorting and paging happen in the database, so a page of 25 of
50,000 reports costs two indexed statements (the page and its count), never a full frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

import pandas as pd
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from dashboard.queries._areas import area_condition
from dashboard.queries.report_status import (
    ACKNOWLEDGED_AT,
    AGENCY,
    CLOSED,
    CLOSED_AT,
    STATUS,
    UPDATED_AT,
    joined,
    rank,
)
from dashboard.records import REPORT_SLA_HOURS
from dashboard.store.models import ReportDeskRow, ReportEventRow, ReportRow, UTCDateTime
from dashboard.store.report_desk import STATUS_ORDER

__all__ = [
    "ACKNOWLEDGED_AT",
    "AGENCY",
    "CLOSED_AT",
    "LIST_COLUMNS",
    "SORTABLE",
    "STATUS",
    "TRAIL_COLUMNS",
    "DeskFilter",
    "DeskPage",
    "ReportDetail",
    "agencies",
    "conditions",
    "desk_page",
    "desk_rows",
    "joined",
    "prepare",
    "report_detail",
    "report_trail",
    "sla_hours",
]

LIST_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "external_id",
    "created_at",
    "category",
    "ward",
    "zone",
    "status",
    "agency",
    "acknowledged_at",
    "closed_at",
    "updated_at",
    "address",
    "description",
)
TRAIL_COLUMNS: Final[tuple[str, ...]] = (
    "at",
    "actor",
    "action",
    "status_from",
    "status_to",
    "agency",
    "detail",
    "public",
)
MAX_QUERY_TEXT: Final = 200  # characters of a text search


def sla_hours(category: str) -> float:
    """The service level of `category` in hours (unknown categories: "other")."""
    return REPORT_SLA_HOURS.get(category, REPORT_SLA_HOURS["other"])


@dataclass(frozen=True, slots=True)
class DeskFilter:
    """Which reports: created in [since, until) (aware UTC, None: open-ended), in `wards` and
    `zones` (each: any, when empty), of `categories`, `statuses` (the shown status; empty: all), only the overdue ones, and
    containing `text` in their id, description or address (case-insensitive for ASCII)."""

    since: datetime | None = None
    until: datetime | None = None
    wards: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    overdue: bool = False
    text: str = ""

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            ts = getattr(self, name)
            if ts is not None and (ts.tzinfo is None or ts.utcoffset() is None):
                raise ValueError(f"DeskFilter.{name} must be an aware datetime")
        unknown = set(self.statuses) - set(STATUS_ORDER)
        if unknown:
            raise ValueError(f"unknown report status {sorted(unknown)}")
        if len(self.text) > MAX_QUERY_TEXT:
            raise ValueError(f"search text longer than {MAX_QUERY_TEXT} characters")


# -- the overlay, in SQL (dashboard.queries.report_status) ----------------------------------

_EXPR: Final[dict[str, Any]] = {
    "id": ReportRow.id,
    "external_id": ReportRow.external_id,
    "created_at": ReportRow.created_at,
    "category": ReportRow.category,
    "ward": ReportRow.ward,
    "zone": ReportRow.zone,
    "status": STATUS,
    "agency": AGENCY,
    "acknowledged_at": ACKNOWLEDGED_AT,
    "closed_at": CLOSED_AT,
    "updated_at": UPDATED_AT,
    "address": ReportRow.address,
    "description": ReportRow.description,
    "lon": ReportRow.lon,
    "lat": ReportRow.lat,
}
# Columns a user may sort by (the status by its place in the workflow, not alphabetically).
SORTABLE: Final[dict[str, Any]] = {
    "external_id": ReportRow.external_id,
    "created_at": ReportRow.created_at,
    "category": ReportRow.category,
    "ward": ReportRow.ward,
    "zone": ReportRow.zone,
    "status": rank(STATUS),
    "agency": AGENCY,
    "updated_at": UPDATED_AT,
}
_TIME_COLUMNS = ("created_at", "acknowledged_at", "closed_at", "updated_at")


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """Not closed, and created before now minus its category's service level."""
    cutoffs = {c: now - timedelta(hours=h) for c, h in REPORT_SLA_HOURS.items()}
    cutoff = case(
        {c: literal(ts, UTCDateTime()) for c, ts in cutoffs.items()},
        value=ReportRow.category,
        else_=literal(cutoffs["other"], UTCDateTime()),
    )
    return and_(STATUS != CLOSED, ReportRow.created_at < cutoff)


def _lower_py(value: str | None) -> str | None:
    return None if value is None else value.lower()


def prepare(session: Session) -> str:
    """Ready the session's connection for the desk's statements; returns the dialect name.

    SQLite's lower() folds ASCII only ("Đèn" stays "Đèn"), so a text search there uses
    Python's str.lower, registered on the connection (PostgreSQL's lower() follows Unicode).
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        raw.create_function(SQLITE_LOWER, 1, _lower_py, deterministic=True)  # type: ignore[union-attr]
    return conn.dialect.name


SQLITE_LOWER: Final = "cityops_lower"


def _folded(column: Any, dialect: str) -> ColumnElement[str]:
    return getattr(func, SQLITE_LOWER)(column) if dialect == "sqlite" else func.lower(column)


def conditions(filt: DeskFilter, now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE terms of `filt` over the overlay (reports LEFT JOIN report_desk); a text
    search needs `prepare(session)` to have run on SQLite."""
    where: list[ColumnElement[bool]] = []
    if filt.since is not None:
        where.append(ReportRow.created_at >= filt.since)
    if filt.until is not None:
        where.append(ReportRow.created_at < filt.until)
    where.append(area_condition(ReportRow.ward, ReportRow.zone, (filt.wards, filt.zones)))
    if filt.categories:
        where.append(ReportRow.category.in_(filt.categories))
    if filt.statuses:
        where.append(STATUS.in_(filt.statuses))
    if filt.overdue:
        where.append(overdue_condition(now))
    text = filt.text.strip().lower()
    if text:
        columns = (ReportRow.external_id, ReportRow.description, ReportRow.address)
        where.append(or_(*(_folded(c, dialect).contains(text, autoescape=True) for c in columns)))
    return where


def _order(sort: Sequence[tuple[str, str]]) -> list[Any]:
    """ORDER BY terms of (column, "asc"|"desc") pairs; newest first by default, id breaks ties
    (so a page boundary never shows a row twice or skips one)."""
    terms: list[Any] = []
    for column, direction in sort:
        if column not in SORTABLE or direction not in ("asc", "desc"):
            raise ValueError(f"cannot sort by {column!r} {direction!r}")
        expr = SORTABLE[column]
        # NULLs (no ward, no agency) last either way, on both databases alike
        terms.append((expr.asc() if direction == "asc" else expr.desc()).nulls_last())
    if not terms:
        terms.append(ReportRow.created_at.desc())
    terms.append(ReportRow.id.desc())
    return terms


def _frame(
    session: Session, stmt: Select[Any], columns: Sequence[str], now: datetime
) -> pd.DataFrame:
    rows = session.connection().execute(stmt).all()
    frame = pd.DataFrame(rows, columns=list(columns))
    for col in _TIME_COLUMNS:
        if col in frame:
            frame[col] = pd.to_datetime(frame[col], utc=True)
    if len(frame):
        sla = frame["category"].map(sla_hours).astype("float64")
        frame["due_at"] = frame["created_at"] + pd.to_timedelta(sla, unit="h")
        frame["overdue"] = (frame["status"] != CLOSED) & (frame["due_at"] < pd.Timestamp(now))
    else:
        frame["due_at"] = pd.Series(dtype="datetime64[ns, UTC]")
        frame["overdue"] = pd.Series(dtype=bool)
    return frame


@dataclass(frozen=True, slots=True)
class DeskPage:
    """One page of the list: `rows` (LIST_COLUMNS + due_at, overdue), `total` matching reports,
    `page` (0-based, clamped to the last page) of `page_count` pages of `page_size`."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


def list_statement(
    filt: DeskFilter, now: datetime, dialect: str, sort: Sequence[tuple[str, str]] = ()
) -> Select[Any]:
    """The list's SELECT (every matching report, sorted), before paging."""
    stmt = joined(select(*(_EXPR[c].label(c) for c in LIST_COLUMNS)))
    return stmt.where(*conditions(filt, now, dialect)).order_by(*_order(sort))


def count_statement(filt: DeskFilter, now: datetime, dialect: str) -> Select[Any]:
    """How many reports match `filt`."""
    return joined(select(func.count())).where(*conditions(filt, now, dialect))


def desk_page(
    session: Session,
    filt: DeskFilter,
    now: datetime,
    *,
    sort: Sequence[tuple[str, str]] = (),
    page: int = 0,
    page_size: int = 25,
) -> DeskPage:
    """Page `page` of the reports matching `filt`, sorted by `sort` ((column, "asc"|"desc")
    pairs over SORTABLE; default newest first). A page past the end gives the last page."""
    if page_size < 1 or page < 0:
        raise ValueError("page must be >= 0 and page_size >= 1")
    dialect = prepare(session)
    total = int(session.connection().execute(count_statement(filt, now, dialect)).scalar_one())
    last = max(0, -(-total // page_size) - 1)
    page = min(page, last)
    stmt = list_statement(filt, now, dialect, sort).offset(page * page_size).limit(page_size)
    return DeskPage(_frame(session, stmt, LIST_COLUMNS, now), total, page, page_size)


def desk_rows(
    session: Session, filt: DeskFilter, now: datetime, sort: Sequence[tuple[str, str]] = ()
) -> pd.DataFrame:
    """Every report matching `filt`, in the list's order (the CSV download)."""
    stmt = list_statement(filt, now, prepare(session), sort)
    return _frame(session, stmt, LIST_COLUMNS, now)


# -- one report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportDetail:
    """One report as the desk shows it (overlay applied); times aware UTC."""

    id: int
    source: str
    external_id: str
    category: str
    description: str
    status: str
    feed_status: str
    lon: float
    lat: float
    address: str | None
    ward: str | None
    zone: str | None
    agency: str | None
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    started_at: datetime | None
    closed_at: datetime | None
    resolution: str | None
    media_url: str | None
    due_at: datetime
    overdue: bool
    trail: pd.DataFrame = field(repr=False)


def report_detail(session: Session, report_id: int, now: datetime) -> ReportDetail | None:
    """Report `report_id` with its audit trail (oldest first), or None when there is none."""
    cols = {
        **{c: _EXPR[c] for c in LIST_COLUMNS},
        "source": ReportRow.source,
        "feed_status": ReportRow.status,
        "lon": ReportRow.lon,
        "lat": ReportRow.lat,
        "started_at": ReportDeskRow.started_at,
        "resolution": ReportDeskRow.resolution,
        "media_url": ReportRow.media_url,
    }
    stmt = joined(select(*(e.label(k) for k, e in cols.items()))).where(ReportRow.id == report_id)
    row = session.connection().execute(stmt).mappings().first()
    if row is None:
        return None
    values = dict(row)
    due = values["created_at"] + timedelta(hours=sla_hours(values["category"]))
    values["due_at"] = due
    values["overdue"] = values["status"] != CLOSED and due < now
    return ReportDetail(**values, trail=report_trail(session, report_id))


def report_trail(session: Session, report_id: int) -> pd.DataFrame:
    """The desk's audit trail of one report, oldest first: TRAIL_COLUMNS, `at` aware UTC."""
    stmt = (
        select(*(getattr(ReportEventRow, c) for c in TRAIL_COLUMNS))
        .where(ReportEventRow.report_id == report_id)
        .order_by(ReportEventRow.at, ReportEventRow.id)
    )
    frame = pd.DataFrame(session.connection().execute(stmt).all(), columns=list(TRAIL_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def agencies(session: Session) -> list[str]:
    """Every agency a report has been assigned to, by the feed or the desk (sorted)."""
    feed = select(ReportRow.agency).where(ReportRow.agency.is_not(None))
    desk = select(ReportDeskRow.agency).where(ReportDeskRow.agency.is_not(None))
    rows = session.connection().execute(feed.union(desk)).scalars().all()
    return sorted(str(a) for a in rows)
