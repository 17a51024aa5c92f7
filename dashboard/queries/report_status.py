"""A citizen report as it stands now: the one reader of a report's effective status.

The feed's row (`reports`) and the desk's decisions (`report_desk`) are overlaid here, in SQL,
by the rule of `dashboard.store.report_desk.effective_status`: the status is the further along
of the two (open < acknowledged < in_progress < closed), the agency the desk's once assigned,
the first acknowledgement known, the close the desk's or the feed's, the update the later of
the two. Every reader of reports — the desk's list, its statistics, the wall's open-report
layer and tiles, the week-ago comparison and `/api/v1/reports` — reads through these
expressions over `joined(...)` (or the `effective_reports()` selectable), so a report closed at
the desk is closed on every screen.

Times are aware UTC.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import ColumnElement, Select, Subquery, case, func, select

from dashboard.records import ReportStatus
from dashboard.store.models import ReportDeskRow, ReportRow
from dashboard.store.report_desk import STATUS_ORDER

__all__ = [
    "ACKNOWLEDGED_AT",
    "AGENCY",
    "CLOSED",
    "CLOSED_AT",
    "STATUS",
    "UPDATED_AT",
    "effective_reports",
    "joined",
    "rank",
]

CLOSED: Final = str(ReportStatus.CLOSED)
_RANKS = {status: k for k, status in enumerate(STATUS_ORDER)}


def rank(column: Any) -> ColumnElement[int]:
    """A status's place in the workflow (an unknown word counts as open)."""
    return case(_RANKS, value=column, else_=0)


STATUS: Final = case(
    (ReportDeskRow.status.is_(None), ReportRow.status),
    (rank(ReportDeskRow.status) >= rank(ReportRow.status), ReportDeskRow.status),
    else_=ReportRow.status,
)
AGENCY: Final = func.coalesce(ReportDeskRow.agency, ReportRow.agency)
# The first acknowledgement known: the desk's or the feed's (kept by the ingest), earlier wins.
ACKNOWLEDGED_AT: Final = case(
    (ReportDeskRow.acknowledged_at.is_(None), ReportRow.acknowledged_at),
    (ReportRow.acknowledged_at.is_(None), ReportDeskRow.acknowledged_at),
    (ReportRow.acknowledged_at < ReportDeskRow.acknowledged_at, ReportRow.acknowledged_at),
    else_=ReportDeskRow.acknowledged_at,
)
# When the report was closed; NULL exactly when its effective status is not closed.
CLOSED_AT: Final = case(
    (ReportDeskRow.status == CLOSED, ReportDeskRow.closed_at),
    (ReportRow.status == CLOSED, func.coalesce(ReportRow.closed_at, ReportRow.updated_at)),
    else_=None,
)
UPDATED_AT: Final = case(
    (ReportDeskRow.updated_at > ReportRow.updated_at, ReportDeskRow.updated_at),
    else_=ReportRow.updated_at,
)


def joined(stmt: Select[Any]) -> Select[Any]:
    """`stmt` over the overlay: reports LEFT JOIN report_desk."""
    return stmt.select_from(ReportRow).outerjoin(
        ReportDeskRow, ReportDeskRow.report_id == ReportRow.id
    )


def effective_reports() -> Subquery:
    """Every report as it stands: the feed's columns with status, agency, acknowledged_at,
    closed_at and updated_at replaced by their effective values (see the module docstring)."""
    own: tuple[Any, ...] = (
        ReportRow.id,
        ReportRow.source,
        ReportRow.external_id,
        ReportRow.category,
        ReportRow.description,
        ReportRow.lon,
        ReportRow.lat,
        ReportRow.address,
        ReportRow.ward,
        ReportRow.zone,
        ReportRow.created_at,
        ReportRow.media_url,
    )
    overlay = (
        STATUS.label("status"),
        AGENCY.label("agency"),
        ACKNOWLEDGED_AT.label("acknowledged_at"),
        CLOSED_AT.label("closed_at"),
        UPDATED_AT.label("updated_at"),
    )
    return joined(select(*own, *overlay)).subquery("effective_reports")
