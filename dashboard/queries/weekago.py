"""The wall's "same time last week": what the store says about one instant a week back.

Every KPI tile shows its value beside `previous`, the same value one week earlier. That
instant is the start of the 5-minute bucket holding now − 7 d (`week_ago_s`): the rollups'
resolution, so every refresh within those five minutes asks about the same past instant,
and its answer is read once per process and store (`_answer_cache`, keyed by that instant and
the city's time zone). The past does not move when new readings arrive; readings written
late for last week (a backfill) show when the bucket moves on, within five minutes.

A comparison needs a basis: when the store's history (its oldest hourly rollup) begins after
that instant, nothing is known about it (`covered` is False) and every count is None — a
report created before the store began is no evidence of what was open then. Only the raw
inputs are kept (last week's speeds, lamp states, energy, station VN_AQI, water levels, open
and overdue reports); today's asset attributes (free-flow speeds, lengths,
flood stages) are applied to them by `wall.wall_kpis` on every refresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from types import MappingProxyType

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries import from_epoch, to_epoch
from dashboard.queries._answer_cache import cached
from dashboard.queries.airnow import station_aqi_rows
from dashboard.queries.events import lamp_states_at
from dashboard.queries.snapshot import (
    BUCKET_S,
    WEEK_S,
    bucket_values_at,
    energy_kwh,
    reports_open,
)
from dashboard.store.models import Rollup1h

__all__ = ["WeekAgo", "local_midnight", "read_week_ago", "week_ago", "week_ago_s"]


@dataclass(frozen=True)
class WeekAgo:
    """The inputs of every tile's `previous` at `then` (epoch s). Shared by every refresh of
    the bucket (`week_ago`): read-only mappings and tuples."""

    then: int
    speeds: Mapping[str, float]  # asset id -> mean speed_kmh of its bucket (bucket_values_at)
    lamps: Mapping[str, tuple[int, int]]  # events.lamp_states_at
    energy: float | None  # kWh from the local midnight before `then` to `then`
    aqi: tuple[float, ...]  # each station's VN_AQI by asset id (NaN: unknown)
    water: Mapping[str, float]  # asset id -> mean water_level_cm of its bucket
    reports: tuple[int, int] | None  # open, overdue; None: the store's history began later
    covered: bool = True  # the store holds data at `then` (see the module docstring)


def week_ago_s(now: datetime) -> int:
    """The instant `previous` describes: the start of the 5-minute bucket holding now − 7 d."""
    return (to_epoch(now) - WEEK_S) // BUCKET_S * BUCKET_S


def local_midnight(at: datetime, config: Config) -> int:
    """Epoch s of the city's local midnight starting the day of `at`."""
    local = at.astimezone(config.city.tz)
    return to_epoch(datetime.combine(local.date(), time(), tzinfo=config.city.tz))


def _history_covers(session: Session, at: int) -> bool:
    """The store's oldest hourly bucket starts at or before `at` (epoch s)."""
    first = session.scalar(select(func.min(Rollup1h.bucket)))
    return first is not None and int(first) <= at


def read_week_ago(session: Session, config: Config, then_s: int) -> WeekAgo:
    """Read the inputs of `previous` at `then_s` from the store (no cache)."""
    then = from_epoch(then_s)
    covered = _history_covers(session, then_s)
    reports = None
    if covered:
        past = reports_open(session, then, at=then)
        reports = (len(past), int(past["overdue"].sum()))
    speeds = bucket_values_at(session, "speed_kmh", then_s)
    water = bucket_values_at(session, "water_level_cm", then_s)
    return WeekAgo(
        then=then_s,
        speeds=MappingProxyType(dict(zip(speeds["asset_id"], speeds["value"], strict=True))),
        lamps=MappingProxyType(lamp_states_at(session, then_s)),
        energy=energy_kwh(session, local_midnight(then, config), then_s, whole_window=True),
        aqi=tuple(row[1] for row in station_aqi_rows(session, then_s)),
        water=MappingProxyType(dict(zip(water["asset_id"], water["value"], strict=True))),
        reports=reports,
        covered=covered,
    )


def week_ago(session: Session, config: Config, then_s: int) -> WeekAgo:
    """`read_week_ago`, read once per process, store and (then_s, city time zone)."""
    key = (then_s, str(config.city.tz))
    return cached(session, "week_ago", key, lambda: read_week_ago(session, config, then_s))
