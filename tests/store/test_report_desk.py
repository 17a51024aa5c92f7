"""The citizen-report desk's workflow on both databases: each move, its audit row, the moves
that are refused (and change nothing), and a feed re-ingest that must not undo the desk."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from dashboard.queries.report_desk import DeskFilter, desk_page, report_detail, report_trail
from dashboard.store import DeskRefused, Store
from dashboard.store.report_desk import effective_status
from tests.queries.report_desk_data import NOW, make_reports

T0 = NOW
MINUTE = timedelta(minutes=1)


def _one_open(store: Store, category: str = "pothole") -> tuple[int, object]:
    report = dataclasses.replace(
        make_reports(1)[0],
        category=category,
        status="open",
        updated_at=NOW - timedelta(hours=2),
        created_at=NOW - timedelta(hours=2),
        closed_at=None,
        agency="Phòng Quản lý đô thị",
    )
    store.ingest("open311", reports=[report], now=NOW)
    with store.engine.connect() as conn:
        (rid,) = conn.exec_driver_sql("SELECT id FROM reports").one()
    return int(rid), report


def _state(store: Store, rid: int) -> tuple[str, str | None, int]:
    with store.read_session() as s:
        d = report_detail(s, rid, NOW + timedelta(hours=1))
        assert d is not None
        return d.status, d.agency, len(d.trail)


def test_a_report_moves_through_the_workflow_and_every_step_is_audited(store: Store) -> None:
    rid, _ = _one_open(store)
    steps = [
        ("acknowledge", "an.operator", {}, "acknowledged"),
        ("assign", "chi.manager", {"agency": "Công ty Công trình đô thị"}, "acknowledged"),
        ("comment", "an.operator", {"text": "Đã cử đội kiểm tra hiện trường."}, "acknowledged"),
        ("start", "an.operator", {}, "in_progress"),
        ("comment", "an.operator", {"text": "internal: crew 3", "public": False}, "in_progress"),
        ("close", "chi.manager", {"text": "Đã vá ổ gà."}, "closed"),
    ]
    for k, (action, actor, extra, status) in enumerate(steps):
        out = store.desk_action(rid, action, actor=actor, at=T0 + k * MINUTE, **extra)
        assert out.status_to == status
    with store.read_session() as s:
        detail = report_detail(s, rid, NOW + timedelta(hours=1))
    assert detail is not None
    assert detail.status == "closed" and detail.feed_status == "open"
    assert detail.agency == "Công ty Công trình đô thị"
    assert detail.acknowledged_at == T0
    assert detail.started_at == T0 + 3 * MINUTE
    assert detail.closed_at == T0 + 5 * MINUTE
    assert detail.resolution == "Đã vá ổ gà."
    trail = detail.trail
    assert list(trail["action"]) == [s[0] for s in steps]
    assert list(trail["actor"]) == [s[1] for s in steps]
    assert [ts.to_pydatetime() for ts in trail["at"]] == [T0 + k * MINUTE for k in range(6)]
    assert list(trail["status_to"]) == [s[3] for s in steps]
    assert list(trail["status_from"]) == ["open"] + [s[3] for s in steps[:-1]]
    assert trail["agency"].iloc[1] == "Công ty Công trình đô thị"
    assert trail["detail"].iloc[2] == "Đã cử đội kiểm tra hiện trường."
    assert list(trail["public"]) == [True, True, True, True, False, True]


@pytest.mark.parametrize(
    ("before", "action", "extra", "reason"),
    [
        (["acknowledge", "close"], "close", {"text": "again"}, "closed"),
        (["acknowledge", "close"], "acknowledge", {}, "closed"),
        (["acknowledge", "close"], "assign", {"agency": "Đội trật tự đô thị"}, "closed"),
        (["acknowledge"], "acknowledge", {}, "already_acknowledged"),
        ([], "start", {}, "not_acknowledged"),
        (["acknowledge", "start"], "start", {}, "already_in_progress"),
        (["acknowledge", "start"], "acknowledge", {}, "already_in_progress"),
        ([], "close", {"text": "   "}, "empty_resolution"),
        ([], "comment", {"text": ""}, "empty_comment"),
        ([], "comment", {"text": "x" * 2001}, "long_comment"),
        ([], "assign", {"agency": "Phòng Quản lý đô thị"}, "same_agency"),
        ([], "assign", {"agency": ""}, "empty_agency"),
        ([], "reopen", {}, "unknown_action"),
    ],
)
def test_an_invalid_move_is_refused_with_its_reason_and_changes_nothing(
    store: Store, before: list[str], action: str, extra: dict[str, str], reason: str
) -> None:
    rid, _ = _one_open(store)
    for k, step in enumerate(before):
        text = "Đã xử lý." if step == "close" else None
        store.desk_action(rid, step, actor="chi.manager", at=T0 + k * MINUTE, text=text)
    was = _state(store, rid)
    with pytest.raises(DeskRefused) as refused:
        store.desk_action(rid, action, actor="chi.manager", at=T0 + 9 * MINUTE, **extra)
    assert refused.value.reason == reason
    assert _state(store, rid) == was


def test_an_unknown_report_is_refused(store: Store) -> None:
    with pytest.raises(DeskRefused) as refused:
        store.desk_action(12345, "acknowledge", actor="an.operator", at=T0)
    assert refused.value.reason == "unknown_report"


def test_an_action_needs_an_actor_and_an_aware_time(store: Store) -> None:
    rid, _ = _one_open(store)
    with pytest.raises(ValueError, match="actor"):
        store.desk_action(rid, "acknowledge", actor=" ", at=T0)
    with pytest.raises(ValueError, match="aware"):
        store.desk_action(rid, "acknowledge", actor="an", at=T0.replace(tzinfo=None))
    assert _state(store, rid) == ("open", "Phòng Quản lý đô thị", 0)


def test_feed_reingest_never_undoes_the_desk(store: Store) -> None:
    """The desk closes and reassigns; the feed then re-sends the report as acknowledged (an
    older copy, and a newer one): the report stays closed with the desk's agency."""
    rid, report = _one_open(store)
    store.desk_action(rid, "acknowledge", actor="an.operator", at=T0)
    store.desk_action(rid, "assign", actor="chi", at=T0 + MINUTE, agency="Đội trật tự đô thị")
    store.desk_action(rid, "close", actor="chi", at=T0 + 2 * MINUTE, text="Đã giải tỏa.")
    for updated in (T0 - MINUTE, T0 + timedelta(hours=3)):
        again = dataclasses.replace(report, status="acknowledged", updated_at=updated)
        store.ingest("open311", reports=[again], now=updated)
    with store.read_session() as s:
        detail = report_detail(s, rid, T0 + timedelta(hours=4))
        page = desk_page(s, DeskFilter(statuses=("acknowledged",)), T0 + timedelta(hours=4))
    assert detail is not None
    assert detail.feed_status == "acknowledged"  # the feed's record is the feed's
    assert (detail.status, detail.agency) == ("closed", "Đội trật tự đô thị")
    assert detail.closed_at == T0 + 2 * MINUTE
    assert page.total == 0
    with pytest.raises(DeskRefused) as refused:
        store.desk_action(rid, "close", actor="chi", at=T0 + timedelta(hours=5), text="again")
    assert refused.value.reason == "closed"


