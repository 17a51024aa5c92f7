"""A feed's age is the age of the newest record it delivered, not of its last run, and every
screen shows the same figure: /api/v1/sources, /healthz, the wall's feed strip and its "data
as of" (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import text

from dashboard.i18n import format_duration, t
from dashboard.queries.sources import feed_freshness
from tests.api.seed import NOW, Seed
from tests.pages.test_wall_page import WallClient, pattern


def newest_record(seeded: Seed, source: str) -> datetime:
    """Straight from the store: the newest reading of the source's assets, or report."""
    with seeded.store.read_session() as session:
        reading = session.execute(
            text(
                "SELECT max(l.ts) FROM latest l JOIN series s ON s.id = l.series_id "
                "JOIN assets a ON a.id = s.asset_id WHERE a.source = :s"
            ),
            {"s": source},
        ).scalar_one()
        report = session.execute(
            text("SELECT max(updated_at) FROM reports WHERE source = :s"), {"s": source}
        ).scalar_one()
    times = [datetime.fromtimestamp(int(reading), NOW.tzinfo)]
    if report is not None:
        at = report if isinstance(report, datetime) else datetime.fromisoformat(report)
        times.append(at if at.tzinfo else at.replace(tzinfo=NOW.tzinfo))
    return max(times)


def test_a_feeds_age_is_its_newest_record_everywhere(client: FlaskClient, seeded: Seed) -> None:
    # sim's last run, 40 s ago, delivered nothing new; a run now that stores nothing moves
    # its cursor to now: neither makes its data any younger.
    run = seeded.store.start_run("sim", NOW - timedelta(seconds=5))
    seeded.store.finish_run(run, ended_at=NOW, status="ok", rows=0, rejected=0, error=None)
    seeded.store.set_cursor("sim", NOW, NOW)
    as_of = newest_record(seeded, "sim")
    age = (NOW - as_of).total_seconds()
    assert age == 60  # the seed's newest reading is a minute old

    api = {i["name"]: i for i in client.get("/api/v1/sources").get_json()["items"]}
    health = {i["name"]: i for i in client.get("/healthz").get_json()["sources"]}
    for found in (api["sim"], health["sim"]):
        assert found["age_s"] == age
        assert found["data_as_of"] == as_of.isoformat().replace("+00:00", "Z")
    with seeded.store.read_session() as session:
        fresh = feed_freshness(session, seeded.config.sources, NOW)
    assert fresh["sim"].age_s == age and not fresh["sim"].stale

    wall = WallClient(client, "?lang=en")
    wall.refresh()
    shown = t("wall.age", "en").format(age=format_duration(age, "en"))
    assert wall.state(pattern("wall-feed-age", "sim"), "children") == shown
    local = as_of.astimezone(seeded.config.city.tz).strftime("%H:%M:%S")
    assert wall.state("wall-as-of", "children") == local
