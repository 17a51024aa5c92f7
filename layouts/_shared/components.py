"""Pieces every page shares: page metadata, the app context, the language, tables, headings.

Pages import these instead of restating them, so the wall, the drill-downs and /sources look
and behave alike (one table style, one way to pick the language, one way to show local time).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
from dash import Input, State, dash_table, html
from dash.development.base_component import Component

from dashboard.context import AppContext, current_context
from dashboard.figures.theme import PALETTE
from dashboard.i18n import LANG_COOKIE, Lang, resolve_language

__all__ = [
    "PageMeta",
    "action_button",
    "app_context",
    "control_row",
    "data_table",
    "html_wire",
    "local_time",
    "page_heading",
    "page_language",
    "print_requested",
    "refreshed_by",
]

PRINT_PARAM = "print"  # `?print=1`: the page laid out for paper (assets/print.js, print.css)
PRINT_ROWS = 100_000  # a printed table shows every row it holds: no pages of a screen's size


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What a page module declares about itself; the app factory registers it with Dash.

    `title_key` names the i18n entry used in the navigation and the browser tab; `roles` is
    for the auth layer (empty: everyone).
    """

    path: str
    order: int
    title_key: str
    roles: tuple[str, ...] = field(default_factory=tuple)


def app_context() -> AppContext:
    """Config, store and clock of the app serving this request (layouts and callbacks)."""
    return current_context()


def page_language(url_lang: str | None = None) -> Lang:
    """The language for this request: `?lang=` first, then the browser's cookie, then config.

    `url_lang` is the page's own `lang` query parameter; without it, the request's `?lang=`
    and then its referrer's are used, because Dash fetches the layout from `/_dash-layout`
    while the `?lang=` the user typed sits on the page address.
    """
    default = app_context().config.city.language if flask.has_app_context() else "vi"
    if not flask.has_request_context():
        return resolve_language(url_lang, None, default)
    request = flask.request
    if url_lang is None:
        referrer = parse_qs(urlsplit(request.referrer or "").query).get("lang", [None])
        url_lang = request.args.get("lang") or referrer[0]
    return resolve_language(url_lang, request.cookies.get(LANG_COOKIE), default)


def print_requested(url_value: str | None = None) -> bool:
    """Is the page asked for in print mode? `url_value` is the page's own `print` parameter;
    without it, the request's `?print=` and then its referrer's (as for the language)."""
    if url_value is None and flask.has_request_context():
        request = flask.request
        referrer = parse_qs(urlsplit(request.referrer or "").query).get(PRINT_PARAM, [None])
        url_value = request.args.get(PRINT_PARAM) or referrer[0]
    return url_value == "1"


def local_time(ts: datetime | None, tz: Any, fmt: str = "%d/%m %H:%M:%S") -> str | None:
    """`ts` (aware) shown in the city's time zone `tz`; None stays None."""
    return None if ts is None else ts.astimezone(tz).strftime(fmt)


def html_wire(tag: str, children: Any = None, **props: Any) -> dict[str, Any]:
    """The html component `tag` as Dash sends it to the browser (what `to_plotly_json` of
    `html.<tag>(children, **props)` gives), built without the component.

    For callbacks that answer many cells at once, like the asset detail's attributes and
    metric buttons: building each component (Dash checks every prop) and converting it cost
    the detail more time than its history query, and an answer of plain values is encoded by
    Dash in one orjson step, whereas one holding Component objects is walked node by node by
    plotly's cleaner, figure included. The browser receives the same JSON.
    """
    return {
        "props": {"children": children, **props},
        "type": tag,
        "namespace": "dash_html_components",
    }


def refreshed_by(ids: Any) -> list[Any]:
    """What a console page's lists refresh on: its timer (`ids.interval`) and its own actions
    (`ids.acted`), read in the page's language (`ids.lang`)."""
    return [Input(ids.interval, "n_intervals"), Input(ids.acted, "data"), State(ids.lang, "data")]


def page_heading(title: str, intro: str | None = None, **extra: Any) -> html.Div:
    """The title block at the top of a page, with an optional intro line and side content."""
    children: list[Any] = [html.H1(title, className="page-title")]
    if intro:
        children.append(html.P(intro, className="page-intro"))
    return html.Div(children, className="page-heading", **extra)


