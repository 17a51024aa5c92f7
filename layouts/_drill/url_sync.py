"""The callback that keeps a drill-down page's filter bar and its URL in step.

A page calls `register_filter_sync(app, ids, spec_of, clicks=..., tables=...)`. One callback
then moves the state in whichever direction the user did:

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

from dash import ALL, Input, Output, State, ctx, no_update

from dashboard.callback_requests import as_dict, as_list, as_str, as_str_list
from dashboard.queries.filters import (
    DrillFilter,
    FilterSpec,
    ParsedFilter,
    parse_filter,
    parse_search,
    to_query,
)
from layouts._drill.filter_bar import (
    CUSTOM_DEFAULT_DAYS,
    DrillIds,
    page_lang,
    problem_text,
)
from layouts._shared.components import app_context

__all__ = [
    "click_target",
    "clicked_customdata",
    "next_state",
    "register_filter_sync",
    "sync_outputs",
]


def clicked_customdata(click: Any, name: str) -> Any:
    """The customdata of the first point of a graph's `clickData` (None when there is none);
    a `click` that is not shaped as Plotly sends it is a BadCallbackInput naming `name`."""
    points = as_list((as_dict(click, name) or {}).get("points"), f"{name} points") or []
    return (as_dict(points[0], f"{name} point") or {}).get("customdata") if points else None


def click_target(click: Any, name: str = "clickData") -> list[Any] | None:
    """The ["area", level, name] or ["asset", id, …] a map or chart click points at."""
    data = clicked_customdata(click, name)
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

    @classmethod
    def read(cls, v: Mapping[str, Any]) -> Controls:
        """The controls from the sync callback's values, each of its type or refused."""
        extras = {name: as_str(value, name) for name, value in v["extras"].items()}
        dates = (as_str(v["start"], "start_date"), as_str(v["end"], "end_date"))
        wards, zones = as_str_list(v["ward"], "ward"), as_str_list(v["zone"], "zone")
        return cls(wards or [], zones or [], as_str(v["range"], "range"), *dates, extras)


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
        return click_target(click_data[fired], f"{fired}.clickData")
    cell = as_dict(cells.get(fired), f"{fired}.active_cell") or {}
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
        controls = Controls.read(v)
        click = _click_of(ctx.triggered_id, v["clicks"], v["cells"])
        spec, now, tz = spec_of(), context.clock(), context.config.city.tz
        asked, state = as_str(v["search"], "search"), as_str(v["state"], "the view's state")
        search, parsed = next_state(trigger, asked, state, controls, click, spec, now=now, tz=tz)
        return sync_outputs(ids, trigger, search, v, parsed, spec, page_lang(v["search"]))


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
