"""The one definition of where a geometry "is": shared by area placement and the store.

Area placement (`dashboard.areas`) puts an asset in a ward by this point, and the store keeps
the same point as the asset's lon/lat for maps; one function keeps the two from disagreeing
(a three-vertex road once had its middle vertex stored but its midpoint placed).
"""

from __future__ import annotations

import math
from typing import Any

from shapely.errors import ShapelyError
from shapely.geometry import shape

__all__ = ["representative_point"]


def representative_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """A (lon, lat) that stands for a GeoJSON geometry: a point itself, a line's midpoint
    along its length, a point inside anything larger.

    Raises ValueError for a geometry without usable coordinates (missing, empty, malformed,
    not finite), whatever shapely raised underneath.
    """
    try:
        geom = shape(geometry)
        if geom.geom_type in ("LineString", "MultiLineString"):
            geom = geom.interpolate(0.5, normalized=True)
        elif geom.geom_type != "Point":
            geom = geom.representative_point()
        lon, lat = float(geom.x), float(geom.y)
    except (ShapelyError, AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"geometry has no usable coordinates: {exc}".strip()) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise ValueError(f"geometry has no usable coordinates: ({lon}, {lat})")
    return lon, lat
