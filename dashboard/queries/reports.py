"""Citizen reports (Open311-like service requests) for pages and the API.

Every report is read as it stands (`dashboard.queries.report_status`: the further along of the
feed's status and the desk's, the desk's agency and close), so the API says what the desk and
the wall say. Times are aware UTC datetimes. `since` filters on the effective `updated_at`, so
a client polling with its last sync time sees every report created or changed after it, at
the desk included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.queries._areas import area_condition
from dashboard.queries.report_status import effective_reports

__all__ = ["REPORT_COLUMNS", "list_reports"]

REPORT_COLUMNS = (
    "id",
    "source",
    "external_id",
    "category",
    "description",
    "status",
    "lon",
    "lat",
    "address",
    "ward",
    "zone",
    "created_at",
    "updated_at",
    "closed_at",
    "agency",
    "media_url",
)


def list_reports(
    session: Session,
    status: str | None = None,
    areas: tuple[Sequence[str], Sequence[str]] = ((), ()),
    since: datetime | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Reports matching the filters, newest update first, at most `limit` rows.

    `areas` (wards, zones) filters as the drill pages do (`_areas.area_condition`).
    Columns as REPORT_COLUMNS (status, agency, updated_at and closed_at effective); created_at,
    updated_at, closed_at aware UTC (closed_at NaT while open); lon/lat WGS84.
    """
    c = effective_reports().c
    stmt = select(*(c[name] for name in REPORT_COLUMNS)).order_by(c.updated_at.desc(), c.id.desc())
    if status is not None:
        stmt = stmt.where(c.status == status)
    stmt = stmt.where(area_condition(c.ward, c.zone, areas))
    if since is not None:
        stmt = stmt.where(c.updated_at >= since)
    frame = pd.DataFrame(session.execute(stmt.limit(limit)).all(), columns=list(REPORT_COLUMNS))
    for col in ("created_at", "updated_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
