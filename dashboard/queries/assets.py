"""Assets (road segments, lamps, stations, gauges) with their geometry, for maps and the API.

Geometry is GeoJSON in WGS84 as the connector gave it; `lon`/`lat` is the representative point
the store computed (for markers and ward placement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.queries._areas import area_condition
from dashboard.store.models import AssetRow

__all__ = ["AssetFeature", "asset_exists", "list_assets"]


@dataclass(frozen=True, slots=True)
class AssetFeature:
    """One asset as a map feature: GeoJSON geometry (WGS84) and the properties the API shows."""

    id: str
    domain: str
    kind: str
    name: str
    ward: str | None
    zone: str | None
    lon: float
    lat: float
    geometry: dict[str, Any]


def list_assets(
    session: Session,
    domain: str | None = None,
    areas: tuple[Sequence[str], Sequence[str]] = ((), ()),
    limit: int | None = None,
) -> list[AssetFeature]:
    """Assets of `domain` (None: all) in the areas (wards, zones: `_areas.area_condition`, as
    the drill pages filter), ordered by id so pages and API agree."""
    stmt = select(AssetRow).where(area_condition(AssetRow.ward, AssetRow.zone, areas))
    stmt = stmt.order_by(AssetRow.id)
    if domain is not None:
        stmt = stmt.where(AssetRow.domain == domain)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [
        AssetFeature(a.id, a.domain, a.kind, a.name, a.ward, a.zone, a.lon, a.lat, a.geometry)
        for a in session.scalars(stmt)
    ]


def asset_exists(session: Session, asset_id: str) -> bool:
    """True when the store knows `asset_id`."""
    return session.scalar(select(AssetRow.id).where(AssetRow.id == asset_id)) is not None
