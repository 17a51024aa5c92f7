"""Fixtures for the Open311 server: an app with `[open311] enabled` on the seeded store
(tests.api.seed; SQLite unless a test asks for PostgreSQL), an anonymous client (a citizen's
app has no account), a key, and small readers of the spec's two spellings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import dash
import pytest
from flask.testing import FlaskClient

from dashboard import commands
from dashboard.app import create_app
from dashboard.auth.manage import CLI_ACTOR
from dashboard.config import Config, Open311Config
from dashboard.store import Store
from tests.api.seed import NOW, Seed, seed_store
from tests.standards import STANDARDS

SPEC = STANDARDS / "open311"
BASE = "/open311/v2"
# Inside Phường Rạch Giá (tests.api.seed's ward A).
LAT, LON = "10.012", "105.082"


@dataclass
class Server:
    """An app serving Open311 on a seeded store, an anonymous client, and an Open311 key."""

    app: dash.Dash
    seed: Seed
    client: FlaskClient
    key: str
    clock: list[datetime]  # the app's clock: clock[0] (tests.api.seed's NOW at first)

    @property
    def store(self) -> Store:
        return self.seed.store

    @property
    def config(self) -> Config:
        return self.seed.config

    def post(self, fields: dict[str, str], fmt: str = "json", **kwargs: Any) -> Any:
        """POST a form (the spec's body) to requests.<fmt>, with this server's key."""
        return self.client.post(
            f"{BASE}/requests.{fmt}", data={"api_key": self.key, **fields}, **kwargs
        )

    def count(self, table: str) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


MakeServer = Callable[..., Server]


def _make(store: Store, **open311: Any) -> Server:
    seed = seed_store(store)
    config = seed.config.model_copy(
        update={"open311": Open311Config(**{"enabled": True, **open311})}
    )
    seed.config = config
    clock = [NOW]
    app = create_app(config, store, clock=lambda: clock[0])
    client = app.server.test_client(role=None)
    made = commands.create_token(store, NOW, CLI_ACTOR, "open311", "citizen-app")
    return Server(app, seed, client, made.secret, clock)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """`make_server(**open311)`: a Server on a fresh SQLite store, `[open311]` keys given."""
    stores: list[Store] = []

    def make(**open311: Any) -> Server:
        store = Store(f"sqlite:///{tmp_path / f'cityops{len(stores)}.db'}")
        store.upgrade()
        stores.append(store)
        return _make(store, **open311)

    yield make
    dash.page_registry.clear()
    for s in stores:
        s.dispose()


@pytest.fixture
def server(make_server: MakeServer) -> Server:
    return make_server()


def xml_of(data: bytes) -> ET.Element:
    """A response body parsed as XML (fails the test when it does not parse)."""
    return ET.fromstring(data)


def spec_xml(name: str) -> ET.Element:
    return ET.parse(SPEC / "spec" / name).getroot()


def child_tags(element: ET.Element) -> list[str]:
    return [c.tag for c in element]


def check_schema(value: Any, schema: dict[str, Any], folder: Path = SPEC / "schema") -> None:
    """`value` against the subset of JSON Schema the spec's schemas use (type, anyOf, enum,
    required, properties, items, maxLength, $ref to a sibling file); AssertionError names
    the first mismatch. (No jsonschema package here; the schemas are small.)"""
    import json

    if "$ref" in schema:
        schema = {**json.loads((folder / schema["$ref"]).read_text()), **schema}
        del schema["$ref"]
    if "anyOf" in schema:
        failures = []
        for option in schema["anyOf"]:
            try:
                check_schema(value, option, folder)
                return
            except AssertionError as exc:
                failures.append(str(exc))
        raise AssertionError(f"{value!r} matches none of {failures}")
    kinds = {"string": str, "number": (int, float), "integer": int, "boolean": bool}
    kinds |= {"array": list, "object": dict, "null": type(None)}
    if "type" in schema:
        wanted = kinds[schema["type"]]
        ok = isinstance(value, wanted) and not (
            schema["type"] in ("number", "integer") and isinstance(value, bool)
        )
        assert ok, f"{value!r} is not of type {schema['type']}"
    if "enum" in schema:
        assert value in schema["enum"], f"{value!r} not in {schema['enum']}"
    if "maxLength" in schema:
        assert len(value) <= schema["maxLength"]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{key!r} missing from {sorted(value)}"
        for key, inner in schema.get("properties", {}).items():
            if key in value:
                check_schema(value[key], inner, folder)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            check_schema(item, schema["items"], folder)


def load_schema(name: str) -> dict[str, Any]:
    import json

    return dict(json.loads((SPEC / "schema" / name).read_text()))
