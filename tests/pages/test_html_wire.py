"""`html_wire` gives the JSON Dash would send for the same html component."""

from __future__ import annotations

from dash import html

from layouts._shared.components import html_wire


def test_wire_form_equals_the_components_own() -> None:
    pairs = [
        (html_wire("Dt", "Tốc độ"), html.Dt("Tốc độ")),
        (html_wire("Dd", "40"), html.Dd("40")),
        (
            html_wire(
                "Button",
                "Speed",
                id={"type": "traffic-series", "metric": "speed_kmh"},
                type="button",
                className="drill-metric active",
                **{"aria-pressed": "true"},
            ),
            html.Button(
                "Speed",
                id={"type": "traffic-series", "metric": "speed_kmh"},
                type="button",
                className="drill-metric active",
                **{"aria-pressed": "true"},
            ),
        ),
        (html_wire("Div", id="empty"), html.Div(id="empty")),
    ]
    for wired, component in pairs:
        assert wired == component.to_plotly_json()
