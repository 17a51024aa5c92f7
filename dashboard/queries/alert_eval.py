"""The alert rules' conditions, read in SQL: one statement per rule covering all its scopes.

Each function answers, for one rule at `now` (epoch s), the `Condition` of every scope it
has data for: does the condition to open hold (`breach`), does the condition to clear hold
(`cleared`: the hysteresis bound, held for the quiet time), the value that decided, the
threshold it was held against, and the scope's place. The engine (`dashboard.alerts.engine`)
turns conditions into openings and resolutions; a scope with no data in the window is
unknown (`Conditions.absent_clears` says whether a missing scope counts as cleared: a count
with nothing to count is zero).

- threshold: 5-minute buckets (`_five_minute`) of the rule's metric over the held window:
  every bucket from the window's start on beyond the bound (min above / max below), the
  bound a fraction of an asset attribute when `relative_to` is set; VN_AQI is computed per
  station by `airnow.station_aqi_rows` at `now` and at the window's start;
- count: assets whose latest value is in the state, grouped by ward, zone or an attribute;
  or reports of a category created in the window, by ward;
- no_data: the newest reading (or report) of each rule's source, read for all the no-data
  rules of an evaluation at once (`no_data`);
- rate: latest value minus the window's lowest (rise) or the window's highest minus it (fall).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, case, func, select
from sqlalchemy.orm import Session

from dashboard.config import SourceConfig
from dashboard.config_alerts import VN_AQI, AlertRule
from dashboard.queries import from_epoch
from dashboard.queries._five_minute import BUCKET_S, five_minute
from dashboard.queries._statements import attribute, driver_rows, rows, session_memo
from dashboard.queries.airnow import station_aqi_rows
from dashboard.queries.snapshot import HOUR_S
from dashboard.queries.sources import FeedRecord, feed_records, freshness_of
from dashboard.store.models import AssetRow, Latest, ReportRow, Series

__all__ = ["Condition", "Conditions", "conditions", "no_data"]

LOOKBACK_S = HOUR_S  # how old a latest value may be and still count as the scope's state


@dataclass(frozen=True, slots=True)
class Condition:
    scope: str
    breach: bool
    cleared: bool
    value: float | None
    threshold: float | None
    asset_id: str | None = None
    ward: str | None = None
    zone: str | None = None
    lon: float | None = None
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    items: list[Condition]
    absent_clears: bool  # a scope not in `items` has cleared (counts), else it is unknown


def _at_asset(
    place: tuple[Any, ...], breach: bool, cleared: bool, value: float, threshold: float
) -> Condition:
    """The condition of one asset's scope; `place`: (asset id, ward, zone, lon, lat)."""
    asset_id, ward, zone, lon, lat = place
    return Condition(
        f"asset:{asset_id}", breach, cleared, value, threshold, asset_id, ward, zone, lon, lat
    )


def _floor(seconds: int) -> int:
    return seconds // BUCKET_S * BUCKET_S


def _scope_filter(rule: AlertRule) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if rule.ward is not None:
        where.append(AssetRow.ward == rule.ward)
    if rule.zone is not None:
        where.append(AssetRow.zone == rule.zone)
    if rule.asset is not None:
        where.append(AssetRow.id == rule.asset)
    if rule.asset_kind is not None:
        where.append(AssetRow.kind == rule.asset_kind)
    return where


def _of_metric(metric: str) -> Any:
    return lambda column: column.in_(select(Series.id).where(Series.metric == metric))


def _p(name: str) -> Any:
    return bindparam(name, type_=Integer)


def _held(b: Any, lo: Any, side: str) -> list[Any]:
    """min(bucket min) / max(bucket max) over buckets from `lo` on, and the first bucket."""
    inside = b.c.bucket >= lo
    agg = (
        func.min(case((inside, b.c.min))) if side == "above" else func.max(case((inside, b.c.max)))
    )
    return [agg, func.min(case((inside, b.c.bucket)))]


@lru_cache(maxsize=4096)
def _windowed(rule: AlertRule) -> Any:
    """Per asset of the rule's metric with buckets in [:lo, :hi): its place, the bound's
    attribute (1 when absolute), its latest value (no older than :fresh), then a threshold's
    held extreme and first bucket from :lo_open and from :lo_clear, or a rate's extreme.

    Built once per rule (the times are parameters): building and keying a statement of this
    size cost the engine more than SQLite spends running it."""
    metric = rule.metric or ""
    b = five_minute(_p("lo"), _p("hi"), _of_metric(metric))
    ref = attribute(rule.relative_to) if rule.relative_to else func.coalesce(None, 1.0)
    if rule.kind == "threshold":
        open_side, clear_side = ("above", "below") if rule.above is not None else ("below", "above")
        cols = [*_held(b, _p("lo_open"), open_side), *_held(b, _p("lo_clear"), clear_side)]
    else:
        cols = [func.min(b.c.min) if rule.rise is not None else func.max(b.c.max)]
    return (
        select(
            AssetRow.id,
            AssetRow.ward,
            AssetRow.zone,
            AssetRow.lon,
            AssetRow.lat,
            ref,
            Latest.value,
            *cols,
        )
        .join(Series, Series.id == b.c.series_id)
        .join(AssetRow, AssetRow.id == Series.asset_id)
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric == metric, Latest.ts >= _p("fresh"), *_scope_filter(rule))
        .group_by(
            AssetRow.id, AssetRow.ward, AssetRow.zone, AssetRow.lon, AssetRow.lat, ref, Latest.value
        )
    )


