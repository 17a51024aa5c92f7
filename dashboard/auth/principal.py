"""Who is asking: roles, the principal the guard puts on `flask.g`, and writing callbacks.

Roles are ordered; each includes the rights of those before it: a viewer sees pages, an
operator also acknowledges alerts and works reports, a manager also sees every page, exports
and runs the report workflow, an admin also manages users, tokens, sources and rules.

A page declares the role each of its *writing* callbacks needs with `requires`:

    @app.callback(Output(...), Input(...), prevent_initial_call=True)
    @requires("operator", action="alert.acknowledge")
    def acknowledge(...): ...

The guard reads the mark before the callback runs (HTTP 401/403, nothing changes), and the
decorator checks again inside, so a callback reached some other way still refuses. Every
allowed call of a writing callback that changes something (does not raise PreventUpdate) is
recorded in the audit log, under `action`, unless the callback recorded its own entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec, TypeVar, cast, get_args

import flask
from werkzeug.exceptions import Forbidden, Unauthorized

__all__ = [
    "ROLES",
    "Principal",
    "PrincipalKind",
    "Role",
    "WriteRule",
    "current_principal",
    "has_role",
    "requires",
    "write_rule",
]

Role = Literal["viewer", "operator", "manager", "admin"]
ROLES: tuple[Role, ...] = cast(tuple[Role, ...], get_args(Role))
PrincipalKind = Literal["user", "wall_token", "api_token", "public"]

G_PRINCIPAL = "cityops_principal"  # flask.g attribute set by the guard
G_AUDITED = "cityops_audited"  # set when a request wrote its own audit entry
_MARK = "__cityops_requires__"

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Principal:
    """Who a request acts for. `name` is the user's or token's name ("public" when anonymous
    access to a public page or route was allowed by `[auth] public`)."""

    name: str
    role: Role
    kind: Literal["user", "wall_token", "api_token", "public"]
    # api tokens: what they may do ("read:api"); wall tokens: the one page they open
    scopes: frozenset[str] = field(default_factory=frozenset)
    bound_path: str | None = None


def current_principal() -> Principal | None:
    """The principal of the request being served (None outside a request, or not signed in)."""
    if not flask.has_request_context():
        return None
    return cast(Principal | None, flask.g.get(G_PRINCIPAL))


def has_role(principal: Principal | None, role: Role) -> bool:
    """True when `principal` holds `role` or a higher one."""
    if principal is None:
        return False
    return ROLES.index(principal.role) >= ROLES.index(role)


def can_write(principal: Principal | None, role: Role) -> bool:
    """Writes are made by people only: tokens and public access never change anything."""
    return principal is not None and principal.kind == "user" and has_role(principal, role)


@dataclass(frozen=True)
class WriteRule:
    """What a writing callback (or Flask view) needs: a role, and the audit action name.
    `writes` is False for a call that changes nothing but is kept to a role and audited all
    the same (a CSV export): its page may still be public."""

    role: Role
    action: str
    writes: bool = True


def requires(
    role: Role, action: str | None = None, *, writes: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a callback (or Flask view) as writing: only a signed-in user with `role` may call
    it. `action` names it in the audit log (default: the function's name); `writes=False`
    for one that only reads but is restricted and audited like a write (an export)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of: {', '.join(ROLES)}")

    def mark(func: Callable[P, R]) -> Callable[P, R]:
        rule = WriteRule(role, action or func.__name__, writes)

        @functools.wraps(func)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = current_principal()
            if principal is None:
                raise Unauthorized()
            if not can_write(principal, role):
                raise Forbidden()
            result = func(*args, **kwargs)
            if not flask.g.get(G_AUDITED):
                from dashboard.auth.auditlog import record  # the store, only when it is needed

                record(rule.action, target=_trigger_target())
            return result

        setattr(checked, _MARK, rule)
        return checked

    return mark


def write_rule(func: Any) -> WriteRule | None:
    """The `requires` mark of `func` or of any function it wraps (Dash wraps callbacks)."""
    seen = 0
    while func is not None and seen < 10:
        rule = getattr(func, _MARK, None)
        if isinstance(rule, WriteRule):
            return rule
        func = getattr(func, "__wrapped__", None)
        seen += 1
    return None


def _trigger_target() -> str | None:
    # The component that fired a Dash callback, as a short text for the audit log.
    try:
        import dash

        trigger = dash.ctx.triggered_id
    except Exception:  # not inside a Dash callback (a Flask view)
        return flask.request.path if flask.has_request_context() else None
    if isinstance(trigger, dict):
        return ",".join(f"{k}={v}" for k, v in sorted(trigger.items()) if k != "type")[:256]
    return None if trigger is None else str(trigger)[:256]
