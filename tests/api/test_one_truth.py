"""Every number the wall shows equals /api/v1/kpis and an independent reading of the store,
before and after desk actions (SQLite and PostgreSQL).

The seeded store (tests/api/seed.py) gets a week of life on top: a second road segment with
its free-flow speed and length, a second lamp on a metered cabinet, a water gauge with flood
stages, readings a week ago and now, and a new report. The wall's numbers are what its refresh
callback sends (POST /_dash-update-component); the store's are recomputed here from the
tiles' definitions (dashboard/queries/wall.py) with plain SQL on raw readings, latest values
and the report tables, through the store's engine, and arithmetic in Python — never through
the query layer or the rollups. The desk acts through its own callbacks, as a manager clicks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import dash
import numpy as np
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from dashboard import aqi
from dashboard.app import create_app
from dashboard.figures.citymap import TRACE
from dashboard.figures.tiles import format_delta
from dashboard.i18n import t
from dashboard.queries.wall import KPI_KEYS
from dashboard.records import REPORT_SLA_HOURS, Asset, Reading
from tests.api.seed import NOW, REPORTS, WARD_A, WARD_B, Seed, _report
from tests.api.test_report_status_everywhere import drawn_points
from tests.pages.test_reports_page import _act, _report_id
from tests.pages.test_wall_page import WallClient

# A week and two minutes on: "a week ago" is then the 5-minute bucket starting at NOW.
LATER = NOW + timedelta(days=7, minutes=2)
THEN = NOW
FRESH = LATER - timedelta(seconds=60)  # the newest reading: sim's feed is fresh at LATER
DECIMALS = {"km/h": 1, "kWh": 1}  # as the tiles show them (others: whole numbers)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


EXTRA_ASSETS = (
    Asset(
        "traffic-seg-0002",
        "traffic",
        "road_segment",
        "Trần Phú (Nguyễn Trung Trực → Lê Lợi)",
        {"type": "LineString", "coordinates": [[105.0832, 10.0141], [105.0861, 10.0160]]},
        ward=WARD_A,
        attributes={"free_flow_kmh": 50.0, "length_m": 400.0},
    ),
    Asset("cabinet-01", "lighting", "cabinet", "Tủ điện Lâm Quang Ky", _point(105.0870, 10.0060)),
    Asset(
        "light-00002",
        "lighting",
        "lamp",
        "Đèn Lâm Quang Ky 02",
        _point(105.0878, 10.0063),
        attributes={"cabinet_id": "cabinet-01"},
    ),
    Asset(
        "water-01",
        "water",
        "water_level",
        "Trạm đo mực nước Cái Sắn",
        _point(105.0900, 10.0100),
        ward=WARD_B,
        attributes={"alert_stage_cm": 80.0, "flood_stage_cm": 120.0},
    ),
)


def _every(start: datetime, end: datetime, step: timedelta) -> list[datetime]:
    out, at = [], start
    while at <= end:
        out.append(at)
        at += step
    return out


def _local_midnight(at: datetime, seed: Seed) -> datetime:
    tz = seed.config.city.tz
    return datetime.combine(at.astimezone(tz).date(), time(), tzinfo=tz).astimezone(UTC)


def extra_readings(seed: Seed) -> list[Reading]:
    five = timedelta(minutes=5)
    out: list[Reading] = []
    # Traffic: the new segment congested a week ago (21 of 50 km/h), jammed now (11 of 50).
    for k, at in enumerate(_every(THEN - timedelta(minutes=55), THEN, five)):
        out.append(Reading("traffic-seg-0002", "speed_kmh", at, 10.0 + k))
    for k, at in enumerate(reversed(_every(FRESH - timedelta(minutes=25), FRESH, five))):
        out.append(Reading("traffic-seg-0001", "speed_kmh", at, 30.0 + k))
        out.append(Reading("traffic-seg-0002", "speed_kmh", at, 11.0 + k))
    # Lamps: one on a week ago, both now; one faulty now, none then.
    out += [
        Reading("light-00002", "lamp_on", THEN - timedelta(hours=1), 1.0),
        Reading("light-00002", "lamp_fault", THEN - timedelta(hours=1), 0.0),
        Reading("light-00001", "lamp_on", LATER - timedelta(hours=1), 1.0),
        Reading("light-00002", "lamp_fault", LATER - timedelta(hours=3), 1.0),
    ]
    # Energy: the cabinet every 5 minutes since each day's local midnight.
    for day_end, watts in ((THEN, 1000.0), (FRESH, 1500.0)):
        start = _local_midnight(day_end, seed)
        for k, at in enumerate(_every(start, day_end, five)):
            out.append(Reading("cabinet-01", "power_w", at, watts + 10.0 * (k % 7)))
    # Air: PM2.5 for the three hours before now (the seed has the two before a week ago).
    for k, at in enumerate(_every(FRESH - timedelta(hours=3), FRESH, five)):
        out.append(Reading("air-station-01", "pm25_ugm3", at, 40.0 + k % 9))
    # Water: below its flood stage a week ago, above it now.
    for k, at in enumerate(_every(THEN - timedelta(minutes=30), THEN, five)):
        out.append(Reading("water-01", "water_level_cm", at, 100.0 + k))
    for k, at in enumerate(_every(FRESH - timedelta(minutes=30), FRESH, five)):
        out.append(Reading("water-01", "water_level_cm", at, 125.0 + k))
    return out


@pytest.fixture
def later(seeded: Seed) -> Iterator[FlaskClient]:
    """The seeded store a week on, and an admin's client of an app whose clock reads LATER."""
    new = replace(
        _report(4, "pothole", "open", WARD_B, 0),
        created_at=LATER - timedelta(hours=2),
        updated_at=FRESH,
    )
    seeded.store.ingest(
        "sim",
        assets=EXTRA_ASSETS,
        readings=extra_readings(seeded),
        reports=[new],
        now=LATER,
    )
    seeded.store.set_cursor("sim", FRESH, FRESH)
    app = create_app(seeded.config, seeded.store, clock=lambda: LATER)
    client = app.server.test_client()
    assert client.get("/wall?lang=en").status_code == 200
    yield client
    dash.page_registry.clear()


