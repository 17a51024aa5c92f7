"""A drill-down view's filters in words, for the print header (layouts/_shared/print_mode.py).

"Ward: Phường Rạch Giá; Metric: Speed" and "7 days: 26/05/2025 10:00 – 02/06/2025 10:00": what
the filter bar shows on screen, said in sentences a reader of the paper understands.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from dash import html

from dashboard.i18n import t
from dashboard.queries.filters import CUSTOM, OUTSIDE, DrillFilter, FilterSpec
from layouts._shared.components import PRINT_PARAM, app_context, page_heading, print_requested
from layouts._shared.print_mode import TIME_FORMAT, print_header

__all__ = ["filter_facts", "view_heading"]

DAY_FORMAT = "%d/%m/%Y"


def _areas(drill: DrillFilter, lang: str) -> list[str]:
    parts = []
    if drill.wards:
        parts.append(f"{t('drill.filter.ward', lang)}: {', '.join(drill.wards)}")
    if drill.zones:
        zones = [t("drill.zone.outside", lang) if z == OUTSIDE else z for z in drill.zones]
        parts.append(f"{t('drill.filter.zone', lang)}: {', '.join(zones)}")
    return parts


def _window(drill: DrillFilter, lang: str, tz: tzinfo) -> str:
    name = t(f"drill.range.{drill.range_key}", lang)
    if drill.range_key == CUSTOM and drill.day_from and drill.day_to:
        start, end = drill.day_from.strftime(DAY_FORMAT), drill.day_to.strftime(DAY_FORMAT)
    else:
        start = drill.start.astimezone(tz).strftime(TIME_FORMAT)
        end = drill.end.astimezone(tz).strftime(TIME_FORMAT)
    return t("print.window", lang).format(name=name, start=start, end=end)


def filter_facts(
    drill: DrillFilter,
    spec: FilterSpec,
    lang: str,
    tz: tzinfo,
    extra_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> list[tuple[str, str]]:
    """(label, words) of the view `drill` on a page of `spec`: its filters (areas and the
    page's extras, labelled as its filter bar labels them), its time range, its open asset."""
    labels = extra_labels or {}
    parts = _areas(drill, lang) or [t("print.everywhere", lang)]
    for name in spec.extras:
        value = drill.extra(name)
        shown = labels.get(name, {}).get(value, value)
        parts.append(f"{t(f'drill.filter.{name}', lang)}: {shown}")
    facts = [
        (t("print.filters", lang), "; ".join(parts)),
        (t("print.range", lang), _window(drill, lang, tz)),
    ]
    if drill.asset:
        asset = drill.asset + (f" · {drill.series}" if drill.series else "")
        facts.append((t("print.asset", lang), asset))
    return facts


def view_heading(
    key: str,
    drill: DrillFilter,
    spec: FilterSpec,
    lang: str,
    query: Mapping[str, Any],
    extra_labels: Mapping[str, Mapping[str, str]] | None = None,
) -> html.Div | html.Header:
    """The top of page `key` (`<key>.title`, `<key>.intro`): its heading on screen, the print
    header with the view's filters in words in print mode (`?print=1`)."""
    title = t(f"{key}.title", lang)
    if not print_requested(query.get(PRINT_PARAM)):
        return page_heading(title, t(f"{key}.intro", lang))
    tz = app_context().config.city.tz
    return print_header(title, filter_facts(drill, spec, lang, tz, extra_labels), lang)
