"""CSV download of exactly what a table shows: its rows under the current filters, its columns
with their shown headers, in its current sort order. One helper for every table.

`export_button(table_id, lang)` goes beside a table; `register_csv_export(app, table_id,
filename)` wires it: the click sends the table's `data` (which the page's callbacks filled for
the current filters), `columns` and `sort_by` back, and `csv_text` writes them (UTF-8 with a
byte-order mark, so Excel opens Vietnamese names correctly). A table whose rows live on the
server (paged there) calls `csv_text` on the full filtered rows itself.

Access: downloads are for managers, checked on the server: every export callback carries the
`exports` mark (`requires("manager", action="export.csv", writes=False)`), so the guard refuses anyone else
(403) and each download is audited. The button carries the `csv-export` class and its id
`<table id>-csv`.

Cells a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage
return) are written with a leading single quote, as OWASP advises for CSV injection; numbers,
negative ones included, stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.auth import requires
from dashboard.callback_requests import BadCallbackInput, as_dict_list, as_str, as_str_list
from dashboard.i18n import t

__all__ = [
    "csv_text",
    "export_button",
    "export_ids",
    "exports",
    "register_csv_export",
    "sorted_rows",
]

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d.,]*|[.,]\d+)([eE][+-]?\d+)?")

# The mark of every export callback: managers only (the guard checks it), audited.
exports = requires("manager", action="export.csv", writes=False)


def export_ids(table_id: str) -> tuple[str, str]:
    """(button id, download id) of `table_id`'s export."""
    return f"{table_id}-csv", f"{table_id}-download"


def export_button(table_id: str, lang: str) -> html.Div:
    """The "Download CSV" button and its (invisible) download component."""
    button, download = export_ids(table_id)
    return html.Div(
        [
            html.Button(t("drill.csv", lang), id=button, type="button", className="csv-export"),
            dcc.Download(id=download),
        ],
        className="csv-export-box",
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    # None last; numbers before text, so a mixed column still sorts without TypeError.
    if value is None or value == "":
        return (2, 0)
    return (0, value) if isinstance(value, int | float) else (1, str(value))


def sorted_rows(
    rows: Sequence[Mapping[str, Any]], sort_by: Sequence[Mapping[str, str]] | None
) -> list[Mapping[str, Any]]:
    """`rows` in the order a native-sorted DataTable shows them (`sort_by`, first key first)."""
    out = list(rows)
    for key in reversed(list(sort_by or [])):
        column = key["column_id"]
        ordered = sorted(out, key=lambda r: _sort_key(r.get(column)))
        nulls = [r for r in ordered if _sort_key(r.get(column))[0] == 2]
        values = [r for r in ordered if _sort_key(r.get(column))[0] != 2]
        out = (values[::-1] if key.get("direction") == "desc" else values) + nulls
    return out


def table_state(
    table_id: str, rows: Any, columns: Any, sort_by: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """A DataTable's `data`, `columns` and `sort_by` as the browser sent them, checked: lists
    of objects, each column with a text `id` and `name` (or list of texts), each sort key
    with a text `column_id` and `direction`; anything else is a BadCallbackInput."""
    columns = as_dict_list(columns, f"{table_id}.columns") or []
    for column in columns:
        if not isinstance(column.get("id"), str) or column.get("name") is None:
            raise BadCallbackInput(f"{table_id}.columns need a text id and a name")
        as_str_list(column["name"], f"{table_id}.columns name")
    sort_by = as_dict_list(sort_by, f"{table_id}.sort_by") or []
    for key in sort_by:
        if not isinstance(key.get("column_id"), str):
            raise BadCallbackInput(f"{table_id}.sort_by needs a text column_id")
        as_str(key.get("direction"), f"{table_id}.sort_by direction")
    return as_dict_list(rows, f"{table_id}.data") or [], columns, sort_by


def _cell(value: Any) -> Any:
    # Text a spreadsheet would take for a formula gets a leading quote; numbers pass as they are.
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return value if PLAIN_NUMBER.fullmatch(value) else "'" + value
    return value


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]]) -> str:
    """The rows as CSV: a header of the columns' shown names, then each row's values (cells
    that would run as a spreadsheet formula neutralised, see the module docstring)."""
    buffer = io.StringIO()
    # CRLF (RFC 4180): the writer then quotes any cell holding a CR or LF, so no cell's text can
    # start a row of its own (Python quotes only the terminator's characters).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [_cell(c["name"] if isinstance(c["name"], str) else " ".join(c["name"])) for c in columns]
    )
    for row in rows:
        writer.writerow([_cell(row.get(c["id"])) for c in columns])
    return BOM + buffer.getvalue()


def register_csv_export(app: Any, table_id: str, filename: str) -> None:
    """Send `table_id`'s rows as `filename` when its export button is clicked."""
    button, download = export_ids(table_id)

    @app.callback(
        Output(download, "data"),
        Input(button, "n_clicks"),
        State(table_id, "data"),
        State(table_id, "columns"),
        State(table_id, "sort_by"),
        prevent_initial_call=True,
    )
    @exports
    def export(_: int | None, rows: Any, columns: Any, sort_by: Any) -> dict[str, Any]:
        rows, columns, sort_by = table_state(table_id, rows, columns, sort_by)
        if not columns:
            raise PreventUpdate
        text = csv_text(sorted_rows(rows, sort_by), columns)
        return dcc.send_string(text, filename, type="text/csv")
