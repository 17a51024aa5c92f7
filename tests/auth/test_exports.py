"""CSV exports: for managers only, checked on the server for every export the pages have (read
from `/_dash-dependencies`, so a new one is covered without editing this file), and no cell a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import dash
import pytest

from dashboard.auth.access import AccessMap
from dashboard.auth.guard import ACCESS
from layouts._shared.table_export import BOM, csv_text
from tests.auth.conftest import Caller, dependencies, output_refs

EXPORT_OUTPUT = "-download.data"  # every export's output (`table_export.export_ids`)


def export_callbacks(app: dash.Dash) -> list[dict[str, object]]:
    found = [
        d
        for d in dependencies(app)
        if any(ref.endswith(EXPORT_OUTPUT) for ref in output_refs(str(d["output"])))
    ]
    assert len(found) >= 2, "the drill pages and the report desk have CSV exports"
    return found


@pytest.mark.parametrize(
    ("kind", "refused"), [("viewer", True), ("operator", True), ("manager", False)]
)
def test_every_csv_export_needs_the_manager_role(
    app: dash.Dash, caller: Callable[[str], Caller], kind: str, refused: bool
) -> None:
    who = caller(kind)
    wrong = {}
    for dep in export_callbacks(app):
        r = who.callback(dep)
        if (r.status_code == 403) != refused or r.status_code in (401, 500):
            wrong[dep["output"]] = r.status_code
    assert wrong == {}


def test_every_csv_export_is_marked_for_managers_in_the_access_map(app: dash.Dash) -> None:
    access: AccessMap = app.server.extensions[ACCESS]
    marks = {
        str(d["output"]): access.callbacks[str(d["output"])].write for d in export_callbacks(app)
    }
    assert {out: (m.role, m.action) if m else None for out, m in marks.items()} == {
        out: ("manager", "export.csv") for out in marks
    }


def _cells(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def test_csv_cells_a_spreadsheet_would_run_are_neutralised_and_numbers_stay_numbers() -> None:
    risky = ['=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "-"]
    plain = ["Ổ gà trước nhà số 5", "a=b", "", "x", "ổ gà\r=1+2", "dòng 1\n@dòng 2"]
    numbers: list[object] = [-3.5, 12, 0.25, "-3.5", "+84", "1,5"]
    values = [*risky, *plain, *numbers]
    columns = [{"id": "v", "name": "=cột"}, {"id": "n", "name": ["Mức", "-1"]}]
    rows = [{"v": v, "n": None} for v in values]
    header, *body = _cells(csv_text(rows, columns))
    assert header == ["'=cột", "Mức -1"]
    assert len(body) == len(values), "a CR or LF inside a cell never starts a row"
    assert [r[0] for r in body] == [
        *("'" + v for v in risky),
        *plain,
        *("-3.5", "12", "0.25", "-3.5", "+84", "1,5"),
    ]
