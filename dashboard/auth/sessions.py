"""Browser sessions, kept in the store: the cookie holds a random secret, the store its sha256.

Server-side on purpose: signing out, disabling a user, changing a password or revoking a wall
token ends the session everywhere at the next request, with any number of workers. A user's
session ends after `idle_timeout_min` without activity (the periodic refreshes of a page
are not activity: a wall left open on a person's account still signs out) and after
`session_max_hours` in any case; a wall token's session lasts as long as its token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from werkzeug.wrappers import Response

from dashboard.auth.keys import digest, new_secret
from dashboard.auth.principal import Principal, Role
from dashboard.config import AuthConfig
from dashboard.store import Store
from dashboard.store.accounts import SessionView

__all__ = ["COOKIE", "clear_cookie", "load_session", "open_session", "set_cookie"]

COOKIE = "cityops_session"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most this often per session
WALL_COOKIE_AGE_S = 400 * 24 * 3600  # the longest a browser keeps a cookie


def open_session(
    store: Store,
    now: datetime,
    *,
    user_id: int | None = None,
    token_id: int | None = None,
    address: str | None = None,
) -> str:
    """Start a session for a user or a wall token; returns the secret for the cookie."""
    secret = new_secret()
    store.accounts.create_session(
        digest(secret), now, user_id=user_id, token_id=token_id, address=address
    )
    return secret


def set_cookie(response: Response, secret: str, auth: AuthConfig, persistent: bool = False) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure unless configured off; a wall
    screen's is persistent (it survives the screen's restart), a person's ends with the
    browser."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=WALL_COOKIE_AGE_S if persistent else None,
        httponly=True,
        secure=auth.secure_cookies,
        samesite="Lax",
        path="/",
    )


def clear_cookie(response: Response, auth: AuthConfig) -> None:
    response.delete_cookie(COOKIE, path="/", secure=auth.secure_cookies, samesite="Lax")


def _ended(view: SessionView, now: datetime, auth: AuthConfig) -> bool:
    if view.user is not None:
        idle = now - view.last_seen_at > timedelta(minutes=auth.idle_timeout_min)
        too_old = now - view.created_at > timedelta(hours=auth.session_max_hours)
        return view.user.disabled or idle or too_old
    return view.token is None or not view.token.active


def load_session(
    store: Store,
    secret: str,
    now: datetime,
    auth: AuthConfig,
    activity: bool | Callable[[], bool],
) -> Principal | None:
    """The principal of the session whose cookie holds `secret`, or None when there is no
    such session or it has ended (then it is deleted). `activity`: the request is the
    person's doing (not a periodic refresh), so it keeps an idle session alive; a callable
    is asked only once the session is known to be live and due for a touch (the guard reads
    a callback's body only then)."""
    id_hash = digest(secret)
    view = store.accounts.session(id_hash)
    if view is None:
        return None
    if _ended(view, now, auth):
        store.accounts.delete_session(id_hash)
        return None
    if now - view.last_seen_at > TOUCH_EVERY and (
        view.token is not None or (activity() if callable(activity) else activity)
    ):
        store.accounts.touch_session(id_hash, now)
    if view.user is not None:
        role: Role = view.user.role  # type: ignore[assignment]  # the store holds only ROLES
        return Principal(view.user.name, role, "user")
    assert view.token is not None
    return Principal(
        view.token.name,
        "viewer",
        "wall_token",
        scopes=view.token.scopes,
        bound_path=view.token.bound_path,
    )
