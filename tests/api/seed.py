"""A small, realistic data set for the API and page tests, stored through `Store.ingest`.

Records are shaped like the simulator's and an Open311 server's: metric names from
`records.METRICS`, ward names from the 2025 boundary file, report categories from
`records.REPORT_CATEGORIES`. Every number a test checks is computed from `Seed`, never retyped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dashboard.config import Config, SourceConfig
from dashboard.records import Asset, CitizenReport, Reading, Reject
from dashboard.store import Store

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # 10:00 in Rạch Giá
WARD_A = "Phường Rạch Giá"
WARD_B = "Phường Vĩnh Thông"

ASSETS = (
    Asset(
        "traffic-seg-0001",
        "traffic",
        "road_segment",
        "Nguyễn Trung Trực (Lê Lợi → Trần Phú)",
        {"type": "LineString", "coordinates": [[105.0801, 10.0123], [105.0832, 10.0141]]},
        ward=WARD_A,
    ),
    Asset(
        "light-00001",
        "lighting",
        "street_lamp",
        "Đèn Lâm Quang Ky 01",
        {"type": "Point", "coordinates": [105.0876, 10.0062]},
        ward=WARD_A,
    ),
    Asset(
        "air-station-01",
        "environment",
        "air_quality_station",
        "Trạm quan trắc Công viên An Hòa",
        {"type": "Point", "coordinates": [105.0951, 9.9987]},
        ward=WARD_B,
        attributes={"operator": "Sở TN&MT"},
    ),
)


def pm25_series() -> list[Reading]:
    """PM2.5 of air-station-01 every minute for the two hours before NOW (µg/m³)."""
    start = NOW - timedelta(hours=2)
    return [
        Reading("air-station-01", "pm25_ugm3", start + timedelta(minutes=i), 18.0 + (i * 7) % 11)
        for i in range(120)
    ]


def speed_series() -> list[Reading]:
    """Speed on traffic-seg-0001 every 5 minutes over the same two hours (km/h)."""
    start = NOW - timedelta(hours=2)
    return [
        Reading("traffic-seg-0001", "speed_kmh", start + timedelta(minutes=5 * i), 25.0 + i)
        for i in range(24)
    ]


def lamp_series() -> list[Reading]:
    return [Reading("light-00001", "lamp_on", NOW - timedelta(minutes=30), 0.0)]


def _report(n: int, category: str, status: str, ward: str, age_h: int) -> CitizenReport:
    created = NOW - timedelta(hours=age_h)
    closed = created + timedelta(hours=1) if status == "closed" else None
    return CitizenReport(
        external_id=f"RG-2025-{n:05d}",
        category=category,
        description=f"Phản ánh số {n}: cần xử lý",
        status=status,
        lon=105.08 + n / 1000,
        lat=10.0 + n / 1000,
        created_at=created,
        updated_at=closed or created + timedelta(minutes=10),
        address=f"{n} Nguyễn Trung Trực, Rạch Giá",
        ward=ward,
        closed_at=closed,
        agency="Phòng Quản lý đô thị",
    )


REPORTS = (
    _report(1, "pothole", "open", WARD_A, 1),
    _report(2, "streetlight", "in_progress", WARD_A, 5),
    _report(3, "flooding", "closed", WARD_B, 30),
)

SOURCES = [
    SourceConfig(name="sim", type="simulator", interval_s=60, seed=42),
    SourceConfig(name="ngsi-city", type="ngsi_v2", interval_s=60),
    SourceConfig(name="open311", type="open311", interval_s=300),
    SourceConfig(name="mqtt-lamps", type="mqtt", interval_s=30, enabled=False),
    SourceConfig(name="csv-drop", type="file_drop", interval_s=600),
    SourceConfig(name="sensorthings", type="sensorthings", interval_s=120),
]
# What /sources, /healthz and /api/v1/sources must say about each of SOURCES at NOW.
EXPECTED_HEALTH = {
    "sim": "ok",
    "ngsi-city": "error",
    "open311": "stale",
    "mqtt-lamps": "disabled",
    "csv-drop": "never",
    "sensorthings": "paused",
}


@dataclass
class Seed:
    store: Store
    config: Config
    pm25: list[Reading] = field(default_factory=pm25_series)
    speed: list[Reading] = field(default_factory=speed_series)


def _run(
    store: Store,
    source: str,
    start: datetime,
    status: str,
    rows: int,
    rejected: int,
    error: str | None = None,
) -> None:
    run_id = store.start_run(source, start)
    store.finish_run(
        run_id,
        ended_at=start + timedelta(seconds=2),
        status=status,
        rows=rows,
        rejected=rejected,
        error=error,
    )


def seed_store(store: Store) -> Seed:
    """Fill `store` (migrated, empty) with the data set and the run history of SOURCES."""
    seed = Seed(store, Config(sources=SOURCES, database={"url": store.url}))
    store.ingest(
        "sim",
        assets=ASSETS,
        readings=[*seed.pm25, *seed.speed, *lamp_series()],
        reports=REPORTS,
        rejects=[Reject("speed_kmh=-4 outside plausible range", {"v": -4})],
        now=NOW,
    )
    # sim: healthy, ran 40 s ago, data 40 s old; older runs form its history.
    for k in range(25, 0, -1):
        _run(store, "sim", NOW - timedelta(seconds=40 + 60 * k), "ok", 100 + k, k % 3)
    _run(store, "sim", NOW - timedelta(seconds=40), "ok", 144, 1)
    store.set_cursor("sim", NOW - timedelta(seconds=40), NOW - timedelta(seconds=38))
    # ngsi-city: its last run failed.
    _run(store, "ngsi-city", NOW - timedelta(minutes=5), "ok", 12, 0)
    store.set_cursor("ngsi-city", NOW - timedelta(minutes=5), NOW - timedelta(minutes=5))
    _run(store, "ngsi-city", NOW - timedelta(seconds=30), "error", 0, 0, "ConnectError: refused")
    store.record_error("ngsi-city", NOW - timedelta(seconds=28), "ConnectError: refused")
    # open311: runs fine but its data is 2 hours old (> 3 x 300 s): stale.
    _run(store, "open311", NOW - timedelta(seconds=100), "ok", 0, 0)
    store.set_cursor("open311", NOW - timedelta(hours=2), NOW - timedelta(seconds=98))
    # sensorthings: paused by an operator.
    _run(store, "sensorthings", NOW - timedelta(hours=1), "ok", 3, 0)
    store.set_cursor("sensorthings", NOW - timedelta(hours=1), NOW - timedelta(hours=1))
    store.set_paused("sensorthings", True)
    return seed
