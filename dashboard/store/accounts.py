"""Accounts in the store: users, tokens and sessions (the audit log and login attempts:
`dashboard.store.audit`).

The SQL behind `dashboard.auth` (which never imports SQLAlchemy). Secrets never reach this
module in the clear: passwords arrive as argon2 hashes, session and token secrets as sha256
hex digests. Each write is its own short transaction through the store's writer engine
(SQLite: BEGIN IMMEDIATE), so counting failed sign-ins is exact with several workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboard.store.models import (
    ApiTokenRow,
    AuthSessionRow,
    UserRow,
)

__all__ = [
    "AccountError",
    "Accounts",
    "SessionView",
    "TokenView",
    "UserView",
]


class AccountError(ValueError):
    """A request the accounts cannot honour (a name taken, an unknown user), worded for people.

    `str()` is the English sentence (the console's); `code` names the reason and `params` fill
    its words, so a page says it in its own language (`admin.error.<code>`)."""

    def __init__(self, message: str, code: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    name: str
    role: str
    disabled: bool
    created_at: datetime
    password_changed_at: datetime
    password_hash: str = field(repr=False)  # argon2; needed to check a password, never shown


@dataclass(frozen=True, slots=True)
class TokenView:
    id: int
    kind: str  # "wall" or "api"
    name: str
    prefix: str
    scopes: frozenset[str]
    bound_path: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class SessionView:
    """A session with what it belongs to: a user (name, role, disabled) or a wall token."""

    id_hash: str
    created_at: datetime
    last_seen_at: datetime
    user: UserView | None
    token: TokenView | None


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _user(row: UserRow) -> UserView:
    return UserView(
        row.id,
        row.name,
        row.role,
        row.disabled,
        row.created_at,
        row.password_changed_at,
        row.password_hash,
    )


def _token(row: ApiTokenRow) -> TokenView:
    return TokenView(
        row.id,
        row.kind,
        row.name,
        row.prefix,
        frozenset(row.scopes.split()),
        row.bound_path,
        row.created_by,
        row.created_at,
        row.revoked_at,
        row.last_used_at,
    )


class Accounts:
    """The accounts tables of one store (`Store.accounts`)."""

    def __init__(self, engine: Engine, writer: Engine) -> None:
        self._engine = engine  # reads
        self._writer = writer  # writes (BEGIN IMMEDIATE on SQLite)

    def _one(self, stmt: Any) -> Any:
        with Session(self._engine) as session:
            return session.scalars(stmt).first()

    def _all(self, stmt: Any) -> list[Any]:
        with Session(self._engine) as session:
            return list(session.scalars(stmt).all())

    # -- users -------------------------------------------------------------------------------

    def create_user(self, name: str, role: str, password_hash: str, now: datetime) -> UserView:
        row = UserRow(
            name=name,
            role=role,
            password_hash=password_hash,
            disabled=False,
            created_at=now,
            password_changed_at=now,
        )
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise AccountError(
                f"a user named {name!r} already exists", "user_exists", name=name
            ) from None
        return _user(row)

    def user(self, name: str) -> UserView | None:
        row = self._one(select(UserRow).where(UserRow.name == name))
        return None if row is None else _user(row)

    def users(self) -> list[UserView]:
        return [_user(r) for r in self._all(select(UserRow).order_by(UserRow.name))]

    def count_users(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(UserRow)).scalar_one())

    def _update_user(self, name: str, values: dict[str, Any], sign_out: bool) -> UserView:
        with self._writer.begin() as conn:
            user_id = conn.execute(select(UserRow.id).where(UserRow.name == name)).scalar()
            if user_id is None:
                raise AccountError(f"no user named {name!r}", "no_user", name=name)
            conn.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
            if sign_out:  # a changed password or a disabled account ends every session
                conn.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))
        found = self.user(name)
        assert found is not None
        return found

    def set_disabled(self, name: str, disabled: bool) -> UserView:
        return self._update_user(name, {"disabled": disabled}, sign_out=disabled)

    def set_role(self, name: str, role: str) -> UserView:
        return self._update_user(name, {"role": role}, sign_out=False)

    def set_password(
        self, name: str, password_hash: str, now: datetime, sign_out: bool = True
    ) -> UserView:
        values = {"password_hash": password_hash, "password_changed_at": now}
        return self._update_user(name, values, sign_out=sign_out)

    # -- tokens ------------------------------------------------------------------------------

    def create_token(
        self,
        *,
        kind: str,
        name: str,
        prefix: str,
        secret_hash: str,
        scopes: frozenset[str],
        bound_path: str | None,
        created_by: str,
        now: datetime,
    ) -> TokenView:
        row = ApiTokenRow(
            kind=kind,
            name=name,
            prefix=prefix,
            secret_hash=secret_hash,
            scopes=" ".join(sorted(scopes)),
            bound_path=bound_path,
            created_by=created_by,
            created_at=now,
        )
        try:
            with Session(self._writer, expire_on_commit=False) as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise AccountError(
                f"a token named {name!r} already exists", "token_exists", name=name
            ) from None
        return _token(row)

    def token_by_hash(self, secret_hash: str) -> TokenView | None:
        row = self._one(select(ApiTokenRow).where(ApiTokenRow.secret_hash == secret_hash))
        return None if row is None else _token(row)

    def tokens(self) -> list[TokenView]:
        stmt = select(ApiTokenRow).order_by(ApiTokenRow.revoked_at.is_not(None), ApiTokenRow.name)
        return [_token(r) for r in self._all(stmt)]

    def revoke_token(self, name: str, now: datetime) -> TokenView:
        """Revoke `name` (its sessions end at once: a wall screen is refused at its next
        refresh). Revoking a revoked token keeps its first revocation time."""
        with self._writer.begin() as conn:
            token_id = conn.execute(select(ApiTokenRow.id).where(ApiTokenRow.name == name)).scalar()
            if token_id is None:
                raise AccountError(f"no token named {name!r}", "no_token", name=name)
            conn.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            conn.execute(delete(AuthSessionRow).where(AuthSessionRow.token_id == token_id))
        row = self._one(select(ApiTokenRow).where(ApiTokenRow.id == token_id))
        return _token(row)

    def touch_token(self, token_id: int, now: datetime) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                update(ApiTokenRow).where(ApiTokenRow.id == token_id).values(last_used_at=now)
            )

    # -- sessions ----------------------------------------------------------------------------

    def create_session(
        self,
        id_hash: str,
        now: datetime,
        *,
        user_id: int | None = None,
        token_id: int | None = None,
        address: str | None = None,
    ) -> None:
        if (user_id is None) == (token_id is None):
            raise ValueError("a session belongs to exactly one user or one token")
        with self._writer.begin() as conn:
            conn.execute(
                _insert(conn)(AuthSessionRow).values(
                    id_hash=id_hash,
                    user_id=user_id,
                    token_id=token_id,
                    created_at=now,
                    last_seen_at=now,
                    address=(address or "")[:64] or None,
                )
            )

    def session(self, id_hash: str) -> SessionView | None:
        """The session with its user or token, in one read (every request makes it)."""
        stmt = (
            select(AuthSessionRow, UserRow, ApiTokenRow)
            .outerjoin(UserRow, UserRow.id == AuthSessionRow.user_id)
            .outerjoin(ApiTokenRow, ApiTokenRow.id == AuthSessionRow.token_id)
            .where(AuthSessionRow.id_hash == id_hash)
        )
        with Session(self._engine) as session:
            found = session.execute(stmt).first()
        if found is None:
            return None
        row, user, token = found
        return SessionView(
            row.id_hash,
            row.created_at,
            row.last_seen_at,
            None if user is None else _user(user),
            None if token is None else _token(token),
        )

    def touch_session(self, id_hash: str, now: datetime) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                update(AuthSessionRow)
                .where(AuthSessionRow.id_hash == id_hash)
                .values(last_seen_at=now)
            )

    def delete_session(self, id_hash: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(AuthSessionRow).where(AuthSessionRow.id_hash == id_hash))

    def delete_idle_sessions(self, before: datetime) -> int:
        """Delete user sessions last seen before `before` (wall sessions live with their
        token); how many."""
        with self._writer.begin() as conn:
            result = conn.execute(
                delete(AuthSessionRow).where(
                    AuthSessionRow.user_id.is_not(None), AuthSessionRow.last_seen_at < before
                )
            )
        return int(result.rowcount or 0)