def _windowed_rows(session: Session, rule: AlertRule, now: int, **lows: int) -> list[Any]:
    params = {"hi": _floor(now) + BUCKET_S, "fresh": now - LOOKBACK_S, **lows}
    return _run(session, _windowed(rule), params, plain=rule.relative_to is None)


def _run(session: Session, stmt: Any, params: dict[str, Any], *, plain: bool) -> list[Any]:
    """Rows of a built statement: as the driver's tuples when `plain` (numbers and text
    only), else through SQLAlchemy (a JSON attribute's path is a bound value it processes)."""
    return driver_rows(session, stmt, params) if plain else rows(session, stmt, params)


def _threshold(session: Session, rule: AlertRule, now: int) -> Conditions:
    above = rule.above is not None
    bound, clear = float(rule.bound or 0), float(rule.clear_bound or 0)
    d, q = int(rule.for_min * 60), int(rule.clear_after_min * 60)
    lo_open, lo_clear = _floor(now - d), _floor(now - q)
    lo = min(lo_open, lo_clear, _floor(now - LOOKBACK_S))
    found = []
    for (
        asset_id,
        ward,
        zone,
        lon,
        lat,
        ref,
        latest,
        held,
        first,
        calm,
        first_calm,
    ) in _windowed_rows(session, rule, now, lo=lo, lo_open=lo_open, lo_clear=lo_clear):
        if ref is None or latest is None:
            continue
        limit, back = bound * float(ref), clear * float(ref)
        sign = 1.0 if above else -1.0  # compare as "above" on both sides

        def beyond(v: float, limit: float = limit, sign: float = sign) -> bool:
            return sign * v > sign * limit

        def safe(v: float, back: float = back, sign: float = sign) -> bool:
            return sign * v <= sign * back

        breach = beyond(latest) and (
            d == 0 or (held is not None and beyond(held) and first == lo_open)
        )
        cleared = safe(latest) and (
            q == 0 or (calm is not None and safe(calm) and first_calm == lo_clear)
        )
        place = (asset_id, ward, zone, lon, lat)
        found.append(_at_asset(place, breach, cleared, float(latest), limit))
    return Conditions(found, absent_clears=False)


def _aqi_at(session: Session, at: int) -> dict[str, float]:
    """Each station's VN_AQI at `at`, once per read session (rules share the instants)."""
    return session_memo(
        session,
        ("alert_eval.vn_aqi", at),
        lambda: {a: v for a, v, _, _ in station_aqi_rows(session, at)},
    )


def _vn_aqi(session: Session, rule: AlertRule, now: int) -> Conditions:
    above = rule.above is not None
    bound, clear = float(rule.bound or 0), float(rule.clear_bound or 0)
    d, q = int(rule.for_min * 60), int(rule.clear_after_min * 60)
    at_now = _aqi_at(session, now)
    at_start = _aqi_at(session, now - d) if d else at_now
    at_calm = _aqi_at(session, now - q) if q else at_now
    place = select(AssetRow.id, AssetRow.ward, AssetRow.zone, AssetRow.lon, AssetRow.lat).where(
        AssetRow.id.in_(list(at_now)), *_scope_filter(rule)
    )
    found = []
    for asset_id, ward, zone, lon, lat in rows(session, place):
        value = at_now[asset_id]
        if value != value:  # NaN: unknown
            continue
        start, calm = at_start.get(asset_id, float("nan")), at_calm.get(asset_id, float("nan"))
        if above:
            breach, cleared = value > bound and start > bound, value <= clear and calm <= clear
        else:
            breach, cleared = value < bound and start < bound, value >= clear and calm >= clear
        found.append(
            Condition(
                f"asset:{asset_id}", breach, cleared, value, bound, asset_id, ward, zone, lon, lat
            )
        )
    return Conditions(found, absent_clears=False)


def _count_assets(session: Session, rule: AlertRule, now: int) -> Conditions:
    key = rule.group_by or "ward"
    plain = key in ("ward", "zone")
    found = _run(session, _count_assets_stmt(rule), {}, plain=plain)
    return _counted(rule, key, found, key.endswith("_id"))


@lru_cache(maxsize=4096)
def _count_assets_stmt(rule: AlertRule) -> Any:
    key = rule.group_by or "ward"
    group: Any = (
        AssetRow.ward
        if key == "ward"
        else AssetRow.zone
        if key == "zone"
        else AssetRow.attributes[key].as_string()
    )
    bound = float(rule.bound or 0)
    state = Latest.value > bound if rule.above is not None else Latest.value < bound
    in_state = case((state, 1))
    return (
        select(
            group,
            func.count(in_state),
            func.min(AssetRow.ward),
            func.min(AssetRow.zone),
            func.avg(case((state, AssetRow.lon))),
            func.avg(case((state, AssetRow.lat))),
        )
        .join(Series, Series.asset_id == AssetRow.id)
        .join(Latest, Latest.series_id == Series.id)
        .where(Series.metric == rule.metric, group.is_not(None), *_scope_filter(rule))
        .group_by(group)
        .having(func.count(in_state) > 0)
    )


