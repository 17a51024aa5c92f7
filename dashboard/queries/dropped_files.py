"""The files a file-drop source took in, for its section of /sources (`ingested_files`)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.store.models import IngestedFileRow

__all__ = ["FILE_COLUMNS", "recent_files"]

FILE_COLUMNS = ("file_name", "ingested_at", "status", "rows", "quarantined", "detail")


def recent_files(session: Session, source: str, limit: int = 20) -> pd.DataFrame:
    """The newest `limit` files `source` took in or refused, newest first.

    Columns: file_name, ingested_at (aware UTC), status ("done" or "failed"), rows (records
    stored from the file), quarantined (its records refused), detail (why refused or failed).
    """
    stmt = (
        select(*(getattr(IngestedFileRow, c) for c in FILE_COLUMNS))
        .where(IngestedFileRow.source == source)
        .order_by(IngestedFileRow.ingested_at.desc(), IngestedFileRow.file_name)
        .limit(limit)
    )
    frame = pd.DataFrame(session.execute(stmt).all(), columns=list(FILE_COLUMNS))
    frame["ingested_at"] = pd.to_datetime(frame["ingested_at"], utc=True)
    return frame
