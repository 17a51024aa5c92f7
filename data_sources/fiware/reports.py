"""The citizen issue models (IssueTracking `service_requests`, `IssueReporting`) as reports.

`service_requests` is Open311 in NGSI: its fields map one to one. `IssueReporting` has a
`category`/`subCategory`, a `title` and `comments`, and a `resolutionStatus`. Both become a
`CitizenReport` keyed by the feed's request id (the entity id when there is none); a report
needs a Point location and a creation time, anything else missing is left empty.

Categories: the source's `category_map` is asked first (the feed's service code, service name,
category or sub-category, exactly), then our own category names and a few common words, then
"other".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from dashboard.records import REPORT_CATEGORIES, CitizenReport, ReportStatus

from .entities import Entity
from .units import MappingError, instant

__all__ = ["REPORT_TYPES", "category_of", "map_report_entity"]

REPORT_TYPES = ("service_requests", "IssueReporting")

# Words in a feed's category text -> our category (checked in this order).
_WORDS: tuple[tuple[str, str], ...] = (
    ("pothole", "pothole"),
    ("road", "pothole"),
    ("streetlight", "streetlight"),
    ("street light", "streetlight"),
    ("lighting", "streetlight"),
    ("lamp", "streetlight"),
    ("flood", "flooding"),
    ("drain", "drainage"),
    ("sewer", "drainage"),
    ("waste", "waste"),
    ("garbage", "waste"),
    ("litter", "waste"),
    ("trash", "waste"),
    ("noise", "noise"),
    ("signal", "traffic_signal"),
    ("tree", "tree"),
    ("sidewalk", "encroachment"),
    ("encroach", "encroachment"),
)

_STATUS = {
    "open": ReportStatus.OPEN,
    "unassigned": ReportStatus.OPEN,
    "assigned": ReportStatus.ACKNOWLEDGED,
    "acknowledged": ReportStatus.ACKNOWLEDGED,
    "inprogress": ReportStatus.IN_PROGRESS,
    "in_progress": ReportStatus.IN_PROGRESS,
    "closed": ReportStatus.CLOSED,
    "closed.": ReportStatus.CLOSED,  # IssueReporting's enum spells it so
}


def category_of(candidates: list[Any], category_map: Mapping[str, str]) -> str:
    """Our category for the feed's category texts (see the module docstring)."""
    texts = [c.strip() for c in candidates if isinstance(c, str) and c.strip()]
    for text in texts:
        if text in category_map:
            return category_map[text]
    for text in texts:
        low = text.lower()
        if low in REPORT_CATEGORIES:
            return low
        for word, category in _WORDS:
            if word in low:
                return category
    return "other"


def _text(entity: Entity, *keys: str) -> str | None:
    for key in keys:
        value = entity.value(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            text = str(value).strip()
            if text:
                return text
    return None


def _point(entity: Entity) -> tuple[float, float]:
    loc = entity.value("location")
    coords = (
        loc.get("coordinates") if isinstance(loc, dict) and loc.get("type") == "Point" else None
    )
    if not (isinstance(coords, list) and len(coords) >= 2):
        raise MappingError(f"{entity.type} {entity.id!r} has no Point location")
    lon, lat = coords[0], coords[1]
    if not all(isinstance(c, int | float) and not isinstance(c, bool) for c in (lon, lat)):
        raise MappingError(f"{entity.type} {entity.id!r} location {coords!r} is not numbers")
    return float(lon), float(lat)


def map_report_entity(
    entity: Entity, naive: tzinfo | None, category_map: Mapping[str, str]
) -> CitizenReport:
    """The report `entity` states; MappingError naming what is missing or wrong."""
    lon, lat = _point(entity)
    issue = entity.type == "IssueReporting"
    raw_status = _text(entity, "resolutionStatus" if issue else "status")
    status = _STATUS.get((raw_status or "").lower().replace(" ", ""))
    if status is None:
        raise MappingError(f"{entity.type} {entity.id!r} status {raw_status!r} is not known")
    created_key = "observationDateTime" if issue else "requested_datetime"
    created_raw = entity.value(created_key)
    if created_raw is None:
        raise MappingError(f"{entity.type} {entity.id!r} has no {created_key}")
    created = instant(created_raw, naive, f"{entity.type}.{created_key}")
    updated_raw = entity.value("dateModified" if issue else "updated_datetime")
    updated = created if updated_raw is None else instant(updated_raw, naive, entity.type)
    updated = max(updated, created)
    if issue:
        parts = [_text(entity, "title"), _text(entity, "comments")]
        description = " — ".join(p for p in parts if p)
        candidates = [entity.value(k) for k in ("categoryCode", "category", "subCategory")]
        external = _text(entity, "reportId") or entity.id
    else:
        description = _text(entity, "description") or ""
        candidates = [entity.value(k) for k in ("service_code", "service_name")]
        external = _text(entity, "service_request_id") or entity.id
    return CitizenReport(
        external_id=external,
        category=category_of(candidates, category_map),
        description=description,
        status=str(status),
        lon=lon,
        lat=lat,
        created_at=created,
        updated_at=updated,
        address=_text(entity, "address_string", "landmark"),
        closed_at=updated if status == ReportStatus.CLOSED else None,
        agency=_text(entity, "agency_responsible", "departmentId"),
        media_url=_text(entity, "media_url", "mediaURL"),
    )
