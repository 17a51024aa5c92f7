"""Text is shown as text: a report whose description is markup (a feed let it through; the
Open311 server itself refuses markup) reaches the desk and the Open311 output as the
characters it holds, never as markup (the browser run: tests/browser/test_open311_browser.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from dashboard.records import CitizenReport
from layouts._reports.common import DRILL
from tests.api.seed import NOW
from tests.open311.conftest import BASE, Server, xml_of
from tests.pages.conftest import post_callback

MARKUP = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">Ngập'


def _html_report(server: Server) -> int:
    report = CitizenReport(
        "HTML-1", "flooding", MARKUP, "open", 105.082, 10.012, NOW - timedelta(hours=1), NOW
    )
    server.store.ingest("sim", reports=[report], now=NOW)
    with server.store.engine.connect() as conn:
        sql = "SELECT id FROM reports WHERE external_id = 'HTML-1'"
        return int(conn.exec_driver_sql(sql).scalar_one())


def _components(node: Any) -> list[dict[str, Any]]:
    """Every component (type, props) of a Dash JSON tree."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict) and "type" in node and "props" in node:
        found.append(node)
        node = node["props"].get("children")
    if isinstance(node, list):
        for child in node:
            found.extend(_components(child))
    elif isinstance(node, dict):
        found.extend(_components(node))
    return found


def test_the_desk_detail_holds_the_markup_as_a_text_child(server: Server) -> None:
    rid = _html_report(server)
    staff = server.app.server.test_client()
    assert staff.get("/reports").status_code == 200
    deps = [d["output"] for d in staff.get("/_dash-dependencies").get_json()]
    key = next(k for k in deps if k.lstrip(".").startswith("reports-detail-body.children"))
    view = f"range=7d&asset={rid}"
    r = post_callback(
        staff,
        key,
        [
            {"id": DRILL.state, "property": "data", "value": view},
            {"id": "reports-acted", "property": "data", "value": None},
        ],
        [{"id": "reports-lang", "property": "data", "value": "en"}],
        f"{DRILL.state}.data",
    )
    assert r.status_code == 200, r.data[:300]
    tree = r.get_json()["response"]["reports-detail-body"]["children"]
    parts = _components(tree)
    quotes = [c for c in parts if c["type"] == "Blockquote"]
    assert [q["props"]["children"] for q in quotes] == [MARKUP]  # a string: React shows text
    assert not [c for c in parts if c["type"] in ("Script", "Iframe", "Img", "ObjectEl")]
    assert "dangerously_allow_html" not in json.dumps(tree)


def test_the_desk_list_holds_the_markup_as_plain_text_cells(server: Server) -> None:
    from layouts._reports import desk
    from tests.pages.test_reports_page import _list

    _html_report(server)
    staff = server.app.server.test_client()
    assert staff.get("/reports").status_code == 200
    out = _list(staff, view="range=7d")
    rows = out["reports-desk-table"]["data"]
    assert [r["description"] for r in rows if r["external_id"] == "HTML-1"] == [MARKUP]
    tips = out["reports-desk-table"]["tooltip_data"]
    # plain strings: DataTable shows them with its `text` syntax, never markdown
    assert MARKUP in [tip.get("description") for tip in tips]
    assert all(isinstance(v, str | None) for tip in tips for v in tip.values())
    assert all("presentation" not in c for c in desk._columns("en"))


def test_open311_output_escapes_the_markup(server: Server) -> None:
    _html_report(server)
    raw = server.client.get(f"{BASE}/requests/sim:HTML-1.xml").data
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw
    assert xml_of(raw).findtext("request/description") == MARKUP
    as_json = server.client.get(f"{BASE}/requests/sim:HTML-1.json").get_json()
    assert as_json[0]["description"] == MARKUP
