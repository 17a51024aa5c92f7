"""The drill-down pages' filter: what a URL's query string asks for, typed and checked.

Every drill-down view is a link: `?ward=…&zone=…&range=7d` (or `from=YYYY-MM-DD&to=YYYY-MM-DD`,
days in the city's time zone, both inclusive) plus a page's own extras (`metric`, `status`,
`category`…) and the asset whose detail is open (`asset`, `series`). `parse_filter` turns the
parameters into a `DrillFilter` with an aware UTC window; a value it cannot use is dropped
and named in a `FilterProblem` (the page shows it), never raised. `to_query` writes the filter
back so that `parse_filter(to_query(f)) == f`.

Relative ranges end at `now` (the app's clock); a custom range covers whole local days. Wards
and zones are names from the area files (`[areas] wards/zones`): several of either may be
chosen; a row matches when its ward is one of the wards (if any) and its zone one of the zones
(if any). A city's zones need not cover it: `zone=outside` (OUTSIDE) chooses what lies in no
zone, alone or beside named zones (`area_match` says it once for SQL and for frames).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Final
from urllib.parse import parse_qs, urlencode

__all__ = [
    "DEFAULT_RANGE",
    "MAX_CUSTOM_DAYS",
    "OUTSIDE",
    "RANGES",
    "DrillFilter",
    "FilterProblem",
    "FilterSpec",
    "ParsedFilter",
    "parse_filter",
    "parse_search",
    "to_query",
]

RANGES: Final[dict[str, timedelta]] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
DEFAULT_RANGE: Final = "24h"
CUSTOM: Final = "custom"
MAX_CUSTOM_DAYS: Final = 366
# The zone value of what lies outside every zone (a city's zones need not cover it).
OUTSIDE: Final = "outside"


@dataclass(frozen=True, slots=True)
class FilterSpec:
    """What a page accepts besides wards, zones, range and asset.

    `extras` maps an extra's URL name to its allowed values, the first being the default
    (e.g. {"metric": ("speed_kmh", "volume_vph")}). `known_wards`/`known_zones` are the area
    files' names; a name outside them is a problem, not a silent empty page.
    """

    known_wards: tuple[str, ...]
    known_zones: tuple[str, ...] = ()
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DrillFilter:
    """A drill-down view: areas, the window [start, end) (aware UTC), extras, the open asset.

    `range_key` is one of RANGES or "custom"; for "custom", `day_from`/`day_to` are the local
    days chosen (inclusive). `extras` holds every extra of the spec (defaults filled in).
    """

    wards: tuple[str, ...]
    zones: tuple[str, ...]
    range_key: str
    start: datetime
    end: datetime
    day_from: date | None = None
    day_to: date | None = None
    extras: tuple[tuple[str, str], ...] = ()
    asset: str | None = None
    series: str | None = None

    def extra(self, name: str) -> str:
        """The value of extra `name` (KeyError when the page's spec has no such extra)."""
        return dict(self.extras)[name]

    @property
    def areas(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(wards, zones): what the query layer's area condition takes."""
        return self.wards, self.zones

    def with_changes(self, **changes: Any) -> DrillFilter:
        """A copy with fields replaced (`extras` given as a mapping is merged)."""
        extras = changes.pop("extras", None)
        if extras is not None:
            merged = dict(self.extras) | dict(extras)
            changes["extras"] = tuple(sorted(merged.items()))
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class FilterProblem:
    """A parameter value that was not used: `code` says why (an i18n key suffix)."""

    param: str
    value: str
    code: str  # unknown_ward, unknown_zone, bad_range, bad_date, reversed_dates, too_long,
    # unknown_value, incomplete_dates


@dataclass(frozen=True, slots=True)
class ParsedFilter:
    filter: DrillFilter
    problems: tuple[FilterProblem, ...]


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    raw = params.get(name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(v).strip() for v in items if v is not None and str(v).strip()]


def _one(params: Mapping[str, Any], name: str) -> str | None:
    values = _values(params, name)
    return values[-1] if values else None


def _names(
    params: Mapping[str, Any], name: str, known: tuple[str, ...], code: str
) -> tuple[tuple[str, ...], list[FilterProblem]]:
    chosen: list[str] = []
    problems = []
    for value in _values(params, name):
        if value not in known:
            problems.append(FilterProblem(name, value, code))
        elif value not in chosen:
            chosen.append(value)
    # Known order, so one set of areas has one link.
    return tuple(n for n in known if n in chosen), problems


def _day(value: str | None, param: str, problems: list[FilterProblem]) -> date | None:
    if value is None:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    problems.append(FilterProblem(param, value, "bad_date"))
    return None


def _local_midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def _window(
    params: Mapping[str, Any], now: datetime, tz: tzinfo, problems: list[FilterProblem]
) -> tuple[str, datetime, datetime, date | None, date | None]:
    end = now.astimezone(UTC)
    before = len(problems)
    day_from = _day(_one(params, "from"), "from", problems)
    day_to = _day(_one(params, "to"), "to", problems)
    if len(problems) == before and (day_from is not None or day_to is not None):
        if day_from is None or day_to is None:
            given = "from" if day_from is not None else "to"
            value = str(day_from or day_to)
            problems.append(FilterProblem(given, value, "incomplete_dates"))
        elif day_to < day_from:
            problems.append(FilterProblem("to", day_to.isoformat(), "reversed_dates"))
        elif (day_to - day_from).days + 1 > MAX_CUSTOM_DAYS:
            problems.append(FilterProblem("to", day_to.isoformat(), "too_long"))
        else:
            start = _local_midnight(day_from, tz)
            stop = _local_midnight(day_to + timedelta(days=1), tz)
            return CUSTOM, start, stop, day_from, day_to
    key = _one(params, "range")
    if key is not None and key not in RANGES and key != CUSTOM:
        problems.append(FilterProblem("range", key, "bad_range"))
    key = key if key in RANGES else DEFAULT_RANGE
    return key, end - RANGES[key], end, None, None


def parse_filter(
    params: Mapping[str, Any], spec: FilterSpec, *, now: datetime, tz: tzinfo
) -> ParsedFilter:
    """The filter a page's query parameters ask for, and the values it could not use.

    `params` maps a name to a string or a list of strings (Dash hands a repeated parameter
    as a list); `now` is aware (the app's clock); `tz` the city's zone for custom days.
    """
    if now.tzinfo is None:
        raise ValueError("parse_filter needs an aware `now`")
    problems: list[FilterProblem] = []
    wards, bad = _names(params, "ward", spec.known_wards, "unknown_ward")
    problems += bad
    known_zones = (*spec.known_zones, OUTSIDE) if spec.known_zones else ()
    zones, bad = _names(params, "zone", known_zones, "unknown_zone")
    problems += bad
    key, start, end, day_from, day_to = _window(params, now, tz, problems)
    extras = []
    for name, allowed in spec.extras.items():
        value = _one(params, name)
        if value is not None and value not in allowed:
            problems.append(FilterProblem(name, value, "unknown_value"))
            value = None
        extras.append((name, value if value is not None else allowed[0]))
    drill = DrillFilter(
        wards=wards,
        zones=zones,
        range_key=key,
        start=start,
        end=end,
        day_from=day_from,
        day_to=day_to,
        extras=tuple(sorted(extras)),
        asset=_one(params, "asset"),
        series=_one(params, "series"),
    )
    return ParsedFilter(drill, tuple(problems))


def parse_search(
    search: str | None, spec: FilterSpec, *, now: datetime, tz: tzinfo
) -> ParsedFilter:
    """`parse_filter` of a URL's search part ("?ward=…&range=7d", or "" / None)."""
    query = (search or "").lstrip("?")
    return parse_filter(parse_qs(query, keep_blank_values=False), spec, now=now, tz=tz)


def to_query(drill: DrillFilter, defaults: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """The query string (no "?") of `drill`: canonical, so one view has one link.

    Extras equal to their default (the first allowed value in `defaults`, the page's
    `FilterSpec.extras`) are left out, as is the default range.
    """
    pairs: list[tuple[str, str]] = [("ward", w) for w in drill.wards]
    pairs += [("zone", z) for z in drill.zones]
    if drill.range_key == CUSTOM and drill.day_from and drill.day_to:
        pairs += [("from", drill.day_from.isoformat()), ("to", drill.day_to.isoformat())]
    elif drill.range_key != DEFAULT_RANGE:
        pairs.append(("range", drill.range_key))
    for name, value in drill.extras:
        allowed = (defaults or {}).get(name)
        if not allowed or value != allowed[0]:
            pairs.append((name, value))
    if drill.asset:
        pairs.append(("asset", drill.asset))
        if drill.series:
            pairs.append(("series", drill.series))
    return urlencode(pairs)
