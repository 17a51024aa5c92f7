"""Managing accounts and tokens: the rules and the audit entries under the account commands
(`dashboard.commands`), which the CLI (`cityops user ...`) and the admin page both call, so
both check the same rules and leave the same audit entries.

Every function takes the acting principal (`CLI_ACTOR` for the console) and records what it
did; secrets (passwords, token values) are never part of an entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import flask

from dashboard.auth.keys import digest, new_secret
from dashboard.auth.passwords import hash_password
from dashboard.auth.principal import G_AUDITED, ROLES, Principal
from dashboard.store import Store
from dashboard.store.accounts import AccountError, TokenView, UserView

__all__ = [
    "API_SCOPES",
    "CLI_ACTOR",
    "AccountError",
    "NewToken",
    "add_user",
    "audit_change",
    "change_password",
    "create_token",
    "revoke_token",
    "set_disabled",
    "set_role",
]

NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
API_SCOPES = {
    "read:api": "read every /api/v1/ route and /metrics",
    "read:metrics": "scrape /metrics, nothing else (a Prometheus server's token)",
}
CLI_ACTOR = Principal("console", "admin", "user")  # whoever runs `cityops` on the server
# Token kinds and the readable start of their secrets. "open311": a citizen app's Open311
# api_key (posts service requests to /open311/v2/, reads it when reads are not public).
TOKEN_PREFIX = {"wall": "cw_", "api": "ca_", "open311": "co_"}


@dataclass(frozen=True)
class NewToken:
    token: TokenView
    secret: str  # shown once, never stored


def audit_change(
    store: Store,
    now: datetime,
    actor: Principal,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """One audit entry for a change `actor` made, in a request (with its address) or on the
    console."""
    in_request = flask.has_request_context()
    store.audit_log.record(
        at=now,
        actor=actor.name,
        actor_kind="console" if actor is CLI_ACTOR else actor.kind,
        action=action,
        target=target,
        address=flask.request.remote_addr if in_request else None,
        detail=detail,
    )
    if in_request:
        flask.g.setdefault(G_AUDITED, True)


def _check_name(name: str, what: str) -> str:
    if not NAME.match(name):
        raise AccountError(
            f"{what} name {name!r}: use 1 to 64 lowercase letters, digits, '.', '_' or '-'",
            f"bad_{what}_name",
            name=name,
        )
    return name


def _check_role(role: str) -> None:
    if role not in ROLES:
        known = ", ".join(ROLES)
        raise AccountError(
            f"unknown role {role!r}; one of: {known}", "unknown_role", role=role, known=known
        )


def add_user(
    store: Store, name: str, role: str, password: str, now: datetime, actor: Principal
) -> UserView:
    """Create a user (the password is checked against the rule, then hashed)."""
    _check_name(name, "user")
    _check_role(role)
    user = store.accounts.create_user(name, role, hash_password(password), now)
    audit_change(store, now, actor, "user.add", name, {"role": role})
    return user


def set_disabled(
    store: Store, name: str, disabled: bool, now: datetime, actor: Principal
) -> UserView:
    """Disable (every session of the user ends at once) or enable a user."""
    if disabled and name == actor.name and actor is not CLI_ACTOR:
        raise AccountError("an admin cannot disable their own account", "self_disable")
    user = store.accounts.set_disabled(name, disabled)
    audit_change(store, now, actor, "user.disable" if disabled else "user.enable", name)
    return user


def set_role(store: Store, name: str, role: str, now: datetime, actor: Principal) -> UserView:
    _check_role(role)
    user = store.accounts.set_role(name, role)
    audit_change(store, now, actor, "user.role", name, {"role": role})
    return user


def change_password(
    store: Store, name: str, password: str, now: datetime, actor: Principal
) -> UserView:
    """Set a new password; the user's sessions end (signed out everywhere)."""
    if store.accounts.user(name) is None:
        raise AccountError(f"no user named {name!r}", "no_user", name=name)
    user = store.accounts.set_password(name, hash_password(password), now)
    audit_change(store, now, actor, "user.passwd", name)
    return user


def create_token(
    store: Store,
    kind: str,
    name: str,
    now: datetime,
    actor: Principal,
    *,
    scopes: tuple[str, ...] = ("read:api",),
    bound_path: str = "/wall",
) -> NewToken:
    """A wall token (read-only, bound to `bound_path`), an API token with `scopes`, or an
    Open311 key (a citizen app's `api_key`); the secret is in the result, once."""
    _check_name(name, "token")
    if kind not in TOKEN_PREFIX:
        known = ", ".join(TOKEN_PREFIX)
        raise AccountError(
            f"unknown token kind {kind!r}; one of: {known}", "unknown_kind", kind=kind
        )
    unknown = [s for s in scopes if s not in API_SCOPES]
    if kind == "api" and (unknown or not scopes):
        known = ", ".join(API_SCOPES)
        raise AccountError(
            f"unknown scope(s) {unknown}; known: {known}",
            "unknown_scope",
            scopes=", ".join(unknown),
            known=known,
        )
    secret = new_secret(TOKEN_PREFIX[kind])
    token = store.accounts.create_token(
        kind=kind,
        name=name,
        prefix=secret[:8],
        secret_hash=digest(secret),
        scopes=frozenset(scopes) if kind == "api" else frozenset(),
        bound_path=bound_path if kind == "wall" else None,
        created_by=actor.name,
        now=now,
    )
    detail = {"kind": kind, "scopes": sorted(token.scopes), "path": token.bound_path}
    audit_change(store, now, actor, "token.create", name, detail)
    return NewToken(token, secret)


def revoke_token(store: Store, name: str, now: datetime, actor: Principal) -> TokenView:
    """Revoke a token; a wall screen signed in with it is refused at its next refresh."""
    token = store.accounts.revoke_token(name, now)
    audit_change(store, now, actor, "token.revoke", name, {"kind": token.kind})
    return token
