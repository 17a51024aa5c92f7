"""The PDF export queue (`exports`): the one truth every web worker and scheduler shares.

A person's "Export PDF" or a scheduled report `enqueue`s a row; a render worker in any
process `claim`s the oldest queued one and is then its only renderer: the claim is one short
write transaction that reads a queued row and moves it to running only if it is still queued.
PostgreSQL locks the row it read (`FOR UPDATE SKIP LOCKED`, so a second claimer takes the
next one instead of waiting); SQLite serialises writers (the store's writer engine opens
with BEGIN IMMEDIATE), so the second claimer reads after the first committed.

A schedule has at most one export queued or running (a partial unique index): `enqueue`
raises `SchedulePending` rather than pile a slow report's runs up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.store.models import ExportRow

__all__ = ["EXPORT_STATUSES", "ExportView", "Exports", "SchedulePending", "export_view"]

EXPORT_STATUSES = ("queued", "running", "done", "failed")
INTERRUPTED = "interrupted: the process rendering it stopped"


class SchedulePending(Exception):
    """The scheduled report already has an export queued or running."""


@dataclass(frozen=True, slots=True)
class ExportView:
    id: int
    requested_by: str
    username: str
    path: str
    paper: str
    landscape: bool
    lang: str | None
    schedule: str | None
    status: str
    progress: int
    error: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None
    size_bytes: int | None
    file: str | None
    delivery: str | None

    @property
    def pending(self) -> bool:
        return self.status in ("queued", "running")


def export_view(row: Any) -> ExportView:
    """An `exports` row (ORM object or mapping) as an ExportView."""
    get = row.get if hasattr(row, "get") else lambda k: getattr(row, k)
    values = {name: get(name) for name in ExportView.__slots__}  # type: ignore[attr-defined]
    values["landscape"] = bool(values["landscape"])
    return ExportView(**values)


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


class Exports:
    """The export queue (`Store.exports`): its writes; reads are `dashboard.queries.exports`."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine
        self._writer = writer

    def enqueue(
        self,
        *,
        requested_by: str,
        username: str,
        path: str,
        paper: str,
        landscape: bool,
        lang: str | None,
        at: datetime,
        schedule: str | None = None,
    ) -> int:
        """Queue an export of page `path` (with its query) rendered with `username`'s rights;
        its id. Raises `SchedulePending` when `schedule` has one queued or running."""
        _aware("at", at)
        if paper not in ("A4", "A3"):
            raise ValueError(f"paper {paper!r} is not A4 or A3")
        values = {
            "requested_by": requested_by,
            "username": username,
            "path": path,
            "paper": paper,
            "landscape": landscape,
            "lang": lang,
            "schedule": schedule,
            "status": "queued",
            "progress": 0,
            "requested_at": at,
        }
        try:
            with self._writer.begin() as conn:
                stmt = insert(ExportRow).values(**values).returning(ExportRow.id)
                return int(conn.execute(stmt).scalar_one())
        except IntegrityError:
            if schedule is None:
                raise
            raise SchedulePending(f"report {schedule!r} has an export queued or running") from None

    def claim(self, worker: str, at: datetime) -> ExportView | None:
        """Take the oldest queued export for `worker` (now running), or None when none is
        queued. Two claimers never get the same export (see the module docstring)."""
        _aware("at", at)
        queued = select(ExportRow.id).where(ExportRow.status == "queued").limit(1)
        with self._engine.connect() as conn:  # idle workers poll: no write lock for nothing
            if conn.execute(queued).first() is None:
                return None
        with self._writer.begin() as conn:
            candidate = conn.execute(
                select(ExportRow.id)
                .where(ExportRow.status == "queued")
                .order_by(ExportRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar()
            if candidate is None:
                return None
            row = (
                conn.execute(
                    update(ExportRow)
                    .where(ExportRow.id == candidate, ExportRow.status == "queued")
                    .values(status="running", worker=worker[:128], started_at=at, progress=5)
                    .returning(*ExportRow.__table__.c)
                )
                .mappings()
                .first()
            )
        return None if row is None else export_view(row)

    def set_progress(self, export_id: int, progress: int) -> None:
        """How far a running export is, in percent (a finished one is left as it ended)."""
        with self._writer.begin() as conn:
            conn.execute(
                update(ExportRow)
                .where(ExportRow.id == export_id, ExportRow.status == "running")
                .values(progress=max(0, min(100, progress)))
            )

    def finish(
        self,
        export_id: int,
        *,
        at: datetime,
        status: str,
        error: str | None = None,
        file: str | None = None,
        size_bytes: int | None = None,
        delivery: str | None = None,
    ) -> None:
        """End a running export as "done" or "failed" (`error`: why), with its PDF (`file` in
        the exports folder, `size_bytes`) when there is one."""
        _aware("at", at)
        if status not in ("done", "failed"):
            raise ValueError(f"an export ends done or failed, not {status!r}")
        with self._writer.begin() as conn:
            conn.execute(
                update(ExportRow)
                .where(ExportRow.id == export_id, ExportRow.status == "running")
                .values(
                    status=status,
                    progress=100,
                    finished_at=at,
                    error=None if error is None else error[:4000],
                    file=file,
                    size_bytes=size_bytes,
                    delivery=delivery,
                )
            )

    def fail_stale(self, started_before: datetime, at: datetime) -> int:
        """Fail the exports still running that started before `started_before` (their worker
        is gone: no render outlives its timeout); how many."""
        _aware("started_before", started_before)
        with self._writer.begin() as conn:
            done = conn.execute(
                update(ExportRow)
                .where(ExportRow.status == "running", ExportRow.started_at < started_before)
                .values(status="failed", progress=100, finished_at=at, error=INTERRUPTED)
            )
            return int(done.rowcount)

    def purge(self, finished_before: datetime) -> list[str]:
        """Delete the finished exports (done or failed) that ended before `finished_before`;
        the names of their PDFs in the exports folder, for the caller to remove."""
        _aware("finished_before", finished_before)
        old = ExportRow.status.in_(("done", "failed")) & (ExportRow.finished_at < finished_before)
        with self._writer.begin() as conn:
            files = list(
                conn.scalars(select(ExportRow.file).where(old, ExportRow.file.is_not(None)))
            )
            conn.execute(delete(ExportRow).where(old))
        return [f for f in files if f]
