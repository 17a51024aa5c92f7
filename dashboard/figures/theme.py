"""The dark, high-contrast palette of the operations room (wall screens read at 5 m).

Colours by meaning, not by page: `bad` is a failing feed, a fault or a breached threshold
wherever it appears. assets/theme.css restates the same values as CSS variables.
"""

from __future__ import annotations

from typing import Final

__all__ = ["PALETTE", "STATUS_ROW"]

PALETTE: Final[dict[str, str]] = {
    "bg": "#0b1016",
    "panel": "#111821",
    "panel_2": "#1b2330",
    "line": "#253040",
    "line_strong": "#3a4a60",
    "text": "#e8edf4",
    "muted": "#9aa8ba",
    "dim": "#7d8a9c",
    "accent": "#4cc3ff",
    "ok": "#3ddc84",
    "warn": "#ffb020",
    "bad": "#ff5a5f",
}

# Table row colours (background, text) by status meaning.
STATUS_ROW: Final[dict[str, tuple[str, str]]] = {
    "bad": ("#4a1518", "#ffd7d7"),
    "warn": ("#4a3510", "#ffe7b0"),
    "attention": ("#3a3320", "#ffe7b0"),
    "muted": ("#151b24", "#9aa8ba"),
    "off": ("#151b24", "#7d8a9c"),
    "busy": ("#12304a", "#cfe9ff"),
}
