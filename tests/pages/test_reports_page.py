"""/reports through the callbacks the browser calls (POST /_dash-update-component), on both
databases: the overview and the list for a view, the workflow with each role (the server
refuses a role that may not act, whatever the browser sends), and the list's CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient

from dashboard.i18n import t
from dashboard.queries.report_desk import report_trail
from layouts._reports.common import DRILL, ids
from tests.api.seed import REPORTS, Seed
from tests.pages.conftest import post_callback

VIEW = "range=7d"


def _key(client: FlaskClient, first_output: str) -> str:
    """The dependency key of the callback whose first output is `first_output`."""
    keys = [d["output"] for d in client.get("/_dash-dependencies").get_json()]
    found = [k for k in keys if k.lstrip(".").startswith(first_output)]
    assert len(found) == 1, (first_output, found)
    return found[0]


def _dep(ident: str, prop: str, value: Any) -> dict[str, Any]:
    return {"id": ident, "property": prop, "value": value}


def _report_id(seeded: Seed, external_id: str) -> int:
    with seeded.store.engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                f"SELECT id FROM reports WHERE external_id = '{external_id}'"
            ).scalar_one()
        )


def _act(client: FlaskClient, action: str, report: int, lang: str = "en", **values: Any) -> Any:
    """Click `action`'s button with the report open (`asset=<id>` in the view)."""
    button = getattr(ids, action)
    deps = client.get("/_dash-dependencies").get_json()
    key = next(d["output"] for d in deps if d["inputs"][0]["id"] == button)
    states = [_dep(DRILL.state, "data", f"{VIEW}&asset={report}"), _dep(ids.lang, "data", lang)]
    extra = {
        "assign": [_dep(ids.agency, "value", values.get("agency"))],
        "comment": [
            _dep(ids.comment_text, "value", values.get("text")),
            _dep(ids.public, "value", ["public"]),
        ],
        "close": [_dep(ids.resolution, "value", values.get("text"))],
    }
    return post_callback(
        client,
        key,
        [_dep(button, "n_clicks", 1)],
        states + extra.get(action, []),
        f"{button}.n_clicks",
    )


def _notice(response: Any) -> str:
    assert response.status_code == 200, response.data[:300]
    return str(response.get_json()["response"][ids.notice]["children"])


def test_the_overview_counts_the_views_reports(client: FlaskClient) -> None:
    key = _key(client, "reports-summary.children")
    r = post_callback(
        client,
        key,
        [_dep(DRILL.state, "data", VIEW), _dep(ids.acted, "data", None)],
        [_dep(ids.lang, "data", "en")],
        f"{DRILL.state}.data",
    )
    out = r.get_json()["response"]
    tiles = json.dumps(out[ids.summary]["children"])
    received = '"data-kpi": "received"'
    assert received in tiles
    assert f'"children": "{len(REPORTS)}", "className": "desk-kpi-value", {received}' in tiles
    bars = out[ids.by_category]["figure"]["data"]
    shown = {y for trace in bars for y in trace["y"]}
    assert shown == {"Pothole", "Broken street light", "Flooding"}
    table = out[ids.times_table]["data"]
    flooding = next(row for row in table if row["key"] == "Flooding")
    assert (flooding["closed"], flooding["close_median_h"], flooding["sla_h"]) == (1, 1.0, 12)


def _list(client: FlaskClient, view: str = VIEW, text: str | None = None) -> dict[str, Any]:
    key = _key(client, "reports-desk-table.data")
    r = post_callback(
        client,
        key,
        [
            _dep(DRILL.state, "data", view),
            _dep(ids.search, "value", text),
            _dep(ids.table, "page_current", 0),
            _dep(ids.table, "sort_by", [{"column_id": "created_at", "direction": "asc"}]),
            _dep(ids.acted, "data", None),
        ],
        [_dep(ids.lang, "data", "en")],
        f"{DRILL.state}.data",
    )
    assert r.status_code == 200
    return r.get_json()["response"]