def _counted(rule: AlertRule, key: str, found: list[Any], names_asset: bool) -> Conditions:
    n_open = int(rule.count or 1)
    n_clear = float(rule.clear) if rule.clear is not None else n_open
    items = []
    for name, n, ward, zone, lon, lat in found:
        items.append(
            Condition(
                f"{key}:{name}",
                n >= n_open,
                n < n_clear,
                float(n),
                float(n_open),
                str(name) if names_asset else None,
                ward,
                zone,
                None if lon is None else float(lon),
                None if lat is None else float(lat),
            )
        )
    return Conditions(items, absent_clears=True)


def _count_reports(session: Session, rule: AlertRule, now: int) -> Conditions:
    since = from_epoch(now - int((rule.window_min or 0) * 60))
    found = rows(session, _count_reports_stmt(rule), {"since": since, "until": from_epoch(now)})
    return _counted(rule, "ward", found, False)


@lru_cache(maxsize=4096)
def _count_reports_stmt(rule: AlertRule) -> Any:
    where = [
        ReportRow.category == rule.category,
        ReportRow.created_at > bindparam("since"),
        ReportRow.created_at <= bindparam("until"),
        ReportRow.ward.is_not(None),
    ]
    if rule.ward is not None:
        where.append(ReportRow.ward == rule.ward)
    if rule.zone is not None:
        where.append(ReportRow.zone == rule.zone)
    return (
        select(
            ReportRow.ward,
            func.count(),
            ReportRow.ward,
            func.min(ReportRow.zone),
            func.avg(ReportRow.lon),
            func.avg(ReportRow.lat),
        )
        .where(*where)
        .group_by(ReportRow.ward)
    )


def no_data(
    session: Session, rules: Sequence[AlertRule], now: int, feeds: Mapping[str, SourceConfig]
) -> dict[AlertRule, Conditions]:
    """The conditions of the no-data `rules` at `now`, by rule; `feeds`: the sources as
    configured, by name. What the store holds of all their feeds is read at once
    (`queries.sources.feed_records`); each rule judges its feed silent as /sources and the
    wall call a feed stale (`freshness_of`) with its `intervals` as the factor: its newest
    data older than that many of the longer of its interval and its data's own period (a
    60-s feed of 5-minute readings is not silent at 3 minutes), or its last success older
    than that many intervals."""
    mine = {rule: feeds.get(rule.source or "") for rule in rules}
    records = feed_records(session, sorted({f.name for f in mine.values() if f is not None}))
    return {rule: _silent(rule, feed, records, from_epoch(now)) for rule, feed in mine.items()}


def _silent(
    rule: AlertRule, feed: SourceConfig | None, records: Mapping[str, FeedRecord], now: datetime
) -> Conditions:
    if feed is None:  # not configured (the config refuses such a rule): nothing to judge
        return Conditions([], absent_clears=False)
    fresh = freshness_of(feed, records[feed.name], now, factor=rule.intervals)
    if fresh.age_s is None:  # it never delivered: nothing to fall silent from
        return Conditions([], absent_clears=False)
    limit = float(rule.intervals * max(feed.interval_s, fresh.period_s))
    return Conditions(
        [Condition(f"source:{feed.name}", fresh.stale, not fresh.stale, fresh.age_s, limit)],
        absent_clears=False,
    )


def _rate(session: Session, rule: AlertRule, now: int) -> Conditions:
    rise = rule.rise is not None
    step = float((rule.rise if rise else rule.fall) or 0)
    clear = float(rule.clear) if rule.clear is not None else step
    lo = _floor(now - int((rule.window_min or 0) * 60))
    found = []
    for asset_id, ward, zone, lon, lat, _ref, latest, far in _windowed_rows(
        session, rule, now, lo=lo
    ):
        if latest is None or far is None:
            continue
        change = float(latest) - float(far) if rise else float(far) - float(latest)
        place = (asset_id, ward, zone, lon, lat)
        found.append(_at_asset(place, change >= step, change < clear, change, step))
    return Conditions(found, absent_clears=False)


def conditions(
    session: Session, rule: AlertRule, now: int, feed: SourceConfig | None = None
) -> Conditions:
    """The conditions of `rule` at `now` (epoch s) for every scope it has data for;
    `feed`: a no-data rule's source, as configured."""
    if rule.kind == "threshold":
        if rule.metric == VN_AQI:
            return _vn_aqi(session, rule, now)
        return _threshold(session, rule, now)
    if rule.kind == "count":
        if rule.category:
            return _count_reports(session, rule, now)
        return _count_assets(session, rule, now)
    if rule.kind == "no_data":
        return no_data(session, [rule], now, {feed.name: feed} if feed else {})[rule]
    return _rate(session, rule, now)
