"""The desk's list on /reports: filtered, sorted and paged on the server, and its CSV.

The table runs with `page_action="custom"` and `sort_action="custom"`: the browser sends the
page and the sort, `dashboard.queries.report_desk.desk_page` answers with one page (two SQL
statements, whatever the number of reports). The filter is the URL's view plus the search box.
A click on a row opens that report (its row `id` is the report id; the URL sync does it).
The CSV is every row of the current filter and sort, built on the server from the same query,
with the columns and words the table shows.
"""

from __future__ import annotations

from typing import Any, Final

import dash
import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard.callback_requests import as_dict_list, as_int, as_str
from dashboard.figures.theme import STATUS_ROW
from dashboard.i18n import category_labels, count_key, t
from dashboard.queries import report_desk as q
from layouts._drill.filter_bar import area_level, read_filter
from layouts._reports.common import DRILL, desk_filter, ids, report_spec
from layouts._shared.components import app_context, data_table, local_time
from layouts._shared.table_export import csv_text, export_button, export_ids, exports

__all__ = ["COLUMNS", "PAGE_SIZE", "desk_section", "list_page", "register", "shown_rows"]

PAGE_SIZE: Final = 25
COLUMNS: Final = (
    "external_id",
    "created_at",
    "category",
    "zone",
    "status",
    "agency",
    "due_at",
    "overdue",
    "description",
)
_TIME_FMT = "%d/%m/%Y %H:%M"
_CUT: Final = ("agency", "description")  # cut to one line on screen (assets/desk.css)


def _columns(lang: str) -> list[dict[str, Any]]:
    label = {"zone": "drill.filter.zone"}
    return [
        {
            "id": c,
            "name": t(label.get(c, f"desk.col.{c}"), lang),
            "sortable": c in q.SORTABLE,
        }
        for c in COLUMNS
    ]


def _table(lang: str) -> Any:
    overdue = t("desk.yes", lang)
    late = {
        "if": {"filter_query": f'{{overdue}} = "{overdue}"'},
        "backgroundColor": STATUS_ROW["warn"][0],
        "color": STATUS_ROW["warn"][1],
    }
    return data_table(
        ids.table,
        _columns(lang),
        row_styles=[late],
        page_size=PAGE_SIZE,
        lang=lang,
        selectable=True,
        server_side=True,
    )


def desk_section(lang: str) -> html.Section:
    """The desk's list: search box, count, table, CSV button, notices of the workflow."""
    head = html.Div(
        [html.H2(t("desk.title", lang)), export_button(ids.table, lang)],
        className="drill-table-head",
    )
    search = dcc.Input(
        id=ids.search,
        type="search",
        debounce=True,
        maxLength=200,
        placeholder=t("desk.search", lang),
        className="desk-search",
    )
    labelled = html.Label(
        [html.Span(t("desk.search", lang), className="drill-label"), search],
        htmlFor=ids.search,
        className="desk-search-box",
    )
    return html.Section(
        [
            head,
            html.Div(
                [labelled, html.Span(id=ids.count, className="desk-count")], className="desk-bar"
            ),
            html.Div(id=ids.notice, role="status", className="desk-notice"),
            _table(lang),
        ],
        className="drill-panel desk-list",
    )


def shown_rows(frame: pd.DataFrame, lang: str, tz: Any, level: str) -> list[dict[str, Any]]:
    """The table's rows of a desk frame: local times, words in `lang`, `id` = report id. The
    area column is the zone (`level` "zone") or, in a city without zones, the ward; a report
    in none says so."""
    labels = category_labels(lang)
    outside = t("drill.zone.outside" if level == "zone" else "reports.outside", lang)
    yes, no = t("desk.yes", lang), ""  # a report on time shows nothing in "overdue"
    return [
        {
            "id": int(r["id"]),
            "external_id": r["external_id"],
            "created_at": local_time(r["created_at"].to_pydatetime(), tz, _TIME_FMT),
            "category": labels.get(r["category"], r["category"]),
            "zone": (r["zone"] if level == "zone" else r["ward"]) or outside,
            "status": t(f"reports.status.{r['status']}", lang),
            "agency": r["agency"] or "",
            "due_at": local_time(r["due_at"].to_pydatetime(), tz, _TIME_FMT),
            "overdue": yes if r["overdue"] else no,
            "description": r["description"],
        }
        for r in frame.to_dict("records")
    ]


