"""/sources: a file-drop source, when picked, shows the files it took in and why any failed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.config import Config, SourceConfig
from dashboard.store import Store
from tests.api.seed import NOW
from tests.pages.conftest import call_callback

FILES = "..sources-files.data...sources-files-section.hidden.."


@pytest.fixture
def client(tmp_path: Path) -> Iterator[FlaskClient]:
    store = Store(f"sqlite:///{tmp_path / 'files.db'}")
    store.upgrade()
    store.files.record(
        "drop",
        "a" * 64,
        file_name="water_levels.csv",
        at=NOW - timedelta(hours=2),
        status="done",
        rows=7,
        quarantined=2,
        detail="2 × level_m: not a number",
    )
    store.files.record(
        "drop",
        "b" * 64,
        file_name="tram.csv",
        at=NOW - timedelta(hours=1),
        status="failed",
        detail="not UTF-8 text: byte 0xb5 at offset 25",
    )
    sources = [
        SourceConfig(name="sim", type="simulator"),
        SourceConfig.model_validate({"name": "drop", "type": "files", "path": "drop"}),
    ]
    app = create_app(Config(sources=sources), store, clock=lambda: NOW)
    client = app.server.test_client()
    assert client.get("/sources").status_code == 200
    yield client
    dash.page_registry.clear()
    store.dispose()


def _files(client: FlaskClient, source: str, lang: str) -> tuple[list[dict], bool]:
    out = call_callback(
        client,
        FILES,
        {"sources-pick.value": source, "sources-interval.n_intervals": 0},
        {"sources-lang.data": lang},
    )
    return out["sources-files"]["data"], out["sources-files-section"]["hidden"]


def test_a_picked_file_drop_source_lists_its_files_newest_first_with_why(
    client: FlaskClient,
) -> None:
    rows, hidden = _files(client, "drop", "en")
    assert not hidden
    assert [(r["file_name"], r["file_status"], r["rows"], r["quarantined"]) for r in rows] == [
        ("tram.csv", "Unreadable", 0, 0),
        ("water_levels.csv", "Taken", 7, 2),
    ]
    assert rows[0]["why"] == "not UTF-8 text: byte 0xb5 at offset 25"
    vi, _ = _files(client, "drop", "vi")
    assert [r["file_status"] for r in vi] == ["Không đọc được", "Đã nhận"]


def test_another_kind_of_source_shows_no_files_section(client: FlaskClient) -> None:
    assert _files(client, "sim", "en") == ([], True)