# -- the store, read apart ------------------------------------------------------------------


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def _aware(value: Any) -> datetime | None:
    """A raw datetime column: SQLite's naive UTC text, PostgreSQL's aware datetime."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _attributes(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else json.loads(value or "{}")


@dataclass
class Store:
    """Raw rows of the store, read once with plain SQL."""

    assets: dict[str, tuple[str, str, dict[str, Any]]]  # id -> (kind, name, attributes)
    latest: dict[tuple[str, str], tuple[int, float]]  # (asset, metric) -> (ts, value)
    readings: dict[tuple[str, str], list[tuple[int, float]]]  # (asset, metric) -> by ts
    reports: list[dict[str, Any]]
    feeds: dict[str, dict[str, Any]]  # source -> newest record, last success


def read_store(seed: Seed) -> Store:
    with seed.store.engine.connect() as conn:
        run = conn.execute
        assets = {
            i: (kind, name, _attributes(attrs))
            for i, kind, name, attrs in run(text("SELECT id, kind, name, attributes FROM assets"))
        }
        latest = {
            (a, m): (int(ts), float(v))
            for a, m, ts, v in run(
                text(
                    "SELECT s.asset_id, s.metric, l.ts, l.value FROM latest l "
                    "JOIN series s ON s.id = l.series_id"
                )
            )
        }
        readings: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
        for a, m, ts, v in run(
            text(
                "SELECT s.asset_id, s.metric, r.ts, r.value FROM readings r "
                "JOIN series s ON s.id = r.series_id ORDER BY r.ts"
            )
        ):
            readings[(a, m)].append((int(ts), float(v)))
        reports = [
            dict(row._mapping)
            for row in run(
                text(
                    "SELECT r.external_id, r.category, r.status, r.created_at, r.closed_at, "
                    "r.updated_at, d.status AS desk_status, d.closed_at AS desk_closed_at "
                    "FROM reports r LEFT JOIN report_desk d ON d.report_id = r.id"
                )
            )
        ]
        feeds: dict[str, dict[str, Any]] = defaultdict(dict)
        for src, ts in run(
            text(
                "SELECT a.source, max(l.ts) FROM latest l JOIN series s ON s.id = l.series_id "
                "JOIN assets a ON a.id = s.asset_id GROUP BY a.source"
            )
        ):
            feeds[src]["newest"] = int(ts)
        for src, at in run(text("SELECT source, max(updated_at) FROM reports GROUP BY source")):
            at = _epoch(_aware(at))  # type: ignore[arg-type]
            feeds[src]["newest"] = max(feeds[src].get("newest", at), at)
        for src, at in run(text("SELECT source, last_success_at FROM source_state")):
            feeds[src]["success"] = _aware(at)
    return Store(assets, latest, dict(readings), reports, dict(feeds))


def of_kind(store: Store, kind: str) -> list[str]:
    return sorted(a for a, (k, _, _) in store.assets.items() if k == kind)


def bucket_mean(store: Store, asset: str, metric: str, at: int) -> float | None:
    """The mean of the newest 5-minute bucket of raw readings starting in (at - 1 h, at]."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for ts, v in store.readings.get((asset, metric), []):
        b = ts // 300 * 300
        if at - 3600 < b <= at:
            buckets[b].append(v)
    return float(np.mean(buckets[max(buckets)])) if buckets else None


