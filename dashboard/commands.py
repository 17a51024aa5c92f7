"""The writes a person asks for, by name: the one path from a page or the console to the store.

The rule: a page (anything under `layouts/`) never calls a store write itself; it calls a
command here, and so does the `cityops` command where it makes the same change, so each write
has one path and one audit entry (`tests/pages/test_pages_write_through_commands.py` fails
on a page that calls a store write). A command takes the store, the time and the acting
principal (`manage.CLI_ACTOR` on the console), then the arguments; it checks the change's
own rules, writes, and records the audit entry:

- accounts and tokens: `dashboard.auth.manage` holds their rules and audits them;
- sources: pause, resume and "run now" are audited here (`source.pause`, ...);
- the report desk: the store keeps the report's own trail and refuses a move its state does
  not allow (`DeskRefused`); the page's `@requires` mark records the audit entry, as for
  every write callback that records none itself;
- alerts: acknowledge (operators and above, with a comment) and silence (managers and
  above) are audited here (`alert.acknowledge`, `alert.silence`); the alert's own history
  is the store's (`alert_events`);
- signing in and out, in a request (they need the app's auth settings): every outcome audited.

What a page checks before asking (the role, a feed that is configured and enabled, the
report the view has open) stays on the page: it is about what the page offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.auth import auditlog, manage, ratelimit
from dashboard.auth.keys import digest
from dashboard.auth.passwords import hash_password, needs_rehash, verify_password
from dashboard.auth.principal import Principal, Role, has_role
from dashboard.auth.sessions import load_session, open_session
from dashboard.config import Config
from dashboard.context import AppContext
from dashboard.exports import queue_report
from dashboard.store import AlertRefused, AlertView, DeskOutcome, Store
from dashboard.store.accounts import AccountError, TokenView, UserView

__all__ = [
    "ACK_ROLE",
    "SILENCE_ROLE",
    "AccountError",
    "AlertRefused",
    "SignIn",
    "acknowledge_alert",
    "add_user",
    "change_password",
    "create_token",
    "desk_action",
    "disable_user",
    "enable_user",
    "pause_source",
    "request_export",
    "resume_source",
    "revoke_token",
    "run_report_now",
    "run_source_now",
    "sign_in",
    "sign_out",
    "silence_alerts",
]


# -- the report desk -------------------------------------------------------------------------


def desk_action(
    store: Store,
    now: datetime,
    actor: Principal,
    report_id: int,
    action: str,
    *,
    agency: str | None = None,
    text: str | None = None,
    public: bool = True,
) -> DeskOutcome:
    """Acknowledge, start, assign (`agency`), comment (`text`, `public`) or close (`text`: the
    resolution) report `report_id`; raises `DeskRefused` (nothing written) when the report's
    state does not allow it."""
    return store.desk_action(
        report_id, action, actor=actor.name, at=now, agency=agency, text=text, public=public
    )


# -- alerts ----------------------------------------------------------------------------------

ACK_ROLE: Role = "operator"  # who may acknowledge an alert
SILENCE_ROLE: Role = "manager"  # who may silence alerts for a maintenance window


def acknowledge_alert(
    store: Store, now: datetime, actor: Principal, alert_id: int, comment: str
) -> AlertView:
    """Acknowledge open alert `alert_id` with `comment` (operators and above), audited;
    `AlertRefused` (nothing written, the refusal audited) when the alert is not open, the
    comment is empty or `actor` may not."""
    target = f"alert:{alert_id}"
    if not has_role(actor, ACK_ROLE):
        store.audit_log.record(
            at=now,
            actor=actor.name,
            actor_kind=actor.kind,
            action="alert.acknowledge",
            target=target,
            outcome="denied",
        )
        raise AlertRefused(f"{actor.name} ({actor.role}) may not acknowledge alerts")
    view = store.alerts.acknowledge(alert_id, by=actor.name, comment=comment, at=now)
    manage.audit_change(store, now, actor, "alert.acknowledge", target, {"comment": comment})
    return view


def silence_alerts(
    store: Store,
    now: datetime,
    actor: Principal,
    *,
    rule: str | None,
    scope: str | None,
    until: datetime,
    reason: str | None = None,
) -> int:
    """Silence alerts of `rule` and/or at `scope` (None: any) from now until `until`
    (managers and above), audited; the silence's id."""
    if not has_role(actor, SILENCE_ROLE):
        raise AlertRefused(f"{actor.name} ({actor.role}) may not silence alerts")
    if rule is None and scope is None:
        raise AlertRefused("a silence names a rule, a scope or both")
    silence_id = store.alerts.silence(
        rule=rule, scope=scope, starts_at=now, ends_at=until, by=actor.name, at=now, reason=reason
    )
    detail = {"rule": rule, "scope": scope, "until": until.isoformat(), "reason": reason}
    manage.audit_change(store, now, actor, "alert.silence", f"silence:{silence_id}", detail)
    return silence_id


# -- sources ---------------------------------------------------------------------------------


def _set_paused(store: Store, now: datetime, actor: Principal, source: str, paused: bool) -> None:
    store.set_paused(source, paused)
    manage.audit_change(store, now, actor, "source.pause" if paused else "source.resume", source)


