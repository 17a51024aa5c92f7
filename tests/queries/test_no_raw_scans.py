"""The wall's queries read latest values, rollups and small tables: raw readings only in the
bounded lamp-event queries of dashboard.queries.events, and as the 5-minute buckets of the
series whose readings are their own buckets (dashboard.queries._five_minute: a window of each
series, by primary key)."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from dashboard.queries import wall
from dashboard.store import Store
from tests.queries.city import NOW, City

RAW = re.compile(r"\b(FROM|JOIN)\s+readings\b", re.IGNORECASE)
FIVE_MINUTE = re.compile(r"\)\s+AS five_minute\b")
WINDOWED = re.compile(r"readings\.ts >= .+ AND readings\.ts < ")
LAMP_EVENT_QUERIES = {"lamp_states_at", "lamp_fault_transitions", "lamp_fault_transition_rows"}


@contextmanager
def statements(store: Store) -> Iterator[list[tuple[str, set[str]]]]:
    """Every SQL statement run on `store`, with the names of the query functions that ran it."""
    seen: list[tuple[str, set[str]]] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        callers = {
            frame.name
            for frame in traceback.extract_stack()
            if "dashboard/queries/" in frame.filename
        }
        seen.append((sql, callers))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_only_the_lamp_event_queries_read_raw_readings(city: City) -> None:
    with statements(city.store) as seen, city.store.read_session() as session:
        wall.wall_kpis(session, city.config, NOW)
        state = wall.map_state(session, city.config, NOW)
        wall.lamp_changes(session, state.version - 3600)
        wall.trends_24h(session, city.config, NOW)
        wall.ticker_rows(session, city.config, NOW)
        wall.ticker_events(session, city.config, NOW)
        wall.feed_quality(session, city.config, NOW)
    assert len(seen) > 20
    five = [sql for sql, _ in seen if FIVE_MINUTE.search(sql)]
    assert five, "energy today and the week-ago values read 5-minute buckets"
    assert all(WINDOWED.search(sql) for sql in five)
    raw = [(sql, callers) for sql, callers in seen if RAW.search(sql) and sql not in five]
    assert raw, "the lamp-event queries ran and were seen"
    for sql, callers in raw:
        assert callers & LAMP_EVENT_QUERIES, sql
    # The week-ago lamp states and the ticker's transitions (read once, for both its forms).
    assert {name for _, callers in raw for name in callers & LAMP_EVENT_QUERIES} == {
        "lamp_states_at",
        "lamp_fault_transition_rows",
    }
    # Everything else touched no raw table at all.
    others = [sql for sql, callers in seen if not callers & LAMP_EVENT_QUERIES and sql not in five]
    assert not any(RAW.search(sql) for sql in others)
