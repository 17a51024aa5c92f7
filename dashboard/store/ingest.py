"""Ingest: one connector batch in, one transaction out.

Assets upsert, readings go through the columnar hot path in `readings`, reports upsert on
(source, external_id), and everything refused (connector rejects and records that fail
`dashboard.records.validate_*`) lands in the quarantine with its reason, once per distinct
record: its digest is the hash of the record itself, not of when or why it was refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, case
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.geometry import representative_point
from dashboard.records import (
    Asset,
    CitizenReport,
    Reading,
    ReadingBlock,
    Reject,
    ReportStatus,
    validate_asset,
    validate_report,
)
from dashboard.store.models import AssetRow, QuarantineRow, ReportRow
from dashboard.store.readings import SeriesKey, store_readings

__all__ = ["IngestResult", "encode_payload", "ingest"]


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What one ingest did. `duplicates` were valid readings already stored (or repeated in
    the batch); `quarantined` counts the batch's refused records, re-deliveries included."""

    assets: int
    readings: int
    duplicates: int
    reports: int
    quarantined: int


def _safe_repr(record: Any) -> str:
    try:
        return repr(record)
    except Exception as exc:  # a broken __repr__ must not cost the batch either
        return f"<unrepresentable {type(record).__name__}: {type(exc).__name__}>"


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name, None) for f in dataclasses.fields(obj)}
    return _safe_repr(obj)


def _dumps(record: Any, ascii_only: bool) -> str:
    try:
        return json.dumps(record, default=_json_default, sort_keys=True, ensure_ascii=ascii_only)
    except Exception:  # mixed or tuple keys, cycles, deep nesting, odd objects: any payload
        return json.dumps(_safe_repr(record), ensure_ascii=ascii_only)


def encode_payload(record: Any) -> str:
    """The quarantine text of `record`; total, because a refused record that cannot be
    written down must not take the good records of its batch with it.

    JSON with sorted keys when the record allows it (so the digest ignores key order), else
    a JSON string holding its `repr`; escaped to ASCII only when it holds lone surrogates,
    which UTF-8 (and so both databases) cannot store.
    """
    text = _dumps(record, ascii_only=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _dumps(record, ascii_only=True)
    return text


def _storable(text: str) -> str:
    """`text` as both databases take it: lone surrogates and NUL (PostgreSQL text cannot
    hold it) escaped as backslash sequences."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.replace("\x00", "\\x00")


def _quarantine_row(source: str, now: datetime, kind: str, reason: Any, record: Any) -> dict:
    payload = encode_payload(record)
    digest = hashlib.sha256(f"{kind}\n{payload}".encode()).hexdigest()
    return {
        "source": source,
        "received_at": now,
        "record_kind": kind,
        "reason": _storable(reason if isinstance(reason, str) else _safe_repr(reason)),
        "payload": payload,
        "digest": digest,
    }


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def _upsert_assets(conn: Connection, source: str, assets: Sequence[Asset], now: datetime) -> None:
    rows = []
    for a in sorted(assets, key=lambda a: a.id):
        lon, lat = representative_point(a.geometry)
        rows.append(
            {
                "id": a.id,
                "source": source,
                "domain": a.domain,
                "kind": a.kind,
                "name": a.name,
                "geometry": a.geometry,
                "lon": lon,
                "lat": lat,
                "ward": a.ward,
                "zone": a.zone,
                "attributes": a.attributes,
                "updated_at": now,
            }
        )
    stmt = _insert(conn)(AssetRow)
    updates = {c: stmt.excluded[c] for c in rows[0] if c != "id"}
    conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=updates), rows)


_ACKNOWLEDGING = frozenset({ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS})


def _upsert_reports(
    conn: Connection,
    source: str,
    reports: Sequence[CitizenReport],
    acknowledged: dict[str, datetime],
) -> None:
    """Newest version per report wins; `acknowledged_at` keeps the first acknowledgement
    time ever seen (`acknowledged`: per external id, from this batch's versions)."""
    rows = [
        {
            "source": source,
            **{f.name: getattr(r, f.name) for f in dataclasses.fields(r)},
            "acknowledged_at": acknowledged.get(r.external_id),
        }
        for r in sorted(reports, key=lambda r: (r.external_id, r.updated_at))
    ]
    stmt = _insert(conn)(ReportRow)
    table: Table = ReportRow.__table__  # type: ignore[assignment]
    keys = ("source", "external_id")
    new, old = stmt.excluded, table.c
    newer = new.updated_at > old.updated_at
    earlier_ack = new.acknowledged_at.is_not(None) & (
        old.acknowledged_at.is_(None) | (new.acknowledged_at < old.acknowledged_at)
    )
    # An older version changes nothing but, when it is the first acknowledgement seen, that.
    updates: dict[str, Any] = {
        c: case((newer, new[c]), else_=old[c])
        for c in rows[0]
        if c not in (*keys, "acknowledged_at")
    }
    updates["acknowledged_at"] = case((earlier_ack, new.acknowledged_at), else_=old.acknowledged_at)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(keys), set_=updates, where=newer | earlier_ack
        ),
        rows,
    )


