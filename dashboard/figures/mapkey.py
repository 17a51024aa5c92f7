"""The city map's key: every layer's entries in the colours its traces are drawn with.

One source: the entries take their colours from the constants the traces use (maplayers,
maplamps, dashboard.aqi), so the key cannot show a colour the map does not draw. The key is
fixed: every layer, every entry, whatever the data holds or the layers shown (the wall draws it
once, beside the map; layouts/wall_parts.map_key).
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.aqi import BANDS, band_labels
from dashboard.figures.maplamps import CABINET_SCALE, FAULT_CENTRE, FAULT_RING, LAMP_COLOURS
from dashboard.figures.maplayers import (
    HALO,
    LAYERS,
    OVERDUE_RING,
    REPORT_COLOUR,
    TRAFFIC_BANDS,
    WATER_COLOURS,
    WATER_RING,
)
from dashboard.i18n import t

__all__ = ["KeyEntry", "map_key"]


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One line of the key: a swatch and its label.

    `fill` is one colour, or the stops of a colour scale (drawn as a gradient); `ring` the
    ring drawn round a dot; `line` the width in px of a line entry (traffic)."""

    label: str
    fill: tuple[str, ...]
    ring: str | None = None
    line: float | None = None


def _traffic(lang: str) -> list[KeyEntry]:
    order = [*TRAFFIC_BANDS[1:], TRAFFIC_BANDS[0]]  # free flow to jammed, then no data
    return [KeyEntry(t(f"map.traffic.{k}", lang), (c,), line=w) for k, _, c, w in order]


def _lighting(lang: str) -> list[KeyEntry]:
    off, on, unknown = LAMP_COLOURS
    return [
        KeyEntry(t("map.cabinets", lang), tuple(str(c) for _, c in CABINET_SCALE)),
        KeyEntry(t("map.lamp.on", lang), (on,)),
        KeyEntry(t("map.lamp.off", lang), (off,)),
        KeyEntry(t("map.lamp.unknown", lang), (unknown,)),
        KeyEntry(t("map.lamp.fault", lang), (FAULT_CENTRE,), ring=FAULT_RING),
    ]


def _air(lang: str) -> list[KeyEntry]:
    names = band_labels(lang)
    return [KeyEntry(f"{names[b.key]} ({b.low}–{b.high})", (b.colour,), ring=HALO) for b in BANDS]


def _water(lang: str) -> list[KeyEntry]:
    return [
        KeyEntry(t(f"map.water.{s}", lang), (c,), ring=WATER_RING) for s, c in WATER_COLOURS.items()
    ]


def _reports(lang: str) -> list[KeyEntry]:
    return [
        KeyEntry(t("map.reports", lang), (REPORT_COLOUR,)),
        KeyEntry(t("map.reports.overdue", lang), (REPORT_COLOUR,), ring=OVERDUE_RING),
    ]


_ENTRIES = {
    "traffic": _traffic,
    "lighting": _lighting,
    "air": _air,
    "water": _water,
    "reports": _reports,
}


def map_key(lang: str) -> list[tuple[str, list[KeyEntry]]]:
    """(layer, its entries) for every map layer, in LAYERS order."""
    return [(layer, _ENTRIES[layer](lang)) for layer in LAYERS]
