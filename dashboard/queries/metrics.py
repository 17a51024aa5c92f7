"""The store's tallies behind `/metrics` (`dashboard.metrics_store`): runs, quarantine,
leases and unresolved alerts, each one grouped statement.

They count what the store still holds: retention prunes `source_runs` after `[retention]
runs_days` and `quarantine` after `quarantine_days`, so a tally can fall, and the metrics
built on them are gauges, never counters. Feed health and freshness come from
`dashboard.queries.sources.source_health`, as on /sources and /healthz. Times are aware UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.queries._statements import rows
from dashboard.queries.sources import aware
from dashboard.store.models import AlertRow, Lease, QuarantineRow, SourceRun

__all__ = [
    "AlertTally",
    "LeaseHolder",
    "QuarantineTally",
    "RunTally",
    "leases",
    "quarantine_tallies",
    "run_tallies",
    "unresolved_alerts",
]


@dataclass(frozen=True, slots=True)
class RunTally:
    """The kept runs of one source that ended (or stand) in one status, and their rows."""

    source: str
    status: str  # running, ok, error
    runs: int
    rows: int  # stored
    rejected: int


@dataclass(frozen=True, slots=True)
class QuarantineTally:
    source: str
    record_kind: str  # reading, asset, report, payload
    records: int


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    name: str  # "scheduler": the scheduler's leadership
    holder: str
    expires_at: datetime  # aware UTC


@dataclass(frozen=True, slots=True)
class AlertTally:
    severity: str  # info, warning, critical
    status: str  # open, acknowledged
    alerts: int


def run_tallies(session: Session, sources: Sequence[str]) -> list[RunTally]:
    """Per source of `sources` and run status: the runs kept in `source_runs`, with the rows
    they stored and rejected (a running run counts what it committed so far)."""
    if not sources:
        return []
    stmt = (
        select(
            SourceRun.source,
            SourceRun.status,
            func.count(),
            func.coalesce(func.sum(SourceRun.rows), 0),
            func.coalesce(func.sum(SourceRun.rejected), 0),
        )
        .where(SourceRun.source.in_(list(sources)))
        .group_by(SourceRun.source, SourceRun.status)
        .order_by(SourceRun.source, SourceRun.status)
    )
    return [RunTally(s, st, int(n), int(r), int(j)) for s, st, n, r, j in rows(session, stmt)]


def quarantine_tallies(session: Session, sources: Sequence[str]) -> list[QuarantineTally]:
    """Per source of `sources` and record kind: the records held in quarantine."""
    if not sources:
        return []
    stmt = (
        select(QuarantineRow.source, QuarantineRow.record_kind, func.count())
        .where(QuarantineRow.source.in_(list(sources)))
        .group_by(QuarantineRow.source, QuarantineRow.record_kind)
        .order_by(QuarantineRow.source, QuarantineRow.record_kind)
    )
    return [QuarantineTally(s, kind, int(n)) for s, kind, n in rows(session, stmt)]


def leases(session: Session) -> list[LeaseHolder]:
    """Every lease row (held or expired), by name."""
    stmt = select(Lease.name, Lease.holder, Lease.expires_at).order_by(Lease.name)
    found = []
    for name, holder, expires in rows(session, stmt):
        at = aware(expires)
        assert at is not None  # the column is NOT NULL
        found.append(LeaseHolder(name, holder, at))
    return found


def unresolved_alerts(session: Session) -> list[AlertTally]:
    """Alerts not yet resolved, by severity and status (open, acknowledged)."""
    stmt = (
        select(AlertRow.severity, AlertRow.status, func.count())
        .where(AlertRow.status != "resolved")
        .group_by(AlertRow.severity, AlertRow.status)
        .order_by(AlertRow.severity, AlertRow.status)
    )
    return [AlertTally(sev, st, int(n)) for sev, st, n in rows(session, stmt)]
