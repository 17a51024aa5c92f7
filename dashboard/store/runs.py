"""Source runs and state, the scheduler's lease, and retention.

Small writes, each its own short transaction. The lease is one atomic upsert (insert, or take
over only when the current holder is us or has expired) so two schedulers racing for it on
either database can never both win: PostgreSQL row-locks the conflicting row and re-checks the
condition, SQLite serialises writers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.models import (
    Lease,
    QuarantineRow,
    ReadingRow,
    SourceRun,
    SourceState,
    Watermark,
)
from dashboard.store.readings import RAW_RETAINED_BEFORE, keep_five_minute_buckets, lock_readings

__all__ = [
    "INTERRUPTED",
    "LINK_STATES",
    "LeaseView",
    "SourceStateView",
    "apply_retention",
    "close_stale_runs",
    "finish_run",
    "last_run_starts",
    "lease_holder",
    "record_error",
    "record_progress",
    "record_pushed",
    "release_lease",
    "request_run",
    "set_cursor",
    "set_link",
    "set_paused",
    "source_state",
    "start_run",
    "take_run_requests",
    "try_lease",
]


@dataclass(frozen=True, slots=True)
class SourceStateView:
    """Where a source stands: its data cursor, its last outcomes, whether it is paused."""

    source: str
    cursor: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    paused: bool
    run_requested_at: datetime | None = None
    link: str | None = None  # a push source's link: connected, retrying, failing
    link_since: datetime | None = None
    link_detail: str | None = None


@dataclass(frozen=True, slots=True)
class LeaseView:
    """Who holds a lease, and until when (it may have expired already)."""

    holder: str
    expires_at: datetime


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


def start_run(engine: Engine, source: str, started_at: datetime) -> int:
    _aware("started_at", started_at)
    with engine.begin() as conn:
        stmt = (
            _insert(conn)(SourceRun)
            .values(source=source, started_at=started_at, status="running", rows=0, rejected=0)
            .returning(SourceRun.id)
        )
        return int(conn.execute(stmt).scalar_one())


INTERRUPTED = "interrupted (process or database stopped)"


def close_stale_runs(engine: Engine, source: str, before: datetime) -> int:
    """Close `source`'s runs still "running" that started before `before` as errors.

    A run whose process died, or whose database dropped so that even recording its failure
    failed, would otherwise say "running" forever. Runs of one source never overlap (the
    scheduler's lease, one job instance per source), so at the start of the next run any
    older "running" row is such a leftover. It ends at `before`: when it was found.
    """
    _aware("before", before)
    with engine.begin() as conn:
        done = conn.execute(
            update(SourceRun)
            .where(
                SourceRun.source == source,
                SourceRun.status == "running",
                SourceRun.started_at < before,
            )
            .values(status="error", ended_at=before, error=INTERRUPTED)
        )
        return int(done.rowcount)


def record_progress(engine: Engine, run_id: int, *, rows: int, rejected: int) -> None:
    """Set a running run's counts to what it has committed so far (a finished run is left
    as it ended)."""
    with engine.begin() as conn:
        conn.execute(
            update(SourceRun)
            .where(SourceRun.id == run_id, SourceRun.status == "running")
            .values(rows=rows, rejected=rejected)
        )


def record_pushed(
    engine: Engine,
    run_id: int,
    source: str,
    *,
    rows: int,
    rejected: int,
    cursor: datetime | None,
    success_at: datetime,
) -> None:
    """After a committed pushed batch: the session's run counts, the source's cursor and last
    success, in one short transaction (a busy feed writes this once per batch, never a run
    row per message)."""
    _aware("cursor", cursor)
    _aware("success_at", success_at)
    state = {"cursor": cursor, "last_success_at": success_at}
    with engine.begin() as conn:
        conn.execute(
            update(SourceRun)
            .where(SourceRun.id == run_id, SourceRun.status == "running")
            .values(rows=rows, rejected=rejected)
        )
        stmt = _insert(conn)(SourceState).values({"source": source, "paused": False, **state})
        conn.execute(stmt.on_conflict_do_update(index_elements=["source"], set_=state))


def finish_run(
    engine: Engine,
    run_id: int,
    *,
    ended_at: datetime,
    status: str,
    rows: int,
    rejected: int,
    error: str | None = None,
) -> None:
    _aware("ended_at", ended_at)
    with engine.begin() as conn:
        done = conn.execute(
            update(SourceRun)
            .where(SourceRun.id == run_id)
            .values(ended_at=ended_at, status=status, rows=rows, rejected=rejected, error=error)
        )
        if done.rowcount != 1:
            raise LookupError(f"no source run {run_id}")


def source_state(engine: Engine, source: str) -> SourceStateView | None:
    with engine.connect() as conn:
        row = conn.execute(select(SourceState).where(SourceState.source == source)).first()
    if row is None:
        return None
    return SourceStateView(
        source=row.source,
        cursor=row.cursor,
        last_success_at=row.last_success_at,
        last_error_at=row.last_error_at,
        last_error=row.last_error,
        paused=bool(row.paused),
        run_requested_at=row.run_requested_at,
        link=row.link,
        link_since=row.link_since,
        link_detail=row.link_detail,
    )


def _upsert_state(engine: Engine, source: str, **values: Any) -> None:
    with engine.begin() as conn:
        stmt = _insert(conn)(SourceState).values({"source": source, "paused": False, **values})
        conn.execute(stmt.on_conflict_do_update(index_elements=["source"], set_=values))


def set_cursor(engine: Engine, source: str, cursor: datetime | None, success_at: datetime) -> None:
    """Record a successful run: where the data now stands and when it succeeded."""
    _aware("cursor", cursor)
    _aware("success_at", success_at)
    _upsert_state(engine, source, cursor=cursor, last_success_at=success_at)


def record_error(engine: Engine, source: str, at: datetime, message: str) -> None:
    _aware("at", at)
    _upsert_state(engine, source, last_error_at=at, last_error=message)


LINK_STATES = ("connected", "retrying", "failing")


def set_link(
    engine: Engine, source: str, link: str | None, since: datetime | None, detail: str | None
) -> None:
    """Keep a push source's link state (None: no link held, e.g. paused or stopped)."""
    if link is not None and link not in LINK_STATES:
        raise ValueError(f"link state {link!r} is not one of {', '.join(LINK_STATES)}")
    _aware("since", since)
    _upsert_state(engine, source, link=link, link_since=since, link_detail=detail)


