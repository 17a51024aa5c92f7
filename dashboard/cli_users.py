"""`cityops user ...` and `cityops token ...`: accounts and tokens from the server's console.

Passwords are asked for (twice, hidden) or read from standard input with `--password-stdin`
(one line, for scripts); they are never taken as an argument (it would sit in the shell
history and the process list). Token secrets are printed once, at creation.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from dashboard import commands
from dashboard.auth import ROLES
from dashboard.auth.manage import CLI_ACTOR
from dashboard.auth.passwords import PasswordRejected, check_rule
from dashboard.pipeline import utcnow
from dashboard.store import Store
from dashboard.store.accounts import AccountError

__all__ = ["ensure_demo_admin", "ensure_secret_file", "token_group", "user_group"]

DEMO_ADMIN = "demo"


def _console() -> Any:
    from dashboard.cli import console

    return console


def _fail(message: str) -> None:
    from dashboard.cli import _fail as fail

    fail(message)


def _store(obj: Any) -> Store:
    store: Store = obj.store()
    return store


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_rule(password)
    except PasswordRejected as exc:
        _fail(str(exc))
    return password


@click.group("user")
def user_group() -> None:
    """People's accounts: add, list, disable, enable, passwd."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def user_add(cx: Any, name: str, role: str, password_stdin: bool) -> None:
    """Create the account NAME (the first admin: `cityops user add NAME --role admin`)."""
    store = _store(cx)
    password = _password(password_stdin)
    try:
        commands.add_user(store, utcnow(), CLI_ACTOR, name, role, password)
    except AccountError as exc:
        _fail(str(exc))
    _console().print(f"user {name} created ({role})")


@user_group.command("list")
@click.pass_obj
def user_list(cx: Any) -> None:
    """Every account, its role and state."""
    table = Table(title="cityops users")
    for col in ("name", "role", "state", "created (UTC)", "password changed (UTC)"):
        table.add_column(col)
    for u in _store(cx).accounts.users():
        table.add_row(
            u.name,
            u.role,
            "disabled" if u.disabled else "active",
            f"{u.created_at:%Y-%m-%d %H:%M}",
            f"{u.password_changed_at:%Y-%m-%d %H:%M}",
        )
    from rich.console import Console

    Console(width=120).print(table)


def _set_disabled(cx: Any, name: str, disabled: bool) -> None:
    try:
        set_disabled = commands.disable_user if disabled else commands.enable_user
        set_disabled(_store(cx), utcnow(), CLI_ACTOR, name)
    except AccountError as exc:
        _fail(str(exc))
    _console().print(f"user {name} {'disabled (signed out everywhere)' if disabled else 'enabled'}")


@user_group.command("disable")
@click.argument("name")
@click.pass_obj
def user_disable(cx: Any, name: str) -> None:
    """Disable NAME: no sign-in, and every open session ends now."""
    _set_disabled(cx, name, True)


@user_group.command("enable")
@click.argument("name")
@click.pass_obj
def user_enable(cx: Any, name: str) -> None:
    """Enable NAME again."""
    _set_disabled(cx, name, False)


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def user_passwd(cx: Any, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME (its sessions end)."""
    store = _store(cx)
    if store.accounts.user(name) is None:
        _fail(f"no user named {name!r}")
    password = _password(password_stdin)
    try:
        commands.change_password(store, utcnow(), CLI_ACTOR, name, password)
    except AccountError as exc:
        _fail(str(exc))
    _console().print(f"password of {name} changed; its sessions are signed out")


@click.group("token")
def token_group() -> None:
    """Wall-screen and API tokens, and Open311 keys of citizens' apps: create, list, revoke."""


@token_group.command("create")
@click.argument("name")
@click.option("--kind", type=click.Choice(["wall", "api", "open311"]), required=True)
@click.option("--scope", "scopes", multiple=True, default=["read:api"], show_default=True)
@click.option("--path", "bound_path", default="/wall", show_default=True, help="Wall tokens.")
@click.pass_obj
def token_create(cx: Any, name: str, kind: str, scopes: tuple[str, ...], bound_path: str) -> None:
    """Create a token and print its secret (once)."""
    try:
        made = commands.create_token(
            _store(cx), utcnow(), CLI_ACTOR, kind, name, scopes=scopes, bound_path=bound_path
        )
    except AccountError as exc:
        _fail(str(exc))
    if kind == "wall":
        click.echo(f"open once on the screen: {bound_path}?token={made.secret}")
    elif kind == "open311":
        click.echo(f"api_key={made.secret}")
    else:
        click.echo(f"Authorization: Bearer {made.secret}")


@token_group.command("list")
@click.pass_obj
def token_list(cx: Any) -> None:
    """Every token (never its secret)."""
    for tk in _store(cx).accounts.tokens():
        state = "active" if tk.active else f"revoked {tk.revoked_at:%Y-%m-%d %H:%M}"
        scope = tk.bound_path or " ".join(sorted(tk.scopes))
        click.echo(f"{tk.name}\t{tk.kind}\t{tk.prefix}…\t{scope}\t{state}")


@token_group.command("revoke")
@click.argument("name")
@click.pass_obj
def token_revoke(cx: Any, name: str) -> None:
    """Revoke NAME (a wall screen using it is signed out at its next refresh)."""
    try:
        commands.revoke_token(_store(cx), utcnow(), CLI_ACTOR, name)
    except AccountError as exc:
        _fail(str(exc))
    _console().print(f"token {name} revoked")


def ensure_secret_file(path: Path) -> Path:
    """The demo's secret key, made once and kept (mode 0600) so sign-ins survive restarts."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path


def ensure_demo_admin(store: Store) -> str | None:
    """Create the demo admin when it does not exist; its password (to print once), or None."""
    if store.accounts.user(DEMO_ADMIN) is not None:
        return None
    password = secrets.token_urlsafe(12)
    commands.add_user(store, utcnow(), CLI_ACTOR, DEMO_ADMIN, "admin", password)
    return password