def pause_source(store: Store, now: datetime, actor: Principal, source: str) -> None:
    """Pause feed `source`: the scheduler skips it until it is resumed."""
    _set_paused(store, now, actor, source, True)


def resume_source(store: Store, now: datetime, actor: Principal, source: str) -> None:
    """Resume feed `source` on its interval."""
    _set_paused(store, now, actor, source, False)


def run_source_now(store: Store, now: datetime, actor: Principal, source: str) -> None:
    """Ask the active scheduler to run feed `source` at once (runs never overlap)."""
    store.request_run(source, now)
    manage.audit_change(store, now, actor, "source.run_now", source)


# -- PDF exports -----------------------------------------------------------------------------


def request_export(
    store: Store,
    now: datetime,
    actor: Principal,
    path: str,
    *,
    paper: str,
    landscape: bool,
    lang: str | None,
) -> int:
    """Queue a PDF of the page at `path` (with its query) for `actor`, rendered with `actor`'s
    own rights; its export id. (The page has checked that `actor` may export and see it.)"""
    export_id = store.exports.enqueue(
        requested_by=actor.name,
        username=actor.name,
        path=path,
        paper=paper,
        landscape=landscape,
        lang=lang,
        at=now,
    )
    detail = {"export": export_id, "paper": paper, "landscape": landscape, "lang": lang}
    manage.audit_change(store, now, actor, "export.pdf", path[:256], detail)
    return export_id


def run_report_now(
    store: Store, config: Config, now: datetime, actor: Principal, name: str
) -> int | None:
    """Queue a run of scheduled report `name` now (rendered with the report's `user`, sent
    to its destinations); its export id, or None while a run of it is queued or running."""
    export_id = queue_report(store, config, config.report(name), now, actor.name)
    if export_id is not None:
        manage.audit_change(store, now, actor, "export.report_now", name, {"export": export_id})
    return export_id


# -- accounts and tokens (rules and audit in dashboard.auth.manage) --------------------------


def add_user(
    store: Store, now: datetime, actor: Principal, name: str, role: str, password: str
) -> UserView:
    """Create the account `name` with `role`."""
    return manage.add_user(store, name, role, password, now, actor)


def disable_user(store: Store, now: datetime, actor: Principal, name: str) -> UserView:
    """Disable `name`: no sign-in, and every session of it ends at once."""
    return manage.set_disabled(store, name, True, now, actor)


def enable_user(store: Store, now: datetime, actor: Principal, name: str) -> UserView:
    """Enable `name` again."""
    return manage.set_disabled(store, name, False, now, actor)


def change_password(
    store: Store, now: datetime, actor: Principal, name: str, password: str
) -> UserView:
    """Set a new password for `name`; its sessions end."""
    return manage.change_password(store, name, password, now, actor)


def create_token(
    store: Store,
    now: datetime,
    actor: Principal,
    kind: str,
    name: str,
    *,
    scopes: tuple[str, ...] = ("read:api",),
    bound_path: str = "/wall",
) -> manage.NewToken:
    """A wall token, an API token or an Open311 key; its secret is in the result, once."""
    return manage.create_token(store, kind, name, now, actor, scopes=scopes, bound_path=bound_path)


def revoke_token(store: Store, now: datetime, actor: Principal, name: str) -> TokenView:
    """Revoke token `name`; a screen signed in with it leaves at its next refresh."""
    return manage.revoke_token(store, name, now, actor)


# -- signing in and out (in a request) -------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the new session's secret, or why not (HTTP status, and the
    end of the lock it is under, if any)."""

    secret: str | None
    status: int = 200
    locked_until: datetime | None = None


def sign_in(ctx: AppContext, name: str, password: str, address: str | None) -> SignIn:
    """Check `name`'s password (refused while the account or the address is locked; each
    failure counted), then open a session; every outcome is audited."""
    store, now = ctx.store, ctx.clock()
    locked = ratelimit.locked_until(store, name, address, now)
    if locked is not None:
        auditlog.record("login", target=name, outcome="locked", actor=name)
        return SignIn(None, 429, locked)
    user = store.accounts.user(name) if name else None
    matches = verify_password(user.password_hash if user else None, password)
    if user is None or not matches or user.disabled:
        reason = "unknown user" if user is None else "disabled" if matches else "wrong password"
        lock = ratelimit.record_failure(store, ctx.config.auth.login, name, address, now)
        auditlog.record(
            "login", target=name, outcome="failed", actor=name, detail={"reason": reason}
        )
        return SignIn(None, 401, lock)
    ratelimit.record_success(store, name)
    if needs_rehash(user.password_hash):
        store.accounts.set_password(name, hash_password(password), now, sign_out=False)
    secret = open_session(store, now, user_id=user.id, address=address)
    role: Role = user.role  # type: ignore[assignment]
    auditlog.record("login", target=name, principal=Principal(user.name, role, "user"))
    return SignIn(secret)


def sign_out(ctx: AppContext, secret: str) -> None:
    """End the session whose cookie holds `secret` (audited when it was still live)."""
    principal = load_session(ctx.store, secret, ctx.clock(), ctx.config.auth, False)
    ctx.store.accounts.delete_session(digest(secret))
    if principal is not None:
        auditlog.record("logout", principal=principal)
