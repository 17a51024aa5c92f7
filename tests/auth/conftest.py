"""Fixtures for the access tests: principals of every kind on the seeded app, and a snapshot
of what the store holds, to prove that a refused request changed nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from dashboard.auth import manage
from dashboard.context import EXTENSION, AppContext
from dashboard.store import Store

# What signing in and auditing write by design; every other table must stay as it was.
AUTH_BOOKKEEPING = {"audit_log", "auth_sessions", "login_attempts", "alembic_version"}
BOOKKEEPING_COLUMNS = {("api_tokens", "last_used_at")}

PRINCIPALS = ("anonymous", "viewer", "operator", "manager", "admin", "wall_token", "api_token")


def context_of(app: dash.Dash) -> AppContext:
    ctx: AppContext = app.server.extensions[EXTENSION]
    return ctx


def store_digest(store: Store) -> dict[str, str]:
    """A digest of every row of every table but the auth bookkeeping ones."""
    out = {}
    with store.engine.connect() as conn:
        for table in sorted(set(inspect(conn).get_table_names()) - AUTH_BOOKKEEPING):
            cols = [c["name"] for c in inspect(conn).get_columns(table)]
            cols = [c for c in cols if (table, c) not in BOOKKEEPING_COLUMNS]
            rows = conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}")).fetchall()
            out[table] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return out


@dataclass
class Caller:
    """A client acting as one kind of principal (headers carry a Bearer token if any)."""

    kind: str
    client: FlaskClient
    headers: dict[str, str]

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)

    def callback(self, dep: dict[str, Any], pathname: str | None = None) -> Any:
        """POST callback `dep` the way the renderer does (see `callback_body`)."""
        body = callback_body(dep, pathname)
        return self.client.post("/_dash-update-component", json=body, headers=self.headers)


@pytest.fixture
def caller(app: dash.Dash) -> Callable[[str], Caller]:
    """`caller("viewer")`, `caller("wall_token")`...: a client acting as that principal."""
    ctx = context_of(app)

    def make(kind: str) -> Caller:
        if kind in ("anonymous", "api_token"):
            client = app.server.test_client(role=None)
        elif kind == "wall_token":
            client = app.server.test_client(role=None)
            made = manage.create_token(ctx.store, "wall", "lobby", ctx.clock(), manage.CLI_ACTOR)
            r = client.get(f"/wall?token={made.secret}")
            assert r.status_code == 302 and r.headers["Location"] == "/wall"
        else:
            client = app.server.test_client(role=kind)  # type: ignore[arg-type]
        headers = {}
        if kind == "api_token":
            made = manage.create_token(ctx.store, "api", "platform", ctx.clock(), manage.CLI_ACTOR)
            headers["Authorization"] = f"Bearer {made.secret}"
        client.get("/healthz")  # the first request sets up Dash's routing
        return Caller(kind, client, headers)

    return make


def callback_body(dep: dict[str, Any], pathname: str | None = None) -> dict[str, Any]:
    """A renderer-shaped request for callback `dep`, with empty values (for a refused call the
    guard answers before any value is read)."""

    def spec(item: dict[str, Any]) -> Any:
        ident = item["id"]
        if ident.startswith("{"):  # a pattern id: ALL matches none here
            return []
        value = pathname if (ident, item["property"]) == ("_pages_location", "pathname") else None
        return {"id": ident, "property": item["property"], "value": value}

    output = dep["output"]
    refs = output_refs(output)
    outs = [
        {"id": json.loads(i) if i.startswith("{") else i, "property": p}
        for i, p in (r.rsplit(".", 1) for r in refs)
    ]
    return {
        "output": output,
        "outputs": outs if output.startswith("..") else outs[0],
        "inputs": [spec(i) for i in dep["inputs"]],
        "state": [spec(s) for s in dep["state"]],
        "changedPropIds": [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"],
    }


def dependencies(app: dash.Dash) -> list[dict[str, Any]]:
    """The app's server-side callbacks, as `/_dash-dependencies` lists them to an admin."""
    client = app.server.test_client()
    deps: list[dict[str, Any]] = client.get("/_dash-dependencies").get_json()
    return [d for d in deps if d.get("clientside_function") is None]


def output_refs(output: str) -> list[str]:
    """The "id.property" outputs of a callback's output key (several: `..a.b...c.d..`)."""
    return output.strip(".").split("...") if output.startswith("..") else [output]
