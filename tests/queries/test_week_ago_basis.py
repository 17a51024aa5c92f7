"""A week-ago comparison needs a basis: on a store whose history began after that instant
every tile's `previous` is None (the tile says "no data a week ago"), however old the reports
it holds are; with history, a comparison is given."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from dashboard.queries.wall import wall_kpis
from tests.api.seed import NOW, REPORTS, Seed


def test_a_store_younger_than_a_week_compares_with_nothing(seeded: Seed) -> None:
    # A report the feed says was opened eight days ago: the store did not exist then.
    old = replace(
        REPORTS[0],
        external_id="RG-2025-00099",
        created_at=NOW - timedelta(days=8),
        updated_at=NOW - timedelta(days=8),
    )
    seeded.store.ingest("sim", reports=[old], now=NOW)
    with seeded.store.read_session() as session:
        kpis = wall_kpis(session, seeded.config, NOW)
    assert {k.key: k.previous for k in kpis} == {k.key: None for k in kpis}
    assert {k.key: k.value for k in kpis}["reports.open"] == 3
