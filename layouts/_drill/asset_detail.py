"""The asset detail panel every drill-down page shares: attributes and history of one asset.

The open asset lives in the URL (`asset=…&series=…`, see layouts/_drill/url_sync.py), so a detail
is a link too. `detail_panel(ids, lang)` is the skeleton; `register_detail(app, ids, spec_of)`
fills it whenever the view changes: the asset's attributes, one button per metric it reports
(a click sets `series`), and the metric's history over the view's window at the resolution
`dashboard.queries.history` picks, with the same period a week earlier overlaid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, dcc, html

from dashboard.figures.drillcharts import empty_figure, history_figure
from dashboard.figures.locale import graph_config
from dashboard.figures.tiles import format_number
from dashboard.i18n import TEXT, t
from dashboard.queries import history as q
from dashboard.queries.filters import FilterProblem, FilterSpec
from dashboard.records import METRICS
from layouts._drill.filter_bar import DrillIds, page_lang, problem_text, read_filter
from layouts._shared.components import app_context, html_wire

__all__ = ["DetailIds", "detail_ids", "detail_panel", "detail_view", "register_detail"]

# Attributes shown first, in this order; any others follow by name.
_FIRST = ("street", "road_class", "lanes", "free_flow_kmh", "length_m", "cabinet_id", "wattage")


SCROLL_JS = """
function (cls, panel) {
  var el = document.getElementById(panel);
  if (el && cls && cls.indexOf("is-hidden") < 0) {
    el.scrollIntoView({behavior: "smooth", block: "start"});
  }
  return window.dash_clientside.no_update;
}
"""


@dataclass(frozen=True, slots=True)
class DetailIds:
    panel: str
    title: str
    attributes: str
    metrics: str
    graph: str
    scrolled: str


def detail_ids(ids: DrillIds) -> DetailIds:
    p = ids.prefix
    return DetailIds(
        f"{p}-detail",
        f"{p}-detail-title",
        f"{p}-detail-attrs",
        f"{p}-detail-metrics",
        f"{p}-detail-graph",
        f"{p}-detail-scrolled",
    )


def detail_panel(ids: DrillIds, lang: str) -> html.Section:
    """The (hidden) panel; it opens when the URL names an asset."""
    d = detail_ids(ids)
    return html.Section(
        [
            html.Div(
                [
                    html.H2("", id=d.title, className="section-title"),
                    html.Button(
                        t("drill.detail.close", lang),
                        id=ids.close,
                        type="button",
                        className="drill-close",
                    ),
                ],
                className="drill-detail-head",
            ),
            html.Dl(id=d.attributes, className="drill-attrs"),
            html.Div(id=d.metrics, className="drill-metrics", role="group"),
            dcc.Store(id=d.scrolled),
            dcc.Graph(
                id=d.graph,
                figure=empty_figure("", lang=lang),
                config=graph_config(lang),
            ),
        ],
        id=d.panel,
        className="drill-detail is-hidden",
        **_attrs({"aria-label": t("drill.detail.title", lang)}),
    )


def _attrs(values: dict[str, str]) -> dict[str, Any]:
    # aria-* attributes go in as keywords; Dash's typed signatures do not list them.
    return values


def _attr_label(key: str, lang: str) -> str:
    name = f"drill.attr.{key}"
    return t(name, lang) if name in TEXT else key


def _word(key: str, fallback: str, lang: str) -> str:
    return t(key, lang) if key in TEXT else fallback


def _value(value: Any, lang: str) -> Any:
    """An attribute's value as shown: a known code word (road class...) in the page's words,
    a number with the language's decimal mark."""
    if isinstance(value, str):
        return _word(f"drill.value.{value}", value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 0 if value.is_integer() else 1)
    return value


def _attributes(info: q.AssetInfo, lang: str) -> list[Any]:
    rows: list[tuple[str, Any]] = [
        (t("drill.attr.id", lang), info.id),
        (t("drill.attr.kind", lang), _word(f"drill.kind.{info.kind}", info.kind, lang)),
        (t("drill.filter.ward", lang), info.ward or "—"),
        (t("drill.filter.zone", lang), info.zone or t("drill.zone.outside", lang)),
    ]
    keys = [k for k in _FIRST if k in info.attributes]
    keys += sorted(k for k in info.attributes if k not in _FIRST)
    rows += [(_attr_label(k, lang), _value(info.attributes[k], lang)) for k in keys]
    out: list[Any] = []
    for label, value in rows:
        out += [html_wire("Dt", label), html_wire("Dd", str(value))]
    return out


def _metric_label(metric: str, lang: str) -> str:
    m = METRICS.get(metric)
    return metric if m is None else (m.label_en if lang == "en" else m.label_vi)


def _buttons(ids: DrillIds, info: q.AssetInfo, chosen: str | None, lang: str) -> list[Any]:
    return [
        html_wire(
            "Button",
            _metric_label(m, lang),
            id=ids.series_id(m),
            type="button",
            className="drill-metric active" if m == chosen else "drill-metric",
            **{"aria-pressed": "true" if m == chosen else "false"},
        )
        for m in info.metrics
    ]


def detail_view(ids: DrillIds, query: str | None, spec: FilterSpec, lang: str) -> tuple[Any, ...]:
    """(panel class, title, attributes, metric buttons, figure, problem line) of the view
    `query`; an asset the store does not know is named beside the filter bar's problems."""
    drill = read_filter(query, spec).filter
    hidden: tuple[Any, ...] = (
        "drill-detail is-hidden", "", [], [], empty_figure("", lang=lang), [],
    )  # fmt: skip
    if not drill.asset:
        return hidden
    context = app_context()
    with context.store.read_session() as session:
        info = q.asset_info(session, drill.asset)
        metric = q.default_metric(info, drill.series) if info else None
        hist = (
            q.asset_history(session, drill.asset, metric, drill.start, drill.end)
            if metric
            else None
        )
    if info is None:
        problem = FilterProblem("asset", drill.asset, "unknown_asset")
        return (*hidden[:5], problem_text([problem], lang))
    title = f"{info.name} · {_metric_label(metric, lang)}" if metric else info.name
    figure = (
        history_figure(
            hist,
            lang=lang,
            tz=context.config.city.tz,
            title=t(f"drill.resolution.{hist.resolution}", lang),
            metric_label=_metric_label(hist.metric, lang),
        )
        if hist is not None
        else empty_figure(t("drill.no_history", lang), lang=lang)
    )
    # Cells in wire form (components.html_wire): the answer is plain data.
    return (
        "drill-detail",
        title,
        _attributes(info, lang),
        _buttons(ids, info, metric, lang),
        figure,
        [],
    )


def register_detail(app: Any, ids: DrillIds, spec_of: Callable[[], FilterSpec]) -> None:
    """Fill the detail panel from the view's state whenever it changes."""
    d = detail_ids(ids)

    @app.callback(
        Output(d.panel, "className"),
        Output(d.title, "children"),
        Output(d.attributes, "children"),
        Output(d.metrics, "children"),
        Output(d.graph, "figure"),
        Output(ids.asset_problem, "children"),
        Input(ids.state, "data"),
        State(ids.url, "search"),
    )
    def show(query: str | None, search: str | None) -> tuple[Any, ...]:
        return detail_view(ids, query, spec_of(), page_lang(search))

    # An asset opened from the map or a table far above: bring its detail into view (in the
    # browser; nothing to ask the server).
    app.clientside_callback(
        SCROLL_JS,
        Output(d.scrolled, "data"),
        Input(d.panel, "className"),
        State(d.panel, "id"),
    )
