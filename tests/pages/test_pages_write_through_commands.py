"""Pages write through `dashboard.commands`, never to the store themselves.

Every module under `layouts/` (private packages included) is read with `ast`: a call of a
store write method (any public method of `Store`, its accounts, audit log or login attempts
that is not a read) or a
use of the auth layer's writers (`dashboard.auth.manage`, the audit log, sign-in counts,
sessions) fails the test, naming the file and the line. A new store method counts as a
write until it is listed in READS here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import layouts
from dashboard.auth import auditlog, manage, ratelimit, sessions
from dashboard.store import Store
from dashboard.store.accounts import Accounts
from dashboard.store.audit import AuditLog, LoginAttempts
from dashboard.store.exports import Exports

# Store, Accounts, AuditLog and LoginAttempts methods a page may call: they read (or hand out a read session).
READS = frozenset(
    {
        "read_session",
        "ping",
        "source_state",
        "user",
        "users",
        "count_users",
        "token_by_hash",
        "tokens",
        "session",
        "page",
        "locked_until",
    }
)


def _public_methods(cls: type) -> set[str]:
    return {
        name for name, value in vars(cls).items() if not name.startswith("_") and callable(value)
    }


STORE_WRITES = frozenset(
    set().union(*(_public_methods(c) for c in (Store, Accounts, AuditLog, LoginAttempts, Exports)))
    - READS
)

AUTH_WRITERS: frozenset[Any] = frozenset(
    {getattr(manage, name) for name in manage.__all__ if inspect.isfunction(getattr(manage, name))}
    | {auditlog.record, ratelimit.record_failure, ratelimit.record_success}
    | {sessions.open_session}
)


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    names[root] = root
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr, imports: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return imports.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, imports)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _resolve(dotted: str) -> tuple[bool, Any]:
    """(found, object) for a dotted name: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                found = getattr(found, attr)
        except AttributeError:
            return False, None
        return True, found
    return False, None


def _is_store_write(func: ast.expr, imports: dict[str, str]) -> bool:
    """A store write method called on a value (ctx.store..., store.accounts...), not a module."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr in STORE_WRITES
        and _dotted(func, imports) is None
    )


def store_writes_in(source: str) -> Iterator[tuple[int, str]]:
    """(line, what) for each store write a module's source makes or names."""
    tree = ast.parse(source)
    imports = _imports(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            dotted = _dotted(node, imports)
            if dotted is not None and dotted.startswith("dashboard."):
                found, obj = _resolve(dotted)
                if found and inspect.isfunction(obj) and obj in AUTH_WRITERS:
                    yield node.lineno, dotted
        if isinstance(node, ast.Call) and _is_store_write(node.func, imports):
            yield node.lineno, f".{cast(ast.Attribute, node.func).attr}(...)"


def test_the_check_finds_writes_to_the_store() -> None:
    source = (
        "from dashboard.auth import audit, manage\n"
        "def cb(ctx, who):\n"
        "    ctx.store.set_paused('sim', True)\n"
        "    ctx.store.accounts.delete_session('x')\n"
        "    audit('source.pause', target='sim')\n"
        "    manage.revoke_token(ctx.store, 'lobby', ctx.clock(), who)\n"
    )
    assert sorted(line for line, _ in store_writes_in(source)) == [3, 4, 5, 6]
    assert {"desk_action", "request_run", "set_password", "create_token"} <= STORE_WRITES


def test_pages_write_only_through_commands() -> None:
    root = Path(layouts.__file__).parent
    found = [
        f"{path.relative_to(root.parent)}:{line}: {what}"
        for path in sorted(root.rglob("*.py"))
        for line, what in sorted(store_writes_in(path.read_text(encoding="utf-8")))
    ]
    assert not found, "pages write through dashboard.commands, not the store:\n" + "\n".join(found)
