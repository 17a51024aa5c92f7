"""The city map's state: what each layer draws, its data version, and what changed since.

`map_read` reads the map's inputs once per refresh as rows (`citynow`), with the two things a
refresh decides on without drawing anything: the data `version` (the newest data time of any
of it) and `inputs`, a digest of what the non-lamp layers are drawn from. The frames the
figures take (`MapState`) are built from the same rows only when a map is drawn or patched
(`MapRead.state()`); the lamps and cabinets come from the process cache (`lamp_state`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.queries import to_epoch
from dashboard.queries._answer_cache import cached
from dashboard.queries._statements import rows, statement
from dashboard.queries.airnow import StationsNow, stations_at
from dashboard.queries.citynow import (
    GaugesNow,
    ReportsNow,
    SegmentsNow,
    gauges_now,
    reports_now,
    segments_at,
)
from dashboard.queries.lamps import lamp_frame, lamp_signature
from dashboard.queries.snapshot import cabinet_frame, segment_lines
from dashboard.store.models import ReportDeskRow, ReportRow

__all__ = [
    "MapRead",
    "MapState",
    "lamp_changes",
    "lamp_state",
    "lamps_changed_since",
    "map_read",
    "map_state",
]

MAP_SEGMENT_COLUMNS = [
    "id",
    "name",
    "ward",
    "lons",
    "lats",
    "speed_kmh",
    "free_flow_kmh",
    "ratio",
    "ts",
]


@dataclass(frozen=True)
class MapState:
    """Everything the city map draws, one row per asset (lon/lat WGS84).

    segments: id, name, ward, lons, lats (lists), speed_kmh, free_flow_kmh, ratio, ts;
    lamps: id, lon, lat, cabinet, ward, on (0/1), fault (0/1), ts (epoch s of the newest state);
    cabinets: id, name, lon, lat, ward, lamps, lamps_on, lamps_faulty;
    air: id, name, lon, lat, ward, aqi, band (aqi.BANDS key), dominant, pm25_ugm3, ts;
    water: id, name, lon, lat, ward, level_cm, alert_stage_cm, flood_stage_cm, ts;
    reports (open ones): id (external id), lon, lat, ward, category, status, created_at, overdue.
    Every `ts` but the lamps' is an aware UTC timestamp. `version`: the newest epoch second of
    any of it (readings' data times, reports' updated_at); ask `lamp_changes(version)` next.
    """

    segments: pd.DataFrame
    lamps: pd.DataFrame
    cabinets: pd.DataFrame
    air: pd.DataFrame
    water: pd.DataFrame
    reports: pd.DataFrame
    version: int


def _utc(frame: pd.DataFrame) -> None:
    frame["ts"] = pd.to_datetime(frame["ts"].astype("float64"), unit="s", utc=True)


def _digest(parts: list[Any]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(part.tobytes() if isinstance(part, np.ndarray) else repr(part).encode())
        h.update(b"\x1e")
    return h.hexdigest()


@dataclass(frozen=True)
class MapRead:
    """The map's inputs as read at one instant (`map_read`). `lamps` and `cabinets` are the
    process cache's frames, shared: read them, never change them (`state()` hands out
    copies)."""

    segments: SegmentsNow
    lines: dict[str, tuple[list[float | None], list[float | None]]]
    lamps: pd.DataFrame
    cabinets: pd.DataFrame
    stations: StationsNow
    gauges: GaugesNow
    reports: ReportsNow
    version: int
    inputs: str = field(init=False)

    def __post_init__(self) -> None:
        # What the segments, stations, gauges and reports layers are drawn from (their values
        # and data times; names and places move only with the assets, which move these too).
        s, a, g, r = self.segments, self.stations, self.gauges, self.reports
        parts: list[Any] = [
            *(s.ids, s.speed_kmh, s.free_flow_kmh, s.ts),
            *(a.ids, a.aqi, a.bands, a.dominants, a.pm25_ugm3, a.ts),
            *(g.ids, g.level_cm, g.alert_stage_cm, g.flood_stage_cm, g.ts),
            *(r.columns[c] for c in ("id", "category", "status", "lon", "lat")),
            r.overdue,
        ]
        object.__setattr__(self, "inputs", _digest(parts))

    def state(self) -> MapState:
        """The frames the figures draw (MapState), built from these rows; copies."""
        segs = self.segments.frame()
        empty: tuple[list[float | None], list[float | None]] = ([], [])
        coords = [self.lines.get(i, empty) for i in segs["id"]]
        segs["lons"] = [list(c[0]) for c in coords]
        segs["lats"] = [list(c[1]) for c in coords]
        air, water, reports = self.stations.frame(), self.gauges.frame(), self.reports.frame()
        for frame in (segs, air, water):
            _utc(frame)
        return MapState(
            segments=segs[MAP_SEGMENT_COLUMNS],
            lamps=self.lamps.copy(),
            cabinets=self.cabinets.copy(),
            air=air,
            water=water,
            reports=reports,
            version=self.version,
        )


@statement
def _reports_updated_stmt() -> Any:
    # A desk decision moves a report as much as the feed does (report_status.UPDATED_AT).
    feed = select(func.max(ReportRow.updated_at)).scalar_subquery()
    desk = select(func.max(ReportDeskRow.updated_at)).scalar_subquery()
    return select(feed, desk)


def _shared_lamp_state(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    def read() -> tuple[pd.DataFrame, pd.DataFrame]:
        lamps = lamp_frame(session)
        return lamps, cabinet_frame(session, lamps)

    found: tuple[pd.DataFrame, pd.DataFrame] = cached(
        session, "lamp_state", lamp_signature(session), read, keep=2
    )
    return found


def map_read(session: Session, now: datetime) -> MapRead:
    """The map's inputs at `now` (aware UTC): see MapRead and MapState."""
    now_s = to_epoch(now)
    segs = segments_at(session, now_s)
    lines = segment_lines(session)
    lamps, cabinets = _shared_lamp_state(session)
    air = stations_at(session, now_s)
    water = gauges_now(session, now_s)
    reports = reports_now(session, now)
    updated = max(
        (u for u in rows(session, _reports_updated_stmt())[0] if u is not None), default=None
    )
    known_air = [t for t in air.ts if t is not None]
    newest = [
        segs.ts.max() if len(segs.ts) else None,
        lamps["ts"].max() if len(lamps) else None,
        max(known_air) if known_air else None,
        water.ts.max() if len(water.ts) else None,
        to_epoch(updated) if updated is not None else None,
    ]
    version = max((int(v) for v in newest if v is not None and not pd.isna(v)), default=0)
    return MapRead(segs, lines, lamps, cabinets, air, water, reports, version)


def map_state(session: Session, config: Any, now: datetime) -> MapState:
    """The city map's state at `now` (aware UTC); see MapState for the frames. `config` is
    taken for symmetry with the other wall queries."""
    return map_read(session, now).state()


def lamp_state(session: Session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(snapshot.lamp_frame, snapshot.cabinet_frame of it): every lamp and cabinet, read only
    when the lamps' state or the assets changed (`_answer_cache`, keyed by
    snapshot.lamp_signature: equal signatures, equal frames). Copies: change them freely."""
    lamps, cabinets = _shared_lamp_state(session)
    return lamps.copy(), cabinets.copy()


def lamps_changed_since(lamps: pd.DataFrame, since_ts: int) -> pd.DataFrame:
    """`lamp_changes(session, since_ts)` computed from a current MapState.lamps frame."""
    return lamps[lamps["ts"] > since_ts].reset_index(drop=True)


def lamp_changes(session: Session, since_ts: int) -> pd.DataFrame:
    """Lamps whose on/fault state has a reading newer than `since_ts` (epoch s, e.g. the last
    MapState.version), with the same columns as MapState.lamps. Reads latest values only."""
    return lamp_frame(session, changed_after=since_ts)
