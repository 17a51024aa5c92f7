"""Fixtures for the API tests: a client of the app on the seeded store (tests/conftest.py)."""

from __future__ import annotations

import dash
import pytest
from flask.testing import FlaskClient


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    return app.server.test_client()
