"""Signing tests in: users of each role in a test's store, and a Flask test client that comes
signed in (as an admin unless asked otherwise), so tests written before accounts existed keep
calling pages, callbacks and the API as "someone who may see and do everything".
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

import flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DatabaseError

from dashboard.auth import Role
from dashboard.auth.keys import digest
from dashboard.auth.passwords import hash_password
from dashboard.auth.sessions import COOKIE, open_session
from dashboard.context import EXTENSION, AppContext
from dashboard.store import Store
from dashboard.store.accounts import UserView

TEST_PASSWORD = "correct horse battery"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(TEST_PASSWORD)  # argon2 is slow on purpose: hash once per run


def ensure_user(store: Store, role: Role, name: str | None = None) -> UserView:
    """The user `name` (default "test-<role>") with `role`, created when missing."""
    name = name or f"test-{role}"
    found = store.accounts.user(name)
    if found is not None:
        return found
    from datetime import UTC, datetime

    return store.accounts.create_user(name, role, password_hash(), datetime.now(UTC))


def session_secret(context: AppContext, role: Role, name: str | None = None) -> str:
    """A fresh session of the user of `role` (see ensure_user): the cookie's value."""
    user = ensure_user(context.store, role, name)
    return open_session(context.store, context.clock(), user_id=user.id, address="127.0.0.1")


class SignedInClient(FlaskClient):
    """A test client signed in as `role` ("admin" by default; None: nobody signed in)."""

    def __init__(self, *args: Any, role: Role | None = "admin", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role = role
        if role is None:
            return
        app: flask.Flask = self.application
        context: AppContext = app.extensions[EXTENSION]
        self._context = context
        try:
            self._sign_in()
        except DatabaseError:
            # A test on a store without the schema (a broken or missing database): it can
            # only reach the open routes (/healthz) anyway.
            self.role = None

    def _sign_in(self) -> None:
        assert self.role is not None
        self._secret = session_secret(self._context, self.role)
        self.set_cookie(COOKIE, self._secret)

    def open(self, *args: Any, **kwargs: Any) -> Any:
        # The client stands for a person active right now: tests move the app's clock by
        # hours, which must not end its session (idle timeout and session age are tested
        # in tests/auth with clients that sign in through the form).
        if self.role is not None:
            now = self._context.clock()
            view = self._context.store.accounts.session(digest(self._secret))
            if view is None or abs(now - view.created_at) > timedelta(hours=1):
                self._sign_in()
            elif now - view.last_seen_at > timedelta(minutes=1):
                self._context.store.accounts.touch_session(view.id_hash, now)
        return super().open(*args, **kwargs)
