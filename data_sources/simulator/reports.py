"""Citizen reports: Poisson arrivals by hour, a street address, and a lifecycle to closure.

Each local clock hour has its own generator seeded with (seed, hour), so the reports of an hour
(how many, where, what, and every later status change) never depend on which window asked for
them. Arrivals are busier by day than at night. A report goes open -> acknowledged (within the
hour in office hours, next morning otherwise) -> in_progress -> closed, with delays that depend
on the category; a few are closed straight after acknowledgement as duplicates. A broken-light
report usually stands next to a lamp that is really dark at the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from dashboard.records import CitizenReport, ReportStatus

from .air import day_of_year
from .geography import Geography
from .lighting import FaultIntervals, LightingPlan
from .noise import LOCAL_OFFSET_S, stream_id
from .report_texts import CATEGORY_WEIGHTS, TEMPLATES_VI, WET_SEASON_BOOST, agency_for
from .streets import RoadSegment

__all__ = ["LOOKBACK_S", "PlannedReport", "ReportWorld", "plan_reports", "report_versions"]

# Local-hour weights of arrivals: few at night, most in the morning and the evening.
_HOURLY = np.array(
    [
        0.15,
        0.12,
        0.1,
        0.1,
        0.15,
        0.4,
        0.9,
        1.4,
        1.5,
        1.4,
        1.3,
        1.1,
        1.0,
        1.0,
        1.2,
        1.3,
        1.3,
        1.3,
        1.4,
        1.4,
        1.2,
        0.9,
        0.5,
        0.25,
    ]
)
_HOURLY = _HOURLY / _HOURLY.mean()
# (hours to start work, hours of work): (low, high) per category.
_DELAYS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "pothole": ((24, 96), (24, 168)),
    "streetlight": ((4, 48), (2, 48)),
    "flooding": ((1, 6), (2, 24)),
    "waste": ((2, 24), (1, 12)),
    "noise": ((0.5, 4), (0.5, 3)),
    "traffic_signal": ((2, 24), (2, 24)),
    "drainage": ((6, 72), (12, 96)),
    "tree": ((1, 12), (2, 24)),
    "encroachment": ((24, 120), (24, 168)),
    "other": ((12, 96), (24, 120)),
}
LOOKBACK_S = 15 * 86400  # longer than any report's life: ack <= 1 d, start <= 5 d, work <= 7 d
_STATUSES = (
    ReportStatus.OPEN,
    ReportStatus.ACKNOWLEDGED,
    ReportStatus.IN_PROGRESS,
    ReportStatus.CLOSED,
)


@dataclass(frozen=True, slots=True)
class ReportWorld:
    """What reports are placed in: the city, its streets, its lamps and their faults."""

    geo: Geography
    segments: list[RoadSegment]
    lamps: LightingPlan
    faults: FaultIntervals


@dataclass(frozen=True, slots=True)
class PlannedReport:
    external_id: str
    category: str
    description: str
    lon: float
    lat: float
    address: str
    agency: str
    events: tuple[int, ...]  # epoch seconds of open, acknowledged, in_progress, closed


def _acknowledged(created: int, rng: np.random.Generator) -> int:
    local = created + LOCAL_OFFSET_S
    hour = (local % 86400) / 3600.0
    if 7.0 <= hour < 17.0:
        return created + int(rng.uniform(10, 120) * 60)
    next_morning = (local // 86400 + (1 if hour >= 17.0 else 0)) * 86400 + int(7.5 * 3600)
    return next_morning - LOCAL_OFFSET_S + int(rng.uniform(0, 90) * 60)


def _place(
    world: ReportWorld, category: str, created: int, rng: np.random.Generator
) -> tuple[float, float, str]:
    """A point near a street (or a dark lamp, for broken lights) and that street's name."""
    use_lamp = rng.random() < 0.8
    if category == "streetlight" and use_lamp:
        f = world.faults
        dark = f.lamp[(f.start <= created) & (created < f.end)]
        if dark.size:
            lamp = int(dark[rng.integers(dark.size)])
            jitter = rng.normal(0.0, 0.00005, 2)
            lon, lat = world.lamps.lon[lamp] + jitter[0], world.lamps.lat[lamp] + jitter[1]
            if world.geo.inside(lon, lat):
                return float(lon), float(lat), world.lamps.street[lamp]
            return (
                float(world.lamps.lon[lamp]),
                float(world.lamps.lat[lamp]),
                world.lamps.street[lamp],
            )
    lengths = np.array([s.length_m for s in world.segments])
    seg = world.segments[int(rng.choice(len(lengths), p=lengths / lengths.sum()))]
    p = seg.line.interpolate(float(rng.random()), normalized=True)
    jitter = rng.normal(0.0, 0.0001, 2)
    lon, lat = p.x + jitter[0], p.y + jitter[1]
    if not world.geo.inside(lon, lat):
        lon, lat = p.x, p.y
    return float(lon), float(lat), seg.street


