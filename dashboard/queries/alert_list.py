"""The engine's alerts as read by the engine, /api/v1/alerts and the pages.

`unresolved` (open and acknowledged: what the engine holds against its conditions),
`active_silences` (the maintenance windows at a time), `list_alerts` (filtered, newest
opened first, paged by offset) and `alert_history` (one alert's events, oldest first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from dashboard.queries._statements import rows
from dashboard.store.alerts import ALERT_COLUMNS, AlertView, alert_view
from dashboard.store.models import AlertEventRow, AlertRow, AlertSilenceRow

__all__ = [
    "AlertEvent",
    "AlertFilter",
    "Silence",
    "active_silences",
    "alert_history",
    "list_alerts",
    "unresolved",
]


@dataclass(frozen=True, slots=True)
class Silence:
    rule: str | None
    scope: str | None
    ends_at: datetime

    def covers(self, rule: str, scope: str) -> bool:
        return self.rule in (None, rule) and self.scope in (None, scope)


@dataclass(frozen=True, slots=True)
class AlertEvent:
    alert_id: int
    at: datetime
    event: str
    severity: str
    actor: str
    value: float | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """What /api/v1/alerts and the page filter on; None: any."""

    status: str | None = None  # open, acknowledged, resolved, or "unresolved"
    severity: str | None = None
    domain: str | None = None
    ward: str | None = None
    since: datetime | None = None  # opened at or after


def unresolved(session: Session) -> list[AlertView]:
    """Every open or acknowledged alert, oldest first."""
    stmt = select(*ALERT_COLUMNS).where(AlertRow.status != "resolved").order_by(AlertRow.id)
    return [alert_view(r) for r in rows(session, stmt)]


def active_silences(session: Session, at: datetime) -> list[Silence]:
    """The maintenance windows in force at `at`."""
    stmt = select(AlertSilenceRow.rule, AlertSilenceRow.scope, AlertSilenceRow.ends_at).where(
        AlertSilenceRow.starts_at <= at, AlertSilenceRow.ends_at > at
    )
    return [Silence(*r) for r in rows(session, stmt)]


def _where(f: AlertFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.status == "unresolved":
        where.append(AlertRow.status != "resolved")
    elif f.status is not None:
        where.append(AlertRow.status == f.status)
    if f.severity is not None:
        where.append(AlertRow.severity == f.severity)
    if f.domain is not None:
        where.append(AlertRow.domain == f.domain)
    if f.ward is not None:
        where.append(or_(AlertRow.ward == f.ward, AlertRow.scope == f"ward:{f.ward}"))
    if f.since is not None:
        where.append(AlertRow.opened_at >= f.since)
    return where


def list_alerts(
    session: Session, f: AlertFilter, *, offset: int = 0, limit: int = 100
) -> tuple[list[AlertView], int]:
    """The alerts matching `f`, newest opened first (id breaking ties), `limit` from
    `offset`; and how many match in all."""
    where = _where(f)
    stmt = (
        select(*ALERT_COLUMNS)
        .where(*where)
        .order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
        .offset(offset)
        .limit(limit)
    )
    total = rows(session, select(func.count()).select_from(AlertRow).where(*where))[0][0]
    return [alert_view(r) for r in rows(session, stmt)], int(total)


def alert_history(session: Session, alert_id: int) -> list[AlertEvent]:
    """Alert `alert_id`'s events, oldest first."""
    e = AlertEventRow
    stmt = (
        select(e.alert_id, e.at, e.event, e.severity, e.actor, e.value, e.comment)
        .where(e.alert_id == alert_id)
        .order_by(e.at, e.id)
    )
    return [AlertEvent(*r) for r in rows(session, stmt)]
