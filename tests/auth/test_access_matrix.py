"""Every principal against every registered page, API route and Dash callback, over HTTP.

The routes and callbacks are read from the app itself (`AccessMap`, `/_dash-dependencies`,
`dashboard.api.ROUTES`), so a page or callback added later is covered without editing this
file. Allowed requests get through (never 401/403); refused ones get 401 (nobody signed in) or
403, and leave every table of the store as it was.
"""

from __future__ import annotations

from collections.abc import Callable

import dash
import pytest

from dashboard.api import ROUTES
from dashboard.auth import ROLES, has_role
from dashboard.auth.access import ROUTER_OUTPUT, AccessMap
from dashboard.auth.guard import ACCESS
from dashboard.auth.principal import Principal
from tests.auth.conftest import (
    PRINCIPALS,
    Caller,
    callback_body,
    context_of,
    dependencies,
    store_digest,
)

REFUSED = (401, 403)


def _principal(kind: str) -> Principal | None:
    if kind == "anonymous":
        return None
    if kind in ROLES:
        return Principal(f"test-{kind}", kind, "user")  # type: ignore[arg-type]
    if kind == "wall_token":
        return Principal("lobby", "viewer", "wall_token", bound_path="/wall")
    return Principal("platform", "viewer", "api_token", scopes=frozenset({"read:api"}))


def _may_see(access: AccessMap, kind: str, path: str) -> bool:
    page = access.pages[path]
    who = _principal(kind)
    if who is None or who.kind == "api_token":
        return False
    if who.kind == "wall_token":
        return path == "/wall"
    return has_role(who, page.role)


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_every_page_answers_each_principal_by_its_role(
    app: dash.Dash, caller: Callable[[str], Caller], kind: str
) -> None:
    who = caller(kind)
    access: AccessMap = app.server.extensions[ACCESS]
    assert {"/wall", "/sources", "/admin"} <= set(access.pages)
    wrong = {}
    for path in access.pages:
        r = who.get(path)
        if _may_see(access, kind, path):
            ok = r.status_code == 200
        elif kind == "anonymous":
            ok = r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
        else:
            ok = r.status_code == 403
        if not ok:
            wrong[path] = r.status_code
    assert wrong == {}


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_every_api_route_answers_each_principal(caller: Callable[[str], Caller], kind: str) -> None:
    who = caller(kind)
    wrong = {}
    for path in ROUTES:
        r = who.get(path + ("?asset=air-station-01&metric=pm25_ugm3" if "readings" in path else ""))
        if path == "/healthz":
            expected = {200}
        elif kind == "anonymous":
            expected = {401}
        elif kind == "wall_token":
            expected = {403}
        else:
            expected = {200}
        if r.status_code not in expected:
            wrong[path] = r.status_code
    assert wrong == {}


@pytest.mark.parametrize("kind", PRINCIPALS)
def test_every_callback_is_checked_and_refusals_change_nothing(
    app: dash.Dash, caller: Callable[[str], Caller], kind: str
) -> None:
    who = caller(kind)
    admin = caller("admin")
    access: AccessMap = app.server.extensions[ACCESS]
    deps = admin.client.get("/_dash-dependencies").get_json()
    server_side = [d for d in deps if d.get("clientside_function") is None]
    writers = [d for d in server_side if (c := access.callbacks.get(d["output"])) and c.write]
    assert len(writers) >= 5, "sources, admin (and reports) mark their writing callbacks"
    before = store_digest(context_of(app).store)
    wrong = {}
    for dep in server_side:
        entry = access.callbacks.get(dep["output"])
        if dep["output"] == ROUTER_OUTPUT:
            for path in access.pages:
                r = who.client.post(
                    "/_dash-update-component", json=callback_body(dep, path), headers=who.headers
                )
                allowed = _may_see(access, kind, path)
                if (r.status_code in REFUSED) == allowed:
                    wrong[f"router {path}"] = r.status_code
            continue
        assert entry is not None, dep["output"]
        who_p = _principal(kind)
        if entry.page is not None:
            allowed = _may_see(access, kind, entry.page)
        else:  # the chrome's own (the "Export PDF" control): people only
            allowed = who_p is not None and who_p.kind == "user"
        if entry.write is not None:
            allowed = allowed and who_p is not None and who_p.kind == "user"
            allowed = allowed and has_role(who_p, entry.write.role)
        if allowed:
            continue  # allowed calls with empty values are exercised by the page tests
        r = who.client.post("/_dash-update-component", json=callback_body(dep), headers=who.headers)
        expected = 401 if kind == "anonymous" else 403
        if r.status_code != expected:
            wrong[dep["output"][:80]] = r.status_code
    assert wrong == {}
    assert store_digest(context_of(app).store) == before


@pytest.mark.parametrize("kind", ["viewer", "manager"])
def test_every_refused_write_is_audited_under_its_action(
    app: dash.Dash, caller: Callable[[str], Caller], kind: str
) -> None:
    who = caller(kind)
    access: AccessMap = app.server.extensions[ACCESS]
    store = context_of(app).store
    refused = []
    for dep in dependencies(app):
        entry = access.callbacks.get(dep["output"])
        if entry is None or entry.write is None or has_role(_principal(kind), entry.write.role):
            continue
        assert who.callback(dep).status_code == 403, dep["output"]
        refused.append((entry.write.action, entry.page))
    assert {"user.disable", "token.create", "token.revoke"} <= {a for a, _ in refused}
    entries, _ = store.audit_log.page(0, 1000)
    denied = [(e.action, e.target) for e in reversed(entries) if e.outcome == "denied"]
    assert denied == refused
    assert {e.actor for e in entries if e.outcome == "denied"} == {f"test-{kind}"}