def _category(created: int, rng: np.random.Generator) -> str:
    names = list(CATEGORY_WEIGHTS)
    doy = float(day_of_year(np.array([created]))[0])
    wet = 140.0 <= doy <= 330.0  # May to November
    w = np.array(
        [CATEGORY_WEIGHTS[n] * (WET_SEASON_BOOST.get(n, 1.0) if wet else 1.0) for n in names]
    )
    return names[int(rng.choice(len(names), p=w / w.sum()))]


def _hour_reports(seed: int, world: ReportWorld, hour: int, per_day: float) -> list[PlannedReport]:
    rng = np.random.default_rng([seed & 0xFFFFFFFF, stream_id("reports") & 0xFFFFFFFF, hour])
    local_hour = (hour + LOCAL_OFFSET_S // 3600) % 24
    n = int(rng.poisson(per_day / 24.0 * _HOURLY[local_hour]))
    offsets = np.sort(rng.integers(1, 3601, n))
    stamp = datetime.fromtimestamp(hour * 3600 + LOCAL_OFFSET_S, UTC).strftime("%Y%m%d%H")
    out = []
    for k, offset in enumerate(offsets.tolist()):
        created = hour * 3600 + offset
        category = _category(created, rng)
        lon, lat, street = _place(world, category, created, rng)
        # Rạch Giá's citizens write Vietnamese. The draw that once chose an English text stays,
        # so every later draw of the hour (and so every simulated store) is as it was.
        rng.random()
        templates = TEMPLATES_VI[category]
        no = int(rng.integers(1, 400))
        text = templates[int(rng.integers(len(templates)))].format(street=street, no=no)
        ward = world.geo.ward_of(lon, lat)
        ack = _acknowledged(created, rng)
        (s0, s1), (w0, w1) = _DELAYS[category]
        if rng.random() < 0.06:  # a duplicate: closed as soon as someone reads it
            done = ack + int(rng.uniform(5, 60) * 60)
            events: tuple[int, ...] = (created, ack, done)
        else:
            start = ack + int(rng.uniform(s0, s1) * 3600)
            done = start + int(rng.uniform(w0, w1) * 3600)
            events = (created, ack, start, done)
        out.append(
            PlannedReport(
                external_id=f"RG-{stamp}-{k + 1:02d}",
                category=category,
                description=text,
                lon=lon,
                lat=lat,
                address=f"{no} {street}, {ward or 'Rạch Giá'}",
                agency=agency_for(category, ward),
                events=events,
            )
        )
    return out


def plan_reports(
    seed: int, world: ReportWorld, lo: int, hi: int, per_day: float
) -> list[PlannedReport]:
    """Every report created in (lo - LOOKBACK_S, hi]: those that can change state in (lo, hi]."""
    reports: list[PlannedReport] = []
    for hour in range((lo - LOOKBACK_S) // 3600, hi // 3600 + 1):
        reports += [r for r in _hour_reports(seed, world, hour, per_day) if r.events[0] <= hi]
    return reports


def _status_of(r: PlannedReport, j: int) -> ReportStatus:
    return ReportStatus.CLOSED if j == len(r.events) - 1 and j > 0 else _STATUSES[j]


def _version(r: PlannedReport, j: int) -> CitizenReport:
    status = _status_of(r, j)
    return CitizenReport(
        external_id=r.external_id,
        category=r.category,
        description=r.description,
        status=str(status),
        lon=r.lon,
        lat=r.lat,
        created_at=datetime.fromtimestamp(r.events[0], UTC),
        updated_at=datetime.fromtimestamp(r.events[j], UTC),
        address=r.address,
        closed_at=datetime.fromtimestamp(r.events[j], UTC)
        if status is ReportStatus.CLOSED
        else None,
        agency=r.agency,
    )


def report_versions(
    reports: list[PlannedReport], lo: int, hi: int, snapshot: bool
) -> list[CitizenReport]:
    """One record per status change in (lo, hi], oldest first; with `snapshot`, also the state at
    `lo` of every report still open then (a fresh store then knows the open backlog)."""
    out: list[tuple[int, str, CitizenReport]] = []
    for r in reports:
        for j, ts in enumerate(r.events):
            if lo < ts <= hi:
                out.append((ts, r.external_id, _version(r, j)))
        if snapshot and r.events[0] <= lo < r.events[-1]:
            j = max(k for k, ts in enumerate(r.events) if ts <= lo)
            out.append((r.events[j], r.external_id, _version(r, j)))
    out.sort(key=lambda item: (item[0], item[1]))
    return [v for _, _, v in out]