def speeds(store: Store, at: int | None) -> dict[str, float]:
    """Each segment's speed: its latest (now), or its bucket a week ago."""
    out = {}
    for seg in of_kind(store, "road_segment"):
        if at is None:
            found = store.latest.get((seg, "speed_kmh"))
            value = None if found is None else found[1]
        else:
            value = bucket_mean(store, seg, "speed_kmh", at)
        if value is not None:
            out[seg] = value
    return out


def traffic(store: Store, at: int | None, below: float) -> tuple[float, int, int]:
    """(length-weighted mean speed, congested, jammed); a segment without a length weighs
    the mean known length; free-flow speeds and lengths are today's."""
    speed = speeds(store, at)
    attrs = {s: store.assets[s][2] for s in speed}
    known = [a["length_m"] for a in attrs.values() if "length_m" in a]
    mean_length = sum(known) / len(known) if known else 1.0
    weights = {s: attrs[s].get("length_m", mean_length) for s in speed}
    avg = sum(speed[s] * weights[s] for s in speed) / sum(weights.values())
    ratios = [speed[s] / a["free_flow_kmh"] for s, a in attrs.items() if "free_flow_kmh" in a]
    return avg, sum(r < below for r in ratios), sum(r < below / 2 for r in ratios)


def lamps(store: Store, metric: str, at: int | None) -> int:
    """Lamps whose state (latest now; newest raw reading at or before `at`) is 1."""
    count = 0
    for (asset, m), rows in store.readings.items():
        if m != metric:
            continue
        if at is None:
            value = store.latest[(asset, m)][1]
        else:
            before = [v for ts, v in rows if ts <= at]
            value = before[-1] if before else 0.0
        count += value >= 0.5
    return count


