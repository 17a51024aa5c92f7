"""/alerts: what the wall's ticker and tiles show, as a list a manager can filter, until the
alerts engine arrives.

Events are `events.ticker_events` (the last 24 hours of lamp faults and repairs, new reports,
and the current jammed segments, bad air, high water and stale feeds), each placed by its
asset's (or report's) ward and zone and its location, then cut to the view's areas, window
and severity. Feeds belong to no area: a stale feed shows only when no area is chosen. The
tiles are `wall.wall_kpis`, city-wide, the same numbers as the wall and /api/v1/kpis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.config import Config
from dashboard.queries._areas import zone_mask
from dashboard.queries.events import ticker_events
from dashboard.queries.filters import DrillFilter
from dashboard.queries.snapshot import query_frame
from dashboard.queries.wall import wall_kpis
from dashboard.store.models import AssetRow, ReportRow

__all__ = ["SEVERITIES", "AlertsView", "alerts_view"]

SEVERITIES = ("all", "bad", "warn", "info")
EVENT_LIMIT = 1000


@dataclass(frozen=True)
class AlertsView:
    """events: id (asset or report id, or feed), ts (aware UTC), kind, severity, name, ward,
    zone, lon, lat, value; tiles: id (tile key), value, unit, previous, level; by_kind:
    kind, events; by_area: area, events."""

    events: pd.DataFrame
    tiles: pd.DataFrame
    by_kind: pd.DataFrame
    by_area: pd.DataFrame


def _places(session: Session) -> pd.DataFrame:
    assets = select(AssetRow.id, AssetRow.zone, AssetRow.lon, AssetRow.lat)
    reports = select(ReportRow.external_id, ReportRow.zone, ReportRow.lon, ReportRow.lat)
    cols = ["asset_id", "zone", "lon", "lat"]
    return pd.concat([query_frame(session, assets, cols), query_frame(session, reports, cols)])


def alerts_view(
    session: Session, config: Config, now: datetime, drill: DrillFilter, *, level: str
) -> AlertsView:
    """The events and tiles /alerts shows for `drill` at `now` (see module doc)."""
    events = ticker_events(session, config, now, limit=EVENT_LIMIT)
    places = _places(session).drop_duplicates("asset_id")
    events = events.merge(places, on="asset_id", how="left")
    keep = (events["ts"] >= drill.start) & (events["ts"] <= drill.end)
    if drill.wards:
        keep &= events["ward"].isin(drill.wards)
    if drill.zones:  # a feed has no place: in no zone, and not outside them either
        keep &= zone_mask(events["zone"], drill.zones) & events["lon"].notna()
    severity = drill.extra("severity")
    if severity != "all":
        keep &= events["severity"] == severity
    events = events[keep].rename(columns={"asset_id": "id"}).reset_index(drop=True)
    kpis = wall_kpis(session, config, now)
    tiles = pd.DataFrame(
        [(k.key, k.value, k.unit, k.previous, k.level) for k in kpis],
        columns=["id", "value", "unit", "previous", "level"],
    )
    by_kind = events.groupby("kind").size().rename("events").reset_index()
    by_area = events.groupby(level).size().rename("events").rename_axis("area").reset_index()
    return AlertsView(events, tiles, by_kind, by_area)
