"""SQL pieces every drill-down query shares: the area condition and the asset list of a domain.

A drill-down query filters by `DrillFilter.areas` (wards and zones, each optional) and by its
window; these helpers say it once so /traffic, /lighting, /environment, /alerts and /reports
agree on what "in Phường Rạch Giá" means (the asset's or report's own ward/zone columns, set by
area placement from its geometry).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from dashboard.queries.filters import OUTSIDE
from dashboard.queries.snapshot import query_frame
from dashboard.store.models import AssetRow

__all__ = ["area_condition", "assets_frame", "zone_mask"]


def area_condition(
    ward_col: Any, zone_col: Any, areas: tuple[Sequence[str], Sequence[str]]
) -> ColumnElement[bool]:
    """`ward_col IN wards AND zone_col IN zones`, each part only when names are given; the
    zone `filters.OUTSIDE` matches a row in no zone (zone_col NULL)."""
    wards, zones = areas
    parts: list[ColumnElement[bool]] = []
    if wards:
        parts.append(ward_col.in_(list(wards)))
    if zones:
        named = [z for z in zones if z != OUTSIDE]
        either = [zone_col.in_(named)] if named else []
        if OUTSIDE in zones:
            either.append(zone_col.is_(None))
        parts.append(or_(*either))
    return and_(*parts) if parts else true()


def zone_mask(zone: pd.Series, zones: Sequence[str]) -> pd.Series:
    """`area_condition`'s zone part over a frame's zone column (all True without zones)."""
    if not zones:
        return pd.Series(True, index=zone.index)
    return zone.isin([z for z in zones if z != OUTSIDE]) | (OUTSIDE in zones) & zone.isna()


def assets_frame(
    session: Session,
    domain: str,
    areas: tuple[Sequence[str], Sequence[str]],
    kinds: Sequence[str] = (),
) -> pd.DataFrame:
    """Assets of `domain` (of `kinds`, if given) in the areas: id, kind, name, ward, zone, lon,
    lat, attributes (dict). Ordered by id."""
    stmt = (
        select(
            AssetRow.id,
            AssetRow.kind,
            AssetRow.name,
            AssetRow.ward,
            AssetRow.zone,
            AssetRow.lon,
            AssetRow.lat,
            AssetRow.attributes,
        )
        .where(AssetRow.domain == domain, area_condition(AssetRow.ward, AssetRow.zone, areas))
        .order_by(AssetRow.id)
    )
    if kinds:
        stmt = stmt.where(AssetRow.kind.in_(list(kinds)))
    cols = ["id", "kind", "name", "ward", "zone", "lon", "lat", "attributes"]
    frame = query_frame(session, stmt, cols)
    for col in ("lon", "lat"):
        frame[col] = frame[col].astype("float64")
    return frame
