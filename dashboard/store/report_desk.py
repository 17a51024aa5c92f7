"""The citizen-report desk's writes: acknowledge, start work, assign, comment, close.

Every action runs in one write transaction that reads the report's current state first (the
row is locked: `FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` on SQLite), checks the move is
allowed from there, then writes the desk's state (`report_desk`) and one audit row
(`report_events`: who, when, what, from which status to which). A refused move raises
`DeskRefused` with a reason code and writes nothing, so closing twice or acknowledging a
closed report changes nothing and says why.

The feed never writes here and the desk never writes `reports`: a feed re-ingest therefore
cannot undo a desk decision. What a report *is* now is the overlay of both (`effective_status`
here, the same rule in SQL in `dashboard.queries.report_desk`): the further along of the two
statuses in open < acknowledged < in_progress < closed (a feed may move a report forward, e.g.
the agency closes it in its own system; it can never move it back behind the desk), and the
desk's agency once one was assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Engine, insert, select, update

from dashboard.records import ReportStatus
from dashboard.store.models import ReportDeskRow, ReportEventRow, ReportRow

__all__ = [
    "ACTIONS",
    "MAX_TEXT",
    "STATUS_ORDER",
    "DeskOutcome",
    "DeskRefused",
    "apply_action",
    "effective_status",
]

STATUS_ORDER: Final[tuple[str, ...]] = tuple(str(s) for s in ReportStatus)  # open .. closed
ACTIONS: Final[tuple[str, ...]] = ("acknowledge", "start", "assign", "comment", "close")
MAX_TEXT: Final = 2000  # a comment or a resolution, in characters
_AGENCY_LEN: Final = 128  # ReportDeskRow.agency

OPEN, ACKNOWLEDGED, IN_PROGRESS, CLOSED = STATUS_ORDER


def _rank(status: str) -> int:
    # An unknown status string (a feed's own word) counts as open: the desk can still act.
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else 0


def effective_status(feed: str, desk: str | None) -> str:
    """The status a report shows: the further along of the feed's and the desk's."""
    if desk is None or _rank(feed) > _rank(desk):
        return feed
    return desk


class DeskRefused(ValueError):
    """A desk action that is not allowed from the report's current state; nothing was written.

    `reason` is a code (pages translate it: `desk.refused.<reason>`), `status` the report's
    status when it was refused (None when the report does not exist).
    """

    def __init__(self, reason: str, status: str | None = None) -> None:
        super().__init__(f"desk action refused: {reason} (status {status})")
        self.reason = reason
        self.status = status


@dataclass(frozen=True, slots=True)
class DeskOutcome:
    """What one accepted action did."""

    report_id: int
    action: str
    actor: str
    at: datetime
    status_from: str
    status_to: str
    event_id: int


# action -> the statuses it may start from, and the status it leads to (None: unchanged)
_MOVES: Final[dict[str, tuple[tuple[str, ...], str | None]]] = {
    "acknowledge": ((OPEN,), ACKNOWLEDGED),
    "start": ((ACKNOWLEDGED,), IN_PROGRESS),
    "assign": ((OPEN, ACKNOWLEDGED, IN_PROGRESS), None),
    "comment": (STATUS_ORDER, None),
    "close": ((OPEN, ACKNOWLEDGED, IN_PROGRESS), CLOSED),
}


def _refusal(action: str, status: str) -> str:
    """The reason code for `action` not being allowed from `status`."""
    if status == CLOSED:
        return "closed"
    if action == "acknowledge":
        return "already_acknowledged" if status == ACKNOWLEDGED else "already_in_progress"
    if action == "start":
        return "not_acknowledged" if status == OPEN else "already_in_progress"
    return "not_allowed"


def _clean_text(value: str | None, reason: str, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DeskRefused(f"empty_{reason}")
    if len(text) > max_len:
        raise DeskRefused(f"long_{reason}")
    if "\x00" in text:
        raise DeskRefused(f"bad_{reason}")
    return text


def _checked_inputs(action: str, agency: str | None, text: str | None) -> dict[str, Any]:
    """The action's own inputs, cleaned, before any database work."""
    if action not in ACTIONS:
        raise DeskRefused("unknown_action")
    if action == "assign":
        return {"agency": _clean_text(agency, "agency", _AGENCY_LEN), "detail": None}
    if action == "comment":
        return {"agency": None, "detail": _clean_text(text, "comment", MAX_TEXT)}
    if action == "close":
        return {"agency": None, "detail": _clean_text(text, "resolution", MAX_TEXT)}
    return {"agency": None, "detail": (text or "").strip() or None}


def apply_action(
    engine: Engine,
    report_id: int,
    action: str,
    actor: str,
    at: datetime,
    *,
    agency: str | None = None,
    text: str | None = None,
    public: bool = True,
) -> DeskOutcome:
    """Apply one desk `action` to report `report_id` as `actor` at `at` (aware UTC).

    `agency` is the assignee (assign), `text` the comment (comment) or resolution (close);
    `public` marks a comment the citizen may see (status changes and resolutions are always
    public). Raises `DeskRefused` (nothing written) when the move is not allowed.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("desk actions need an aware `at`")
    if not actor or not actor.strip():
        raise ValueError("desk actions need an actor")
    inputs = _checked_inputs(action, agency, text)
    allowed, target = _MOVES[action]
    with engine.connect() as conn, conn.begin():
        lock = select(ReportRow.status, ReportRow.agency).where(ReportRow.id == report_id)
        if conn.dialect.name == "postgresql":
            lock = lock.with_for_update()
        feed = conn.execute(lock).first()
        if feed is None:
            raise DeskRefused("unknown_report")
        desk = conn.execute(
            select(ReportDeskRow.status, ReportDeskRow.agency).where(
                ReportDeskRow.report_id == report_id
            )
        ).first()
        before = effective_status(feed.status, desk.status if desk else None)
        if before not in allowed:
            raise DeskRefused(_refusal(action, before), before)
        current_agency = desk.agency if desk and desk.agency else feed.agency
        if action == "assign" and inputs["agency"] == current_agency:
            raise DeskRefused("same_agency", before)
        after = target or before
        values = _desk_values(action, after, at, actor, inputs)
        if desk is None:
            conn.execute(
                insert(ReportDeskRow).values(report_id=report_id, **({"status": OPEN} | values))
            )
        else:
            conn.execute(
                update(ReportDeskRow).where(ReportDeskRow.report_id == report_id).values(**values)
            )
        event_id = conn.execute(
            insert(ReportEventRow)
            .values(
                report_id=report_id,
                at=at,
                actor=actor.strip(),
                action=action,
                status_from=before,
                status_to=after,
                agency=inputs["agency"],
                detail=inputs["detail"],
                public=public if action == "comment" else True,
            )
            .returning(ReportEventRow.id)
        ).scalar_one()
    return DeskOutcome(report_id, action, actor.strip(), at, before, after, int(event_id))


def _desk_values(
    action: str, after: str, at: datetime, actor: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """The report_desk columns `action` sets (status only when the action moves it)."""
    values: dict[str, Any] = {"updated_at": at, "updated_by": actor.strip()}
    if action == "acknowledge":
        values |= {"status": after, "acknowledged_at": at}
    elif action == "start":
        values |= {"status": after, "started_at": at}
    elif action == "close":
        values |= {"status": after, "closed_at": at, "resolution": inputs["detail"]}
    elif action == "assign":
        values["agency"] = inputs["agency"]
    return values
