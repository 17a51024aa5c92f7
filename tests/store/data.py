"""Records shaped like the simulated city's, and helpers to read the store back in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select, text

from dashboard.queries._five_minute import five_minute
from dashboard.records import Asset, CitizenReport, Reading
from dashboard.store import Store

T0 = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)  # 07:00 in Rạch Giá


def segment(i: int) -> Asset:
    lon, lat = 105.07 + i * 0.001, 10.00 + i * 0.001
    return Asset(
        id=f"seg-{i:03d}",
        domain="traffic",
        kind="road_segment",
        name=f"Nguyễn Trung Trực {i}",
        geometry={"type": "LineString", "coordinates": [[lon, lat], [lon + 0.002, lat + 0.001]]},
        ward="Rạch Giá",
        attributes={"lanes": 2},
    )


def station(i: int) -> Asset:
    return Asset(
        id=f"aq-{i:02d}",
        domain="environment",
        kind="air_station",
        name=f"Trạm quan trắc {i}",
        geometry={"type": "Point", "coordinates": [105.08 + i * 0.01, 10.01]},
    )


def traffic(asset: str, ts: datetime, speed: float) -> list[Reading]:
    return [
        Reading(asset, "speed_kmh", ts, speed),
        Reading(asset, "volume_vph", ts, round(2400 - speed * 30, 1)),
    ]


def report(ext: str, status: str, updated: datetime, **kw: Any) -> CitizenReport:
    return CitizenReport(
        external_id=ext,
        category="pothole",
        description="Ổ gà lớn trước chợ",
        status=status,
        lon=105.081,
        lat=10.012,
        created_at=T0,
        updated_at=updated,
        **kw,
    )


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def frame(store: Store, sql: str, **params: Any) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return pd.read_sql_query(text(sql), conn, params=params)


def five_minute_rows(store: Store) -> pd.DataFrame:
    """Every 5-minute bucket as the pages read them (`queries._five_minute`: rollup_5m rows and
    the readings that are their own bucket): series_id, bucket, count, sum, min, max."""
    five = five_minute(0, 1 << 40).c
    stmt = select(five.series_id, five.bucket, five.count, five.sum, five.min, five.max)
    with store.engine.connect() as conn:
        rows = conn.execute(stmt.order_by(five.series_id, five.bucket)).all()
    return pd.DataFrame(rows, columns=["series_id", "bucket", "count", "sum", "min", "max"])


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def series_id(store: Store, asset: str, metric: str) -> int:
    with store.engine.connect() as conn:
        q = text("SELECT id FROM series WHERE asset_id = :a AND metric = :m")
        return int(conn.execute(q, {"a": asset, "m": metric}).scalar_one())