def set_paused(engine: Engine, source: str, paused: bool) -> None:
    _upsert_state(engine, source, paused=paused)


def request_run(engine: Engine, source: str, at: datetime) -> None:
    """Ask the active scheduler to run `source` as soon as it can ("run now")."""
    _aware("at", at)
    _upsert_state(engine, source, run_requested_at=at)


def take_run_requests(engine: Engine) -> list[str]:
    """The sources with a pending run request, cleared in the same transaction."""
    with engine.begin() as conn:
        taken = conn.execute(
            update(SourceState)
            .where(SourceState.run_requested_at.is_not(None))
            .values(run_requested_at=None)
            .returning(SourceState.source)
        ).scalars()
        return sorted(taken)


def try_lease(engine: Engine, name: str, holder: str, now: datetime, ttl_s: float) -> bool:
    """Acquire or renew lease `name` for `holder` until now + ttl; False if someone else
    holds it and it has not expired."""
    _aware("now", now)
    expires = now + timedelta(seconds=ttl_s)
    table = Lease.__table__
    with engine.begin() as conn:
        stmt = _insert(conn)(Lease).values(name=name, holder=holder, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at},
            where=or_(table.c.holder == holder, table.c.expires_at <= now),
        ).returning(table.c.holder)
        return conn.execute(stmt).scalar() == holder


def lease_holder(engine: Engine, name: str) -> LeaseView | None:
    """The holder of lease `name` and its expiry, or None when nobody holds it."""
    with engine.connect() as conn:
        row = conn.execute(select(Lease).where(Lease.name == name)).first()
    return None if row is None else LeaseView(row.holder, row.expires_at)


def last_run_starts(engine: Engine, sources: list[str]) -> dict[str, datetime]:
    """When each of `sources` last started a run (whatever its outcome); a source that never
    ran is absent."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(SourceRun.source, func.max(SourceRun.started_at))
            .where(SourceRun.source.in_(sources))
            .group_by(SourceRun.source)
        ).all()
    return {source: started for source, started in rows if started is not None}


def release_lease(engine: Engine, name: str, holder: str) -> None:
    """Give the lease up now, if we hold it (someone else's lease is left alone)."""
    with engine.begin() as conn:
        conn.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


def apply_retention(
    engine: Engine, now: datetime, *, raw_days: int, quarantine_days: int, runs_days: int
) -> dict[str, int]:
    """Delete raw readings, quarantine rows and run records older than their age.

    Rollups and latest values stay: they are what history pages read beyond the raw window.
    The readings that are their own 5-minute bucket (series with `rolled_5m` false) are
    written to rollup_5m first.
    Because they stay, the cut becomes the watermark `raw_retained_before` (it only moves
    forward), before which ingest refuses readings it could no longer recognise as already
    counted; see `dashboard.store.readings`.
    """
    _aware("now", now)
    # On a whole hour: no 5-minute or hourly bucket is left half in the raw readings.
    raw_cut = int((now - timedelta(days=raw_days)).timestamp()) // 3600 * 3600
    with engine.begin() as conn:
        lock_readings(conn)
        stmt = _insert(conn)(Watermark).values(name=RAW_RETAINED_BEFORE, value=raw_cut)
        table = Watermark.__table__
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={"value": stmt.excluded.value},
                where=table.c.value < stmt.excluded.value,  # type: ignore[attr-defined]
            )
        )
        keep_five_minute_buckets(conn, raw_cut)
        readings = conn.execute(delete(ReadingRow).where(ReadingRow.ts < raw_cut)).rowcount
        quarantine = conn.execute(
            delete(QuarantineRow).where(
                QuarantineRow.received_at < now - timedelta(days=quarantine_days)
            )
        ).rowcount
        runs = conn.execute(
            delete(SourceRun).where(SourceRun.started_at < now - timedelta(days=runs_days))
        ).rowcount
    return {"readings": readings, "quarantine": quarantine, "source_runs": runs}
