"""The desk's list, filtered, sorted and paged in SQL, against the same list computed in pandas
from the records (3,000 reports, some changed by the desk), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from dashboard.queries.report_desk import DeskFilter, desk_page, desk_rows
from dashboard.store import Store
from tests.queries.report_desk_data import NOW, Desk, ingest, make_reports, truth

N = 3000
PAGE = 250


@pytest.fixture
def desk_city(store: Store) -> tuple[Store, pd.DataFrame]:
    """3,000 reports, 150 of them moved by the desk (acknowledged, assigned, closed)."""
    reports = make_reports(N)
    ids = ingest(store, reports)
    desk = Desk()
    for k, r in enumerate(reports[:150]):
        rid, state = ids[r.external_id], desk.of(r.external_id)
        at = NOW - timedelta(minutes=150 - k)
        if r.status == "open":
            store.desk_action(rid, "acknowledge", actor="an", at=at)
            state.status, state.acknowledged_at = "acknowledged", at
        if k % 3 == 0 and r.status != "closed" and r.agency != "Đội trật tự đô thị":
            store.desk_action(rid, "assign", actor="chi", at=at, agency="Đội trật tự đô thị")
            state.agency = "Đội trật tự đô thị"
        if k % 5 == 0 and r.status != "closed":
            store.desk_action(rid, "close", actor="chi", at=at, text="Đã xử lý")
            state.status, state.closed_at = "closed", at
    frame = truth(reports, desk)
    frame["id"] = frame["external_id"].map(ids)
    return store, frame


def _all_pages(store: Store, filt: DeskFilter, sort: list[tuple[str, str]]) -> pd.DataFrame:
    pages = []
    with store.read_session() as s:
        first = desk_page(s, filt, NOW, sort=sort, page=0, page_size=PAGE)
        pages.append(first.rows)
        for k in range(1, first.page_count):
            page = desk_page(s, filt, NOW, sort=sort, page=k, page_size=PAGE)
            assert (page.page, page.total) == (k, first.total)
            pages.append(page.rows)
    out = pd.concat(pages, ignore_index=True) if pages else first.rows
    assert len(out) == first.total
    return out


def _expected(frame: pd.DataFrame, sort: list[tuple[str, str]]) -> list[str]:
    """The external ids in the list's order: the sort keys (NULLs last), then newest id."""
    rank = {"open": 0, "acknowledged": 1, "in_progress": 2, "closed": 3}
    keyed = frame.assign(status=frame["status"].map(rank))
    keys = [c for c, _ in sort] or ["created_at"]
    asc = [d == "asc" for _, d in sort] or [False]
    rows = keyed.to_dict("records")
    rows.sort(key=lambda r: -r["id"])
    for key, up in reversed(list(zip(keys, asc, strict=True))):
        present = [r for r in rows if r[key] is not None and not pd.isna(r[key])]
        missing = [r for r in rows if r[key] is None or pd.isna(r[key])]
        present.sort(key=lambda r: r[key], reverse=not up)
        rows = present + missing
    return [r["external_id"] for r in rows]


SORTS = [
    [],
    [("created_at", "asc")],
    [("category", "asc"), ("created_at", "desc")],
    [("status", "desc")],
    [("ward", "asc")],
    [("zone", "desc")],
    [("agency", "desc"), ("external_id", "asc")],
]


@pytest.mark.parametrize(
    "sort", SORTS, ids=lambda s: "+".join(f"{c}.{d}" for c, d in s) or "default"
)
def test_paging_through_every_page_gives_the_sorted_list_once(
    desk_city: tuple[Store, pd.DataFrame], sort: list[tuple[str, str]]
) -> None:
    store, frame = desk_city
    shown = _all_pages(store, DeskFilter(), sort)
    assert list(shown["external_id"]) == _expected(frame, sort)
    by_id = frame.set_index("external_id").loc[shown["external_id"]]
    assert list(shown["status"]) == list(by_id["status"])
    assert list(shown["agency"].fillna("-")) == list(by_id["agency"].fillna("-"))
    assert list(shown["overdue"]) == list(by_id["overdue"])
    assert (shown["due_at"].to_numpy() == by_id["due_at"].to_numpy()).all()


