"""The alert engine's writes (`Store.alerts`): open, escalate, acknowledge, resolve, silence.

Every change is one short write transaction that only takes effect from the state it
expects, and says whether it did: an alert opens only where no unresolved alert of its
(rule, scope) exists (the partial unique index `uq_alerts_rule_scope_unresolved` decides,
with `INSERT ... ON CONFLICT DO NOTHING`, so two engines racing open it once); it escalates
only while open and not yet escalated; it is acknowledged only while open; it resolves only
while unresolved. The engine tells the outside world of exactly the changes returned here,
so each is told once whichever process made it. Each change writes its `alert_events` row
in the same transaction. Reads are `dashboard.queries.alert_list`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.store.models import AlertEventRow, AlertRow, AlertSilenceRow

__all__ = [
    "ALERT_COLUMNS",
    "ENGINE_ACTOR",
    "AlertRefused",
    "AlertView",
    "Alerts",
    "Opening",
    "Told",
    "alert_view",
]

ENGINE_ACTOR = "engine"  # the actor of the engine's own changes in the history


class AlertRefused(Exception):
    """The change does not apply to the alert as it stands (not found, not open, ...)."""


@dataclass(frozen=True, slots=True)
class Opening:
    """An alert the engine found reason to open (the store decides whether it does)."""

    rule: str
    scope: str
    domain: str
    title_vi: str
    title_en: str
    severity: str
    ward: str | None = None
    zone: str | None = None
    asset_id: str | None = None
    lon: float | None = None
    lat: float | None = None
    value: float | None = None
    threshold: float | None = None
    unit: str | None = None
    silenced: bool = False


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    rule: str
    scope: str
    domain: str
    title_vi: str
    title_en: str
    base_severity: str
    severity: str
    status: str
    ward: str | None
    zone: str | None
    asset_id: str | None
    lon: float | None
    lat: float | None
    value: float | None
    threshold: float | None
    unit: str | None
    silenced: bool
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_comment: str | None
    escalated_at: datetime | None
    resolved_at: datetime | None
    resolved_value: float | None


_VIEW_FIELDS = tuple(f.name for f in fields(AlertView))
ALERT_COLUMNS = tuple(AlertRow.__table__.c[name] for name in _VIEW_FIELDS)


def alert_view(row: Any) -> AlertView:
    """An `alerts` row (a Row of `ALERT_COLUMNS` or a mapping) as an AlertView."""
    values = dict(row._mapping) if hasattr(row, "_mapping") else dict(row)
    values["silenced"] = bool(values["silenced"])
    return AlertView(**{name: values[name] for name in _VIEW_FIELDS})


def _aware(value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError("alert times must be aware datetimes")


@dataclass(frozen=True, slots=True)
class Told:
    """An event the outside world is to be told of, claimed by one engine (`claim_untold`)."""

    event: str
    at: datetime
    severity: str
    actor: str
    value: float | None
    comment: str | None
    alert: AlertView


class Alerts:
    """The alerts' writes; see the module doc."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine
        self._writer = writer

    def _insert_unresolved(self, conn: Connection, values: dict[str, Any]) -> int | None:
        # The unique index's own predicate, as SQL text: with a bound value PostgreSQL
        # cannot infer the index once psycopg prepares the statement (its sixth run on a
        # connection), and every opening after that fails.
        where = text("status <> 'resolved'")
        if self._writer.dialect.name == "postgresql":
            pg = postgresql.insert(AlertRow).values(**values)
            stmt: Any = pg.on_conflict_do_nothing(
                index_elements=["rule", "scope"], index_where=where
            )
        else:
            lite = sqlite.insert(AlertRow).values(**values)
            stmt = lite.on_conflict_do_nothing(index_elements=["rule", "scope"], index_where=where)
        found = conn.execute(stmt.returning(AlertRow.id)).scalar_one_or_none()
        return None if found is None else int(found)

    def _event(
        self,
        conn: Connection,
        alert_id: int,
        at: datetime,
        event: str,
        severity: str,
        *,
        actor: str = ENGINE_ACTOR,
        value: float | None = None,
        comment: str | None = None,
        silenced: bool = False,
    ) -> None:
        conn.execute(
            insert(AlertEventRow).values(
                alert_id=alert_id,
                at=at,
                event=event,
                severity=severity,
                actor=actor,
                value=value,
                comment=comment,
                notified_at=at if silenced else None,
            )
        )

    def _view(self, conn: Connection, alert_id: int) -> AlertView:
        return alert_view(conn.execute(select(*ALERT_COLUMNS).where(AlertRow.id == alert_id)).one())

    def open(self, openings: Sequence[Opening], at: datetime) -> list[AlertView]:
        """Open each of `openings` unless its (rule, scope) has an unresolved alert; the
        alerts this call opened (others: already open, by this engine or another)."""
        _aware(at)
        opened: list[AlertView] = []
        if not openings:
            return opened
        with self._writer.begin() as conn:
            for o in openings:
                values = {f.name: getattr(o, f.name) for f in fields(Opening)}
                values.update(base_severity=o.severity, status="open", opened_at=at)
                alert_id = self._insert_unresolved(conn, values)
                if alert_id is None:
                    continue
                self._event(
                    conn, alert_id, at, "opened", o.severity, value=o.value, silenced=o.silenced
                )
                opened.append(self._view(conn, alert_id))
        return opened

    def escalate(self, changes: Sequence[tuple[int, str]], at: datetime) -> list[AlertView]:
        """Raise each (alert id, severity) still open (unacknowledged) and not escalated
        before; the alerts this call escalated."""
        _aware(at)
        done: list[AlertView] = []
        if not changes:
            return done
        with self._writer.begin() as conn:
            for alert_id, severity in changes:
                stmt = (
                    update(AlertRow)
                    .where(
                        AlertRow.id == alert_id,
                        AlertRow.status == "open",
                        AlertRow.escalated_at.is_(None),
                    )
                    .values(severity=severity, escalated_at=at)
                )
                if conn.execute(stmt).rowcount != 1:
                    continue
                view = self._view(conn, alert_id)
                self._event(conn, alert_id, at, "escalated", severity, silenced=view.silenced)
                done.append(view)
        return done

    def resolve(self, changes: Sequence[tuple[int, float | None]], at: datetime) -> list[AlertView]:
        """Resolve each (alert id, the value that cleared it) still unresolved; the alerts
        this call resolved."""
        _aware(at)
        done: list[AlertView] = []
        if not changes:
            return done
        with self._writer.begin() as conn:
            for alert_id, value in changes:
                stmt = (
                    update(AlertRow)
                    .where(AlertRow.id == alert_id, AlertRow.status != "resolved")
                    .values(status="resolved", resolved_at=at, resolved_value=value)
                )
                if conn.execute(stmt).rowcount != 1:
                    continue
                view = self._view(conn, alert_id)
                self._event(
                    conn,
                    alert_id,
                    at,
                    "resolved",
                    view.severity,
                    value=value,
                    silenced=view.silenced,
                )
                done.append(view)
        return done

    def acknowledge(self, alert_id: int, *, by: str, comment: str, at: datetime) -> AlertView:
        """Acknowledge open alert `alert_id` as `by` with `comment`; AlertRefused (nothing
        written) when there is no such alert or it is not open."""
        _aware(at)
        comment = comment.strip()
        if not comment:
            raise AlertRefused("an acknowledgement needs a comment")
        with self._writer.begin() as conn:
            stmt = (
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.status == "open")
                .values(
                    status="acknowledged",
                    acknowledged_at=at,
                    acknowledged_by=by,
                    ack_comment=comment,
                )
            )
            if conn.execute(stmt).rowcount != 1:
                found = conn.execute(select(AlertRow.status).where(AlertRow.id == alert_id))
                status = found.scalar_one_or_none()
                why = "no such alert" if status is None else f"the alert is {status}"
                raise AlertRefused(f"alert {alert_id} cannot be acknowledged: {why}")
            view = self._view(conn, alert_id)
            self._event(
                conn,
                alert_id,
                at,
                "acknowledged",
                view.severity,
                actor=by,
                comment=comment,
                silenced=view.silenced,
            )
            return view

    def silence(
        self,
        *,
        rule: str | None,
        scope: str | None,
        starts_at: datetime,
        ends_at: datetime,
        by: str,
        at: datetime,
        reason: str | None = None,
    ) -> int:
        """A maintenance window for `rule` and/or `scope` (None: any) until `ends_at`; its id."""
        for value in (starts_at, ends_at, at):
            _aware(value)
        if ends_at <= starts_at:
            raise ValueError("a silence must end after it starts")
        with self._writer.begin() as conn:
            stmt = insert(AlertSilenceRow).values(
                rule=rule,
                scope=scope,
                starts_at=starts_at,
                ends_at=ends_at,
                reason=reason,
                created_by=by,
                created_at=at,
            )
            return int(conn.execute(stmt.returning(AlertSilenceRow.id)).scalar_one())

    def claim_untold(self, at: datetime, limit: int = 500) -> list[Told]:
        """The events nobody was told of yet, oldest first, each claimed for this caller
        only (marked told at `at` in the same transaction: another engine gets the rest)."""
        _aware(at)
        e = AlertEventRow
        pick = (
            select(e.id, e.alert_id, e.event, e.at, e.severity, e.actor, e.value, e.comment)
            .where(e.notified_at.is_(None))
            .order_by(e.id)
            .limit(limit)
        )
        if self._writer.dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        claimed: list[Told] = []
        with self._writer.begin() as conn:
            for event_id, alert_id, event, when, severity, actor, value, comment in conn.execute(
                pick
            ).all():
                stmt = (
                    update(e)
                    .where(e.id == event_id, e.notified_at.is_(None))
                    .values(notified_at=at)
                )
                if conn.execute(stmt).rowcount != 1:
                    continue
                view = self._view(conn, alert_id)
                claimed.append(Told(event, when, severity, actor, value, comment, view))
        return claimed