def test_the_list_is_the_views_reports_sorted_on_the_server(client: FlaskClient) -> None:
    out = _list(client)
    rows = out[ids.table]["data"]
    assert [r["external_id"] for r in rows] == [
        r.external_id for r in sorted(REPORTS, key=lambda r: r.created_at)
    ]
    assert out[ids.count]["children"] == f"{len(REPORTS)} reports"
    only = _list(client, VIEW + "&status=closed")[ids.table]["data"]
    assert [r["status"] for r in only] == ["Closed"]
    assert _list(client, text="00002")[ids.table]["data"][0]["external_id"] == "RG-2025-00002"


def test_the_csv_is_every_row_the_list_shows(client: FlaskClient) -> None:
    rows = _list(client)[ids.table]["data"]
    r = post_callback(
        client,
        "reports-desk-table-download.data",
        [_dep("reports-desk-table-csv", "n_clicks", 1)],
        [
            _dep(DRILL.state, "data", VIEW),
            _dep(ids.search, "value", None),
            _dep(ids.table, "sort_by", [{"column_id": "created_at", "direction": "asc"}]),
            _dep(ids.lang, "data", "en"),
        ],
        "reports-desk-table-csv.n_clicks",
    )
    sent = r.get_json()["response"]["reports-desk-table-download"]["data"]
    table = list(csv.reader(io.StringIO(sent["content"].lstrip("\ufeff"))))
    assert table[0][:3] == ["ID", "Received", "Category"]
    assert [line[0] for line in table[1:]] == [row["external_id"] for row in rows]
    assert [line[4] for line in table[1:]] == [row["status"] for row in rows]


def test_the_workflow_by_role(
    seeded: Seed, client_as: Callable[[str | None], FlaskClient], app: dash.Dash
) -> None:
    report = _report_id(seeded, "RG-2025-00001")  # open, a pothole
    viewer, operator, manager = (client_as(r) for r in ("viewer", "operator", "manager"))

    assert _act(viewer, "acknowledge", report).status_code == 403
    assert _act(operator, "close", report, text="done").status_code == 403
    assert _act(operator, "assign", report, agency="Đội trật tự đô thị").status_code == 403
    with seeded.store.read_session() as s:
        assert report_trail(s, report).empty  # refused calls changed nothing

    assert _notice(_act(operator, "acknowledge", report)) == "RG-2025-00001 acknowledged."
    again = _notice(_act(operator, "acknowledge", report))
    assert again == t("desk.refused", "en").format(why=t("desk.refused.already_acknowledged", "en"))
    _notice(_act(manager, "assign", report, agency="Đội trật tự đô thị"))
    _notice(_act(operator, "comment", report, text="Đã cử đội đến kiểm tra."))
    empty = _notice(_act(manager, "close", report, text="  "))
    assert t("desk.refused.empty_resolution", "en") in empty
    assert _notice(_act(manager, "close", report, text="Đã vá.")) == "RG-2025-00001 closed."
    twice = _notice(_act(manager, "close", report, text="Đã vá."))
    assert t("desk.refused.closed", "en") in twice

    with seeded.store.read_session() as s:
        trail = report_trail(s, report)
    assert list(trail["action"]) == ["acknowledge", "assign", "comment", "close"]
    assert list(trail["actor"]) == [
        "test-operator",
        "test-manager",
        "test-operator",
        "test-manager",
    ]


@pytest.mark.parametrize("asked", ["RG-2025-00001", "999999", "-4"])
def test_a_report_the_store_does_not_know_is_named_never_ignored(
    client: FlaskClient, asked: str
) -> None:
    """`asset=` naming no report (not a number, or no such id) says so in the detail panel."""
    key = _key(client, f"{ids.detail_body}.children")
    r = post_callback(
        client,
        key,
        [_dep(DRILL.state, "data", f"{VIEW}&asset={asked}"), _dep(ids.acted, "data", None)],
        [_dep(ids.lang, "data", "en")],
        f"{DRILL.state}.data",
    )
    assert r.status_code == 200, r.data[:300]
    body = json.dumps(r.get_json()["response"][ids.detail_body]["children"])
    assert t("desk.not_found", "en").format(id=asked) in body
