"""The offline map style survives redraws, and the default view fits the city to its panel."""

from __future__ import annotations

import json
import math

from dashboard.figures.mapbase import fit_view, map_style


def test_the_style_has_a_source_and_nothing_remote() -> None:
    # plotly.js drops an empty "sources" object when Plotly.react sets the style again, and
    # MapLibre then rejects the style ("Map error.") and never draws again.
    style = map_style()
    assert style["sources"], "an empty sources object is lost on the first redraw"
    for source in style["sources"].values():
        assert source["type"] == "geojson" and isinstance(source["data"], dict)
    assert "glyphs" not in style and "sprite" not in style
    text = json.dumps(style)
    assert "http://" not in text and "https://" not in text


def test_fit_view_fills_the_panel_on_the_limiting_side() -> None:
    bounds = (105.05, 9.96, 105.13, 10.05)  # taller than wide in a wide panel
    (lon, lat), zoom = fit_view(bounds, 1400, 600, pad=0.0)
    assert lon == (105.05 + 105.13) / 2 and 9.96 < lat < 10.05
    # At that zoom the city's height is the panel's height (Web Mercator, 512-px tiles).
    merc = [math.log(math.tan(math.pi / 4 + math.radians(v) / 2)) for v in (9.96, 10.05)]
    height_px = 512 * 2**zoom * (merc[1] - merc[0]) / (2 * math.pi)
    assert abs(height_px - 600) < 600 * (2**0.005 - 1)  # the zoom is rounded to 0.01
    (_, _), double = fit_view(bounds, 2800, 1200, pad=0.0)
    assert double == zoom + 1  # a panel twice the size: one zoom level closer
