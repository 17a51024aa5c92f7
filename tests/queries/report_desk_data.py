"""Citizen reports for the desk's tests, shaped like the simulator's and an Open311 feed's, and
the truth about them computed in pandas from the records alone (never through the query layer).

`make_reports(n)` spreads reports over the 30 days before NOW: categories with the simulator's
weights, the 2025 wards (and a few reports outside every ward), every status with the feed's
timestamps, Vietnamese and English descriptions (some holding "%" and "_", which a search must
take literally). `truth(reports, desk)` is the overlay the desk must show, from `desk`: the
desk's own state per external id, kept by the test as it acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from dashboard.records import REPORT_SLA_HOURS, CitizenReport
from dashboard.store import Store
from data_sources.simulator.report_texts import CATEGORY_WEIGHTS  # the simulator's weights

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # 10:00 in Rạch Giá
WARDS = ("Phường Rạch Giá", "Phường Vĩnh Thông", None)
ZONES = ("Vĩnh Thanh Vân", "Vĩnh Quang", "An Hòa", "Rạch Sỏi", None)
AGENCIES = ("Phòng Quản lý đô thị", "Công ty Công trình đô thị", "Đội trật tự đô thị", None)
STREETS = ("Nguyễn Trung Trực", "Lâm Quang Ky", "Trần Phú", "Mạc Cửu", "Lạc Hồng")
TEXTS = (
    "Ổ gà lớn trên đường {street}, xe máy đi qua rất nguy hiểm.",
    "Đèn đường trước nhà số {no} {street} không sáng đã 3 đêm.",
    "Rác thải tồn đọng ở hẻm {no} {street}, bốc mùi.",
    "Pothole near no. {no} {street}, dangerous at night.",
    "Street light out at {street} ({no}), 100% dark_zone.",
)
STATUSES = ("open", "acknowledged", "in_progress", "closed")


def make_reports(n: int, seed: int = 5) -> list[CitizenReport]:
    """`n` reports created in the 30 days before NOW, deterministic for `seed`."""
    rng = np.random.default_rng(seed)
    cats = list(CATEGORY_WEIGHTS)
    weights = np.array(list(CATEGORY_WEIGHTS.values()))
    out = []
    for k in range(n):
        created = NOW - timedelta(seconds=int(rng.integers(60, 30 * 86400)))
        category = cats[int(rng.choice(len(cats), p=weights / weights.sum()))]
        status = STATUSES[int(rng.integers(4))]
        updated = created + timedelta(minutes=int(rng.integers(0, 600)))
        updated = min(updated, NOW)
        street = STREETS[int(rng.integers(len(STREETS)))]
        no = int(rng.integers(1, 400))
        text = TEXTS[int(rng.integers(len(TEXTS)))].format(street=street, no=no)
        out.append(
            CitizenReport(
                external_id=f"RG-{created:%Y%m%d%H}-{k:05d}",
                category=category,
                description=text,
                status=status,
                lon=105.06 + float(rng.random()) * 0.05,
                lat=9.99 + float(rng.random()) * 0.04,
                created_at=created,
                updated_at=updated,
                address=f"{no} {street}, Rạch Giá",
                ward=WARDS[int(rng.integers(len(WARDS)))],
                zone=ZONES[int(rng.integers(len(ZONES)))],
                closed_at=updated if status == "closed" else None,
                agency=AGENCIES[int(rng.integers(len(AGENCIES)))],
            )
        )
    return out


def ingest(store: Store, reports: list[CitizenReport], batch: int = 2000) -> dict[str, int]:
    """Store `reports` through `Store.ingest` (source "open311"); external id -> row id."""
    for i in range(0, len(reports), batch):
        store.ingest("open311", reports=reports[i : i + batch], now=NOW)
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT external_id, id FROM reports").all()
    return {e: int(i) for e, i in rows}


@dataclass
class DeskState:
    """What the test's own desk actions decided, per external id (the test's bookkeeping)."""

    status: str = "open"
    agency: str | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class Desk:
    states: dict[str, DeskState] = field(default_factory=dict)

    def of(self, external_id: str) -> DeskState:
        return self.states.setdefault(external_id, DeskState())


def _rank(status: str) -> int:
    return STATUSES.index(status)


def truth(reports: list[CitizenReport], desk: Desk, now: datetime = NOW) -> pd.DataFrame:
    """The desk's view of every report, computed from the records and the test's own desk
    bookkeeping: external_id, category, ward, zone, description, address, created_at, status,
    agency, acknowledged_at, closed_at, due_at, overdue, lon, lat."""
    latest: dict[str, CitizenReport] = {}
    feed_ack: dict[str, datetime] = {}  # the first version acknowledged or in progress
    for r in reports:
        if r.external_id not in latest or r.updated_at > latest[r.external_id].updated_at:
            latest[r.external_id] = r
        if r.status in ("acknowledged", "in_progress"):
            first = feed_ack.get(r.external_id)
            feed_ack[r.external_id] = r.updated_at if first is None else min(first, r.updated_at)
    rows = []
    for r in latest.values():
        d = desk.states.get(r.external_id)
        status = r.status if d is None or _rank(r.status) > _rank(d.status) else d.status
        acks = [a for a in (d.acknowledged_at if d else None, feed_ack.get(r.external_id)) if a]
        ack = min(acks) if acks else None
        closed = None
        if status == "closed":
            closed = d.closed_at if d and d.status == "closed" else (r.closed_at or r.updated_at)
        sla = REPORT_SLA_HOURS.get(r.category, REPORT_SLA_HOURS["other"])
        due = r.created_at + timedelta(hours=sla)
        rows.append(
            {
                "external_id": r.external_id,
                "category": r.category,
                "ward": r.ward,
                "zone": r.zone,
                "description": r.description,
                "address": r.address,
                "created_at": r.created_at,
                "status": status,
                "agency": d.agency if d and d.agency else r.agency,
                "acknowledged_at": ack,
                "closed_at": closed,
                "due_at": due,
                "overdue": status != "closed" and due < now,
                "lon": r.lon,
                "lat": r.lat,
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("created_at", "acknowledged_at", "closed_at", "due_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame
