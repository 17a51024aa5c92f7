"""The store keeps when a report was first acknowledged, though the feed keeps no history.

An Open311 record says only its current status: once it reads "in progress", when it was
acknowledged is gone from the feed. The ingest keeps the first version it saw acknowledged or
in progress, whichever batches the versions came in and in whatever order.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboard.store import Store
from tests.store.data import T0, minutes, report


def _row(store: Store) -> tuple[str, datetime | None, datetime]:
    from sqlalchemy import select

    from dashboard.store.models import ReportRow

    with store.read_session() as s:
        r = s.execute(select(ReportRow.status, ReportRow.acknowledged_at, ReportRow.updated_at))
        status, ack, updated = r.one()
    return status, ack, updated


OPEN, ACK, WORK, CLOSED = (
    report("sr-1", "open", T0),
    report("sr-1", "acknowledged", T0 + minutes(40)),
    report("sr-1", "in_progress", T0 + minutes(90)),
    report("sr-1", "closed", T0 + minutes(300), closed_at=T0 + minutes(300)),
)


@pytest.mark.parametrize(
    "batches",
    [
        pytest.param([[OPEN], [ACK], [WORK], [CLOSED]], id="one-version-per-batch"),
        pytest.param([[OPEN, ACK, WORK, CLOSED]], id="all-in-one-batch"),
        pytest.param([[CLOSED, WORK], [ACK, OPEN]], id="late-older-versions"),
        pytest.param([[OPEN, ACK], [OPEN, ACK, WORK, CLOSED], [ACK]], id="re-delivered"),
    ],
)
def test_first_acknowledgement_is_kept(store: Store, batches: list) -> None:
    for k, batch in enumerate(batches):
        store.ingest("open311", reports=batch, now=T0 + minutes(400 + k))
    assert _row(store) == ("closed", T0 + minutes(40), T0 + minutes(300))


def test_in_progress_without_acknowledged_counts_as_acknowledged(store: Store) -> None:
    store.ingest("open311", reports=[OPEN], now=T0)
    store.ingest("open311", reports=[WORK, CLOSED], now=T0 + minutes(400))
    assert _row(store)[1] == T0 + minutes(90)


def test_a_report_first_seen_closed_has_no_acknowledgement(store: Store) -> None:
    store.ingest("open311", reports=[CLOSED], now=T0 + minutes(400))
    assert _row(store) == ("closed", None, T0 + minutes(300))


def test_an_older_version_changes_nothing_else(store: Store) -> None:
    store.ingest("open311", reports=[WORK], now=T0 + minutes(100))
    store.ingest("open311", reports=[ACK], now=T0 + minutes(101))
    assert _row(store) == ("in_progress", T0 + minutes(40), T0 + minutes(90))