def energy_kwh(store: Store, start: int, end: int, whole_day: bool) -> float | None:
    """Each 5-minute bucket's mean W of the cabinets' raw power readings in [start, end),
    held until the meter's next bucket (at most 1 h), the newest one until `end`."""
    joules, first = 0.0, None
    for (_, metric), rows in store.readings.items():
        if metric != "power_w":
            continue
        buckets: dict[int, list[float]] = defaultdict(list)
        for ts, v in rows:
            if start <= ts < end:
                buckets[ts // 300 * 300].append(v)
        starts = sorted(buckets)
        for b, nxt in zip(starts, [*starts[1:], end], strict=True):
            joules += float(np.mean(buckets[b])) * min(nxt - b, 3600)
        if starts:
            first = starts[0] if first is None else min(first, starts[0])
    if first is None or (whole_day and first > start + 3600):
        return None
    return joules / 3.6e6


def station_aqi(store: Store, at: int) -> dict[str, float]:
    """Each station's VN_AQI of the hour holding `at`: Nowcast of its raw PM hourly means."""
    h0 = at // 3600 * 3600
    out = {}
    for station in of_kind(store, "air_quality_station"):
        conc: dict[str, float | None] = {}
        for metric, (pollutant, factor) in aqi.METRIC_POLLUTANT.items():
            hours: dict[int, list[float]] = defaultdict(list)
            for ts, v in store.readings.get((station, metric), []):
                hours[ts // 3600 * 3600].append(v)
            hourly = [
                float(np.mean(hours[h])) if h in hours else None
                for h in (h0 - k * 3600 for k in range(12))
            ]
            if pollutant in ("pm25", "pm10"):
                value = aqi.nowcast(hourly)
            else:
                value = hourly[0] if hourly[0] is not None else hourly[1]
            conc[pollutant] = None if value is None else value * factor
        result = aqi.hourly_aqi(conc)
        if result is not None:
            out[station] = float(result.aqi)
    return out


def water(store: Store, at: int | None) -> dict[str, float]:
    out = {}
    for gauge in of_kind(store, "water_level"):
        if at is None:
            value: float | None = store.latest[(gauge, "water_level_cm")][1]
        else:
            value = bucket_mean(store, gauge, "water_level_cm", at)
        if value is not None:
            out[gauge] = value
    return out


def open_reports(store: Store, at: datetime, now: bool) -> list[bool]:
    """Each report open at `at`, as overdue or not. Open now: neither the feed nor the desk
    says closed (the further along of the two wins). Open then: created by then and closed
    (by the desk if it closed it, else by the feed) after it or not at all."""
    out = []
    for r in store.reports:
        desk_closed = r["desk_status"] == "closed"
        feed_closed = r["status"] == "closed"
        if now:
            is_open = not (desk_closed or feed_closed)
        else:
            closed_at = (
                _aware(r["desk_closed_at"])
                if desk_closed
                else _aware(r["closed_at"] or r["updated_at"])
                if feed_closed
                else None
            )
            created = _aware(r["created_at"])
            assert created is not None
            is_open = created <= at and (closed_at is None or closed_at > at)
        if is_open:
            sla = REPORT_SLA_HOURS.get(r["category"], REPORT_SLA_HOURS["other"])
            age_h = (at - _aware(r["created_at"])).total_seconds() / 3600  # type: ignore[operator]
            out.append(age_h > float(sla))
    return out


def stale_feeds(store: Store, seed: Seed, now: datetime) -> int:
    """Enabled feeds with no record, or whose newest record or last success is older than
    stale_factor x their interval (sim's data is a minute old, under 3 x 60 s: its data's
    own period cannot matter here)."""
    factor = seed.config.wall.stale_factor
    count = 0
    for source in (s for s in seed.config.sources if s.enabled):
        feed = store.feeds.get(source.name, {})
        newest, success = feed.get("newest"), feed.get("success")
        limit = factor * source.interval_s
        count += (
            newest is None
            or _epoch(now) - newest > limit
            or (success is not None and (now - success).total_seconds() > limit)
        )
    return count


def expected(seed: Seed) -> dict[str, tuple[float | None, float | None]]:
    """Every tile's (value, previous) at LATER, from the store read apart."""
    store = read_store(seed)
    below = seed.config.wall.congested_below
    now_s, then_s = _epoch(LATER), _epoch(THEN)
    speed, congested, jammed = traffic(store, None, below)
    speed_then, congested_then, jammed_then = traffic(store, then_s, below)
    air, air_then = station_aqi(store, now_s), station_aqi(store, then_s)
    level, level_then = water(store, None), water(store, then_s)
    flood = {g: store.assets[g][2]["flood_stage_cm"] for g in level}
    flooding = sum(v > flood[g] for g, v in level.items())
    flooding_then = sum(v > flood[g] for g, v in level_then.items())
    reports, reports_then = open_reports(store, LATER, True), open_reports(store, THEN, False)
    alerts = (
        jammed
        + sum(v > 150 for v in air.values())
        + flooding
        + stale_feeds(store, seed, LATER)
        + sum(reports)
    )
    alerts_then = jammed_then + sum(v > 150 for v in air_then.values()) + flooding_then
    return {
        "traffic.avg_speed": (speed, speed_then),
        "traffic.congested": (congested, congested_then),
        "lighting.on": (lamps(store, "lamp_on", None), lamps(store, "lamp_on", then_s)),
        "lighting.faulty": (lamps(store, "lamp_fault", None), lamps(store, "lamp_fault", then_s)),
        "lighting.energy_today": (
            energy_kwh(store, _epoch(_local_midnight(LATER, seed)), now_s, False),
            energy_kwh(store, _epoch(_local_midnight(THEN, seed)), then_s, True),
        ),
        "air.worst_aqi": (max(air.values()), max(air_then.values())),
        "water.highest": (max(level.values()), max(level_then.values())),
        "reports.open": (len(reports), len(reports_then)),
        "reports.overdue": (sum(reports), sum(reports_then)),
        "alerts.active": (alerts, alerts_then + sum(reports_then)),
    }


# -- the screens -----------------------------------------------------------------------------


def shown(value: float | None, unit: str) -> str:
    return "—" if value is None else f"{value:,.{DECIMALS.get(unit, 0)}f}"


def check_every_number(client: FlaskClient, wall: WallClient, seed: Seed) -> None:
    truth = expected(seed)
    assert list(truth) == list(KPI_KEYS)
    api = {i["key"]: i for i in client.get("/api/v1/kpis").get_json()["items"]}
    wall.refresh()
    for key, (value, previous) in truth.items():
        item = api[key]
        assert value is not None and previous is not None, key  # the seed gives each a basis
        assert item["value"] == pytest.approx(value, rel=1e-9), key
        assert item["previous"] == pytest.approx(previous, rel=1e-9), key
        assert wall.tile(key) == shown(value, item["unit"]), key
        delta, _ = format_delta(value, previous, item["unit"], "en")
        assert wall.tile(key, "delta") == delta, key
        assert wall.tile(key, "delta") != t("tile.no_week_ago", "en")
    store = read_store(seed)
    level = water(store, None)
    assert wall.tile("water.highest", "detail") == store.assets[max(level, key=level.get)][1]  # type: ignore[arg-type]
    air = station_aqi(store, _epoch(LATER))
    worst_name = store.assets[max(air, key=air.get)][1]  # type: ignore[arg-type]
    assert wall.tile("air.worst_aqi", "detail").startswith(worst_name)
    # The map's report layers draw what the tiles count (a screen drawn afresh).
    data = WallClient(client, "?lang=en").refresh()["wall-map"]["figure"]["data"]
    n_open, n_overdue = truth["reports.open"][0], truth["reports.overdue"][0]
    assert drawn_points(data[TRACE["reports.overdue"]]) == n_overdue
    assert drawn_points(data[TRACE["reports.open"]]) == n_open - n_overdue


def test_every_wall_number_equals_the_api_and_the_store_after_desk_actions(
    later: FlaskClient, seeded: Seed
) -> None:
    wall = WallClient(later, "?lang=en")
    check_every_number(later, wall, seeded)
    before = expected(seeded)
    assert before["reports.open"][0] == 3 and before["reports.overdue"][0] == 2
    assert before["traffic.congested"][1] == 1 and before["alerts.active"][0] > 0

    # The desk acknowledges one overdue report and closes the other, through its callbacks.
    for action, report, values in (
        ("acknowledge", REPORTS[0].external_id, {}),
        ("close", REPORTS[1].external_id, {"text": "Đã thay bóng"}),
    ):
        response = _act(later, action, _report_id(seeded, report), **values)
        assert response.status_code == 200, response.data[:300]
    after = expected(seeded)
    assert after["reports.open"][0] == 2 and after["reports.overdue"][0] == 1
    assert after["alerts.active"][0] == before["alerts.active"][0] - 1
    assert after["reports.open"][1] == before["reports.open"][1]  # a week ago stands
    check_every_number(later, wall, seeded)
