"""The audit log and the count of failed sign-ins, in the store.

The SQL behind `dashboard.auth.auditlog` and `dashboard.auth.ratelimit`. Each write is its own
short transaction through the store's writer engine (SQLite: BEGIN IMMEDIATE), so counting
failed sign-ins is exact with several workers, and an audit entry is kept even when the
change it records was refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dashboard.store.models import AuditRow, LoginAttemptRow

__all__ = ["AuditEntry", "AuditLog", "LoginAttempts"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    actor_kind: str
    action: str
    target: str | None
    outcome: str
    address: str | None
    detail: dict[str, Any] | None


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _entry(row: AuditRow) -> AuditEntry:
    detail = json.loads(row.detail) if row.detail else None
    return AuditEntry(
        row.id,
        row.at,
        row.actor,
        row.actor_kind,
        row.action,
        row.target,
        row.outcome,
        row.address,
        detail,
    )


class AuditLog:
    """Who did what, when, and how it ended (`Store.audit_log`)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine  # reads
        self._writer = writer  # writes (BEGIN IMMEDIATE on SQLite)

    def record(
        self,
        *,
        at: datetime,
        actor: str | None,
        actor_kind: str,
        action: str,
        target: str | None = None,
        outcome: str = "ok",
        address: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                _insert(conn)(AuditRow).values(
                    at=at,
                    actor=actor,
                    actor_kind=actor_kind,
                    action=action,
                    target=None if target is None else target[:256],
                    outcome=outcome,
                    address=(address or "")[:64] or None,
                    detail=None
                    if detail is None
                    else json.dumps(detail, ensure_ascii=False, default=str),
                )
            )

    def page(self, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """Entries newest first (`offset`, `limit`), and how many there are in all."""
        stmt = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc())
        with Session(self._engine) as session:
            rows = list(session.scalars(stmt.offset(offset).limit(limit)).all())
        with self._engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(AuditRow)).scalar_one())
        return [_entry(r) for r in rows], total


class LoginAttempts:
    """Failed sign-ins per account and per address, and the locks they earn
    (`Store.login_attempts`)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine
        self._writer = writer

    def locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        """The latest lock of any of `keys` still in force at `now`, or None."""
        stmt = select(func.max(LoginAttemptRow.locked_until)).where(
            LoginAttemptRow.key.in_(keys), LoginAttemptRow.locked_until > now
        )
        with self._engine.connect() as conn:
            value = conn.execute(stmt).scalar()
        if value is None:
            return None
        if isinstance(value, str):  # SQLite may hand an aggregate back as text
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def record_failure(
        self,
        key: str,
        now: datetime,
        window: timedelta,
        lock_for: Callable[[int], timedelta | None],
    ) -> tuple[int, datetime | None]:
        """Count one failed sign-in for `key` (the count restarts after `window` without
        failures); lock it for `lock_for(failures)`. Returns (failures, locked_until)."""
        with self._writer.begin() as conn:
            # Make the row exist, then lock it: two workers counting at once both count.
            conn.execute(
                _insert(conn)(LoginAttemptRow)
                .values(key=key, failures=0, last_failure_at=now, locked_until=None)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            stmt = select(LoginAttemptRow.failures, LoginAttemptRow.last_failure_at).where(
                LoginAttemptRow.key == key
            )
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            failures, last = conn.execute(stmt).one()
            if failures and now - last > window:
                failures = 0
            failures += 1
            lock = lock_for(failures)
            until = None if lock is None else now + lock
            conn.execute(
                update(LoginAttemptRow)
                .where(LoginAttemptRow.key == key)
                .values(failures=failures, last_failure_at=now, locked_until=until)
            )
        return failures, until

    def clear(self, key: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(LoginAttemptRow).where(LoginAttemptRow.key == key))