def _quarantine(conn: Connection, rows: list[dict]) -> None:
    unique = sorted({r["digest"]: r for r in rows}.values(), key=lambda r: r["digest"])
    stmt = _insert(conn)(QuarantineRow).on_conflict_do_nothing(index_elements=["source", "digest"])
    conn.execute(stmt, unique)


def ingest(
    engine: Engine,
    series_cache: dict[SeriesKey, int],
    source: str,
    *,
    assets: Sequence[Asset] = (),
    readings: Sequence[Reading] = (),
    blocks: Sequence[ReadingBlock] = (),
    reports: Sequence[CitizenReport] = (),
    rejects: Sequence[Reject] = (),
    now: datetime,
) -> IngestResult:
    """Store one batch from `source` in one transaction; see the module docstring.

    `series_cache` (the Store's) gains the series created here only once the transaction has
    committed, so a rolled-back batch never leaves ids behind that the database does not have.
    """
    if now.tzinfo is None:
        raise ValueError("ingest needs an aware `now`")
    bad = [_quarantine_row(source, now, "payload", r.reason, r.payload) for r in rejects]
    good_assets: dict[str, Asset] = {}  # last delivery of an id wins
    for a in assets:
        why = validate_asset(a)
        if why is None:
            try:
                representative_point(a.geometry)
            except ValueError as exc:
                why = str(exc)
        if why is None:
            good_assets[a.id] = a
        else:
            bad.append(_quarantine_row(source, now, "asset", why, a))
    good_reports: dict[str, CitizenReport] = {}
    # Per report, the earliest version saying it is acknowledged or in progress; a report
    # first seen closed has no known acknowledgement (its closing time would overstate it).
    acknowledged: dict[str, datetime] = {}
    for rep in reports:
        why = validate_report(rep)
        if why is not None:
            bad.append(_quarantine_row(source, now, "report", why, rep))
            continue
        if rep.status in _ACKNOWLEDGING:
            seen_ack = acknowledged.get(rep.external_id)
            if seen_ack is None or rep.updated_at < seen_ack:
                acknowledged[rep.external_id] = rep.updated_at
        if (seen := good_reports.get(rep.external_id)) is None or rep.updated_at > seen.updated_at:
            good_reports[rep.external_id] = rep

    with engine.connect() as conn, conn.begin():
        if good_assets:
            _upsert_assets(conn, source, list(good_assets.values()), now)
        outcome = store_readings(conn, readings, series_cache, good_assets.keys(), now, blocks)
        bad += [_quarantine_row(source, now, "reading", why, r) for r, why in outcome.rejected]
        if good_reports:
            _upsert_reports(conn, source, list(good_reports.values()), acknowledged)
        if bad:
            _quarantine(conn, bad)
    series_cache.update(outcome.new_series)
    return IngestResult(
        assets=len(good_assets),
        readings=outcome.stored,
        duplicates=outcome.duplicates,
        reports=len(good_reports),
        quarantined=len(bad),
    )
