"""The inputs a source took in (dropped files), by the sha256 of their bytes (`ingested_files`).

The pipeline asks `taken` before it stores a batch that names its origin, and `record`s the
origin's result after the batch's ingest has committed, before the connector lets go of the
file. A crash between the two leaves the file in place with no record: the next run stores it
again, which the ingest's idempotence turns into nothing new, and records the same counts
(rows count what the store holds of the file, new or already there). A crash after the record
finds the digest taken: the file is moved, nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.models import IngestedFileRow

__all__ = ["IngestedFile", "IngestedFiles"]

DONE, FAILED = "done", "failed"


@dataclass(frozen=True, slots=True)
class IngestedFile:
    source: str
    digest: str
    file_name: str
    ingested_at: datetime
    status: str  # done, failed
    rows: int
    quarantined: int
    detail: str | None


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class IngestedFiles:
    """Each source's files by digest (`Store.files`)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine
        self._writer = writer

    def get(self, source: str, digest: str) -> IngestedFile | None:
        """The record of `digest` for `source`, or None when it was never seen."""
        stmt = select(IngestedFileRow).where(
            IngestedFileRow.source == source, IngestedFileRow.digest == digest
        )
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else IngestedFile(**row)

    def record(
        self,
        source: str,
        digest: str,
        *,
        file_name: str,
        at: datetime,
        status: str,
        rows: int = 0,
        quarantined: int = 0,
        detail: str | None = None,
    ) -> None:
        """Keep what became of a file. A stored file's record is final; a failed one is
        replaced when the same bytes come again (a fixed setting may read them now)."""
        if status not in (DONE, FAILED):
            raise ValueError(f"unknown file status {status!r}")
        values = {
            "source": source,
            "digest": digest,
            "file_name": file_name[:512],
            "ingested_at": at,
            "status": status,
            "rows": rows,
            "quarantined": quarantined,
            "detail": detail,
        }
        with self._writer.begin() as conn:
            stmt = _insert(conn)(IngestedFileRow).values(**values)
            table = IngestedFileRow.__table__
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["source", "digest"],
                    set_={k: stmt.excluded[k] for k in values if k not in ("source", "digest")},
                    where=table.c.status != DONE,  # type: ignore[attr-defined]
                )
            )
