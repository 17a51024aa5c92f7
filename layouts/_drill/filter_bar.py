"""The drill-down pages' filter bar: the ids of a page's controls, the areas and extras it
filters by, the filter a URL asks for, and the bar itself, prefilled from the URL, with the
words for whatever the URL asked that the page cannot use.

Every drill-down view is a link: a page builds its ids with `drill_ids(prefix, extras)`, puts
`filter_bar(...)` in its layout and has `layouts._drill.url_sync` keep bar and URL in step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from dash import dcc, html

from dashboard.basemap import BaseMap
from dashboard.callback_requests import as_str
from dashboard.config import Config
from dashboard.i18n import t
from dashboard.queries.filters import (
    OUTSIDE,
    RANGES,
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
    "drill_ids",
    "filter_bar",
    "filter_spec",
    "page_lang",
    "problem_text",
    "read_filter",
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
    """The filter of a query string (or Dash's query parameters), at the app's clock.

    A callback's query string that is not a string is a BadCallbackInput (HTTP 400)."""
    ctx_ = app_context()
    tz, now = ctx_.config.city.tz, ctx_.clock()
    if isinstance(source, Mapping):
        return parse_filter(source, spec, now=now, tz=tz)
    return parse_search(as_str(source, "the view's query string"), spec, now=now, tz=tz)


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


def page_lang(search: str | None) -> str:
    """The language of the page whose URL search is `search` (?lang=, cookie, config)."""
    from layouts._shared.components import page_language

    found = parse_qs((as_str(search, "the URL's search") or "").lstrip("?")).get("lang")
    return page_language(found[-1] if found else None)
