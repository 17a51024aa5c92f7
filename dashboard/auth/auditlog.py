"""The audit log from inside a request: who (the current principal), from where, when.

Sign-ins, failed sign-ins, sign-outs, refused writes and every change a user makes are
recorded through `record`; the admin page lists them (newest first). Passwords and token
secrets never reach it: entries name users and tokens, never their secrets.
"""

from __future__ import annotations

from typing import Any

import flask

from dashboard.auth.principal import G_AUDITED, Principal, current_principal
from dashboard.context import current_context

__all__ = ["client_address", "record"]


def client_address() -> str | None:
    """The address of the request's client (after ProxyFix when `[auth] proxy_hops` is set)."""
    return flask.request.remote_addr if flask.has_request_context() else None


def record(
    action: str,
    *,
    target: str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    principal: Principal | None = None,
    actor: str | None = None,
) -> None:
    """Write one audit entry for the current request, as `principal` (default: the current
    one) or as a bare `actor` name (a failed sign-in has no principal)."""
    who = principal or current_principal()
    ctx = current_context()
    ctx.store.audit_log.record(
        at=ctx.clock(),
        actor=who.name if who is not None else actor,
        actor_kind=who.kind if who is not None else "anonymous",
        action=action,
        target=target,
        outcome=outcome,
        address=client_address(),
        detail=detail,
    )
    if flask.has_request_context() and outcome == "ok":
        flask.g.setdefault(G_AUDITED, True)