def _mask(frame: pd.DataFrame, filt: DeskFilter) -> pd.Series:
    m = pd.Series(True, index=frame.index)
    if filt.since:
        m &= frame["created_at"] >= pd.Timestamp(filt.since)
    if filt.until:
        m &= frame["created_at"] < pd.Timestamp(filt.until)
    if filt.wards:
        m &= frame["ward"].isin(filt.wards)
    if filt.zones:
        m &= frame["zone"].isin(filt.zones)
    if filt.categories:
        m &= frame["category"].isin(filt.categories)
    if filt.statuses:
        m &= frame["status"].isin(filt.statuses)
    if filt.overdue:
        m &= frame["overdue"]
    if filt.text:
        needle = filt.text.lower()
        hay = frame["external_id"] + "\n" + frame["description"] + "\n" + frame["address"]
        m &= hay.str.lower().str.contains(needle, regex=False)
    return m


FILTERS = {
    "ward": DeskFilter(wards=("Phường Vĩnh Thông",)),
    "zones": DeskFilter(zones=("Vĩnh Thanh Vân", "An Hòa")),
    "week": DeskFilter(since=NOW - timedelta(days=7), until=NOW - timedelta(days=1)),
    "categories": DeskFilter(categories=("pothole", "flooding")),
    "active": DeskFilter(statuses=("open", "acknowledged", "in_progress")),
    "overdue": DeskFilter(overdue=True),
    "overdue-ward-category": DeskFilter(
        overdue=True, wards=("Phường Rạch Giá",), categories=("waste",)
    ),
    "text-ascii-any-case": DeskFilter(text="POTHOLE"),
    "text-percent-literal": DeskFilter(text="100%"),
    "text-underscore-literal": DeskFilter(text="k_z"),
    "text-vietnamese": DeskFilter(text="đèn đường"),
    "text-id": DeskFilter(text="-00042"),
    "nothing": DeskFilter(categories=("tree",), text="no such words"),
}


@pytest.mark.parametrize("name", FILTERS)
def test_filters_select_exactly_the_matching_reports(
    desk_city: tuple[Store, pd.DataFrame], name: str
) -> None:
    store, frame = desk_city
    filt = FILTERS[name]
    expected = frame[_mask(frame, filt)]
    with store.read_session() as s:
        first = desk_page(s, filt, NOW, page_size=PAGE)
        every = desk_rows(s, filt, NOW)
    assert first.total == len(expected) == len(every)
    assert set(every["external_id"]) == set(expected["external_id"])
    assert list(every["external_id"]) == _expected(expected, [])
    if name != "nothing":
        assert 0 < len(expected) < N


def test_a_page_past_the_end_is_the_last_page(desk_city: tuple[Store, pd.DataFrame]) -> None:
    store, frame = desk_city
    with store.read_session() as s:
        page = desk_page(s, DeskFilter(), NOW, page=10_000, page_size=PAGE)
        empty = desk_page(s, DeskFilter(text="no such words"), NOW, page=3, page_size=PAGE)
    assert page.page == page.page_count - 1 == -(-N // PAGE) - 1
    assert list(page.rows["external_id"]) == _expected(frame, [])[page.page * PAGE :]
    assert (empty.page, empty.total, len(empty.rows), empty.page_count) == (0, 0, 0, 1)


def test_bad_sort_or_filter_values_are_refused(desk_city: tuple[Store, pd.DataFrame]) -> None:
    store, _ = desk_city
    with store.read_session() as s, pytest.raises(ValueError, match="cannot sort"):
        desk_page(s, DeskFilter(), NOW, sort=[("description; DROP TABLE reports", "asc")])
    with pytest.raises(ValueError, match="status"):
        DeskFilter(statuses=("lost",))
    with pytest.raises(ValueError, match="aware"):
        DeskFilter(since=NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="longer"):
        DeskFilter(text="x" * 201)