def cell_tooltips(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The whole text of the cells the list cuts to one line (its `tooltip_data`)."""
    return [{c: r[c] for c in _CUT if r.get(c)} for r in rows]


def _sort(sort_by: Any) -> list[tuple[str, str]]:
    # Only the sortable columns; the browser can send anything.
    return [
        (s["column_id"], s["direction"])
        for s in as_dict_list(sort_by, "the list's sort_by") or []
        if isinstance(s.get("column_id"), str)
        and s["column_id"] in q.SORTABLE
        and s.get("direction") in ("asc", "desc")
    ]


def list_page(
    query: str | None, text: str | None, page: int | None, sort_by: Any, lang: str
) -> tuple[list[dict[str, Any]], int, int, str]:
    """(rows, page count, page shown, count text) of the view `query` and the search box."""
    context = app_context()
    drill = read_filter(query, report_spec(context.config)).filter
    wanted = desk_filter(drill, as_str(text, "the search"))
    with context.store.read_session() as session:
        result = q.desk_page(
            session,
            wanted,
            context.clock(),
            sort=_sort(sort_by),
            page=max(0, as_int(page, "page_current") or 0),
            page_size=PAGE_SIZE,
        )
    count = t(count_key("desk.count", result.total), lang).format(
        n=f"{result.total:,}".replace(",", "." if lang == "vi" else ",")
    )
    rows = shown_rows(result.rows, lang, context.config.city.tz, area_level(context.config)[0])
    return rows, result.page_count, result.page, count


def register(app: dash.Dash) -> None:
    """The list's callbacks: a page for the view, the search, the page and the sort; its CSV."""

    @app.callback(
        Output(ids.table, "data"),
        Output(ids.table, "page_count"),
        Output(ids.table, "page_current"),
        Output(ids.count, "children"),
        Output(ids.table, "tooltip_data"),
        Input(DRILL.state, "data"),
        Input(ids.search, "value"),
        Input(ids.table, "page_current"),
        Input(ids.table, "sort_by"),
        Input(ids.acted, "data"),
        State(ids.lang, "data"),
    )
    def refresh_list(
        query: str | None, text: str | None, page: int | None, sort_by: Any, _acted: Any, lang: str
    ) -> tuple[Any, ...]:
        # A new filter or search starts at the first page; paging and sorting keep their place.
        trigger = dash.ctx.triggered_id
        start = page if trigger in (ids.table, ids.acted) else 0
        rows, *rest = list_page(query, text, start, sort_by, lang)
        return rows, *rest, cell_tooltips(rows)

    button, download = export_ids(ids.table)

    @app.callback(
        Output(download, "data"),
        Input(button, "n_clicks"),
        State(DRILL.state, "data"),
        State(ids.search, "value"),
        State(ids.table, "sort_by"),
        State(ids.lang, "data"),
        prevent_initial_call=True,
    )
    @exports
    def export_list(
        clicks: int | None, query: str | None, text: str | None, sort_by: Any, lang: str
    ) -> Any:
        if not clicks:
            raise PreventUpdate
        context = app_context()
        drill = read_filter(query, report_spec(context.config)).filter
        with context.store.read_session() as session:
            wanted = desk_filter(drill, as_str(text, "the search"))
            frame = q.desk_rows(session, wanted, context.clock(), _sort(sort_by))
        rows = shown_rows(frame, lang, context.config.city.tz, area_level(context.config)[0])
        return dcc.send_string(csv_text(rows, _columns(lang)), "reports.csv", type="text/csv")
