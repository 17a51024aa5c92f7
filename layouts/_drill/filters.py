"""The drill-down pages' filter bar, and the callback that keeps it and the URL in step.

Every drill-down view is a link. A page builds its ids with `drill_ids(prefix, extras)`, puts
`filter_bar(...)` in its layout (prefilled from the URL's parameters) and calls
`register_filter_sync(app, ids, spec_of, clicks=..., tables=...)`. One callback then moves the
state in whichever direction the user did:

* a control changed (ward, zone, range, dates, a page extra, an asset's metric, the detail's
  close button) → the filter is rebuilt from the controls and written to the URL;
* a click on the map or a chart (customdata ["area", level, name] toggles that area;
  ["asset", id] opens the asset) or on a ranking table's row (its `id`) → the same;
* the URL changed (back / forward, a pasted link) → the controls follow it.

The URL is written by a `dcc.Location` with `refresh=False`: history grows by one entry per
view, nothing reloads, and back/forward come back in through its `search`. The canonical query
string of the view is kept in `ids.state` (a dcc.Store); the page's panels listen to it alone,
so a click that changes nothing re-draws nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard.basemap import BaseMap
from dashboard.config import Config
from dashboard.i18n import t
from dashboard.queries.filters import (
    OUTSIDE,
    RANGES,
    DrillFilter,
    FilterProblem,
    FilterSpec,
    ParsedFilter,
    parse_filter,
    parse_search,
    to_query,
)
from layouts._shared.components import app_context

__all__ = [
    "DrillIds",
    "area_level",
    "area_names",
    "click_target",
    "drill_ids",
    "filter_bar",
    "filter_spec",
    "next_state",
    "problem_text",
    "read_filter",
    "register_filter_sync",
]

RANGE_CHOICES = (*RANGES, "custom")
CUSTOM_DEFAULT_DAYS = 7


@dataclass(frozen=True, slots=True)
class DrillIds:
    """The shared component ids of one page, all prefixed with its slug."""

    prefix: str
    url: str
    state: str
    ward: str
    zone: str
    range: str
    dates: str
    problems: str
    asset_problem: str  # filled by the asset detail: an `asset=` the store does not know
    extras: Mapping[str, str]
    series: str  # pattern id type: {"type": series, "metric": m}, the detail's metric buttons
    close: str  # the detail's close button

    def series_id(self, metric: Any) -> dict[str, Any]:
        return {"type": self.series, "metric": metric}


def drill_ids(prefix: str, extras: Sequence[str] = ()) -> DrillIds:
    """The ids of page `prefix`'s filter bar and detail controls."""
    return DrillIds(
        prefix=prefix,
        url=f"{prefix}-url",
        state=f"{prefix}-filter",
        ward=f"{prefix}-ward",
        zone=f"{prefix}-zone",
        range=f"{prefix}-range",
        dates=f"{prefix}-dates",
        problems=f"{prefix}-problems",
        asset_problem=f"{prefix}-asset-problem",
        extras={name: f"{prefix}-{name}" for name in extras},
        series=f"{prefix}-series",
        close=f"{prefix}-detail-close",
    )


