"""The /reports overview's numbers equal aggregates computed independently in pandas from the
records and the test's own desk bookkeeping, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from dashboard.queries import report_stats as q
from dashboard.queries.report_desk import DeskFilter
from dashboard.store import Store
from tests.queries.report_desk_data import NOW, Desk, ingest, make_reports, truth

N = 1500


@pytest.fixture
def stats_city(store: Store) -> tuple[Store, pd.DataFrame]:
    reports = make_reports(N, seed=11)
    ids = ingest(store, reports)
    desk = Desk()
    for k, r in enumerate(r for r in reports if r.status == "open"):
        if k >= 120:
            break
        rid, state = ids[r.external_id], desk.of(r.external_id)
        at = r.created_at + timedelta(hours=1 + k % 30)
        store.desk_action(rid, "acknowledge", actor="an", at=at)
        state.status, state.acknowledged_at = "acknowledged", at
        if k % 2 == 0:
            closed = at + timedelta(hours=k % 90)
            store.desk_action(rid, "close", actor="chi", at=closed, text="Đã xử lý")
            state.status, state.closed_at = "closed", closed
    return store, truth(reports, desk)


def _hours(frame: pd.DataFrame, col: str) -> pd.Series:
    return (frame[col] - frame["created_at"]).dt.total_seconds() / 3600


FILTERS = {
    "all": DeskFilter(),
    "week-ward": DeskFilter(since=NOW - timedelta(days=7), until=NOW, wards=("Phường Rạch Giá",)),
    "potholes": DeskFilter(categories=("pothole",)),
}


def _expected(frame: pd.DataFrame, filt: DeskFilter) -> pd.DataFrame:
    m = pd.Series(True, index=frame.index)
    if filt.since:
        m &= (frame["created_at"] >= pd.Timestamp(filt.since)) & (
            frame["created_at"] < pd.Timestamp(filt.until)
        )
    if filt.wards:
        m &= frame["ward"].isin(filt.wards)
    if filt.categories:
        m &= frame["category"].isin(filt.categories)
    return frame[m]


@pytest.mark.parametrize("name", FILTERS)
def test_overview_numbers_equal_pandas_on_the_records(
    stats_city: tuple[Store, pd.DataFrame], name: str
) -> None:
    store, frame = stats_city
    filt = FILTERS[name]
    expected = _expected(frame, filt)
    with store.read_session() as s:
        facts = q.report_facts(s, filt, NOW)
    assert sorted(facts["external_id"]) == sorted(expected["external_id"])

    # volume by category and by ward
    for by in ("category", "ward"):
        volume = q.volume_by(facts, by).set_index("key")
        keyed = expected.assign(key=expected[by].fillna(""))
        counts = keyed.groupby("key").size()
        assert volume["reports"].to_dict() == counts.to_dict()
        open_ = keyed[keyed["status"] != "closed"].groupby("key").size()
        assert volume["open"].to_dict() == open_.reindex(counts.index, fill_value=0).to_dict()
        late = keyed[keyed["overdue"]].groupby("key").size()
        assert volume["overdue"].to_dict() == late.reindex(counts.index, fill_value=0).to_dict()
        assert list(volume["reports"]) == sorted(volume["reports"], reverse=True)

    # time to acknowledge and to close per category, against each category's service level
    times = q.response_times(facts, "category").set_index("key")
    ack_h, close_h = _hours(expected, "acknowledged_at"), _hours(expected, "closed_at")
    sla_h = (expected["due_at"] - expected["created_at"]).dt.total_seconds() / 3600
    for category, part in expected.groupby("category"):
        row = times.loc[category]
        a, c = ack_h[part.index].dropna(), close_h[part.index].dropna()
        assert row["reports"] == len(part)
        assert row["acknowledged"] == len(a) and row["closed"] == len(c)
        np.testing.assert_allclose(row["ack_median_h"], a.median() if len(a) else np.nan)
        np.testing.assert_allclose(row["close_median_h"], c.median() if len(c) else np.nan)
        np.testing.assert_allclose(row["close_p90_h"], c.quantile(0.9) if len(c) else np.nan)
        within = int((c <= sla_h[c.index]).sum())
        assert row["closed_within_sla"] == within
        assert row["sla_h"] == sla_h[part.index].iloc[0]

    # the headline numbers
    s = q.summary(facts)
    assert s.received == len(expected)
    assert s.open == int((expected["status"] != "closed").sum())
    assert s.overdue == int(expected["overdue"].sum())
    assert s.closed == int(close_h.notna().sum())
    assert s.ack_median_h == pytest.approx(ack_h.median())
    assert s.close_median_h == pytest.approx(close_h.median())
    assert s.within_sla_share == pytest.approx((close_h <= sla_h).sum() / close_h.notna().sum())


def test_desk_acknowledgements_count_in_time_to_acknowledge(
    stats_city: tuple[Store, pd.DataFrame],
) -> None:
    """The desk acknowledged 120 reports the feed calls open, 1 to 30 hours after they came
    in: those are their acknowledgement times (the feed has none for them)."""
    store, _ = stats_city
    feed_open = [r.external_id for r in make_reports(N, seed=11) if r.status == "open"][:120]
    with store.read_session() as s:
        facts = q.report_facts(s, DeskFilter(), NOW)
    by_desk = facts[facts["external_id"].isin(feed_open)]
    assert len(by_desk) == 120
    assert by_desk["hours_to_ack"].between(1, 30).all()


def test_grouping_by_an_unknown_column_is_refused(stats_city: tuple[Store, pd.DataFrame]) -> None:
    store, _ = stats_city
    with store.read_session() as s:
        facts = q.report_facts(s, DeskFilter(), NOW)
    with pytest.raises(ValueError, match="group"):
        q.volume_by(facts, "description")
