"""Feed quality over 24 hours: runs on time, buckets complete, records plausible; staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from dashboard.config import Config, SourceConfig
from dashboard.queries.wall import feed_quality
from dashboard.records import Asset, CitizenReport, Reading, Reject
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
    # Its age is its newest reading's (gauge-1 at 03:10), not its last run's (02:50).
    assert (g.age_s, g.stale, g.stale_since) == (600.0, False, None)

    f = found["fast"]
    assert f.on_time_pct == 100.0  # 150 runs where 144 were expected
    assert f.plausible_pct == 100.0
    assert f.complete_pct is None  # no series of its own
    # Its runs deliver nothing of its own: no data is not live, whatever its cursor says.
    assert f.age_s is None and f.stale and f.stale_since is None

    n = found["never"]
    assert n.age_s is None and n.stale and n.stale_since is None
    assert n.on_time_pct == 0.0 and n.complete_pct is None and n.plausible_pct is None


def test_stale_factor_comes_from_the_wall_config(store: Store) -> None:
    seed(store)
    later = NOW + 3 * HOUR  # gauges' newest reading (03:10, hourly) is 3 h 10 min old
    with store.read_session() as session:
        strict = feed_quality(session, Config(sources=SOURCES), later)[0]
        lenient = feed_quality(session, Config(sources=SOURCES, wall={"stale_factor": 5.0}), later)[
            0
        ]
    assert strict.source == "gauges" and strict.stale
    # Its last success (02:51) + 3 x 3600 s came before its data's limit (03:10 + 3 h).
    assert strict.stale_since == NOW - timedelta(minutes=29) + 3 * HOUR
    assert not lenient.stale and lenient.stale_since is None


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


# -- domains and exact staleness (a feed's own age, never its data's timestamps) -------------

LIVE = [
    SourceConfig(name="sim", type="simulator", interval_s=60),
    SourceConfig(name="citizens", type="open311", interval_s=300),
]


def segment() -> Asset:
    return Asset(
        "seg-1",
        "traffic",
        "road_segment",
        "Đường Nguyễn Trung Trực",
        {"type": "LineString", "coordinates": [[105.08, 10.0], [105.09, 10.01]]},
    )


def report(n: int) -> CitizenReport:
    at = NOW - timedelta(hours=2)
    return CitizenReport(f"r-{n}", "pothole", "Ổ gà", "open", 105.08, 10.0, at, at)


def test_each_feed_names_the_domains_it_supplies(store: Store) -> None:
    seed(store)
    store.ingest("citizens", reports=[report(1)], now=NOW)
    config = Config(sources=[*SOURCES, *LIVE])
    with store.read_session() as session:
        found = {q.source: q.domains for q in feed_quality(session, config, NOW)}
    assert found["gauges"] == ("lighting", "water")  # its gauges and its lamp
    # Reports are not assets: their counts are true at `now`, whichever feed brought them.
    assert found["citizens"] == found["fast"] == found["never"] == found["sim"] == ()


def test_domains_are_named_as_the_wall_names_them(store: Store) -> None:
    station = Asset(
        "air-1",
        "environment",
        "air_station",
        "Trạm 1",
        {"type": "Point", "coordinates": [105.08, 10.0]},
    )
    store.ingest("sim", assets=[segment(), station], now=NOW)
    with store.read_session() as session:
        assert feed_quality(session, Config(sources=LIVE), NOW)[0].domains == ("air", "traffic")


def test_a_live_feed_with_5_minute_readings_is_not_stale(store: Store) -> None:
    # The simulator runs every 60 s but its traffic readings sit on a 5-minute grid: the
    # newest is 4.5 minutes old (> 3 x 60 s, < 3 x its 300-s period) while the feed ran 20 s ago.
    grid = [NOW - timedelta(seconds=270 + 300 * k) for k in range(24)]
    store.ingest(
        "sim",
        assets=[segment()],
        readings=[Reading("seg-1", "speed_kmh", at, 31.0) for at in grid],
        now=NOW,
    )
    store.set_cursor("sim", NOW - timedelta(seconds=20), NOW - timedelta(seconds=19))
    with store.read_session() as session:
        sim = feed_quality(session, Config(sources=LIVE), NOW)[0]
    assert (sim.domains, sim.stale, sim.age_s) == (("traffic",), False, 270.0)


def test_a_dead_feed_with_recent_looking_data_is_stale(store: Store) -> None:
    # Its newest readings carry recent timestamps (a device clock, a late batch), but the feed
    # itself last succeeded 181 s ago: older than 3 x 60 s, so it and its domain are stale.
    store.ingest(
        "sim",
        assets=[segment()],
        readings=[Reading("seg-1", "speed_kmh", NOW - timedelta(seconds=5), 31.0)],
        now=NOW,
    )
    store.set_cursor("sim", NOW - timedelta(seconds=181), NOW - timedelta(seconds=181))
    with store.read_session() as session:
        sim = feed_quality(session, Config(sources=LIVE), NOW)[0]
    assert (sim.domains, sim.stale) == (("traffic",), True)
    assert sim.stale_since == NOW - timedelta(seconds=1)
    store.set_cursor("sim", NOW - timedelta(seconds=180), NOW - timedelta(seconds=180))
    with store.read_session() as session:
        assert not feed_quality(session, Config(sources=LIVE), NOW)[0].stale  # exactly 3 x


# -- on time counts only the runs due since the feed started ----------------------------------


def start_demo(store: Store, minutes: int, skip: tuple[int, ...] = ()) -> None:
    """A demo started `minutes` ago: one backfill run (7 days of data), then a run a minute
    (2 s late each), the one due now not started yet: `minutes` runs in all."""
    started = NOW - timedelta(minutes=minutes)
    with store.write_session() as session:
        session.add_all(runs("sim", [started], "ok", 2_000_000, 0))  # the backfill
        every = [started + timedelta(minutes=k, seconds=2) for k in range(1, minutes)]
        session.add_all(runs("sim", [t for k, t in enumerate(every) if k not in skip], "ok", 9, 0))


def test_a_demo_started_minutes_ago_that_ran_every_minute_is_on_time(store: Store) -> None:
    start_demo(store, minutes=10)
    with store.read_session() as session:
        assert feed_quality(session, Config(sources=LIVE[:1]), NOW)[0].on_time_pct == 100.0


def test_a_young_feed_that_missed_runs_is_not_on_time(store: Store) -> None:
    start_demo(store, minutes=10, skip=(2, 3, 4, 5, 6))
    with store.read_session() as session:
        sim = feed_quality(session, Config(sources=LIVE[:1]), NOW)[0]
    assert sim.on_time_pct == pytest.approx(100 * 5 / 10)  # 10 runs due since it started


def test_a_feed_older_than_the_window_owes_a_whole_day(store: Store) -> None:
    # Runs 30 h ago, then only the last hour: the window's 24 h are due (60 of 1,440 ran).
    start_demo(store, minutes=60)
    with store.write_session() as session:
        session.add_all(runs("sim", [NOW - timedelta(hours=30)], "ok", 9, 0))
    with store.read_session() as session:
        sim = feed_quality(session, Config(sources=LIVE[:1]), NOW)[0]
    assert sim.on_time_pct == pytest.approx(100 * 60 / 1440)