def area_names(config: Config) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(wards, zones) named in the configured area files (read once per process, with the base
    map)."""
    base = BaseMap.load(config)
    areas = config.areas

    def names(collection: dict[str, Any], prop: str) -> tuple[str, ...]:
        found = (str(f["properties"].get(prop)) for f in collection["features"])
        return tuple(dict.fromkeys(n for n in found if n and n != "None"))

    return names(base.wards, areas.ward_name_property), names(base.zones, areas.zone_name_property)


def area_level(config: Config) -> tuple[str, str]:
    """The finest configured area level and its name property: zones when a city has them
    (a ward of 2025 is large), else wards. Maps and bar charts group by it."""
    if config.areas.zones is not None and area_names(config)[1]:
        return "zone", config.areas.zone_name_property
    return "ward", config.areas.ward_name_property


def filter_spec(config: Config, extras: Mapping[str, tuple[str, ...]] | None = None) -> FilterSpec:
    """The FilterSpec of a page with `extras`, on the configured areas."""
    wards, zones = area_names(config)
    return FilterSpec(wards, zones, dict(extras or {}))


def read_filter(source: str | Mapping[str, Any] | None, spec: FilterSpec) -> ParsedFilter:
    """The filter of a query string (or Dash's query parameters), at the app's clock."""
    ctx_ = app_context()
    tz, now = ctx_.config.city.tz, ctx_.clock()
    if source is None or isinstance(source, str):
        return parse_search(source, spec, now=now, tz=tz)
    return parse_filter(source, spec, now=now, tz=tz)


def problem_text(problems: Sequence[FilterProblem], lang: str) -> list[Any]:
    """What the page says about the parameters it could not use (one line each)."""
    return [
        html.Div(
            t(f"drill.problem.{p.code}", lang).format(param=p.param, value=p.value),
            className="drill-problem",
        )
        for p in problems
    ]


def _label(text: str, control: Any, for_id: str) -> html.Div:
    return html.Div(
        [html.Label(text, htmlFor=for_id, className="drill-label"), control],
        className="drill-control",
    )


def filter_bar(
    ids: DrillIds,
    parsed: ParsedFilter,
    spec: FilterSpec,
    lang: str,
    extra_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> html.Div:
    """The controls, prefilled from `parsed`, with the URL keeper and the view's state.

    `extra_labels[name][value]` is the shown text of each page extra's choices.
    """
    drill = parsed.filter
    multi: dict[str, Any] = {"multi": True, "clearable": True, "className": "drill-dropdown"}
    controls: list[Any] = [
        _label(
            t("drill.filter.ward", lang),
            dcc.Dropdown(
                id=ids.ward,
                options=list(spec.known_wards),
                value=list(drill.wards),
                placeholder=t("drill.filter.all", lang),
                **multi,
            ),
            ids.ward,
        )
    ]
    if spec.known_zones:
        controls.append(
            _label(
                t("drill.filter.zone", lang),
                dcc.Dropdown(
                    id=ids.zone,
                    options=[
                        *spec.known_zones,
                        {"label": t("drill.zone.outside", lang), "value": OUTSIDE},
                    ],
                    value=list(drill.zones),
                    placeholder=t("drill.filter.all", lang),
                    **multi,
                ),
                ids.zone,
            )
        )
    else:  # the sync callback always has a zone control; a city without zones hides it
        controls.append(dcc.Dropdown(id=ids.zone, options=[], value=[], style={"display": "none"}))
    controls.append(
        _label(
            t("drill.filter.range", lang),
            dcc.RadioItems(
                id=ids.range,
                options=[{"label": t(f"drill.range.{k}", lang), "value": k} for k in RANGE_CHOICES],
                value=drill.range_key,
                inline=True,
                className="drill-range",
            ),
            ids.range,
        )
    )
    controls.append(
        _label(
            t("drill.filter.dates", lang),
            dcc.DatePickerRange(
                id=ids.dates,
                start_date=drill.day_from.isoformat() if drill.day_from else None,
                end_date=drill.day_to.isoformat() if drill.day_to else None,
                display_format="DD/MM/YYYY",
                start_date_placeholder_text=t("drill.filter.day_from", lang),
                end_date_placeholder_text=t("drill.filter.day_to", lang),
                first_day_of_week=1,
                clearable=True,
                className="drill-dates",
            ),
            ids.dates,
        )
    )
    for name, control_id in ids.extras.items():
        labels = (extra_labels or {}).get(name, {})
        options = [{"label": labels.get(v, v), "value": v} for v in spec.extras[name]]
        controls.append(
            _label(
                t(f"drill.filter.{name}", lang),
                dcc.Dropdown(
                    id=control_id,
                    options=options,
                    value=drill.extra(name),
                    clearable=False,
                    className="drill-dropdown",
                ),
                control_id,
            )
        )
    return html.Div(
        [
            dcc.Location(id=ids.url, refresh=False),
            dcc.Store(id=ids.state, data=to_query(drill, spec.extras)),
            html.Div(controls, className="drill-filters", role="search"),
            html.Div(
                problem_text(parsed.problems, lang),
                id=ids.problems,
                role="status",
                className="drill-problems",
            ),
            html.Div(id=ids.asset_problem, role="status", className="drill-problems"),
        ],
        className="drill-filter-bar",
    )


def click_target(click: Mapping[str, Any] | None) -> list[Any] | None:
    """The ["area", level, name] or ["asset", id, …] a map or chart click points at."""
    points = (click or {}).get("points") or []
    data = points[0].get("customdata") if points else None
    if isinstance(data, list) and len(data) >= 2 and data[0] in ("area", "asset"):
        return data
    return None


def _toggle(names: Sequence[str], name: str) -> list[str]:
    return [n for n in names if n != name] if name in names else [*names, name]


@dataclass(frozen=True, slots=True)
class Controls:
    """The filter bar's values as the browser sends them."""

    wards: list[str]
    zones: list[str]
    range_key: str | None
    start_date: str | None
    end_date: str | None
    extras: dict[str, str | None]


def _params(c: Controls, current: DrillFilter, now_local_day: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"ward": list(c.wards or []), "zone": list(c.zones or [])}
    params.update({k: v for k, v in c.extras.items() if v is not None})
    if current.asset:
        params["asset"] = current.asset
        if current.series:
            params["series"] = current.series
    if c.range_key == "custom":
        start = (c.start_date or "")[:10] or str(now_local_day - timedelta(CUSTOM_DEFAULT_DAYS - 1))
        end = (c.end_date or "")[:10] or str(now_local_day)
        params.update({"from": start, "to": end})
    elif c.range_key:
        params["range"] = c.range_key
    return params


def next_state(
    trigger: Any,
    search: str | None,
    state: str | None,
    controls: Controls,
    click: list[Any] | None,
    spec: FilterSpec,
    *,
    now: Any,
    tz: Any,
) -> tuple[str | None, ParsedFilter]:
    """The view after `trigger` fired: (new URL search or None to keep it, parsed filter).

    `trigger` is "url", "controls", "dates", "close", ("series", metric), "click" (with
    `click` = click_target's list) or "noop" (nothing the user did: the view stays). Pure: the callback only feeds it and unpacks it.
    """
    current = parse_search(state, spec, now=now, tz=tz).filter
    if trigger == "noop":
        return None, ParsedFilter(current, ())
    if trigger == "url":
        parsed = parse_search(search, spec, now=now, tz=tz)
        return None, parsed
    params = _params(controls, current, now.astimezone(tz).date())
    if trigger == "dates" and controls.start_date and controls.end_date:
        params.pop("range", None)
        params.update({"from": controls.start_date[:10], "to": controls.end_date[:10]})
    elif trigger == "dates":  # a half-picked range waits for its other end
        return None, ParsedFilter(current, ())
    elif trigger == "close":
        params.pop("asset", None)
        params.pop("series", None)
    elif isinstance(trigger, tuple) and trigger[0] == "series":
        params["series"] = trigger[1]
    elif trigger == "click" and click and click[0] == "area":
        key = "zone" if click[1] == "zone" else "ward"
        params[key] = _toggle(params[key], str(click[2]))
    elif trigger == "click" and click and click[0] == "asset":
        params["asset"] = str(click[1])
        params.pop("series", None)
    parsed = parse_filter(params, spec, now=now, tz=tz)
    lang = parse_qs((search or "").lstrip("?")).get("lang")
    query = to_query(parsed.filter, spec.extras)
    query = "&".join(q for q in (query, urlencode({"lang": lang[-1]}) if lang else "") if q)
    return ("?" + query if query else ""), parsed


def _control_outputs(drill: DrillFilter, ids: DrillIds) -> dict[str, Any]:
    custom = drill.range_key == "custom"
    return {
        "ward": list(drill.wards),
        "zone": list(drill.zones),
        "range": drill.range_key,
        "start": drill.day_from.isoformat() if custom and drill.day_from else None,
        "end": drill.day_to.isoformat() if custom and drill.day_to else None,
        "extras": {name: drill.extra(name) for name in ids.extras},
    }


def _trigger(ids: DrillIds, clicks: Sequence[str], tables: Sequence[str]) -> Any:
    fired = ctx.triggered_id
    prop = ctx.triggered[0]["prop_id"].rsplit(".", 1)[-1] if ctx.triggered else ""
    if fired == ids.url:
        return "url"
    if fired == ids.dates:
        return "dates"
    if fired == ids.close:
        return "close"
    if isinstance(fired, Mapping) and fired.get("type") == ids.series:
        # New metric buttons (the detail drew them) fire with n_clicks None: not a choice.
        clicked = ctx.triggered[0].get("value") if ctx.triggered else None
        return ("series", fired.get("metric")) if clicked else "noop"
    if fired in clicks or fired in tables or prop in ("clickData", "active_cell"):
        return "click"
    return "controls"


def _click_of(fired: Any, click_data: Mapping[str, Any], cells: Mapping[str, Any]) -> Any:
    if not isinstance(fired, str):  # a pattern id (the detail's metric buttons)
        return None
    if fired in click_data:
        return click_target(click_data[fired])
    cell = cells.get(fired) or {}
    return ["asset", cell["row_id"]] if cell.get("row_id") else None


def register_filter_sync(
    app: Any,
    ids: DrillIds,
    spec_of: Callable[[], FilterSpec],
    *,
    clicks: Sequence[str] = (),
    tables: Sequence[str] = (),
) -> None:
    """The callback keeping the URL, the controls and `ids.state` in step (see module doc).

    `clicks` are graph ids whose clicks filter or open an asset; `tables` ranking tables
    whose rows carry an asset `id`. `spec_of()` gives the page's FilterSpec (at request time).
    """
    extras = list(ids.extras)
    outputs = {
        "search": Output(ids.url, "search"),
        "state": Output(ids.state, "data"),
        "problems": Output(ids.problems, "children"),
        "ward": Output(ids.ward, "value"),
        "zone": Output(ids.zone, "value"),
        "range": Output(ids.range, "value"),
        "start": Output(ids.dates, "start_date"),
        "end": Output(ids.dates, "end_date"),
        "extras": {n: Output(ids.extras[n], "value") for n in extras},
    }
    inputs = {
        "search": Input(ids.url, "search"),
        "ward": Input(ids.ward, "value"),
        "zone": Input(ids.zone, "value"),
        "range": Input(ids.range, "value"),
        "start": Input(ids.dates, "start_date"),
        "end": Input(ids.dates, "end_date"),
        "extras": {n: Input(ids.extras[n], "value") for n in extras},
        "series": Input(ids.series_id(ALL), "n_clicks"),
        "close": Input(ids.close, "n_clicks"),
        "clicks": {g: Input(g, "clickData") for g in clicks},
        "cells": {tb: Input(tb, "active_cell") for tb in tables},
        "state": State(ids.state, "data"),
    }

    @app.callback(output=outputs, inputs=inputs, prevent_initial_call=True)
    def sync(**v: Any) -> dict[str, Any]:
        context = app_context()
        trigger = _trigger(ids, clicks, tables)
        controls = Controls(v["ward"], v["zone"], v["range"], v["start"], v["end"], v["extras"])
        click = _click_of(ctx.triggered_id, v["clicks"], v["cells"])
        spec, now, tz = spec_of(), context.clock(), context.config.city.tz
        search, parsed = next_state(
            trigger, v["search"], v["state"], controls, click, spec, now=now, tz=tz
        )
        return sync_outputs(ids, trigger, search, v, parsed, spec, page_lang(v["search"]))


def page_lang(search: str | None) -> str:
    """The language of the page whose URL search is `search` (?lang=, cookie, config)."""
    from layouts._shared.components import page_language

    found = parse_qs((search or "").lstrip("?")).get("lang")
    return page_language(found[-1] if found else None)


def sync_outputs(
    ids: DrillIds,
    trigger: Any,
    search: str | None,
    v: Mapping[str, Any],
    parsed: ParsedFilter,
    spec: FilterSpec,
    lang: str,
) -> dict[str, Any]:
    """The sync callback's outputs: only what moved (an unchanged view re-draws nothing)."""
    query = to_query(parsed.filter, spec.extras)
    new = _control_outputs(parsed.filter, ids)
    out: dict[str, Any] = {
        "search": search if search is not None and search != v["search"] else no_update,
        "state": query if query != v["state"] else no_update,
        "problems": problem_text(parsed.problems, lang),
    }
    for key in ("ward", "zone", "range", "start", "end"):
        out[key] = no_update if new[key] == v[key] else new[key]
    out["extras"] = {
        n: no_update if new["extras"][n] == v["extras"][n] else new["extras"][n] for n in ids.extras
    }
    return out
