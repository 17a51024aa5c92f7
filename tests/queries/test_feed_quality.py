"""Feed quality over 24 hours: runs on time, buckets complete, records plausible; staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from dashboard.config import Config, SourceConfig
from dashboard.queries.wall import feed_quality
from dashboard.records import Asset, Reading, Reject
from dashboard.store import Store
from dashboard.store.models import SourceRun

NOW = datetime(2025, 6, 2, 3, 20, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCES = [
    SourceConfig(name="gauges", type="csv", interval_s=3600),
    SourceConfig(name="fast", type="mqtt", interval_s=600),
    SourceConfig(name="never", type="ngsi_v2", interval_s=60),
    SourceConfig(name="off", type="mqtt", interval_s=60, enabled=False),
]


def gauge(i: int) -> Asset:
    return Asset(
        id=f"gauge-{i}",
        domain="water",
        kind="water_level",
        name=f"Mực nước kênh {i}",
        geometry={"type": "Point", "coordinates": [105.08 + i / 100, 10.0]},
    )


def runs(
    source: str, starts: list[datetime], status: str, rows: int, rejected: int
) -> list[SourceRun]:
    return [
        SourceRun(
            source=source,
            started_at=t,
            ended_at=t + timedelta(seconds=3),
            status=status,
            rows=rows,
            rejected=rejected,
        )
        for t in starts
    ]


def seed(store: Store) -> None:
    top = NOW.replace(minute=0)  # the hour in progress; the 24 complete hours end here
    every_hour = [
        Reading("gauge-1", "water_level_cm", top - k * HOUR + timedelta(minutes=10), 80.0)
        for k in range(30)
    ]
    half = [
        Reading("gauge-2", "water_level_cm", top - k * HOUR + timedelta(minutes=10), 60.0)
        for k in range(1, 25, 2)
    ]
    gone = [
        Reading("gauge-3", "water_level_cm", NOW - timedelta(days=8), 50.0)
    ]  # not seen for 8 days
    lamp = Asset(
        "lamp-1", "lighting", "lamp", "Đèn 1", {"type": "Point", "coordinates": [105.1, 10.0]}
    )
    event = [Reading("lamp-1", "lamp_fault", NOW - 5 * HOUR, 1.0)]  # on change only: not counted
    store.ingest(
        "gauges",
        assets=[gauge(1), gauge(2), gauge(3), lamp],
        readings=[*every_hour, *half, *gone, *event],
        rejects=[Reject("water_level_cm=-900 outside plausible range", {"v": -900})],
        now=NOW,
    )
    with store.write_session() as session:
        # gauges: 24 runs expected in 24 h; 17 ended ok, 3 failed, 5 older ones do not count.
        ok = [NOW - timedelta(minutes=30) - k * HOUR for k in range(17)]
        failed = [NOW - timedelta(minutes=40) - k * HOUR for k in (17, 18, 19)]
        old = [NOW - timedelta(hours=25) - k * HOUR for k in range(5)]
        session.add_all(runs("gauges", ok, "ok", 90, 10))
        session.add_all(runs("gauges", failed, "error", 0, 0))
        session.add_all(runs("gauges", old, "ok", 0, 500))
        # fast: more runs than expected (run-now presses): capped at 100 %.
        many = [NOW - timedelta(minutes=9) * k for k in range(150)]
        session.add_all(runs("fast", many, "ok", 12, 0))
    store.set_cursor("gauges", NOW - timedelta(minutes=30), NOW - timedelta(minutes=29))
    store.set_cursor("fast", NOW - timedelta(minutes=40), NOW - timedelta(minutes=1))


def test_feed_quality_on_a_feed_with_missing_runs_and_rejects(store: Store) -> None:
    seed(store)
    with store.read_session() as session:
        found = {q.source: q for q in feed_quality(session, Config(sources=SOURCES), NOW)}
    assert list(found) == ["gauges", "fast", "never"]  # disabled feeds are not watched

    g = found["gauges"]
    assert g.on_time_pct == pytest.approx(100 * 17 / 24)
    assert g.complete_pct == pytest.approx(100 * (24 + 12) / (2 * 24))
    assert g.plausible_pct == pytest.approx(100 * (17 * 90) / (17 * 90 + 17 * 10))
    assert (g.age_s, g.stale, g.stale_since) == (1800.0, False, None)

    f = found["fast"]
    assert f.on_time_pct == 100.0  # 150 runs where 144 were expected
    assert f.plausible_pct == 100.0
    assert f.complete_pct is None  # no series of its own
    assert f.age_s == 2400.0 and f.stale  # older than 3 x 600 s
    assert f.stale_since == NOW - timedelta(minutes=40) + timedelta(seconds=1800)

    n = found["never"]
    assert n.age_s is None and n.stale and n.stale_since is None
    assert n.on_time_pct == 0.0 and n.complete_pct is None and n.plausible_pct is None


def test_stale_factor_comes_from_the_wall_config(store: Store) -> None:
    seed(store)
    config = Config(sources=SOURCES, wall={"stale_factor": 5.0})
    with store.read_session() as session:
        fast = feed_quality(session, config, NOW)[1]
    assert fast.source == "fast" and not fast.stale and fast.stale_since is None


def test_one_session_reads_feed_quality_once_per_instant(store: Store) -> None:
    seed(store)
    config = Config(sources=SOURCES)
    seen: list[str] = []

    def record(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        seen.append(sql)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.read_session() as session:
            first = feed_quality(session, config, NOW)
            after_first = len(seen)
            again = feed_quality(session, config, NOW)
            assert len(seen) == after_first  # the tiles, ticker and feed strip share one read
            later = feed_quality(session, config, NOW + timedelta(minutes=1))
            assert len(seen) > after_first  # a later instant reads afresh
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert again == first and again is not first
    assert later[0].age_s == first[0].age_s + 60
