"""Fixtures for the API tests: a seeded store (SQLite and PostgreSQL) and an app on it."""

from __future__ import annotations

from collections.abc import Iterator

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.store import Store
from tests.api.seed import NOW, Seed, seed_store


@pytest.fixture
def seeded(store: Store) -> Seed:
    """The shared `store` fixture (both databases), filled with tests.api.seed's data."""
    return seed_store(store)


@pytest.fixture
def app(seeded: Seed) -> Iterator[dash.Dash]:
    """A fresh app on the seeded store, its clock fixed at seed.NOW."""
    yield create_app(seeded.config, seeded.store, clock=lambda: NOW)
    dash.page_registry.clear()


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    return app.server.test_client()
