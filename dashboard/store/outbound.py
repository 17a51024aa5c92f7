"""The alert outbox (`alert_notices`, `alert_deliveries`, `alert_delivery_attempts`).

The outbound notifier `record`s each notice once with one delivery per channel that wants
it, in one transaction (a notice told twice is stored once: unique alert, event and time). A
delivery worker `claim`s the deliveries that are due: the claim moves their `due_at` a lease
ahead, so a second worker (or this one, next poll) leaves them alone while they are tried,
and a worker that died mid-try leaves them to be tried again once the lease ends. Each try is
then `record_attempt`ed: its outcome kept, the delivery delivered, failed, or due again.
Pending deliveries live in the store, so a restart loses none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.store.models import AlertDeliveryAttemptRow, AlertDeliveryRow, AlertNoticeRow

__all__ = ["AlertOutbox", "DueDelivery"]


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery: try `attempt` of sending notice `payload` on `channel`."""

    id: int
    notice_id: int
    channel: str
    attempt: int
    payload: dict[str, Any]


def _aware(name: str, value: datetime) -> None:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")


class AlertOutbox:
    """The outbox's writes (`Store.alert_outbox`); reads are `dashboard.queries.alert_outbox`."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine
        self._writer = writer

    def record(
        self,
        *,
        alert_id: int,
        event: str,
        at: datetime,
        severity: str,
        payload: dict[str, Any],
        channels: Sequence[str],
        now: datetime,
    ) -> int | None:
        """Keep a notice and queue it on `channels` (due now); its id, or None when this
        notice (alert, event, time) was already recorded."""
        _aware("at", at)
        _aware("now", now)
        notice = {
            "alert_id": alert_id,
            "event": event,
            "at": at,
            "severity": severity,
            "payload": payload,
        }
        try:
            with self._writer.begin() as conn:
                stmt = insert(AlertNoticeRow).values(**notice).returning(AlertNoticeRow.id)
                notice_id = int(conn.execute(stmt).scalar_one())
                if channels:
                    conn.execute(
                        insert(AlertDeliveryRow),
                        [
                            {
                                "notice_id": notice_id,
                                "channel": channel,
                                "status": "pending",
                                "attempts": 0,
                                "created_at": now,
                                "due_at": now,
                            }
                            for channel in channels
                        ],
                    )
        except IntegrityError:
            return None
        return notice_id

    def claim(self, now: datetime, lease_s: float, limit: int = 20) -> list[DueDelivery]:
        """The pending deliveries due at `now` (oldest first, at most `limit`), each held for
        `lease_s` seconds from now (see the module docstring)."""
        _aware("now", now)
        due = (AlertDeliveryRow.status == "pending") & (AlertDeliveryRow.due_at <= now)
        with self._engine.connect() as conn:  # an idle worker polls: no write lock for nothing
            if conn.execute(select(AlertDeliveryRow.id).where(due).limit(1)).first() is None:
                return []
        held = now + timedelta(seconds=lease_s)
        with self._writer.begin() as conn:
            ids = list(
                conn.scalars(
                    select(AlertDeliveryRow.id)
                    .where(due)
                    .order_by(AlertDeliveryRow.due_at, AlertDeliveryRow.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if not ids:
                return []
            conn.execute(
                update(AlertDeliveryRow).where(AlertDeliveryRow.id.in_(ids)).values(due_at=held)
            )
            rows = conn.execute(
                select(
                    AlertDeliveryRow.id,
                    AlertDeliveryRow.notice_id,
                    AlertDeliveryRow.channel,
                    AlertDeliveryRow.attempts,
                    AlertNoticeRow.payload,
                )
                .join(AlertNoticeRow, AlertNoticeRow.id == AlertDeliveryRow.notice_id)
                .where(AlertDeliveryRow.id.in_(ids))
                .order_by(AlertDeliveryRow.id)
            ).all()
        return [DueDelivery(r.id, r.notice_id, r.channel, r.attempts + 1, r.payload) for r in rows]

    def record_attempt(
        self,
        delivery_id: int,
        *,
        attempt: int,
        at: datetime,
        ok: bool,
        http_status: int | None = None,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> str:
        """Keep try `attempt` of a delivery and move it on: delivered when `ok`, due again at
        `retry_at` when given, else failed for good. Its status now."""
        _aware("at", at)
        status = "delivered" if ok else ("pending" if retry_at is not None else "failed")
        error = None if error is None else error[:2000]
        with self._writer.begin() as conn:
            conn.execute(
                insert(AlertDeliveryAttemptRow).values(
                    delivery_id=delivery_id,
                    attempt=attempt,
                    at=at,
                    ok=ok,
                    http_status=http_status,
                    error=error,
                )
            )
            conn.execute(
                update(AlertDeliveryRow)
                .where(AlertDeliveryRow.id == delivery_id)
                .values(
                    attempts=attempt,
                    status=status,
                    due_at=retry_at if retry_at is not None else at,
                    finished_at=None if status == "pending" else at,
                    last_error=error,
                )
            )
        return status