_SERVER_SIDE: dict[str, Any] = {
    "page_action": "custom",
    "page_current": 0,
    "page_count": 1,
    "sort_action": "custom",
    "sort_mode": "multi",
    "sort_by": [],
}


def data_table(
    table_id: str,
    columns: list[dict[str, Any]],
    row_styles: list[dict[str, Any]] | None = None,
    page_size: int = 50,
    lang: str = "en",
    selectable: bool = False,
    server_side: bool = False,
) -> Component:
    """A read-only table in the house style; callbacks fill its `data` (never its children).

    With `server_side`, paging and sorting are the server's (`page_current`, `sort_by` in,
    one page of `data` and `page_count` out): for lists too long to send whole.

    Numbers use `lang`'s separators (vi "1.234,5", en "1,234.5") where a column has a format.
    With `selectable`, a click on a cell sets `active_cell` (with the row's `id` as `row_id`):
    the drill-down pages open that row's asset.

    DataTable is deprecated in Dash 4 in favour of dash-ag-grid, which is not a dependency
    yet; the warning is silenced here, in one place, until the switch.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return dash_table.DataTable(  # type: ignore[attr-defined]
            id=table_id,
            columns=columns,
            data=[],
            page_size=page_size if server_side or not print_requested() else PRINT_ROWS,
            **(_SERVER_SIDE if server_side else {"sort_action": "native"}),
            locale_format={"group": ".", "decimal": ","} if lang == "vi" else {},
            cell_selectable=selectable,
            style_as_list_view=True,
            style_table={"overflowX": "auto"},
            style_header={
                "backgroundColor": PALETTE["panel_2"],
                "color": PALETTE["text"],
                "fontWeight": "700",
                "border": "none",
                "borderBottom": f"2px solid {PALETTE['line_strong']}",
                "whiteSpace": "normal",
                "textAlign": "left",
            },
            style_cell={
                "backgroundColor": PALETTE["panel"],
                "color": PALETTE["text"],
                "border": "none",
                "borderBottom": f"1px solid {PALETTE['line']}",
                "padding": "10px 12px",
                "fontFamily": "inherit",
                "fontSize": "16px",
                "textAlign": "left",
                "whiteSpace": "normal",
                "height": "auto",
                "maxWidth": "420px",
            },
            # After the row styles, so a picked cell reads on an overdue row too.
            style_data_conditional=[*(row_styles or []), *_PICKED],
            tooltip_delay=300,
            tooltip_duration=None,  # a cut cell's whole text stays while the pointer is on it
        )


# The cell a click picked (DataTable's default is white on translucent pink): the house's
# raised panel colour with the accent as its frame, text as everywhere else.
_PICKED: list[dict[str, Any]] = [
    {
        "if": {"state": state},
        "backgroundColor": PALETTE["panel_2"],
        "color": PALETTE["text"],
        "border": f"1px solid {PALETTE['accent']}",
    }
    for state in ("active", "selected")
]


# Controls sit on the dark panels; 44 px high so they can be hit on a touch screen at the wall.
_BUTTON_STYLE = {
    "backgroundColor": PALETTE["panel_2"],
    "color": PALETTE["text"],
    "border": f"1px solid {PALETTE['accent']}",
    "borderRadius": "6px",
    "minHeight": "44px",
    "minWidth": "120px",
    "padding": "8px 16px",
    "fontFamily": "inherit",
    "fontSize": "16px",
    "fontWeight": "700",
    "cursor": "pointer",
}
_ROW_STYLE = {
    "display": "flex",
    "alignItems": "center",
    "gap": "16px",
    "padding": "8px 12px",
    "backgroundColor": PALETTE["panel"],
    "borderBottom": f"1px solid {PALETTE['line']}",
}
_NAME_STYLE = {"minWidth": "180px"}


def action_button(button_id: str | dict[str, str], label: str, **extra: Any) -> html.Button:
    """A button in the house style; `button_id` may be a pattern-matching id (a dict)."""
    return html.Button(label, id=button_id, type="button", style=_BUTTON_STYLE, **extra)


def control_row(name: str, control: Any, **extra: Any) -> html.Div:
    """One line of a control list: a thing's name and what can be done to it, side by side."""
    return html.Div(
        [html.Strong(name, style=_NAME_STYLE), control],
        style=_ROW_STYLE,
        className="control-row",
        **extra,
    )
