"""The week-ago values behind each tile's `previous` are read once per store and 5-minute
bucket (a process-level cache keyed by the data time): a cached answer equals a fresh read,
a new bucket reads anew, and another store never sees the first one's values."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from dashboard.queries import wall
from dashboard.queries._answer_cache import forget
from dashboard.queries.wall import wall_kpis
from dashboard.queries.weekago import week_ago_s
from dashboard.store import Store
from tests.queries.city import NOW, City, epoch


def _kpis(city: City, now=NOW) -> tuple[list[wall.Kpi], int]:  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(city.store.engine, "before_cursor_execute", count)
    try:
        with city.store.read_session() as session:
            found = wall_kpis(session, city.config, now)
    finally:
        event.remove(city.store.engine, "before_cursor_execute", count)
    return found, len(statements)


def _forget() -> None:
    forget("week_ago")


def test_week_ago_is_the_bucket_start() -> None:
    assert week_ago_s(NOW) == epoch(NOW - timedelta(days=7)) // 300 * 300
    assert week_ago_s(NOW) % 300 == 0


def test_cached_values_equal_a_fresh_read(city: City) -> None:
    _forget()
    fresh, n_fresh = _kpis(city)
    cached, n_cached = _kpis(city)
    assert cached == fresh
    assert n_cached < n_fresh  # the week-ago statements were not run again
    # Later in the same bucket: the same week-ago values, still no week-ago reads.
    later = NOW + timedelta(seconds=60)
    assert week_ago_s(later) == week_ago_s(NOW)
    again, n_again = _kpis(city, later)
    _forget()
    uncached, _ = _kpis(city, later)
    assert again == uncached
    assert n_again == n_cached


def test_a_new_bucket_reads_anew(city: City) -> None:
    _forget()
    _kpis(city)
    _, n_cached = _kpis(city)
    later = NOW + timedelta(minutes=5)
    assert week_ago_s(later) != week_ago_s(NOW)
    found, n_new = _kpis(city, later)
    assert n_new > n_cached
    _forget()
    fresh, _ = _kpis(city, later)
    assert found == fresh
    assert [k.previous for k in found] == [k.previous for k in fresh]


def test_another_store_has_its_own_entries(city: City, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _forget()
    _kpis(city)
    empty = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    empty.upgrade()
    try:
        with empty.read_session() as session:
            found = wall_kpis(session, city.config, NOW)
    finally:
        empty.dispose()
    assert all(k.previous is None for k in found if k.key != "alerts.active")
