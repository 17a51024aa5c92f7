"""Who may export and download, checked on the server: a viewer (or operator) is refused the
"Export PDF" callbacks (403) and every download, nobody gets a PDF of a page they could not
open, and a manager's export is queued with exactly the address and language of the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.app import create_app
from dashboard.auth import Role
from dashboard.context import EXTENSION, AppContext
from dashboard.queries.exports import recent_exports
from dashboard.store import ExportView
from layouts import exports as page
from layouts._shared.pdf_export import ids
from tests.api.seed import NOW, Seed
from tests.exports.conftest import with_exports

ASK = f"..{ids.job}.data...{ids.status}.children...{ids.poll}.disabled.."
PDF = b"%PDF-1.7 a test file\n%%EOF\n"


@pytest.fixture
def app(seeded: Seed, tmp_path: Path) -> Iterator[dash.Dash]:
    yield create_app(
        with_exports(seeded.config, tmp_path / "pdfs"), seeded.store, clock=lambda: NOW
    )
    dash.page_registry.clear()


def _context(app: dash.Dash) -> AppContext:
    ctx: AppContext = app.server.extensions[EXTENSION]
    return ctx


def _client(app: dash.Dash, role: Role | None) -> FlaskClient:
    client = app.server.test_client(role=role)  # type: ignore[call-arg]
    client.get("/healthz")
    return client


def _ask(client: FlaskClient, href: str, paper: str = "A3", orientation: str = "portrait") -> Any:
    body = {
        "output": ASK,
        "outputs": [
            {"id": ids.job, "property": "data"},
            {"id": ids.status, "property": "children"},
            {"id": ids.poll, "property": "disabled"},
        ],
        "inputs": [{"id": ids.asked, "property": "data", "value": {"href": href, "n": 1}}],
        "state": [
            {"id": ids.paper, "property": "value", "value": paper},
            {"id": ids.orientation, "property": "value", "value": orientation},
        ],
        "changedPropIds": [f"{ids.asked}.data"],
    }
    return client.post("/_dash-update-component", json=body)


def _exports(app: dash.Dash) -> list[ExportView]:
    with _context(app).store.read_session() as session:
        return recent_exports(session)


def _made(app: dash.Dash, path: str, by: str) -> ExportView:
    """An export of `path` by `by`, rendered (a file in the exports folder)."""
    ctx = _context(app)
    exports = ctx.store.exports
    export_id = exports.enqueue(
        requested_by=by, username=by, path=path, paper="A4", landscape=False, lang="vi", at=NOW
    )
    assert exports.claim("test", NOW) is not None
    folder = ctx.config.exports_folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{export_id}.pdf").write_bytes(PDF)
    exports.finish(export_id, at=NOW, status="done", file=f"{export_id}.pdf", size_bytes=len(PDF))
    (made,) = [e for e in _exports(app) if e.id == export_id]
    return made


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_a_viewer_or_operator_is_refused_export_and_nothing_is_queued(
    app: dash.Dash, role: Role
) -> None:
    client = _client(app, role)
    assert _ask(client, "/traffic?range=7d").status_code == 403
    assert client.get("/exports").status_code == 403
    page_callbacks = [o for o in app.callback_map if o.startswith(f"..{page.ids.notice}")]
    assert page_callbacks, "the page's make and run-now callbacks"
    for output in page_callbacks:
        r = client.post("/_dash-update-component", json={"output": output, "inputs": []})
        assert r.status_code == 403
    assert _exports(app) == []


def test_a_manager_queues_exactly_the_page_on_screen(app: dash.Dash) -> None:
    client = _client(app, "manager")
    r = _ask(client, "/traffic/?ward=Ph%C6%B0%E1%BB%9Dng+R%E1%BA%A1ch+Gi%C3%A1&range=7d&lang=en")
    assert r.status_code == 200, r.text
    (export,) = _exports(app)
    assert (export.requested_by, export.username, export.status) == (
        "test-manager",
        "test-manager",
        "queued",
    )
    assert export.path == "/traffic?ward=Ph%C6%B0%E1%BB%9Dng+R%E1%BA%A1ch+Gi%C3%A1&range=7d&lang=en"
    assert (export.paper, export.landscape, export.lang) == ("A3", False, "en")
    assert r.json["response"][ids.job]["data"] == export.id


@pytest.mark.parametrize("href", ["/admin", "/sources", "/exports", "/nowhere"])
def test_no_pdf_of_a_page_that_does_not_export(app: dash.Dash, href: str) -> None:
    r = _ask(_client(app, "manager"), href)
    assert r.status_code == 200
    assert r.json["response"][ids.job]["data"] is None
    assert _exports(app) == []


def test_a_viewer_cannot_download_anothers_pdf_and_a_manager_can(app: dash.Dash) -> None:
    made = _made(app, "/traffic?range=7d", "test-manager")
    url = f"/exports/{made.id}.pdf"
    assert _client(app, None).get(url).status_code == 401
    for role in ("viewer", "operator"):
        assert _client(app, role).get(url).status_code == 403  # type: ignore[arg-type]
    r = _client(app, "manager").get(url)
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=cityops-traffic-")
    assert _client(app, "manager").get("/exports/999.pdf").status_code == 404


def test_nobody_downloads_a_pdf_of_a_page_they_could_not_open(app: dash.Dash) -> None:
    made = _made(app, "/admin", "test-admin")  # (only a store-level export could be this)
    assert _client(app, "manager").get(f"/exports/{made.id}.pdf").status_code == 403
    assert _client(app, "admin").get(f"/exports/{made.id}.pdf").status_code == 200


def test_a_manager_runs_a_scheduled_report_now_once_at_a_time(seeded: Seed, tmp_path: Path) -> None:
    report = {
        "name": "chieu-sang-tuan",
        "view": "/lighting?range=7d",
        "cron": "0 7 * * mon",
        "user": "bao-cao",
        "folder": str(tmp_path / "out"),
    }
    config = with_exports(seeded.config, tmp_path / "pdfs", reports=[report])
    app = create_app(config, seeded.store, clock=lambda: NOW)
    try:
        (output,) = [
            o
            for o, spec in app.callback_map.items()
            if any(i["id"].startswith('{"report"') for i in spec["inputs"])
        ]
        button = {"report": "chieu-sang-tuan", "type": page.ids.run}
        body = {
            "output": output,
            "outputs": [
                {"id": page.ids.notice, "property": "children"},
                {"id": page.ids.acted, "property": "data"},
            ],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": page.ids.lang, "property": "data", "value": "en"}],
            "changedPropIds": ['{"report":"chieu-sang-tuan","type":"exports-run"}.n_clicks'],
        }
        manager = _client(app, "manager")
        first = manager.post("/_dash-update-component", json=body)
        again = manager.post("/_dash-update-component", json=body)
        assert _client(app, "viewer").post("/_dash-update-component", json=body).status_code == 403
        (export,) = _exports(app)
        assert (export.schedule, export.requested_by, export.username, export.path) == (
            "chieu-sang-tuan",
            "test-manager",
            "bao-cao",
            "/lighting?range=7d",
        )
        assert first.json["response"][page.ids.notice]["children"] == f"PDF #{export.id} requested"
        assert "already running" in again.json["response"][page.ids.notice]["children"]
    finally:
        dash.page_registry.clear()
