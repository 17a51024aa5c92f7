"""Citizen reports (Open311-like service requests) for pages and the API.

Times are aware UTC datetimes. `since` filters on `updated_at`, so a client polling with its
last sync time sees every report created or changed after it.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.store.models import ReportRow

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
    ward: str | None = None,
    since: datetime | None = None,
    limit: int = 500,
) -> pd.DataFrame:
    """Reports matching the filters, newest update first, at most `limit` rows.

    Columns as REPORT_COLUMNS; created_at, updated_at, closed_at aware UTC (closed_at NaT
    while open); lon/lat WGS84.
    """
    stmt = select(*(getattr(ReportRow, c) for c in REPORT_COLUMNS)).order_by(
        ReportRow.updated_at.desc(), ReportRow.id.desc()
    )
    if status is not None:
        stmt = stmt.where(ReportRow.status == status)
    if ward is not None:
        stmt = stmt.where(ReportRow.ward == ward)
    if since is not None:
        stmt = stmt.where(ReportRow.updated_at >= since)
    frame = pd.DataFrame(session.execute(stmt.limit(limit)).all(), columns=list(REPORT_COLUMNS))
    for col in ("created_at", "updated_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
