"""Fixtures for the wall's queries: the simulated city stored on both databases."""

from __future__ import annotations

import pytest

from dashboard.store import Store
from tests.queries.city import City, Truth, build_city


@pytest.fixture
def city(store: Store) -> City:
    """The shared `store` fixture (SQLite and PostgreSQL) filled by the real simulator."""
    return build_city(store)


@pytest.fixture
def truth(city: City) -> Truth:
    return Truth(city)
