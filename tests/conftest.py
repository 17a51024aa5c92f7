"""Shared fixtures: a fresh, migrated store on SQLite and on PostgreSQL.

`store` is parametrised with ids `sqlite` and `postgres`, so every store test runs on both.
The PostgreSQL store lives in a schema of its own per test process (search_path in the URL),
recreated for each test: tests running in parallel, from other checkouts or xdist workers,
never see each other's tables. A missing PostgreSQL fails the test, it never skips it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import dash
import flask
import psycopg
import pytest
from flask.testing import FlaskClient
from psycopg import sql

from dashboard.app import create_app
from dashboard.auth import Role
from dashboard.store import Store
from tests.api.seed import NOW, Seed, seed_store
from tests.signin import SignedInClient

PG_URL = os.environ.get("CITYOPS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """A schema private to this test process, dropped at the end."""
    name = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is unreachable at {PG_URL} ({exc}). Start it (e.g. `service postgresql "
            "start`) or point CITYOPS_TEST_PG_URL at one; store tests never skip it.",
            pytrace=False,
        )
    with conn:
        yield name
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _fresh_pg_url(schema: str) -> str:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        ident = sql.Identifier(schema)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident))
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database of each kind (nothing migrated yet)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cityops.db'}"
    return _fresh_pg_url(request.getfixturevalue("pg_schema"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated (`Store.upgrade()`) empty store, on SQLite and on PostgreSQL."""
    s = Store(store_url)
    s.upgrade()
    yield s
    s.dispose()


@pytest.fixture
def seeded(store: Store) -> Seed:
    """The `store` fixture (both databases), filled with tests.api.seed's data."""
    return seed_store(store)


@pytest.fixture
def app(seeded: Seed) -> Iterator[dash.Dash]:
    """A fresh app on the seeded store, its clock fixed at seed.NOW. Its test clients come
    signed in as an admin (see `signed_in_test_clients`); `client_as` gives other roles."""
    yield create_app(seeded.config, seeded.store, clock=lambda: NOW)
    dash.page_registry.clear()


@pytest.fixture(autouse=True, scope="session")
def signed_in_test_clients() -> Iterator[None]:
    """Every `app.server.test_client()` comes signed in as an admin, so tests that build
    their own apps call pages, callbacks and the API as before accounts existed;
    `test_client(role="viewer")` signs in with another role, `role=None` as nobody."""
    flask.Flask.test_client_class = SignedInClient
    yield
    flask.Flask.test_client_class = None


@pytest.fixture
def client_as(app: dash.Dash) -> Callable[[Role | None], FlaskClient]:
    """`client_as("operator")`: a client of `app` signed in as a user of that role (None:
    nobody signed in)."""

    def make(role: Role | None) -> FlaskClient:
        client = app.server.test_client(role=role)
        client.get("/healthz")  # the first request sets up Dash's routing
        return client

    return make
