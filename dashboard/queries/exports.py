"""Reads of the PDF export queue for `/exports`, the pages' "Export PDF" control and downloads.

The queue itself (enqueue, claim, finish) is `dashboard.store.exports`; these only read.
Times are aware UTC (pages show them in the city's zone).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.store.exports import ExportView, export_view
from dashboard.store.models import ExportRow

__all__ = ["export_by_id", "queued_ahead", "recent_exports"]

_COLUMNS = tuple(ExportRow.__table__.c)


def recent_exports(session: Session, limit: int = 200) -> list[ExportView]:
    """The newest `limit` exports, newest first (every status, every requester)."""
    stmt = select(*_COLUMNS).order_by(ExportRow.id.desc()).limit(limit)
    return [export_view(row) for row in session.execute(stmt).mappings()]


def export_by_id(session: Session, export_id: int) -> ExportView | None:
    """The export `export_id`, or None."""
    row = session.execute(select(*_COLUMNS).where(ExportRow.id == export_id)).mappings().first()
    return None if row is None else export_view(row)


def queued_ahead(session: Session, export_id: int) -> int:
    """How many exports wait before `export_id` (queued with a smaller id)."""
    stmt = select(func.count()).where(ExportRow.status == "queued", ExportRow.id < export_id)
    return int(session.execute(stmt).scalar_one())