def test_a_feed_can_move_a_report_forward_past_the_desk(store: Store) -> None:
    """The agency closes the report in its own system after the desk acknowledged it."""
    rid, report = _one_open(store)
    store.desk_action(rid, "acknowledge", actor="an.operator", at=T0)
    done = T0 + timedelta(hours=5)
    closed = dataclasses.replace(report, status="closed", updated_at=done, closed_at=done)
    store.ingest("open311", reports=[closed], now=done)
    with store.read_session() as s:
        detail = report_detail(s, rid, done)
    assert detail is not None
    assert (detail.status, detail.closed_at, detail.acknowledged_at) == ("closed", done, T0)
    with pytest.raises(DeskRefused):
        store.desk_action(rid, "start", actor="an.operator", at=done)


def test_the_python_and_sql_overlays_agree(store: Store) -> None:
    """Every (feed, desk) status pair: the list's status equals `effective_status`."""
    statuses = ("open", "acknowledged", "in_progress", "closed")
    path = {"open": [], "acknowledged": ["acknowledge"], "in_progress": ["acknowledge", "start"]}
    path["closed"] = ["close"]
    base = make_reports(1)[0]
    expected = {}
    for feed in statuses:
        for desk in statuses:
            ext = f"RG-{feed}-{desk}"
            rep = dataclasses.replace(base, external_id=ext, status="open", closed_at=None)
            store.ingest("open311", reports=[rep], now=NOW)
            with store.engine.connect() as conn:
                rid = conn.exec_driver_sql(
                    f"SELECT id FROM reports WHERE external_id = '{ext}'"
                ).scalar_one()
            for k, step in enumerate(path[desk]):
                store.desk_action(rid, step, actor="a", at=T0 + k * MINUTE, text="ok")
            later = dataclasses.replace(
                rep,
                status=feed,
                updated_at=NOW + timedelta(hours=1),
                closed_at=NOW + timedelta(hours=1) if feed == "closed" else None,
            )
            store.ingest("open311", reports=[later], now=NOW + timedelta(hours=1))
            expected[ext] = effective_status(feed, desk if path[desk] else "open")
    with store.read_session() as s:
        page = desk_page(s, DeskFilter(), NOW, page_size=100)
    shown = dict(zip(page.rows["external_id"], page.rows["status"], strict=True))
    assert shown == expected
    assert expected["RG-acknowledged-closed"] == "closed"
    assert expected["RG-closed-acknowledged"] == "closed"
    assert expected["RG-in_progress-acknowledged"] == "in_progress"


def test_trail_of_a_report_without_desk_actions_is_empty(store: Store) -> None:
    rid, _ = _one_open(store)
    with store.read_session() as s:
        trail = report_trail(s, rid)
    assert trail.empty and list(trail.columns)[:3] == ["at", "actor", "action"]
