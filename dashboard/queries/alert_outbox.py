"""Reads of the alert outbox: the notices an alert made (the CAP feed) and what became of
their deliveries. The outbox's writes are `dashboard.store.outbound`. Times are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.store.models import AlertDeliveryAttemptRow, AlertDeliveryRow, AlertNoticeRow

__all__ = ["DeliveryAttempt", "DeliveryState", "current_alert_notices", "deliveries", "notices_of"]


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    attempt: int
    at: datetime
    ok: bool
    http_status: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class DeliveryState:
    id: int
    alert_id: int
    event: str
    channel: str
    status: str  # pending, delivered, failed
    attempts: tuple[DeliveryAttempt, ...]


def notices_of(session: Session, alert_id: int) -> list[dict[str, Any]]:
    """The notices alert `alert_id` made, oldest first, as kept (their JSON payloads)."""
    stmt = (
        select(AlertNoticeRow.payload)
        .where(AlertNoticeRow.alert_id == alert_id)
        .order_by(AlertNoticeRow.id)
    )
    return list(session.scalars(stmt))


def current_alert_notices(
    session: Session, now: datetime, resolved_hours: float, limit: int = 500
) -> list[list[dict[str, Any]]]:
    """The notices (oldest first) of each alert not resolved, or resolved within
    `resolved_hours` of `now`: the alerts the CAP feed lists, newest change first."""
    last = (
        select(AlertNoticeRow.alert_id, func.max(AlertNoticeRow.id).label("last_id"))
        .group_by(AlertNoticeRow.alert_id)
        .subquery()
    )
    recent = now - timedelta(hours=resolved_hours)
    shown = (
        select(AlertNoticeRow.alert_id)
        .join(last, last.c.last_id == AlertNoticeRow.id)
        .where((AlertNoticeRow.event != "resolved") | (AlertNoticeRow.at >= recent))
        .order_by(AlertNoticeRow.at.desc())
        .limit(limit)
    )
    ids = list(session.scalars(shown))
    if not ids:
        return []
    rows = session.execute(
        select(AlertNoticeRow.alert_id, AlertNoticeRow.payload)
        .where(AlertNoticeRow.alert_id.in_(ids))
        .order_by(AlertNoticeRow.id)
    )
    by_alert: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for alert_id, payload in rows:
        by_alert[alert_id].append(payload)
    return [by_alert[i] for i in ids]


def deliveries(session: Session, alert_id: int | None = None) -> list[DeliveryState]:
    """Every delivery (of alert `alert_id`'s notices, or of all), oldest first, with each of
    its attempts."""
    stmt = (
        select(
            AlertDeliveryRow.id,
            AlertNoticeRow.alert_id,
            AlertNoticeRow.event,
            AlertDeliveryRow.channel,
            AlertDeliveryRow.status,
        )
        .join(AlertNoticeRow, AlertNoticeRow.id == AlertDeliveryRow.notice_id)
        .order_by(AlertDeliveryRow.id)
    )
    if alert_id is not None:
        stmt = stmt.where(AlertNoticeRow.alert_id == alert_id)
    heads = session.execute(stmt).all()
    attempts: dict[int, list[DeliveryAttempt]] = {h.id: [] for h in heads}
    if heads:
        a = AlertDeliveryAttemptRow
        tries = session.execute(
            select(a.delivery_id, a.attempt, a.at, a.ok, a.http_status, a.error)
            .where(a.delivery_id.in_(list(attempts)))
            .order_by(a.delivery_id, a.attempt, a.id)
        )
        for row in tries:
            attempts[row.delivery_id].append(
                DeliveryAttempt(row.attempt, row.at, bool(row.ok), row.http_status, row.error)
            )
    return [
        DeliveryState(h.id, h.alert_id, h.event, h.channel, h.status, tuple(attempts[h.id]))
        for h in heads
    ]
